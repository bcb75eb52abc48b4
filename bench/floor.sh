#!/usr/bin/env bash
# The floor of a new connection per request in Node, beside HAProxy and Switchyard: how much of
# Switchyard's cost per `ab` connection is Node's own. Behind one nginx (an 18 KiB body), each
# target in turn (order rotated every repetition) takes `ab -c 10 -n REQUESTS` (HTTP/1.0, a new
# connection per request) on CPU 0 while it runs alone on CPU 1; prints its CPU µs per connection
# (all threads, from /proc), ab's p99 in ms, and the ratio to HAProxy in the same repetition,
# then medians.
#
#   bash bench/floor.sh            # needs haproxy, nginx, ab (bench/run.sh installs them)
#   NODE24=/path/to/node24 REPS=3 REQUESTS=20000 bash bench/floor.sh
#
# Targets: haproxy (mode http, 1 thread, http-reuse always), node-floor@20/@24
# (lib/node-floor-l7.cjs: relays a request over a kept-alive upstream connection and nothing
# else) and switchyard@20/@24 (an HTTP listener with its defaults, access log off).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
reps=${REPS:-3}
requests=${REQUESTS:-20000}
base=${PORT_BASE:-18600}
source "$here/lib/scratch-backend.sh"
require_tools bench/floor.sh haproxy nginx ab taskset
targets="haproxy node-floor@20 switchyard@20"
if [[ -x $node24 ]]; then targets+=" node-floor@24 switchyard@24"; else echo "# no Node 24 at $node24: Node 20 only" >&2; fi

cat >"$work/haproxy.cfg" <<HA
global
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend f
  bind 127.0.0.1:$((base + 1))
  option forwardfor
  default_backend b
backend b
  http-reuse always
  server s1 127.0.0.1:$base
HA
cat >"$work/sy.yaml" <<Y
listeners: { web: { protocol: http, bind: "127.0.0.1:\${PORT}", pool: p } }
pools: { p: { backends: ["127.0.0.1:$base"] } }
log: { level: warn }
Y

start_backend "$base"
declare -A port pid
i=2
for t in $targets; do
  port[$t]=$((base + i)); i=$((i + 1))
  case $t in
    haproxy) sed "s/$((base + 1))/${port[$t]}/" "$work/haproxy.cfg" >"$work/haproxy-$t.cfg"; taskset -c 1 haproxy -db -f "$work/haproxy-$t.cfg" >"$work/logs/$t.log" 2>&1 & ;;
    node-floor@20) taskset -c 1 "$node20" "$here/lib/node-floor-l7.cjs" "${port[$t]}" "$base" >"$work/logs/$t.log" 2>&1 & ;;
    node-floor@24) taskset -c 1 "$node24" "$here/lib/node-floor-l7.cjs" "${port[$t]}" "$base" >"$work/logs/$t.log" 2>&1 & ;;
    switchyard@*)
      sed "s/\${PORT}/${port[$t]}/" "$work/sy.yaml" >"$work/sy-$t.yaml"
      nb=$node20; [[ $t == *@24 ]] && nb=$node24
      taskset -c 1 "$nb" "$root/bin/switchyard.js" run -c "$work/sy-$t.yaml" >"$work/logs/$t.log" 2>&1 & ;;
  esac
  pid[$t]=$!
  pids+=($!)
done
sleep 1.5
cpu_ticks() { local s=0 t; for t in /proc/"$1"/task/*/stat; do s=$((s + $(awk '{c=$0; sub(/^.*\) /,"",c); split(c,a," "); print a[12]+a[13]}' "$t"))); done; echo $s; }
hz=$(getconf CLK_TCK)
for t in $targets; do
  curl -sf -o /dev/null "http://127.0.0.1:${port[$t]}/18k" || { echo "bench/floor.sh: $t does not answer (log: $work/logs/$t.log)" >&2; cat "$work/logs/$t.log" >&2; exit 1; }
  taskset -c 0 ab -q -c 10 -n 3000 "http://127.0.0.1:${port[$t]}/18k" >/dev/null 2>&1   # warm-up
done
echo "# $(date -u '+%F %T UTC'), ab -c 10 -n $requests /18k (new connection per request), CPU µs per connection; node $($node20 -v)${node24:+ / $($node24 -v 2>/dev/null || true)}"
declare -A all
list=($targets)
for rep in $(seq 1 "$reps"); do
  n=${#list[@]}
  order=("${list[@]:$(( (rep - 1) % n ))}" "${list[@]:0:$(( (rep - 1) % n ))}")
  declare -A us=() p99=()
  for t in "${order[@]}"; do
    t0=$(cpu_ticks "${pid[$t]}")
    out=$(taskset -c 0 ab -c 10 -n "$requests" "http://127.0.0.1:${port[$t]}/18k" 2>&1)
    t1=$(cpu_ticks "${pid[$t]}")
    done_=$(echo "$out" | awk '/Complete requests/ {print $3}')
    failed=$(echo "$out" | awk '/Failed requests/ {print $3}')
    us[$t]=$(( (t1 - t0) * 1000000 / hz / done_ ))
    p99[$t]=$(echo "$out" | awk '$1 == "99%" {print $2}')
    [[ $failed == 0 ]] || echo "# $t rep$rep: $failed failed requests" >&2
  done
  line="rep$rep:"
  for t in $targets; do
    r=$(awk -v a="${us[$t]}" -v b="${us[haproxy]}" 'BEGIN{printf "%.2f", a/b}')
    line+=" $t ${us[$t]} µs (${r}×, p99 ${p99[$t]} ms)"
    all[$t]+="$r "
  done
  echo "$line"
done
echo -n "median ratio to haproxy:"
for t in $targets; do echo -n " $t $(echo "${all[$t]}" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')×"; done
echo
