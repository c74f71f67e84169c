#!/bin/sh
# sim.sh: how many sync calls of 300 leads a second marketo-sim answers.
# usage: sh tests/bench/sim.sh [build-dir]
# It must never be what limits a load: target at least 1,000 calls/s on
# loopback with latency 0. The client is one curl process running the calls
# 8 at a time over kept-alive connections.
set -eu
LC_ALL=C
export LC_ALL

B=${1:-build}
SIM=$B/tests/marketo-sim/marketo-sim
CALLS=${BENCH_SIM_CALLS:-3000}
PARALLEL=8
TARGET=1000

tmp=$(mktemp -d)
"$SIM" --port-file "$tmp/port" --latency-ms 0 --window-calls 100000000 --max-concurrent 1000 \
    --daily-quota 1000000000 > /dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
n=0
while [ ! -s "$tmp/port" ] && [ $n -lt 250 ]; do sleep 0.02; n=$((n + 1)); done
base=http://127.0.0.1:$(cat "$tmp/port")
token=$(curl -s "$base/identity/oauth/token?grant_type=client_credentials&client_id=sim-client&client_secret=sim-secret" |
    jq -r .access_token)

jq -cn '{input: [range(300) | {email: "lead\(.)@example.com", externalPersonId: "00Q5e00000\(. + 10000)AAA", firstName: "First \(.)", lastName: "Last", company: "Acme", city: "Oslo"}]}' > "$tmp/body.json"
echo "body: 300 leads, $(wc -c < "$tmp/body.json") bytes"
{
	echo "header = \"Authorization: Bearer $token\""
	echo 'header = "Content-Type: application/json"'
	i=0
	while [ $i -lt "$CALLS" ]; do
		echo "url = \"$base/rest/v1/leads.json\""
		echo "data-binary = \"@$tmp/body.json\""
		echo "output = \"/dev/null\""
		i=$((i + 1))
	done
} > "$tmp/curl.cfg"

start=$(date +%s.%N)
curl -s --parallel --parallel-max $PARALLEL -K "$tmp/curl.cfg"
end=$(date +%s.%N)
accepted=$(curl -s "$base/_sim/stats" | jq .accepted)
[ "$accepted" -eq "$CALLS" ] || { echo "sim.sh: $accepted of $CALLS calls were answered" >&2; exit 1; }
awk -v n="$CALLS" -v s="$start" -v e="$end" -v target=$TARGET -v p=$PARALLEL 'BEGIN {
	r = n / (e - s)
	printf "marketo-sim: %d sync calls of 300 leads in %.2f s, %d at once: %.0f calls/s (%.0f records/s)\n", n, e - s, p, r, r * 300
	printf "ratio to the target of %d calls/s: %.2fx (%s)\n", target, r / target, (r >= target ? "met" : "NOT met")
	exit r >= target ? 0 : 3
}'
