#!/usr/bin/env bash
# Where Switchyard's CPU goes on the HTTP path: one V8 CPU profile (node --cpu-prof) per target
# and case, each from a fresh Switchyard process (same rig, config and pinning as run.sh: JSON
# access log on, metrics on), ended by SIGTERM (Switchyard drains and exits; node writes the
# profile at exit). Prints busy time by category, the top functions by self time and
# Switchyard's own functions by total time (bench/tcp/cpuprofile-summary.mjs).
#
# Knobs (env): TARGETS="switchyard switchyard@24" (@24 = under $NODE24)
#   CASES="small-c50" (any of small-cN 18k-cN ab-18k)  AB_N=20000 (ab -n)  DUR=8  WARMUP=2  TOP=20
#   OUT=bench/http/results/http-profile-<date>.txt (an existing file gets a time suffix)
#   NODE, NODE24, CPU_LOAD, CPU_PROXY, RUN, PORT_SHIFT, SKIP_INSTALL, BUILD: as in run.sh
# The profile covers warm-up and measured run; the sampler costs CPU, so the µs/req printed
# here are higher than run.sh's.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

TARGETS=${TARGETS:-"switchyard switchyard@24"}
[[ -n $NODE24 ]] || TARGETS=${TARGETS//switchyard@24/}
CASES=${CASES:-"small-c50"}
DUR=${DUR:-8}
WARMUP=${WARMUP:-2}
TOP=${TOP:-20}
AB_N=${AB_N:-20000}
if [[ -z ${OUT:-} ]]; then
  OUT=$HERE/results/http-profile-$(date +%F).txt
  [[ -e $OUT ]] && OUT=${OUT%.txt}-$(date +%H%M%S).txt
fi
mkdir -p "$RUN" "$(dirname "$OUT")"

[[ ${SKIP_INSTALL:-0} == 1 ]] || install_http_deps
build_switchyard
setup_ports
trap teardown EXIT
trap 'exit 130' INT TERM
write_configs
start_backends

{
  echo "# Switchyard HTTP CPU profiles, $(date '+%F %T %Z'); dist sha256/12 $(dist_hash)"
  echo "# keep-alive cases: wrk -t1, ${WARMUP}s warm-up + ${DUR}s measured; ab-18k: ab -n 2000 warm-up + ab -n $AB_N -c 10; under node --cpu-prof (default 1 ms sampling)"
  echo "# config: HTTP listener, JSON access log to a file, round-robin pool (maxIdleConnections 64), --log-level warn; node also runs with --trace-gc (GCs counted in the measured part)"
  echo "# pinning: CPU $CPU_LOAD = wrk + nginx backends; CPU $CPU_PROXY = switchyard"
} >"$OUT"

# The measured part's CPU (user/sys ticks), minor page faults, and GCs (node --trace-gc lines
# in the proxy's log): gc_mark before it, gc_count after it.
gc_mark() {
  read -r f0 u0 s0 < <(awk '{sub(/^.*\) /, ""); print $8, $12, $13}' /proc/"${PID[$px]}"/stat)
  l0=$(wc -l <"$RUN/$px.log")
}
gc_count() {
  read -r f1 u1 s1 < <(awk '{sub(/^.*\) /, ""); print $8, $12, $13}' /proc/"${PID[$px]}"/stat)
  tail -n +$((l0 + 1)) "$RUN/$px.log" >"$RUN/gc-$px-$cs.txt"
  nsc=$(grep -c 'Scavenge' "$RUN/gc-$px-$cs.txt" || true)
  nmc=$(grep -c 'Mark-Compact' "$RUN/gc-$px-$cs.txt" || true)
  mcms=$(awk '/Mark-Compact/{for (i = 1; i < NF; i++) if ($i == "MB,") { v = $(i + 1); if (v == "pooled:") v = $(i + 4); t += v; break }} END{printf "%.0f", t}' "$RUN/gc-$px-$cs.txt")
}

for px in $TARGETS; do
  for cs in $CASES; do
    dir=$RUN/prof-$px-$cs; rm -rf "$dir"; mkdir -p "$dir"
    SWITCHYARD_NODE_FLAGS="--cpu-prof --cpu-prof-dir=$dir --trace-gc" start_proxies "$px"
    if [[ $cs == ab-18k ]]; then   # HTTP/1.0, a new connection per request
      url=http://127.0.0.1:${PORT[$px]}/18k what="ab -n $AB_N -c 10 /18k (new connection per request)"
      timeout 120 taskset -c "$CPU_LOAD" ab -q -s 10 -n 2000 -c 10 "$url" >/dev/null 2>&1 || true
      gc_mark
      timeout 180 taskset -c "$CPU_LOAD" ab -q -s 10 -n "$AB_N" -c 10 "$url" >"$RUN/prof-$px-$cs.ab" 2>&1 || true
      gc_count
      n=$(awk -F: '/^Complete requests/{print $2+0}' "$RUN/prof-$px-$cs.ab")
      rps=$(awk -F: '/^Requests per second/{printf "%.0f", $2}' "$RUN/prof-$px-$cs.ab")
      p99=$(awk '$1=="99%"{print $2 "ms"}' "$RUN/prof-$px-$cs.ab")
      errs=$(awk -F: '/^Failed requests/{e+=$2} /^Non-2xx/{e+=$2} END{print e+0}' "$RUN/prof-$px-$cs.ab")
    else
      path=${cs%-c*} c=${cs##*-c}
      [[ $path == small || $path == 18k ]] || { log "unknown case $cs"; exit 1; }
      url=http://127.0.0.1:${PORT[$px]}/$path what="keep-alive /$path -c$c"
      timeout $((WARMUP + 20)) taskset -c "$CPU_LOAD" wrk -t1 -c"$c" -d"${WARMUP}s" --timeout 5s "$url" >/dev/null 2>&1 || true
      gc_mark
      timeout $((DUR + 20)) taskset -c "$CPU_LOAD" wrk -t1 -c"$c" -d"${DUR}s" --timeout 5s --latency "$url" >"$RUN/prof-$px-$cs.wrk" 2>&1 || true
      gc_count
      n=$(awk '/ requests in /{print $1}' "$RUN/prof-$px-$cs.wrk")
      rps=$(awk '/Requests\/sec:/{printf "%.0f", $2}' "$RUN/prof-$px-$cs.wrk")
      p99=$(awk '$1=="99%"{print $2}' "$RUN/prof-$px-$cs.wrk")
      errs=$(awk '/Socket errors/{gsub(/,/,""); e+=$4+$6+$8+$10} /Non-2xx/{e+=$NF} END{print e+0}' "$RUN/prof-$px-$cs.wrk")
    fi
    nv=$("$(node_of "$px")" --version)
    stop_one "$px"
    prof=$(ls "$dir"/*.cpuprofile 2>/dev/null | head -1)
    [[ -n $prof ]] || { log "FATAL: no .cpuprofile written in $dir"; exit 1; }
    {
      echo
      echo "## $px (node $nv), case $cs: $what; $rps req/s, p99 $p99, $errs errors;" \
        "switchyard CPU under the profiler: $(awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v c="$CLK" -v n="${n:-0}" \
          'BEGIN{ if (n>0) printf "%.1f µs/req (user %.1f + sys %.1f)", 1e6*(u+s)/c/n, 1e6*u/c/n, 1e6*s/c/n }')"
      echo "measured part: $nsc scavenges, $nmc mark-compacts (${mcms} ms of main-thread pause), " \
        "$(awk -v f=$((f1 - f0)) -v n="${n:-0}" 'BEGIN{ if (n>0) printf "%.2f", f/n }') minor page faults/req"
      "$NODE" "$ROOT/bench/tcp/cpuprofile-summary.mjs" "$prof" "$TOP"
    } >>"$OUT"
    log "$px $cs: profile $prof"
  done
done
teardown
cat "$OUT"
log "summary: $OUT (raw .cpuprofile files in $RUN)"
