#!/usr/bin/env bash
# Where Switchyard's CPU goes: one V8 CPU profile (node --cpu-prof) per target and case, each
# from a fresh Switchyard process (same rig, config and pinning as bench/run.sh: JSON access log
# and metrics on for L7), ended by SIGTERM (Switchyard drains and exits; node writes the profile
# at exit). Prints, per case: req/s, CPU µs/req split into user and kernel, GCs counted with
# --trace-gc over the measured part, minor page faults per request, then busy time by category,
# the top functions by self time and Switchyard's own functions by total time
# (lib/cpuprofile-summary.mjs).
#
# usage: bench/profile.sh [--node24[=PATH]]
# Knobs (env): CASES="l7-small-c50 l4-small-c50" (any case of bench/run.sh but redis)
#   TARGETS="switchyard" (+ switchyard@24 with --node24 or SWITCHYARD_NODE24)  DUR=8  WARMUP=2  TOP=20
#   OUT=bench/results/profile-<date>-<time>.txt
#   NODE, CPU_LOAD, CPU_PROXY, RUN, PORT_SHIFT, SKIP_INSTALL, BUILD, SY_YAML_EXTRA: as in run.sh
# The profile covers warm-up and measured run; the sampler costs CPU, so the µs/req printed
# here are higher than run.sh's.
set -euo pipefail
for arg in "$@"; do
  case $arg in
    --node24) WANT_NODE24=1 ;;
    --node24=*) NODE24=${arg#--node24=} ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/profile.sh: unknown option '$arg' (known: --node24[=PATH], --help)" >&2; exit 2 ;;
  esac
done
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"
source "$LIB/rig.sh"
source "$LIB/load.sh"
# Bare --node24: $SWITCHYARD_NODE24, else the npm package's binary (installed when missing).
[[ ${WANT_NODE24:-0} == 1 && -z ${NODE24:-} ]] && NODE24=${SWITCHYARD_NODE24:-$NODE24_DEFAULT}

TARGETS=${TARGETS:-switchyard${NODE24:+ switchyard@24}}
CASES=${CASES:-"l7-small-c50 l4-small-c50"}
DUR=${DUR:-8}
WARMUP=${WARMUP:-2}
TOP=${TOP:-20}
AB_CONNS=${AB_CONNS:-10}
REDIS_CONNS=${REDIS_CONNS:-50}
for cs in $CASES; do
  { parse_case "$cs" && [[ $C_TOOL != redis ]]; } || { echo "bench/profile.sh: unknown case '$cs' (known: $KNOWN_CASES, but not redis)" >&2; exit 2; }
done
for px in $TARGETS; do
  [[ $px == switchyard || ( $px == switchyard@24 && -n $NODE24 ) ]] ||
    { echo "bench/profile.sh: TARGETS takes switchyard and switchyard@24 (with --node24), got '$px'" >&2; exit 2; }
done
OUT=${OUT:-$BENCH/results/profile-$(date +%F-%H%M%S).txt}
mkdir -p "$RUN" "$(dirname "$OUT")"

[[ ${SKIP_INSTALL:-0} == 1 ]] || install_deps "$TARGETS"
build_switchyard
setup_ports || die "no free ports"
trap teardown EXIT
trap 'exit 130' INT TERM
write_configs
start_backends

{
  echo "# Switchyard CPU profiles, $(date '+%F %T %Z'); dist sha256/12 $(dist_hash)"
  echo "# ${WARMUP}s warm-up + ${DUR}s measured per case (wrk -t1, or ab -c $AB_CONNS -t), under node --cpu-prof (1 ms sampling) --trace-gc"
  echo "# config: bench/run.sh's (HTTP listener with JSON access log, round-robin pools), --log-level warn"
  echo "# pinning: CPU $CPU_LOAD = load generator + nginx backends; CPU $CPU_PROXY = switchyard"
} >"$OUT"

# The measured part's CPU (user/sys ticks), minor page faults, and GCs (node --trace-gc lines in
# the proxy's log): mark before it, count after it.
stat_of() { awk '{sub(/^.*\) /, ""); print $8, $12, $13}' /proc/"$1"/stat; }
for px in $TARGETS; do
  for cs in $CASES; do
    parse_case "$cs"
    dir=$RUN/prof-$px-$cs; rm -rf "$dir"; mkdir -p "$dir"
    SWITCHYARD_NODE_FLAGS="--cpu-prof --cpu-prof-dir=$dir --trace-gc" start_proxies "$px"
    port=$(case_port "$px")
    load() { # load SECONDS -> output in $RUN/prof.out
      case $C_TOOL in
        wrk) wrk_run "$port" "$C_PATH" "$C_CONNS" "$1" "$C_CLOSE" ;;
        ab) ab_run "$port" "$C_PATH" "$C_CONNS" "$1" ;;
      esac >"$RUN/prof.out" 2>&1 || true
    }
    load "$WARMUP"
    read -r f0 u0 s0 < <(stat_of "${PID[$px]}"); l0=$(wc -l <"$RUN/$px.log")
    load "$DUR"
    read -r f1 u1 s1 < <(stat_of "${PID[$px]}")
    tail -n +$((l0 + 1)) "$RUN/$px.log" >"$RUN/gc-$px-$cs.txt"
    nsc=$(grep -c 'Scavenge' "$RUN/gc-$px-$cs.txt" || true)
    nmc=$(grep -c 'Mark-Compact' "$RUN/gc-$px-$cs.txt" || true)
    mcms=$(awk '/Mark-Compact/{for (i = 1; i < NF; i++) if ($i == "MB,") { v = $(i + 1); if (v == "pooled:") v = $(i + 4); t += v; break }} END{printf "%.0f", t}' "$RUN/gc-$px-$cs.txt")
    if [[ $C_TOOL == ab ]]; then
      n=$(awk -F: '/^Complete requests/{print $2+0}' "$RUN/prof.out")
      rps=$(awk -F: '/^Requests per second/{printf "%.0f", $2}' "$RUN/prof.out")
      p99=$(awk '$1=="99%"{print $2 "ms"}' "$RUN/prof.out")
      errs=$(awk -F: '/^Failed requests/{e+=$2} /^Non-2xx/{e+=$2} END{print e+0}' "$RUN/prof.out")
    else
      n=$(awk '/ requests in /{print $1}' "$RUN/prof.out")
      rps=$(awk '/Requests\/sec:/{printf "%.0f", $2}' "$RUN/prof.out")
      p99=$(awk '$1=="99%"{print $2}' "$RUN/prof.out")
      errs=$(awk '/Socket errors/{gsub(/,/,""); e+=$4+$6+$8+$10} /Non-2xx/{e+=$NF} END{print e+0}' "$RUN/prof.out")
    fi
    nv=$("$(node_of "$px")" --version)
    stop_one "$px"
    prof=$(ls "$dir"/*.cpuprofile 2>/dev/null | head -1)
    [[ -n $prof ]] || die "no .cpuprofile written in $dir"
    {
      echo
      echo "## $px (node $nv), $cs: $rps req/s, p99 $p99, $errs errors;" \
        "switchyard CPU under the profiler: $(awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v c="$CLK" -v n="${n:-0}" \
          'BEGIN{ if (n>0) printf "%.1f µs/req (user %.1f + sys %.1f)", 1e6*(u+s)/c/n, 1e6*u/c/n, 1e6*s/c/n }')"
      echo "measured part: $nsc scavenges, $nmc mark-compacts ($mcms ms of main-thread pause)," \
        "$(awk -v f=$((f1 - f0)) -v n="${n:-0}" 'BEGIN{ if (n>0) printf "%.2f", f/n }') minor page faults/req"
      "$NODE" "$LIB/cpuprofile-summary.mjs" "$prof" "$TOP"
    } >>"$OUT"
    log "$px $cs: profile $prof"
  done
done
teardown
cat "$OUT"
log "summary: $OUT (raw .cpuprofile files in $RUN)"
