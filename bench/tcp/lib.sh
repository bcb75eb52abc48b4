# Shared by run.sh and profile.sh (sourced, not run). Sets up the rig: installs what is
# missing (Debian), builds Switchyard if dist/ is missing, picks free ports, writes configs,
# starts pinned servers and tears down ONLY what it started (by PID).
# Everything listens on and talks to 127.0.0.1.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUN=${RUN:-/tmp/switchyard-bench-tcp.$$}
NODE=${NODE:-node}
CPU_LOAD=${CPU_LOAD:-0}
CPU_PROXY=${CPU_PROXY:-1}
CLK=$(getconf CLK_TCK)

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# ---------------------------------------------------------------- install + build
install_deps() {
  local need=() b
  for b in wrk:wrk haproxy:haproxy nginx:nginx-light redis-server:redis-server \
           redis-benchmark:redis-tools redis-cli:redis-tools curl:curl taskset:util-linux; do
    command -v "${b%%:*}" >/dev/null 2>&1 || need+=("${b#*:}")
  done
  if ((${#need[@]})); then
    log "apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

newest() { find "$@" -type f -printf '%T@\n' 2>/dev/null | sort -n | tail -1; }
build_switchyard() {
  if [[ ! -f $ROOT/dist/src/cli/main.js || ${BUILD:-0} == 1 ]]; then
    log "building Switchyard (npm run build)"
    (cd "$ROOT" && npm run build >/dev/null)
  fi
  local s d; s=$(newest "$ROOT/src" -name '*.ts'); d=$(newest "$ROOT/dist/src" -name '*.js')
  if awk -v s="${s:-0}" -v d="${d:-0}" 'BEGIN{exit !(s > d)}'; then
    log "WARNING: src/ is newer than dist/: measuring a stale build (BUILD=1 rebuilds)"
  fi
}
# A short fingerprint of the JS actually measured (no git needed).
dist_hash() { find "$ROOT/dist/src" -name '*.js' -type f | sort | xargs cat | sha256sum | cut -c1-12; }

# ---------------------------------------------------------------- ports
# Backends, redis, and one listener per proxy (HTTP-over-TCP and redis). Shifted as a block
# until every port is free (another user of this machine may hold some).
BASE_PORTS=(19101 19102 19191 19192 19111 19112 19113 19121 19122 19123)
port_busy() { ss -Htln "sport = :$1" | grep -q .; }
pick_shift() {
  local s p ok
  for s in ${PORT_SHIFT:-0 1000 2000 3000 4000}; do
    ok=1
    for p in "${BASE_PORTS[@]}"; do if port_busy $((p + s)); then ok=0; break; fi; done
    ((ok)) && { echo "$s"; return; }
  done
  echo "no free port set (tried shifts ${PORT_SHIFT:-0 1000 2000 3000 4000})" >&2; return 1
}
setup_ports() {
  S=$(pick_shift)
  ((S == 0)) || log "default ports busy: using PORT_SHIFT=$S"
  P() { echo $(($1 + S)); }
  B1=$(P 19101) B2=$(P 19102) R1=$(P 19191) R2=$(P 19192)
  declare -gA PORT=([direct]=$B1 [haproxy-tcp]=$(P 19111) [node-pipe]=$(P 19112) [switchyard]=$(P 19113))
  declare -gA RPORT=([direct]=$R1 [haproxy-tcp]=$(P 19121) [node-pipe]=$(P 19122) [switchyard]=$(P 19123))
}

# ---------------------------------------------------------------- process management
declare -a STARTED=()          # "name:pid" of everything we started; stopped by PID only
declare -A PID=()
start() { # start NAME CPU cmd...   (taskset execs, so $! is the server's own PID)
  local name=$1 cpu=$2; shift 2
  taskset -c "$cpu" "$@" >"$RUN/$name.log" 2>&1 &
  PID[$name]=$!; STARTED+=("$name:$!")
}
stop_one() { # stop_one NAME: SIGTERM, wait (up to 15 s, then SIGKILL), forget it
  local name=$1 pid=${PID[$1]:-} i e keep=()
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { log "$name (pid $pid) still up after 15 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
  wait "$pid" 2>/dev/null || true
  for e in "${STARTED[@]}"; do [[ $e == "$name:$pid" ]] || keep+=("$e"); done
  STARTED=("${keep[@]}"); unset "PID[$name]"
}
teardown() {
  local i e pid
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    e=${STARTED[i]}; pid=${e##*:}
    kill -TERM "$pid" 2>/dev/null || true
  done
  for e in "${STARTED[@]}"; do pid=${e##*:}; wait "$pid" 2>/dev/null || true; done
  STARTED=()
}
wait_port() { local i; for ((i = 0; i < 100; i++)); do port_busy "$1" && return 0; sleep 0.1; done
  log "port $1 never came up"; return 1; }

# ---------------------------------------------------------------- configs + data
write_configs() {
  mkdir -p "$RUN/www" "$RUN/conf" "$RUN/redis1" "$RUN/redis2"
  head -c 99 /dev/zero | tr '\0' 'x' >"$RUN/www/small"; echo >>"$RUN/www/small"          # 100 B
  "$NODE" -e 'let s="",i=0;while(s.length<18432)s+=`line ${String(i++).padStart(6,"0")} the quick brown fox jumps over the lazy dog 0123456789\n`;process.stdout.write(s.slice(0,18431)+"\n")' \
    >"$RUN/www/18k"                                                                       # 18432 B
  # Two static backends in ONE nginx worker (X-Backend tells them apart).
  cat >"$RUN/conf/backends.nginx.conf" <<EOF
worker_processes 1;
user root;
pid backends-nginx.pid;
error_log backends-error.log crit;
events { worker_connections 8192; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    open_file_cache max=64 inactive=600s;
    default_type text/plain;
    client_body_temp_path tmp_body;
    server { listen 127.0.0.1:$B1; root www; add_header X-Backend b1; }
    server { listen 127.0.0.1:$B2; root www; add_header X-Backend b2; }
}
EOF
  # HAProxy mode tcp, one thread, round robin per connection.
  cat >"$RUN/conf/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4000
defaults
    mode tcp
    timeout connect 5s
    timeout client  60s
    timeout server  60s
frontend fe_http
    bind 127.0.0.1:${PORT[haproxy-tcp]}
    default_backend be_http
backend be_http
    balance roundrobin
    server b1 127.0.0.1:$B1
    server b2 127.0.0.1:$B2
frontend fe_redis
    bind 127.0.0.1:${RPORT[haproxy-tcp]}
    default_backend be_redis
backend be_redis
    balance roundrobin
    server r1 127.0.0.1:$R1
    server r2 127.0.0.1:$R2
EOF
  # Switchyard: defaults, except maxConnections = haproxy's maxconn (and it avoids the
  # open-files warning at ulimit -n 20000) and a short drain (SIGTERM ends a profile run).
  cat >"$RUN/conf/switchyard.yaml" <<EOF
listeners:
  t: { bind: "127.0.0.1:${PORT[switchyard]}", pool: p, maxConnections: 4000 }
  r: { bind: "127.0.0.1:${RPORT[switchyard]}", pool: rp, maxConnections: 4000 }
pools:
  p: { policy: round-robin, backends: ["127.0.0.1:$B1", "127.0.0.1:$B2"] }
  rp: { policy: round-robin, backends: ["127.0.0.1:$R1", "127.0.0.1:$R2"] }
timeouts:
  drain: 2s
${SY_YAML_EXTRA:-}
EOF
  (cd "$ROOT" && "$NODE" bin/switchyard.js check -c "$RUN/conf/switchyard.yaml" >&2)
}

# ---------------------------------------------------------------- start
start_backends() {
  log "starting backends on CPU $CPU_LOAD"
  start backends "$CPU_LOAD" nginx -p "$RUN" -e "$RUN/backends.err" -c "$RUN/conf/backends.nginx.conf" -g 'daemon off;'
  start redis1 "$CPU_LOAD" redis-server --bind 127.0.0.1 --port "$R1" --save '' --appendonly no --protected-mode no --dir "$RUN/redis1"
  start redis2 "$CPU_LOAD" redis-server --bind 127.0.0.1 --port "$R2" --save '' --appendonly no --protected-mode no --dir "$RUN/redis2"
  wait_port "$B1"; wait_port "$B2"; wait_port "$R1"; wait_port "$R2"
}
start_proxies() { # start_proxies "PROXIES"
  local px
  log "starting proxies on CPU $CPU_PROXY: $1"
  for px in $1; do
    case $px in
      direct) ;;
      haproxy-tcp) start haproxy-tcp "$CPU_PROXY" haproxy -db -f "$RUN/conf/haproxy.cfg" ;;
      node-pipe)
        start node-pipe "$CPU_PROXY" "$NODE" "$HERE/node-pipe-proxy.cjs" "${PORT[node-pipe]}" "127.0.0.1:$B1" "127.0.0.1:$B2"
        start node-pipe-redis "$CPU_PROXY" "$NODE" "$HERE/node-pipe-proxy.cjs" "${RPORT[node-pipe]}" "127.0.0.1:$R1" "127.0.0.1:$R2" ;;
      switchyard)
        # SWITCHYARD_NODE_FLAGS: extra node flags, e.g. "--cpu-prof --cpu-prof-dir=DIR" (profile.sh)
        start switchyard "$CPU_PROXY" "$NODE" ${SWITCHYARD_NODE_FLAGS:-} "$ROOT/bin/switchyard.js" run \
          -c "$RUN/conf/switchyard.yaml" --log-level warn ;;
      *) log "unknown proxy $px (known: direct haproxy-tcp node-pipe switchyard)"; return 1 ;;
    esac
  done
  for px in $1; do [[ $px == direct ]] || { wait_port "${PORT[$px]}"; wait_port "${RPORT[$px]}"; }; done
}
# PID measured for a proxy's HTTP and redis listeners (haproxy and switchyard: one process for both).
http_pid() { case $1 in direct) echo "" ;; *) echo "${PID[$1]}" ;; esac; }
redis_pid() { case $1 in direct) echo "" ;; node-pipe) echo "${PID[node-pipe-redis]}" ;; *) echo "${PID[$1]}" ;; esac; }

# ---------------------------------------------------------------- sanity: round robin, bodies, close, redis
sanity() { # sanity "PROXIES"
  local px port seen hb i want18 got18 rp
  want18=$(md5sum <"$RUN/www/18k" | cut -c1-32)
  for px in $1; do
    port=${PORT[$px]}; seen=""
    for i in 1 2 3 4; do
      hb=$(curl -sS -m 5 -D - -o /dev/null "http://127.0.0.1:$port/small" | tr -d '\r' | awk 'tolower($1)=="x-backend:"{print $2}')
      seen+="$hb "
    done
    got18=$(curl -sS -m 5 "http://127.0.0.1:$port/18k" | md5sum | cut -c1-32)
    [[ $got18 == "$want18" ]] || { log "FATAL: $px /18k body mismatch"; return 1; }
    curl -sS -m 5 -H 'Connection: close' -o /dev/null "http://127.0.0.1:$port/small" || { log "FATAL: $px Connection: close failed"; return 1; }
    rp=""
    for i in 1 2; do rp+="$(redis-cli -p "${RPORT[$px]}" config get port | tail -1) "; done
    log "check $px :$port backends seen: $seen/18k ok; redis :${RPORT[$px]} -> ports $rp"
  done
}

# ---------------------------------------------------------------- measurement helpers
ticks() { # utime+stime (clock ticks, all threads) of the given PIDs and their direct children
  local t=0 p c v
  for p in "$@"; do
    for c in "$p" $(ps -o pid= --ppid "$p" 2>/dev/null); do
      v=$(awk '{sub(/^.*\) /, ""); print $12 + $13}' /proc/"$c"/stat 2>/dev/null) || v=0
      t=$((t + ${v:-0}))
    done
  done
  echo "$t"
}
# per CPU (0 and 1): busy (user+nice+system+irq+softirq), total, steal, process time (user+nice+system)
cpustat() { awk -v a="cpu$CPU_LOAD" -v b="cpu$CPU_PROXY" '$1==a{x=$2+$3+$4+$7+$8" "$2+$3+$4+$5+$6+$7+$8+$9" "$9" "$2+$3+$4}
  $1==b{y=$2+$3+$4+$7+$8" "$2+$3+$4+$5+$6+$7+$8+$9" "$9" "$2+$3+$4} END{print x, y}' /proc/stat; }
# cpu_pcts "<before>" "<after>" -> "loadcpu% proxycpu% steal% proc%(both cpus, user+sys)"
cpu_pcts() { awk -v a="$1" -v b="$2" 'BEGIN{split(a,x," ");split(b,y," ");
  t0=y[2]-x[2]; t1=y[6]-x[6]; if(t0<1)t0=1; if(t1<1)t1=1;
  printf "%.0f %.0f %.1f %.0f", 100*(y[1]-x[1])/t0, 100*(y[5]-x[5])/t1, 100*(y[3]-x[3]+y[7]-x[7])/(t0+t1),
    100*(y[4]-x[4])/t0 + 100*(y[8]-x[8])/t1}'; }
now() { date +%s.%N; }
# procsnap: "pid comm ticks" for every process (utime+stime+cutime+cstime: a parent that reaps
# short-lived children, e.g. a test runner, shows their CPU too). foreign_top BEFORE AFTER EXCLUDE_PIDS
# lists the 3 biggest consumers outside the given PIDs: who disturbed a run.
procsnap() { awk '{c=$0; sub(/^.*\) /,"",c); split(c,a," "); n=$0; sub(/^[0-9]+ \(/,"",n); sub(/\) .*$/,"",n); gsub(/ /,"_",n);
  print $1, n, a[12]+a[13]+a[14]+a[15]}' /proc/[0-9]*/stat 2>/dev/null; }
foreign_top() {
  awk -v ex=" $3 " -v clk="$CLK" 'NR==FNR{b[$1]=$3; next}
    index(ex, " "$1" ")==0 && $2!="wrk" && $2!="redis-benchmark" && $2!="timeout" {d=$3-b[$1]; if(d>0) printf "%d %s(%s)\n", d, $2, $1}' \
    <(echo "$1") <(echo "$2") | sort -rn | head -3 | awk -v clk="$CLK" '{printf "%s %.1fs  ", $2, $1/clk}'
}
