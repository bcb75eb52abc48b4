#!/usr/bin/env bash
# What the garbage collector does under new-connection load: per target, the bytes V8 promotes
# to the old generation per connection, the young (scavenge) and full collections, and their
# pauses, from `node --trace-gc-nvp` over `ab -c 10 -n REQUESTS` (HTTP/1.0, a new connection
# per request) on an 18 KiB body behind one nginx. Targets run alone on CPU 1, load and nginx
# on CPU 0, each after its own warm-up.
#
#   bash bench/gc-promotion.sh                 # needs nginx and ab (bench/run.sh installs them)
#   NODE24=/path/to/node24 REQUESTS=40000 NODE_FLAGS="--max-semi-space-size=1" bash bench/gc-promotion.sh
#
# Targets: node-answer@20/@24 (lib/node-answer.cjs: a server that answers every connection
# with a fixed response, no backend), node-pipe@20/@24 (lib/node-pipe-proxy.cjs: net + pipe(),
# nothing else), and
# switchyard-l4 / switchyard-l7 @20/@24 (a TCP listener; an HTTP listener with its defaults,
# access log off). A connection that lives about a millisecond should die young: promoted bytes
# per connection near zero mean it did, and a connection's whole object graph (about 1.5-3 KB)
# means every connection outlived two young collections.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
requests=${REQUESTS:-40000}
base=${PORT_BASE:-18700}
read -r -a flags <<<"${NODE_FLAGS:-}"
source "$here/lib/scratch-backend.sh"
require_tools bench/gc-promotion.sh nginx ab taskset curl
versions="20"
if [[ -x $node24 ]]; then versions+=" 24"; else echo "# no Node 24 at $node24: Node 20 only" >&2; fi

start_backend "$base"

echo "# $(date -u '+%F %T UTC'), ab -c 10 -n $requests /18k (new connection per request); node $($node20 -v)${node24:+ / $($node24 -v 2>/dev/null || true)}${NODE_FLAGS:+; node flags: $NODE_FLAGS}"
printf '%-18s %10s %10s %6s %14s %10s\n' target 'promoted' scavenges full 'GC pause' 'max pause'
printf '%-18s %10s %10s %6s %14s %10s\n' '' 'B/conn' '' '' 'µs/conn' 'ms'
i=1
for v in $versions; do
  nb=$node20; [[ $v == 24 ]] && nb=$node24
  for kind in node-answer node-pipe switchyard-l4 switchyard-l7; do
    t="$kind@$v" port=$((base + i)); i=$((i + 1))
    log="$work/logs/$t.log"
    case $kind in
      node-answer) cmd=("$here/lib/node-answer.cjs" "$port") ;;
      node-pipe) cmd=("$here/lib/node-pipe-proxy.cjs" "$port" "127.0.0.1:$base") ;;
      switchyard-l4 | switchyard-l7)
        proto=tcp; [[ $kind == switchyard-l7 ]] && proto=http
        printf 'listeners: { l: { protocol: %s, bind: "127.0.0.1:%s", pool: p } }\npools: { p: { backends: ["127.0.0.1:%s"] } }\nlog: { level: warn }\n' "$proto" "$port" "$base" >"$work/$t.yaml"
        cmd=("$root/bin/switchyard.js" run -c "$work/$t.yaml") ;;
    esac
    taskset -c 1 "$nb" --trace-gc-nvp "${flags[@]}" "${cmd[@]}" >"$log" 2>&1 &
    p=$!
    pids+=($p)
    sleep 1.5
    curl -sf -o /dev/null "http://127.0.0.1:$port/18k" || { echo "bench/gc-promotion.sh: $t does not answer" >&2; cat "$log" >&2; exit 1; }
    taskset -c 0 ab -q -c 10 -n 5000 "http://127.0.0.1:$port/18k" >/dev/null 2>&1   # warm-up
    from=$(wc -l <"$log")
    out=$(taskset -c 0 ab -q -c 10 -n "$requests" "http://127.0.0.1:$port/18k" 2>&1)
    kill "$p"; wait "$p" 2>/dev/null || true
    failed=$(echo "$out" | awk '/Failed requests/ {print $3}')
    [[ $failed == 0 ]] || echo "# $t: $failed failed requests" >&2
    tail -n +"$((from + 1))" "$log" | grep -a -o 'pause=[0-9.]* .* gc=[a-z]* .* promoted=[0-9]*' |
      awk -v n="$requests" -v t="$t" '{
          split($1, a, "="); p += a[2]; if (a[2] > mx) mx = a[2]
          if ($0 ~ / gc=s /) s++; else f++
          if (match($0, / promoted=[0-9]+/)) pr += substr($0, RSTART + 10, RLENGTH - 10)
        } END { printf "%-18s %10.0f %10d %6d %14.1f %10.1f\n", t, pr / n, s, f, p * 1000 / n, mx }'
  done
done
