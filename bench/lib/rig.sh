# The rig (sourced after common.sh): ports, generated configs, backends, the proxies under test
# and the sanity checks run through each of them before anything is measured.
#
# Proxies and the layers they serve (one process per proxy serves all its listeners; only one
# listener is loaded at a time):
#   direct         the client talks to the backend itself (the limit)           L7 L4
#   haproxy        HAProxy, nbthread 1: `mode http` and `mode tcp` frontends      L7 L4
#   nginx          NGINX, 1 worker: http proxy_pass (upstream keepalive 32), and
#                  a `stream` server for L4 when the nginx build has the module   L7 (L4)
#   node-undici    node:http + undici Pool (node-undici-proxy.cjs)               L7
#   node-pipe      net + pipe() (node-pipe-proxy.cjs; a second process for redis) L4
#   switchyard     an HTTP listener and two TCP listeners (HTTP, redis) on $NODE  L7 L4
#   switchyard@24  the same on $NODE24                                            L7 L4

KNOWN_PROXIES="direct haproxy nginx node-undici node-pipe switchyard switchyard@24"
NGINX_STREAM=""   # set by write_configs: builtin | module path | empty (no L4 for nginx)

# serves PROXY LAYER: does this proxy take part in cases of that layer (l7, l4)?
serves() {
  case $1:$2 in
    direct:* | haproxy:* | switchyard:* | switchyard@24:*) return 0 ;;
    nginx:l7 | node-undici:l7 | node-pipe:l4) return 0 ;;
    nginx:l4) [[ -n $NGINX_STREAM ]] ;;
    *) return 1 ;;
  esac
}

# ---------------------------------------------------------------- ports
BASE_PORTS=(19301 19302 19391 19392 19311 19312 19313 19314 19315 19321 19322 19323 19324 19325 19331 19332 19333 19334 19335)
setup_ports() {
  S=$(pick_shift) || return 1
  ((S == 0)) || log "default ports busy: using PORT_SHIFT=$S"
  P() { echo $(($1 + S)); }
  B1=$(P 19301) B2=$(P 19302) R1=$(P 19391) R2=$(P 19392)
  declare -gA L7PORT=([direct]=$B1 [haproxy]=$(P 19311) [nginx]=$(P 19312) [node-undici]=$(P 19313)
    [switchyard]=$(P 19314) [switchyard@24]=$(P 19315))
  declare -gA L4PORT=([direct]=$B1 [haproxy]=$(P 19321) [nginx]=$(P 19322) [node-pipe]=$(P 19323)
    [switchyard]=$(P 19324) [switchyard@24]=$(P 19325))
  declare -gA RPORT=([direct]=$R1 [haproxy]=$(P 19331) [nginx]=$(P 19332) [node-pipe]=$(P 19333)
    [switchyard]=$(P 19334) [switchyard@24]=$(P 19335))
}

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
  # HAProxy, one thread: mode http (keep-alive to the backends shared by all clients,
  # X-Forwarded-For) and mode tcp (round robin per connection) for HTTP and redis.
  cat >"$RUN/conf/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4000
defaults
    timeout connect 5s
    timeout client  60s
    timeout server  60s
frontend fe_l7
    mode http
    bind 127.0.0.1:${L7PORT[haproxy]}
    option forwardfor
    default_backend be_l7
backend be_l7
    mode http
    balance roundrobin
    http-reuse always
    server b1 127.0.0.1:$B1
    server b2 127.0.0.1:$B2
frontend fe_l4
    mode tcp
    bind 127.0.0.1:${L4PORT[haproxy]}
    default_backend be_l4
backend be_l4
    mode tcp
    balance roundrobin
    server b1 127.0.0.1:$B1
    server b2 127.0.0.1:$B2
frontend fe_redis
    mode tcp
    bind 127.0.0.1:${RPORT[haproxy]}
    default_backend be_redis
backend be_redis
    mode tcp
    balance roundrobin
    server r1 127.0.0.1:$R1
    server r2 127.0.0.1:$R2
EOF
  # NGINX, 1 worker: L7 reverse proxy with HTTP/1.1 upstream keep-alive (32 idle per worker);
  # L4 through the stream module when this nginx has it.
  NGINX_STREAM=$(nginx_stream)
  local load="" stream=""
  [[ -n $NGINX_STREAM && $NGINX_STREAM != builtin ]] && load="load_module $NGINX_STREAM;"
  [[ -n $NGINX_STREAM ]] && stream="stream {
    upstream be_l4 { server 127.0.0.1:$B1; server 127.0.0.1:$B2; }
    upstream be_redis { server 127.0.0.1:$R1; server 127.0.0.1:$R2; }
    server { listen 127.0.0.1:${L4PORT[nginx]}; proxy_pass be_l4; }
    server { listen 127.0.0.1:${RPORT[nginx]}; proxy_pass be_redis; }
}"
  cat >"$RUN/conf/proxy.nginx.conf" <<EOF
$load
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
        listen 127.0.0.1:${L7PORT[nginx]};
        location / {
            proxy_pass http://be;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
    }
}
$stream
EOF
  # Switchyard: an HTTP listener (JSON access log to a file; request metrics are always on)
  # with a keep-alive upstream pool, and two TCP listeners. maxConnections 3000 per listener (the
  # three fit in ulimit -n 20000 without the open-files warning; HAProxy: maxconn 4000 in all);
  # a short drain so that SIGTERM ends a run quickly. One config per instance (own ports, log).
  local px
  for px in switchyard switchyard@24; do
    cat >"$RUN/conf/$px.yaml" <<EOF
listeners:
  web: { protocol: http, bind: "127.0.0.1:${L7PORT[$px]}", pool: web, maxConnections: 3000, http: { accessLog: json, accessLogFile: "$RUN/access-$px.log" } }
  tcp: { bind: "127.0.0.1:${L4PORT[$px]}", pool: tcp, maxConnections: 3000 }
  redis: { bind: "127.0.0.1:${RPORT[$px]}", pool: redis, maxConnections: 3000 }
pools:
  web: { policy: round-robin, backends: ["127.0.0.1:$B1", "127.0.0.1:$B2"], http: { maxIdleConnections: 64, idleTimeout: 30s } }
  tcp: { policy: round-robin, backends: ["127.0.0.1:$B1", "127.0.0.1:$B2"] }
  redis: { policy: round-robin, backends: ["127.0.0.1:$R1", "127.0.0.1:$R2"] }
timeouts:
  drain: 2s
${SY_YAML_EXTRA:-}
EOF
  done
  (cd "$ROOT" && "$NODE" bin/switchyard.js check -c "$RUN/conf/switchyard.yaml" >&2) || die "switchyard check failed on the generated config $RUN/conf/switchyard.yaml (output above)"
}

# ---------------------------------------------------------------- start
start_backends() {
  log "starting backends on CPU $CPU_LOAD: nginx (1 worker, 2 servers), 2 redis-server"
  start backends "$CPU_LOAD" nginx -p "$RUN" -e "$RUN/backends.err" -c "$RUN/conf/backends.nginx.conf" -g 'daemon off;'
  start redis1 "$CPU_LOAD" redis-server --bind 127.0.0.1 --port "$R1" --save '' --appendonly no --protected-mode no --dir "$RUN/redis1"
  start redis2 "$CPU_LOAD" redis-server --bind 127.0.0.1 --port "$R2" --save '' --appendonly no --protected-mode no --dir "$RUN/redis2"
  wait_port "$B1" backends && wait_port "$B2" backends && wait_port "$R1" redis1 && wait_port "$R2" redis2 ||
    die "a backend did not start (logs in $RUN)"
}
start_proxies() { # start_proxies "PROXIES": fatal when one does not come up on every port it serves
  local px nb
  log "starting proxies on CPU $CPU_PROXY: $1"
  for px in $1; do
    nb=$(node_of "$px")
    case $px in
      direct) ;;
      haproxy) start haproxy "$CPU_PROXY" haproxy -db -f "$RUN/conf/haproxy.cfg" ;;
      nginx) start nginx "$CPU_PROXY" nginx -p "$RUN" -e "$RUN/proxy.err" -c "$RUN/conf/proxy.nginx.conf" -g 'daemon off;' ;;
      node-undici)
        start node-undici "$CPU_PROXY" "$nb" "$LIB/node-undici-proxy.cjs" "${L7PORT[$px]}" "http://127.0.0.1:$B1" "http://127.0.0.1:$B2" ;;
      node-pipe)
        start node-pipe "$CPU_PROXY" "$nb" "$LIB/node-pipe-proxy.cjs" "${L4PORT[$px]}" "127.0.0.1:$B1" "127.0.0.1:$B2"
        start node-pipe-redis "$CPU_PROXY" "$nb" "$LIB/node-pipe-proxy.cjs" "${RPORT[$px]}" "127.0.0.1:$R1" "127.0.0.1:$R2" ;;
      switchyard | switchyard@24)
        # SWITCHYARD_NODE_FLAGS: extra node flags, e.g. "--cpu-prof --cpu-prof-dir=DIR" (profile.sh)
        : >"$RUN/access-$px.log"
        start "$px" "$CPU_PROXY" "$nb" ${SWITCHYARD_NODE_FLAGS:-} ${GC_TRACE:+--trace-gc} "$ROOT/bin/switchyard.js" run \
          -c "$RUN/conf/$px.yaml" --log-level warn ;;
      *) die "unknown proxy $px (known: $KNOWN_PROXIES)" ;;
    esac
  done
  for px in $1; do
    [[ $px == direct ]] && continue
    serves "$px" l7 && { wait_port "${L7PORT[$px]}" "$px" || die "$px did not start (log: $RUN/$px.log)"; }
    if serves "$px" l4; then
      wait_port "${L4PORT[$px]}" "$px" || die "$px did not start (log: $RUN/$px.log)"
      local rn=$px; [[ $px == node-pipe ]] && rn=node-pipe-redis
      wait_port "${RPORT[$px]}" "$rn" || die "$rn did not start (log: $RUN/$rn.log)"
    fi
  done
}
# The PID whose CPU is measured for PROXY in a case of tool TOOL (direct: none).
proxy_pid() { # proxy_pid PROXY TOOL
  case $1 in direct) echo "" ;; node-pipe) [[ $2 == redis ]] && echo "${PID[node-pipe-redis]}" || echo "${PID[node-pipe]}" ;; *) echo "${PID[$1]}" ;; esac
}

# ---------------------------------------------------------------- sanity
hdr_backends() { tr -d '\r' <"$1" | awk 'tolower($1)=="x-backend:"{printf "%s ", $2}'; }
# L7: 4 new connections and 4 requests on ONE keep-alive connection reach both backends; bodies
# byte-identical over HTTP/1.1, HTTP/1.0 and with Connection: close; ab -n 200 with no failure.
sanity_l7() { # sanity_l7 PROXY
  local px=$1 port u seen="" hb i got want ka conns abf path sum opt
  port=${L7PORT[$px]}; u=http://127.0.0.1:$port
  for i in 1 2 3 4; do
    curl -sS -m 5 -D "$RUN/sanity.hdr" -o /dev/null "$u/small" || die "$px L7 :$port: request failed"
    hb=$(hdr_backends "$RUN/sanity.hdr"); seen+="${hb:-none }"
  done
  [[ $px == direct || ( $seen == *b1* && $seen == *b2* ) ]] || die "$px L7: no round robin over new connections: $seen"
  ka=$(curl -sS -m 5 -D "$RUN/sanity.hdr" -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
    -w '%{http_code}:%{num_connects} ' "$u/small" "$u/small" "$u/18k" "$u/18k") || die "$px L7 :$port: keep-alive requests failed"
  hb=$(hdr_backends "$RUN/sanity.hdr")
  conns=$(awk '{n=0; for(i=1;i<=NF;i++){split($i,a,":"); n+=a[2]}; print n}' <<<"$ka")
  [[ $ka == "200:"*" 200:"*" 200:"*" 200:"* ]] || die "$px L7 keep-alive statuses: $ka"
  [[ $px == direct || ( $hb == *b1* && $hb == *b2* ) ]] || die "$px L7: no round robin on a keep-alive connection: $hb"
  for want in "small:$WSMALL:" "18k:$W18K:" "18k:$W18K:-0" "18k:$W18K:-Hconnection:close"; do
    IFS=: read -r path sum opt <<<"$want"
    got=$(curl -sS -m 5 -f ${opt:+"$opt"} "$u/$path" | md5sum | cut -c1-32)
    [[ $got == "$sum" ]] || die "$px L7 /$path ${opt:-} body mismatch"
  done
  abf=$(timeout 30 ab -q -s 5 -n 200 -c 4 "$u/18k" 2>&1 | awk '/^Complete requests:/{c=$3} /^Failed requests:/{f=$3} /^Non-2xx/{f+=$3} END{print c"/"f}')
  [[ $abf == 200/0 ]] || die "$px L7: ab -n 200 gave complete/failed = $abf"
  log "check $px L7 :$port new conns: $seen| keep-alive ($conns connect): $hb| bodies ok; ab ok"
}
# L4: 4 new connections reach both backends; /18k byte-identical; Connection: close works;
# two redis connections reach both redis-servers.
sanity_l4() { # sanity_l4 PROXY
  local px=$1 port seen="" hb i got rp=""
  port=${L4PORT[$px]}
  for i in 1 2 3 4; do
    curl -sS -m 5 -D "$RUN/sanity.hdr" -o /dev/null "http://127.0.0.1:$port/small" || die "$px L4 :$port: request failed"
    hb=$(hdr_backends "$RUN/sanity.hdr"); seen+="${hb:-none }"
  done
  [[ $px == direct || ( $seen == *b1* && $seen == *b2* ) ]] || die "$px L4: no round robin over new connections: $seen"
  got=$(curl -sS -m 5 -f "http://127.0.0.1:$port/18k" | md5sum | cut -c1-32)
  [[ $got == "$W18K" ]] || die "$px L4 /18k body mismatch"
  curl -sS -m 5 -f -H 'Connection: close' -o /dev/null "http://127.0.0.1:$port/small" || die "$px L4: Connection: close failed"
  for i in 1 2; do rp+="$(timeout 5 redis-cli -p "${RPORT[$px]}" config get port | tail -1) "; done
  [[ $px == direct || ( $rp == *$R1* && $rp == *$R2* ) ]] || die "$px L4 redis :${RPORT[$px]}: expected both redis-servers, got ports: $rp"
  log "check $px L4 :$port new conns: $seen| /18k ok; redis :${RPORT[$px]} -> ports $rp"
}
sanity() { # sanity "PROXIES" "LAYERS"
  local px
  WSMALL=$(md5sum <"$RUN/www/small" | cut -c1-32); W18K=$(md5sum <"$RUN/www/18k" | cut -c1-32)
  for px in $1; do
    [[ " $2 " == *" l7 "* ]] && serves "$px" l7 && sanity_l7 "$px"
    [[ " $2 " == *" l4 "* ]] && serves "$px" l4 && sanity_l4 "$px"
  done
  return 0
}
