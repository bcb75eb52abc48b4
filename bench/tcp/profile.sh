#!/usr/bin/env bash
# Where Switchyard's CPU goes on the TCP path: one V8 CPU profile (node --cpu-prof) per case,
# each from a fresh Switchyard process (same rig and pinning as run.sh), ended by SIGTERM
# (Switchyard drains and exits; node writes the profile at exit). Prints the top functions.
#
# Knobs (env): CASES="close small" (any of small 18k close)  DUR=8  WARMUP=2  TOP=25
#   OUT=bench/results/tcp-profile-<date>.txt (an existing file gets a time suffix)
#   NODE, CPU_LOAD, CPU_PROXY, RUN, PORT_SHIFT, SKIP_INSTALL, BUILD: as in run.sh
# The profile covers warm-up and measured run; the sampler costs CPU, so the µs/req printed
# here are higher than run.sh's.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

CASES=${CASES:-"close small"}
DUR=${DUR:-8}
WARMUP=${WARMUP:-2}
TOP=${TOP:-25}
CONNS=50
if [[ -z ${OUT:-} ]]; then
  OUT=$ROOT/bench/results/tcp-profile-$(date +%F).txt
  [[ -e $OUT ]] && OUT=${OUT%.txt}-$(date +%H%M%S).txt
fi
mkdir -p "$RUN" "$(dirname "$OUT")"

[[ ${SKIP_INSTALL:-0} == 1 ]] || install_deps
build_switchyard
setup_ports
trap teardown EXIT
trap 'exit 130' INT TERM
write_configs
start_backends

{
  echo "# Switchyard CPU profiles, $(date '+%F %T %Z'); node $("$NODE" --version); dist sha256/12 $(dist_hash)"
  echo "# wrk -t1 -c$CONNS, ${WARMUP}s warm-up + ${DUR}s measured, under node --cpu-prof (default 1 ms sampling)"
  echo "# pinning: CPU $CPU_LOAD = wrk + nginx backends; CPU $CPU_PROXY = switchyard"
} >"$OUT"

for cs in $CASES; do
  path=small extra=()
  case $cs in 18k) path=18k ;; close) extra=(-H 'Connection: close') ;; small) ;; *) log "unknown case $cs"; exit 1 ;; esac
  dir=$RUN/prof-$cs; rm -rf "$dir"; mkdir -p "$dir"
  SWITCHYARD_NODE_FLAGS="--cpu-prof --cpu-prof-dir=$dir" start_proxies switchyard
  url=http://127.0.0.1:${PORT[switchyard]}/$path
  timeout $((WARMUP + 20)) taskset -c "$CPU_LOAD" wrk -t1 -c$CONNS -d"${WARMUP}s" --timeout 5s "${extra[@]}" "$url" >/dev/null 2>&1 || true
  p0=$(ticks "${PID[switchyard]}")
  timeout $((DUR + 20)) taskset -c "$CPU_LOAD" wrk -t1 -c$CONNS -d"${DUR}s" --timeout 5s --latency "${extra[@]}" "$url" >"$RUN/prof-$cs.wrk" 2>&1 || true
  p1=$(ticks "${PID[switchyard]}")
  n=$(awk '/ requests in /{print $1}' "$RUN/prof-$cs.wrk")
  rps=$(awk '/Requests\/sec:/{printf "%.0f", $2}' "$RUN/prof-$cs.wrk")
  errs=$(awk '/Socket errors/{gsub(/,/,""); e+=$4+$6+$8+$10} /Non-2xx/{e+=$NF} END{print e+0}' "$RUN/prof-$cs.wrk")
  stop_one switchyard
  prof=$(ls "$dir"/*.cpuprofile 2>/dev/null | head -1)
  [[ -n $prof ]] || { log "FATAL: no .cpuprofile written in $dir"; exit 1; }
  {
    echo
    echo "## case $cs: ${extra[*]:-keep-alive} /$path; $rps req/s, $errs errors; switchyard CPU under the profiler:" \
      "$(awk -v t=$((p1 - p0)) -v c="$CLK" -v n="${n:-0}" 'BEGIN{ if (n>0) printf "%.1f", 1e6*t/c/n }') µs/req"
    "$NODE" "$HERE/cpuprofile-summary.mjs" "$prof" "$TOP"
  } >>"$OUT"
  log "case $cs: profile $prof"
done
teardown
cat "$OUT"
log "summary: $OUT (raw .cpuprofile files in $RUN)"
