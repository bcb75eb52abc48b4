#!/usr/bin/env bash
# What the garbage collector does under keep-alive HTTP load: per build and Node version, the
# young collections (scavenges) per 100,000 requests, their pauses (p50, p90, longest), the share
# of those pauses spent sweeping ArrayBuffers, the bytes allocated per request and wrk's p99,
# from `node --trace-gc-nvp` over `wrk -t1 -c10 -d DURATION /small` (100 B body) through an HTTP
# listener with its JSON access log on, behind one nginx. The balancer runs alone on CPU 1, load
# and nginx on CPU 0; builds alternate in flipped order for REPS repetitions.
#
#   bash bench/gc-pauses.sh                      # this checkout; needs nginx and wrk (bench/run.sh installs them)
#   bash bench/gc-pauses.sh /tmp/old .           # two built checkouts (git worktree add /tmp/old COMMIT; npx tsc -p .)
#   NODE24=/path/to/node24 REPS=2 DURATION=8 bash bench/gc-pauses.sh
#
# A young collection stops the balancer: every request in flight waits it out, so its length and
# frequency show in the slowest requests' latency at low concurrency.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
reps=${REPS:-2}
duration=${DURATION:-8}
base=${PORT_BASE:-18800}
dirs=("$@")
[[ ${#dirs[@]} -gt 0 ]] || dirs=("$root")
source "$here/lib/scratch-backend.sh"
require_tools bench/gc-pauses.sh nginx wrk taskset curl
for d in "${dirs[@]}"; do
  [[ -f $d/bin/switchyard.js && -f $d/dist/src/cli/main.js ]] || { echo "bench/gc-pauses.sh: $d is not a built checkout" >&2; exit 2; }
done
versions="20"
if [[ -x $node24 ]]; then versions+=" 24"; else echo "# no Node 24 at $node24: Node 20 only" >&2; fi

start_backend "$base"
head -c 100 /dev/zero | tr '\0' 'x' >"$work/www/small"
port=$((base + 1))
printf 'listeners:\n  l: { protocol: http, bind: "127.0.0.1:%s", pool: p, http: { accessLog: json, accessLogFile: "%s/access.log" } }\npools: { p: { backends: ["127.0.0.1:%s"] } }\nlog: { level: warn }\n' "$port" "$work" "$base" >"$work/l7.yaml"

label() { (cd "$1" && git rev-parse --short HEAD 2>/dev/null) || basename "$1"; }

echo "# $(date -u '+%F %T UTC'), wrk -t1 -c10 -d${duration}s /small (keep-alive, access log on); node $($node20 -v)${node24:+ / $($node24 -v 2>/dev/null || true)}; $reps repetitions"
printf '%-16s %9s %10s %7s %7s %7s %7s %9s %8s\n' target requests 'scav/100k' 'p50 ms' 'p90 ms' 'max ms' 'sweep%' 'alloc B' 'p99'
for v in $versions; do
  nb=$node20; [[ $v == 24 ]] && nb=$node24
  for ((rep = 1; rep <= reps; rep++)); do
    order=("${dirs[@]}")
    if ((rep % 2 == 0)); then
      order=()
      for ((k = ${#dirs[@]} - 1; k >= 0; k--)); do order+=("${dirs[$k]}"); done
    fi
    for d in "${order[@]}"; do
      t="$(label "$d")@$v"
      log="$work/logs/gc.log"
      rm -f "$work/access.log"
      taskset -c 1 "$nb" --trace-gc-nvp "$d/bin/switchyard.js" run -c "$work/l7.yaml" >"$log" 2>&1 &
      p=$!
      pids+=($p)
      sleep 1.5
      curl -sf -o /dev/null "http://127.0.0.1:$port/small" || { echo "bench/gc-pauses.sh: $t does not answer" >&2; cat "$log" >&2; exit 1; }
      taskset -c 0 wrk -t1 -c10 -d2s "http://127.0.0.1:$port/small" >/dev/null # warm-up
      from=$(wc -l <"$log")
      out=$(taskset -c 0 wrk -t1 -c10 -d"${duration}s" --latency "http://127.0.0.1:$port/small")
      kill "$p"; wait "$p" 2>/dev/null || true
      n=$(echo "$out" | awk '/requests in/ {print $1}')
      p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
      echo "$out" | grep -q 'Non-2xx\|Socket errors' && echo "# $t: errors: $(echo "$out" | grep 'Non-2xx\|Socket errors')" >&2
      tail -n +"$((from + 1))" "$log" | grep -a ' gc=s ' |
        awk '{ for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == "pause") p = a[2]; else if (a[1] == "scavenge.sweep_array_buffers") s = a[2]; else if (a[1] == "allocated") al = a[2] } print p, s, al }' |
        sort -n | awk -v n="$n" -v t="$t" -v p99="$p99" '{ a[NR] = $1; sw += $2; tot += $1; al += $3 }
          END { if (NR == 0) { printf "%-16s %9d   no young collection\n", t, n; exit }
                k = int(NR * 0.9); if (k < 1) k = 1
                printf "%-16s %9d %10.1f %7.2f %7.2f %7.2f %7.0f %9.0f %8s\n", t, n, NR * 1e5 / n, a[int((NR + 1) / 2)], a[k], a[NR], (tot > 0 ? 100 * sw / tot : 0), al / n, p99 }'
    done
  done
done
