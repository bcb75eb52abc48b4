#!/usr/bin/env bash
# A/B of two Switchyard builds on TCP new connections (ab -c 10 through a TCP listener in front
# of one nginx), to tell a regression from noise. The balancer runs on CPU 1, nginx and ab on
# CPU 0; the builds alternate, in flipped order, for REPS repetitions (default 4). Prints proxy CPU µs per connection.
#
#   bash bench/compare-builds.sh OLD_DIR NEW_DIR      # each a built checkout (dist/ present)
#   git worktree add /tmp/old COMMIT && (cd /tmp/old && npm ci && npx tsc -p .)
set -euo pipefail
old=${1:?usage: compare-builds.sh OLD_DIR NEW_DIR}
new=${2:?usage: compare-builds.sh OLD_DIR NEW_DIR}
reps=${REPS:-4}
requests=${REQUESTS:-20000}
port_backend=${PORT_BACKEND:-18500}
port_lb=${PORT_LB:-18501}
work=$(mktemp -d)
ngpid=""
sypid=""
cleanup() {
  if [ -n "$sypid" ]; then kill "$sypid" 2>/dev/null || true; fi
  if [ -n "$ngpid" ]; then kill "$ngpid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/logs"
cat > "$work/nginx.conf" <<NG
worker_processes 1; pid $work/nginx.pid; error_log $work/logs/err.log; daemon off;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$port_backend; location / { return 200 "ok"; } } }
NG
taskset -c 0 nginx -p "$work" -c "$work/nginx.conf" &
ngpid=$!
sleep 0.5
cat > "$work/sy.yaml" <<Y
listeners: { l: { bind: "127.0.0.1:$port_lb", pool: p, maxConnections: 3000 } }
pools: { p: { backends: ["127.0.0.1:$port_backend"] } }
log: { level: warn }
Y
ticks_per_s=$(getconf CLK_TCK)
for rep in $(seq 1 "$reps"); do
  # The order flips each repetition: the first run after a quiet spell pays a warm-up.
  order="old new"
  if [ $((rep % 2)) -eq 0 ]; then order="new old"; fi
  for build in $order; do
    dir=$old
    if [ "$build" = new ]; then dir=$new; fi
    taskset -c 1 node "$dir/bin/switchyard.js" run -c "$work/sy.yaml" > "$work/logs/sy.log" 2>&1 &
    sypid=$!
    sleep 1
    taskset -c 0 ab -q -c 10 -n 3000 "http://127.0.0.1:$port_lb/" > /dev/null 2>&1
    t0=$(awk '{print $14+$15}' "/proc/$sypid/stat")
    out=$(taskset -c 0 ab -c 10 -n "$requests" "http://127.0.0.1:$port_lb/" 2>&1)
    t1=$(awk '{print $14+$15}' "/proc/$sypid/stat")
    done_=$(echo "$out" | awk '/Complete requests/ {print $3}')
    failed=$(echo "$out" | awk '/Failed requests/ {print $3}')
    echo "$build rep$rep: $(( (t1 - t0) * 1000000 / ticks_per_s / done_ )) µs/connection ($done_ done, $failed failed)"
    kill "$sypid"
    wait "$sypid" 2>/dev/null || true
    sypid=""
  done
done
