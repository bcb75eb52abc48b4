# Cases, load generators and one measurement (sourced after common.sh and rig.sh).
#
# A case is LAYER-LOAD: l7-* through the HTTP listeners, l4-* through the TCP listeners.
#   l7-small-cN, l7-18k-cN, l4-small-cN, l4-18k-cN   wrk -t1 -cN, keep-alive, /small (100 B) or /18k
#   l7-ab-18k, l4-ab-18k (also ab-small)             ab -c $AB_CONNS, HTTP/1.0: a new connection per request
#   l4-close-cN                                      wrk -cN with Connection: close on /small
#   l4-redis-set, l4-redis-get                       redis-benchmark -P $PIPELINE -c $REDIS_CONNS
# Every load is bounded in time (wrk -d, ab -t, timeout).

# parse_case CASE: sets C_LAYER C_TOOL C_PATH C_CONNS C_CLOSE C_OP; fails on an unknown case.
parse_case() {
  local rest
  C_LAYER=${1%%-*}; rest=${1#*-}; C_CLOSE=0; C_OP=""; C_PATH=""
  [[ $C_LAYER == l7 || $C_LAYER == l4 ]] || return 1
  case $rest in
    small-c[1-9]* | 18k-c[1-9]*) C_TOOL=wrk C_PATH=${rest%-c*} C_CONNS=${rest##*-c} ;;
    close-c[1-9]*) C_TOOL=wrk C_PATH=small C_CONNS=${rest##*-c} C_CLOSE=1 ;;
    ab-small | ab-18k) C_TOOL=ab C_PATH=${rest#ab-} C_CONNS=$AB_CONNS ;;
    redis-set | redis-get) [[ $C_LAYER == l4 ]] || return 1; C_TOOL=redis C_OP=${rest#redis-} C_CONNS=$REDIS_CONNS ;;
    *) return 1 ;;
  esac
  [[ $C_CONNS =~ ^[0-9]+$ ]]
}
KNOWN_CASES="l7-small-cN l7-18k-cN l7-ab-18k l7-ab-small l4-small-cN l4-18k-cN l4-close-cN l4-ab-18k l4-ab-small l4-redis-set l4-redis-get"

# The port a proxy serves the current case on (after parse_case).
case_port() {
  if [[ $C_TOOL == redis ]]; then echo "${RPORT[$1]}"
  elif [[ $C_LAYER == l7 ]]; then echo "${L7PORT[$1]}"
  else echo "${L4PORT[$1]}"; fi
}

# ---------------------------------------------------------------- load generators (on CPU_LOAD)
wrk_run() { # wrk_run PORT PATH CONNS SECONDS CLOSE
  local extra=(); (($5)) && extra=(-H 'Connection: close')
  timeout $(($4 + 20)) taskset -c "$CPU_LOAD" wrk -t1 -c"$3" -d"$4s" --timeout 5s --latency "${extra[@]}" "http://127.0.0.1:$1/$2"
}
ab_run() { # ab_run PORT PATH CONNS SECONDS   (HTTP/1.0, no keep-alive: a new connection per request)
  rm -f "$RUN/ab.csv"
  timeout $(($4 + 30)) taskset -c "$CPU_LOAD" ab -q -s 10 -t "$4" -n 50000000 -c "$3" -e "$RUN/ab.csv" "http://127.0.0.1:$1/$2"
}
redis_run() { # redis_run PORT OP REQUESTS
  timeout $((4 * DUR + 30)) taskset -c "$CPU_LOAD" \
    redis-benchmark -h 127.0.0.1 -p "$1" -t "$2" -n "$3" -c "$REDIS_CONNS" -P "$PIPELINE" --csv
}
redis_rps() { awk -F, '{gsub(/"/,"")} $1=="SET"||$1=="GET"{print $2+0}'; }

# ---------------------------------------------------------------- one measurement
TSV_HEAD="tool	layer	case	proxy	conns	rep	requests	secs	rps	p50_ms	p99_ms	errors	proxy_cpu_s	proxy_us_req	proxy_user_us	proxy_sys_us	proxy_cpu	backend_cpu	client_cpu	cpu_load	cpu_proxy	steal	other_cpu	foreign	node	log_lines	log_non200	tw_before	waited_s	gc"
pct_of() { awk -v t="$1" -v s="$2" -v c="$CLK" 'BEGIN{ printf "%.0f", 100*t/c/s }'; }   # ticks, seconds -> % of one CPU
per_req() { awk -v t="$1" -v c="$CLK" -v n="$2" 'BEGIN{ if (n>0) printf "%.2f", 1e6*t/c/n }'; }
# run_load CASE PROXY REP -- command...   (after parse_case; command output -> $RUN/last.out)
# Appends one TSV line to $OUT. Sets LAST_OTHER (foreign CPU %) and LAST_ERRORS.
run_load() {
  local cs=$1 px=$2 rep=$3; shift 4
  local ppids bpids="${PID[backends]} ${PID[redis1]} ${PID[redis2]}" alog=""
  ppids=$(proxy_pid "$px" "$C_TOOL")
  [[ $px == switchyard* && $C_LAYER == l7 ]] && alog=$RUN/access-$px.log
  local c0 c1 p0 p1 b0 b1 t0 t1 el tm s0 s1 tw
  tw=$(awk '$1=="TCP:"{for(i=2;i<NF;i++) if($i=="tw") print $(i+1)}' /proc/net/sockstat)
  [[ -n $alog ]] && : >"$alog"          # O_APPEND writer: truncating is safe
  local glog="" g0=0
  [[ -n ${GC_TRACE:-} && $px == switchyard* ]] && glog=$RUN/$px.log && g0=$(wc -l <"$glog")
  s0=$(procsnap)
  c0=$(cpustat); p0=$(ticks_us $ppids); b0=$(ticks $bpids); t0=$(now)
  TIMEFORMAT='%U %S'
  { time "$@" >"$RUN/last.out" 2>&1; } 2>"$RUN/last.time" || true
  t1=$(now); c1=$(cpustat); p1=$(ticks_us $ppids); b1=$(ticks $bpids)
  s1=$(procsnap)
  el=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
  tm=$(awk '{printf "%.3f", $1+$2}' "$RUN/last.time")                       # client CPU seconds
  local pu ps pt pc bc cc cp
  pu=$((${p1% *} - ${p0% *})); ps=$((${p1#* } - ${p0#* })); pt=$((pu + ps))
  pc=$(pct_of "$pt" "$el"); bc=$(pct_of $((b1 - b0)) "$el")
  cc=$(awk -v t="$tm" -v s="$el" 'BEGIN{printf "%.0f", 100*t/s}')
  cp=$(cpu_pcts "$c0" "$c1")
  local res   # requests secs rps p50 p99 errors (a run with no rate counts as an error)
  case $C_TOOL in
    wrk) res=$(awk '
        function ms(v){ if(v~/us$/){sub(/us$/,"",v);return v/1000} if(v~/ms$/){sub(/ms$/,"",v);return v+0}
                         if(v~/m$/){sub(/m$/,"",v);return v*60000} if(v~/s$/){sub(/s$/,"",v);return v*1000} return v }
        / requests in /{n=$1; s=$4; sub(/s,$/,"",s)} /Requests\/sec:/{r=$2} $1=="50%"{p50=ms($2)} $1=="99%"{p99=ms($2)}
        /Socket errors/{gsub(/,/,""); e+=$4+$6+$8+$10} /Non-2xx/{e+=$NF}
        END{printf "%d\t%.2f\t%.0f\t%.3f\t%.3f\t%d", n, s, r, p50, p99, e+(r>0?0:1)}' "$RUN/last.out") ;;
    ab) # percentiles with decimals from ab -e (the text report rounds to whole ms)
      [[ -f $RUN/ab.csv ]] || : >"$RUN/ab.csv"
      res=$(awk -F, 'FNR==NR{ if($1=="50")p50=$2; if($1=="99")p99=$2; next }
        /^Complete requests:/{split($0,a,":"); n=a[2]+0} /^Time taken for tests:/{split($0,a,":"); s=a[2]+0}
        /^Requests per second:/{split($0,a,":"); r=a[2]+0}
        /^Failed requests:/{split($0,a,":"); e+=a[2]} /^Non-2xx responses:/{split($0,a,":"); e+=a[2]}
        /^Write errors:/{split($0,a,":"); e+=a[2]}
        END{printf "%d\t%.2f\t%.0f\t%.3f\t%.3f\t%d", n, s, r, p50, p99, e+(n>0?0:1)}' "$RUN/ab.csv" "$RUN/last.out") ;;
    redis) res=$(awk -F, -v n="$REDIS_REQS" '{gsub(/"/,"")}
        $1=="SET"||$1=="GET"{r=$2; p50=$5; p99=$7}
        END{printf "%d\t%.2f\t%.0f\t%.3f\t%.3f\t%d", (r>0?n:0), (r>0?n/r:0), r, p50, p99, (r>0?0:1)}' "$RUN/last.out") ;;
  esac
  local nreq cpus usr uu su
  nreq=$(cut -f1 <<<"$res")
  cpus=$(awk -v t="$pt" -v c="$CLK" 'BEGIN{printf "%.2f", t/c}')
  usr=$(per_req "$pt" "$nreq"); uu=$(per_req "$pu" "$nreq"); su=$(per_req "$ps" "$nreq")
  read -r cpu0 cpu1 steal procs <<<"$cp"
  # other = user+system time on both CPUs not accounted to proxy, backends or client: foreign load (noise)
  local other foreign=""
  other=$(awk -v a="$procs" -v p="$pc" -v q="$bc" -v c="$cc" 'BEGIN{o=a-p-q-c; printf "%.0f", (o<0?0:o)}')
  ((other <= NOISE_MAX)) || foreign=$(foreign_top "$s0" "$s1" "$(our_pids)" "$el")
  # Switchyard's access log for this run: lines written and lines whose status is not 200
  # (the writer flushes every 200 ms: wait for it).
  local ll="" ln=""
  if [[ -n $alog ]]; then
    sleep 0.4
    ll=$(wc -l <"$alog"); ln=$(grep -vc '"status":200,' "$alog" || true)
    ((${ln:-0} == 0)) || cp "$alog" "$RUN/non200-$cs-$px-r$rep-$(date +%s).log"
    : >"$alog"
  fi
  # The collections node --trace-gc logged during the run (GC_TRACE=1)
  local gc=""
  [[ -n $glog ]] && gc=$(gc_summary "$glog" "$g0")
  LAST_ERRORS=$(cut -f6 <<<"$res")
  ((${LAST_ERRORS:-0} == 0)) || cp "$RUN/last.out" "$RUN/errors-$cs-$px-r$rep-$(date +%s).out"
  if [[ -z $ppids ]]; then pc="" cpus="" usr="" uu="" su=""; fi
  LAST_OTHER=$other
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$C_TOOL" "$C_LAYER" "$cs" "$px" "$C_CONNS" "$rep" "$res" "$cpus" "$usr" "$uu" "$su" "$pc" "$bc" "$cc" \
    "$cpu0" "$cpu1" "$steal" "$other" "$foreign" "${NODEV[$px]:-}" "$ll" "$ln" "$tw" "$WAITED" "$gc" >>"$OUT"
  log "$(printf '%-13s %-13s r%s %8s req/s p99 %6s ms  %6s µs/req  cpu %s/%s%%  other %s%%  errors %s%s' \
    "$cs" "$px" "$rep" "$(cut -f3 <<<"$res")" "$(cut -f5 <<<"$res")" "${usr:-–}" "$cpu0" "$cpu1" "$other" "$LAST_ERRORS" "${gc:+  gc $gc}")"
}
# gc_summary LOG FROM_LINE: the collections `node --trace-gc` logged after line FROM_LINE of LOG,
# e.g. "148 young ≤0.7 ms, 3 full ≤5.9 ms (marking step ≤3.4 ms)": how many, and the longest pause
# of each kind (Node 20: "..., 4.80 / 0.04 ms"; Node 24: "..., pooled: 0 MB, 4.80 / 0.00 ms").
gc_summary() {
  tail -n +"$(($2 + 1))" "$1" | awk '
    /: (Scavenge|Minor Mark-Sweep|Mark-Compact)/ {
      s = $0; sub(/.*MB, /, "", s); p = s + 0
      if ($0 ~ /Mark-Compact/) {
        f++; if (p > fm) fm = p
        if (match($0, /biggest step [0-9.]+/)) { b = substr($0, RSTART + 13, RLENGTH - 13) + 0; if (b > bm) bm = b }
      } else { y++; if (p > ym) ym = p }
    }
    END { printf "%d young ≤%.1f ms, %d full", y, ym, f; if (f) printf " ≤%.1f ms (marking step ≤%.1f ms)", fm, bm }'
}
# measure: run_load after a quiet second; re-run (up to RETRY_NOISY times, and RETRY_BUDGET times
# over the whole run) while disturbed by more than NOISE_MAX % foreign CPU. Every attempt stays in
# the TSV; summarize.mjs keeps, per repetition, the least disturbed one.
RETRIES=0
measure() {
  local n
  for ((n = 0; ; n++)); do
    wait_quiet
    run_load "$@"
    ((LAST_OTHER <= NOISE_MAX)) && return 0
    if ((n < RETRY_NOISY && RETRIES < ${RETRY_BUDGET:-30})); then
      RETRIES=$((RETRIES + 1))
      log "  ^ disturbed (foreign CPU ${LAST_OTHER}%: $(tail -1 "$OUT" | cut -f24)), retrying"
    else
      log "  ^ disturbed (foreign CPU ${LAST_OTHER}%: $(tail -1 "$OUT" | cut -f24)), kept"; return 0
    fi
  done
}
run_case() { # run_case CASE PROXY REP SECONDS
  local cs=$1 px=$2 rep=$3 port
  parse_case "$cs"; port=$(case_port "$px")
  case $C_TOOL in
    wrk) measure "$cs" "$px" "$rep" -- wrk_run "$port" "$C_PATH" "$C_CONNS" "$4" "$C_CLOSE" ;;
    ab) measure "$cs" "$px" "$rep" -- ab_run "$port" "$C_PATH" "$C_CONNS" "$4" ;;
    redis) REDIS_REQS=${RN[$C_OP]}; measure "$cs" "$px" "$rep" -- redis_run "$port" "$C_OP" "$REDIS_REQS" ;;
  esac
}

# ---------------------------------------------------------------- warm-up (JIT, upstream pools)
# WARMUP seconds of each case per proxy; redis warm-ups also size the redis runs: redis-benchmark
# counts requests, not time, so every proxy's runs of an op get the same -n, lasting about DUR
# seconds at the fastest warm-up rate (slower proxies take a little longer).
declare -A RN=()
warm_up() { # warm_up "PROXIES" "CASES"
  local px cs port r max n op
  declare -A rate=()
  log "warm-up: ${WARMUP}s of every case per proxy"
  for px in $1; do
    for cs in $2; do
      parse_case "$cs"; serves "$px" "$C_LAYER" || continue
      [[ $px == direct && $C_TOOL != redis ]] && continue    # nothing to warm up
      port=$(case_port "$px")
      case $C_TOOL in
        wrk) wrk_run "$port" "$C_PATH" "$C_CONNS" "$WARMUP" "$C_CLOSE" >/dev/null 2>&1 || true ;;
        ab) ab_run "$port" "$C_PATH" "$C_CONNS" "$WARMUP" >/dev/null 2>&1 || true ;;
        redis) r=$(redis_run "$port" "$C_OP" $((300000 * WARMUP)) 2>/dev/null | redis_rps) || r=0
          rate[$px-$C_OP]=${r:-0} ;;
      esac
    done
  done
  for op in set get; do
    [[ " $2 " == *" l4-redis-$op "* ]] || continue
    max=0; for px in $1; do serves "$px" l4 && max=$(awk -v a="$max" -v b="${rate[$px-$op]:-0}" 'BEGIN{print (b>a?b:a)}'); done
    n=$(awk -v r="$max" -v d="$DUR" 'BEGIN{n=int(r*d/10000)*10000; print (n<100000?100000:n)}')
    RN[$op]=$n
    log "redis $op warm-up req/s: $(for px in $1; do serves "$px" l4 && printf '%s=%s ' "$px" "${rate[$px-$op]:-0}"; done)-> -n $n"
  done
}
