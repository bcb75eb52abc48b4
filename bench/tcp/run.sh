#!/usr/bin/env bash
# Switchyard TCP (layer 4) forwarding cost, measured beside HAProxy `mode tcp`, a plain Node
# net+pipe proxy and a direct connection, in the same run. See bench/tcp/README.md.
#
# Knobs (env):
#   REPS=3 DUR=8 (seconds per measured run)  QUICK=1 (REPS=1 DUR=3, cases "small close redis-set")
#   PROXIES="direct haproxy-tcp node-pipe switchyard"
#   CASES="small 18k close redis-set redis-get"   REPS_18K=$REPS (repetitions of the 18k case)
#   WARMUP=3 (seconds per proxy and HTTP case)  CONNS=50 (wrk -c and redis-benchmark -c)  PIPELINE=16 (redis -P)
#   NOISE_MAX=10 RETRY_NOISY=3 (re-run a run with more than NOISE_MAX % foreign CPU, up to RETRY_NOISY times)
#   QUIET_MAX=20 (before each run, wait up to this many seconds for a second with < NOISE_MAX % CPU busy)
#   CPU_LOAD=0 (wrk, redis-benchmark, nginx, redis-server)  CPU_PROXY=1 (the proxy under test, alone)
#   SY_YAML_EXTRA="bufferSize: 16KiB" (top-level lines appended to Switchyard's generated config)
#   NODE=node (the node binary: Node 20 or 24, whichever is first on PATH by default)
#   OUT=bench/results/tcp-<date>.tsv (QUICK: tcp-<date>-quick.tsv; an existing file gets a time suffix)
#   RUN=/tmp/switchyard-bench-tcp.<pid> (scratch: configs, logs)  PORT_SHIFT="0 1000 ..."  SKIP_INSTALL=1  BUILD=1
# Everything talks to 127.0.0.1 only; every load run is bounded in time (timeout).
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

if [[ ${QUICK:-0} == 1 ]]; then
  REPS=${REPS:-1} DUR=${DUR:-3} CASES=${CASES:-"small close redis-set"} WARMUP=${WARMUP:-2}
fi
REPS=${REPS:-3}
DUR=${DUR:-8}
WARMUP=${WARMUP:-3}
CASES=${CASES:-"small 18k close redis-set redis-get"}
REPS_18K=${REPS_18K:-$REPS}
PROXIES=${PROXIES:-"direct haproxy-tcp node-pipe switchyard"}
CONNS=${CONNS:-50}
PIPELINE=${PIPELINE:-16}
NOISE_MAX=${NOISE_MAX:-10}
RETRY_NOISY=${RETRY_NOISY:-3}
DATE=$(date +%F)
if [[ -z ${OUT:-} ]]; then
  OUT=$ROOT/bench/results/tcp-$DATE.tsv
  [[ ${QUICK:-0} == 1 ]] && OUT=${OUT%.tsv}-quick.tsv
  [[ -e $OUT ]] && OUT=${OUT%.tsv}-$(date +%H%M%S).tsv
fi
mkdir -p "$RUN" "$(dirname "$OUT")"
T_START=$(date +%s)

[[ ${SKIP_INSTALL:-0} == 1 ]] || install_deps
build_switchyard
setup_ports
trap teardown EXIT
trap 'exit 130' INT TERM
write_configs

# ---------------------------------------------------------------- machine facts (next to the TSV)
META=${OUT%.tsv}.meta.txt
{
  echo "date: $(date '+%F %T %Z')"
  echo "command: $(printf '%q ' env REPS="$REPS" DUR="$DUR" CASES="$CASES" REPS_18K="$REPS_18K" PROXIES="$PROXIES" bench/tcp/run.sh)"
  echo "nproc: $(nproc)"
  echo "cpu: $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
  echo "kernel: $(uname -r)"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "node: $("$NODE" --version) ($(command -v "$NODE"))"
  echo "haproxy: $(haproxy -v | head -1)"
  echo "nginx: $(nginx -v 2>&1)"
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  echo "redis: $(redis-server --version)"
  echo "switchyard dist sha256/12: $(dist_hash)"
  echo "pinning: CPU $CPU_LOAD = wrk/redis-benchmark + nginx (1 worker) + 2 redis-server; CPU $CPU_PROXY = the proxy under test alone"
  echo "ports: backends $B1 $B2, redis $R1 $R2; http ${PORT[*]}; redis ${RPORT[*]}"
} >"$META"
cat "$META" >&2

start_backends
start_proxies "$PROXIES"
sanity "$PROXIES"

# ---------------------------------------------------------------- one measurement
# TSV columns (one line per run; summarize.mjs reads them by name):
[[ -s $OUT ]] || printf '%s\n' "tool	case	proxy	conns	rep	requests	secs	rps	p50_ms	p99_ms	errors	proxy_cpu_s	proxy_us_req	proxy_cpu	backend_cpu	client_cpu	cpu_load	cpu_proxy	steal	other_cpu	node	tw_before	waited_s" >"$OUT"
NODE_V=$("$NODE" --version)

pct_of() { awk -v t="$1" -v s="$2" -v c="$CLK" 'BEGIN{ printf "%.0f", 100*t/c/s }'; }   # ticks, seconds -> % of one CPU
# run_load TOOL CASE PROXY REP -- command...   (command output -> $RUN/last.out)
run_load() {
  local tool=$1 cs=$2 px=$3 rep=$4; shift 5
  local ppids bpids="${PID[backends]} ${PID[redis1]} ${PID[redis2]}"
  if [[ $tool == redis ]]; then ppids=$(redis_pid "$px"); else ppids=$(http_pid "$px"); fi
  local c0 c1 p0 p1 b0 b1 t0 t1 el tm
  local s0 s1 tw; tw=$(awk '$1=="TCP:"{for(i=2;i<NF;i++) if($i=="tw") print $(i+1)}' /proc/net/sockstat)
  s0=$(procsnap || true)   # awk exits 2 if a process vanished under the glob: not fatal
  c0=$(cpustat); p0=$(ticks $ppids); b0=$(ticks $bpids); t0=$(now)
  TIMEFORMAT='%U %S'
  { time "$@" >"$RUN/last.out" 2>&1; } 2>"$RUN/last.time" || true
  t1=$(now); c1=$(cpustat); p1=$(ticks $ppids); b1=$(ticks $bpids)
  s1=$(procsnap || true)
  el=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
  tm=$(awk '{printf "%.3f", $1+$2}' "$RUN/last.time")                       # client CPU seconds
  local pc bc cc cp
  pc=$(pct_of $((p1 - p0)) "$el"); bc=$(pct_of $((b1 - b0)) "$el")
  cc=$(awk -v t="$tm" -v s="$el" 'BEGIN{printf "%.0f", 100*t/s}')
  cp=$(cpu_pcts "$c0" "$c1")
  local res   # requests secs rps p50 p99 errors
  case $tool in
    wrk) res=$(awk '
        function ms(v){ if(v~/us$/){sub(/us$/,"",v);return v/1000} if(v~/ms$/){sub(/ms$/,"",v);return v+0}
                         if(v~/m$/){sub(/m$/,"",v);return v*60000} if(v~/s$/){sub(/s$/,"",v);return v*1000} return v }
        / requests in /{n=$1; s=$4; sub(/s,$/,"",s)} /Requests\/sec:/{r=$2} $1=="50%"{p50=ms($2)} $1=="99%"{p99=ms($2)}
        /Socket errors/{gsub(/,/,""); e+=$4+$6+$8+$10} /Non-2xx/{e+=$NF}
        END{printf "%d\t%.2f\t%.0f\t%.3f\t%.3f\t%d", n, s, r, p50, p99, e+(r>0?0:1)}' "$RUN/last.out") ;;
    redis) res=$(awk -F, -v n="$REDIS_REQS" '{gsub(/"/,"")}
        $1=="SET"||$1=="GET"{r=$2; p50=$5; p99=$7}
        END{printf "%d\t%.2f\t%.0f\t%.3f\t%.3f\t%d", (r>0?n:0), (r>0?n/r:0), r, p50, p99, (r>0?0:1)}' "$RUN/last.out") ;;
  esac
  local nreq; nreq=$(cut -f1 <<<"$res")
  local cpus usr
  cpus=$(awk -v t=$((p1 - p0)) -v c="$CLK" 'BEGIN{printf "%.2f", t/c}')
  usr=$(awk -v t=$((p1 - p0)) -v c="$CLK" -v n="$nreq" 'BEGIN{ if (n>0) printf "%.2f", 1e6*t/c/n }')
  read -r cpu0 cpu1 steal procs <<<"$cp"
  # other = user+system time on both CPUs not accounted to proxy, backends or client: foreign load (noise)
  local other; other=$(awk -v a="$procs" -v p="$pc" -v q="$bc" -v c="$cc" 'BEGIN{o=a-p-q-c; printf "%.0f", (o<0?0:o)}')
  LAST_OTHER=$other
  LAST_FOREIGN=""
  ((other <= NOISE_MAX)) || LAST_FOREIGN=$(foreign_top "$s0" "$s1" "$$ $BASHPID ${STARTED[*]//*:/} $(for e in ${STARTED[*]//*:/}; do ps -o pid= --ppid "$e"; done)")
  local nerr; nerr=$(cut -f6 <<<"$res")
  ((${nerr:-0} == 0)) || cp "$RUN/last.out" "$RUN/errors-$cs-$px-r$rep-$(date +%s).out"
  if [[ -z $ppids ]]; then pc="" cpus="" usr=""; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$cs" "$px" "$CONNS" "$rep" "$res" \
    "$cpus" "$usr" "$pc" "$bc" "$cc" "$cpu0" "$cpu1" "$steal" "$other" "$NODE_V" "$tw" "$WAITED" >>"$OUT"
  log "$(tail -1 "$OUT" | cut -f1-3,5-20 | tr '\t' ' ')"
}
# measure: run_load, re-run (up to RETRY_NOISY times) while disturbed by more than NOISE_MAX % foreign
# CPU. Every attempt stays in the TSV; summarize.mjs keeps, per repetition, the least disturbed one.
QUIET_MAX=${QUIET_MAX:-20}
# wait_quiet: between runs our servers idle, so CPU busy now is foreign. Wait (up to QUIET_MAX s)
# for one second with less than NOISE_MAX % busy over both CPUs; sets WAITED (seconds).
wait_quiet() {
  local a b busy t0=$SECONDS said=0
  while :; do
    a=$(cpustat); sleep 1; b=$(cpustat)
    busy=$(cpu_pcts "$a" "$b" | awk '{print $1 + $2}')
    ((busy < NOISE_MAX)) && break
    ((said)) || { log "  machine busy (${busy}% CPU, not ours): waiting up to ${QUIET_MAX}s"; said=1; }
    ((SECONDS - t0 < QUIET_MAX)) || { log "  still busy after ${QUIET_MAX}s: measuring anyway"; break; }
  done
  WAITED=$((SECONDS - t0 - 1))
}
measure() {
  local n
  for ((n = 0; n <= RETRY_NOISY; n++)); do
    wait_quiet
    run_load "$@"
    ((LAST_OTHER <= NOISE_MAX)) && return 0
    log "  ^ disturbed (foreign CPU ${LAST_OTHER}%; top foreign processes: ${LAST_FOREIGN:-none seen}), retrying"
  done
}

url() { echo "http://127.0.0.1:${PORT[$1]}/$2"; }
wrk_run() { # wrk_run PROXY CASE SECONDS
  local extra=() path=small
  case $2 in 18k) path=18k ;; close) extra=(-H 'Connection: close') ;; esac
  timeout $(($3 + 20)) taskset -c "$CPU_LOAD" wrk -t1 -c"$CONNS" -d"$3s" --timeout 5s --latency "${extra[@]}" "$(url "$1" "$path")"
}
redis_run() { # redis_run PROXY OP REQUESTS
  timeout $((4 * DUR + 30)) taskset -c "$CPU_LOAD" \
    redis-benchmark -h 127.0.0.1 -p "${RPORT[$1]}" -t "$2" -n "$3" -c "$CONNS" -P "$PIPELINE" --csv
}
redis_rps() { awk -F, '{gsub(/"/,"")} $1=="SET"||$1=="GET"{print $2+0}'; }
run_case() { # run_case CASE PROXY REP
  local cs=$1 px=$2 rep=$3
  case $cs in
    small | 18k | close) measure wrk "$cs" "$px" "$rep" -- wrk_run "$px" "$cs" "$DUR" ;;
    redis-set | redis-get)
      local op=${cs#redis-}; REDIS_REQS=${RN[$px-$op]}
      measure redis "$cs" "$px" "$rep" -- redis_run "$px" "$op" "$REDIS_REQS" ;;
    *) log "unknown case $cs"; return 1 ;;
  esac
}

# ---------------------------------------------------------------- warm-up (JIT), and sizing of redis runs
declare -A RN=() WARM=()
log "warm-up ${WARMUP}s per proxy and case"
for px in $PROXIES; do
  for cs in $CASES; do
    case $cs in
      small | 18k | close) wrk_run "$px" "$cs" "$WARMUP" >/dev/null 2>&1 || true ;;
      redis-set | redis-get)
        op=${cs#redis-}
        r=$(redis_run "$px" "$op" $((300000 * WARMUP)) 2>/dev/null | redis_rps) || r=0
        WARM[$px-$op]=${r:-0} ;;
    esac
  done
done
# redis-benchmark counts requests, not time: size every target's runs of an op alike, to last
# about DUR seconds at the fastest warm-up rate (slower proxies take a little longer).
for op in set get; do
  [[ " $CASES " == *" redis-$op "* ]] || continue
  max=0; for px in $PROXIES; do max=$(awk -v a="$max" -v b="${WARM[$px-$op]}" 'BEGIN{print (b>a?b:a)}'); done
  n=$(awk -v r="$max" -v d="$DUR" 'BEGIN{n=int(r*d/10000)*10000; print (n<100000?100000:n)}')
  for px in $PROXIES; do RN[$px-$op]=$n; done
  log "redis $op warm-up req/s: $(for px in $PROXIES; do printf '%s=%s ' "$px" "${WARM[$px-$op]}"; done)-> -n $n"
done

# ---------------------------------------------------------------- matrix, interleaved by repetition
# Each repetition runs every case for every proxy; odd reps in PROXIES order, even reps reversed,
# so a slow drift of the host does not always favour the same proxy.
for ((rep = 1; rep <= REPS; rep++)); do
  log "=== repetition $rep/$REPS"
  order=$PROXIES; ((rep % 2 == 0)) && order=$(echo $PROXIES | tr ' ' '\n' | tac | tr '\n' ' ')
  for cs in $CASES; do
    [[ $cs == 18k ]] && ((rep > REPS_18K)) && continue
    for px in $order; do run_case "$cs" "$px" "$rep"; done   # measure() waits for a quiet second first
  done
done

# Errors or warnings the proxies logged (switchyard runs at --log-level warn).
for px in $PROXIES; do
  [[ $px == direct ]] && continue
  if [[ -s $RUN/$px.log ]] && grep -qv '^node-pipe-proxy' "$RUN/$px.log"; then
    log "$px logged:"; grep -v '^node-pipe-proxy' "$RUN/$px.log" | head -5 >&2
  fi
done
teardown
log "done in $(($(date +%s) - T_START)) s; raw results: $OUT (machine facts: $META)"
"$NODE" "$HERE/summarize.mjs" "$OUT"
