#!/bin/sh
# sim.sh: how many sync calls of 300 leads a second marketo-sim answers.
# usage: sh tests/bench/sim.sh [build-dir]
# It must never be what limits a load: the load benchmark runs at most 100
# calls per 2 s (50 calls/s), so it fails below 5 times that. Adobe's
# instance limit is 100 calls per 20 s. The aim is 1,000 calls/s on
# loopback with latency 0, printed as reached or not. The client is one
# curl process running the calls 8 at a time over kept-alive connections.
set -eu
LC_ALL=C
export LC_ALL

B=${1:-build}
SIM=$B/tests/marketo-sim/marketo-sim
CALLS=${BENCH_SIM_CALLS:-3000}
PARALLEL=8
AIM=1000
NEED=250 # 5 x the 50 calls/s of the load benchmark

tmp=$(mktemp -d)
launched=$(date +%s%N)
"$SIM" --port-file "$tmp/port" --latency-ms 0 --window-calls 100000000 --max-concurrent 1000 \
    --daily-quota 1000000000 > /dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
n=0
while [ ! -s "$tmp/port" ] && [ $n -lt 1000 ]; do sleep 0.005; n=$((n + 1)); done
echo "start-up to listening: $(( ($(date +%s%N) - launched) / 1000000 )) ms (port file polled every 5 ms)"
base=http://127.0.0.1:$(cat "$tmp/port")
token=$(curl -s "$base/identity/oauth/token?grant_type=client_credentials&client_id=sim-client&client_secret=sim-secret" |
    jq -r .access_token)

jq -cn '{input: [range(300) | {email: "lead\(.)@example.com", externalPersonId: "00Q5e00000\(. + 10000)AAA", firstName: "First \(.)", lastName: "Last", company: "Acme", city: "Oslo"}]}' > "$tmp/body.json"
echo "body: 300 leads, $(wc -c < "$tmp/body.json") bytes"
# One block per call: options in a curl config accumulate until "next".
i=0
while [ $i -lt "$CALLS" ]; do
	[ $i -gt 0 ] && echo next
	printf 'no-progress-meter\nurl = "%s/rest/v1/leads.json"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/json"\ndata-binary = "@%s/body.json"\noutput = "/dev/null"\n' \
	    "$base" "$token" "$tmp"
	i=$((i + 1))
done > "$tmp/curl.cfg"

start=$(date +%s.%N)
curl --no-progress-meter --parallel --parallel-max $PARALLEL -K "$tmp/curl.cfg"
end=$(date +%s.%N)
accepted=$(curl -s "$base/_sim/stats" | jq .accepted)
# The simulator's own CPU time (utime + stime, fields 14 and 15), in ticks.
ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$CALLS" 'BEGIN {
	printf "marketo-sim CPU: %.1f s in all, %.1f ms a call\n", t / hz, t / hz / n * 1000 }'
[ "$accepted" -eq "$CALLS" ] || { echo "sim.sh: $accepted of $CALLS calls were answered" >&2; exit 1; }
awk -v n="$CALLS" -v s="$start" -v e="$end" -v aim=$AIM -v need=$NEED -v p=$PARALLEL 'BEGIN {
	r = n / (e - s)
	printf "marketo-sim: %d sync calls of 300 leads in %.2f s, %d at once: %.0f calls/s (%.0f records/s)\n", n, e - s, p, r, r * 300
	printf "against the load benchmark'"'"'s 50 calls/s: %.1fx (at least 5x: %s)\n", r / 50, (r >= need ? "met" : "NOT met")
	printf "against the aim of %d calls/s: %.2fx (%s)\n", aim, r / aim, (r >= aim ? "reached" : "not reached")
	exit r >= need ? 0 : 3
}'
