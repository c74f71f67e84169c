#!/bin/sh
# load.sh: msi-load against the limits' floor, on the simulator.
# usage: sh tests/bench/load.sh [build-dir]
# Loads N leads (default 30,000) with the instance limits scaled in time:
# 100 calls per 2 s, 10 at once, 30 ms a call. The floor is the time the
# window allows ceil(N/300) calls: calls / (100 / 2 s). Target: wall time at
# most 1.10 of the floor, and no 606 or 615 answered. Also runs 3 times the
# leads, where the window, not the burst it allows, sets the pace.
set -eu
LC_ALL=C
export LC_ALL

B=${1:-build}
SIM=$B/tests/marketo-sim/marketo-sim
LOAD=$B/load/msi-load
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
status=0

bench() {
	n=$1
	rm -f "$tmp/port"
	"$SIM" --port-file "$tmp/port" --latency-ms 30 --window-calls 100 --window 2 \
	    --max-concurrent 10 > /dev/null 2>&1 &
	pid=$!
	i=0
	while [ ! -s "$tmp/port" ] && [ $i -lt 250 ]; do sleep 0.02; i=$((i + 1)); done
	base=http://127.0.0.1:$(cat "$tmp/port")
	jq -cn --argjson n "$n" 'range($n) | {externalPersonId: "00Q5e0\(. + 10000000)AAA", email: "lead\(.)@example.com", firstName: "First", lastName: "Last \(.)", company: "Acme"}' > "$tmp/leads.ndjson"
	s=$(date +%s.%N)
	MARKETO_BASE_URL=$base/rest MARKETO_CLIENT_ID=sim-client MARKETO_CLIENT_SECRET=sim-secret \
	    "$LOAD" leads -n 100 -w 2 -c 10 "$tmp/leads.ndjson" > "$tmp/results" 2> "$tmp/err"
	e=$(date +%s.%N)
	curl -s "$base/_sim/stats" > "$tmp/stats"
	kill $pid
	wait $pid 2>/dev/null || true
	pid=
	awk -v n="$n" -v s="$s" -v e="$e" -v r606="$(jq '.refused["606"]' "$tmp/stats")" \
	    -v r615="$(jq '.refused["615"]' "$tmp/stats")" -v created="$(grep -c '"created"' "$tmp/results")" 'BEGIN {
		calls = int((n + 299) / 300)
		floor = calls / (100 / 2)
		wall = e - s
		ok = wall <= 1.10 * floor && r606 == 0 && r615 == 0 && created == n
		printf "msi-load: %d leads in %d calls: %.2f s; floor %.2f s (%d calls at 100 per 2 s); ratio %.2f (target <= 1.10); 606: %d, 615: %d; created %d: %s\n", n, calls, wall, floor, calls, wall / floor, r606, r615, created, (ok ? "met" : "NOT met")
		exit ok ? 0 : 3
	}' || status=$?
}

bench "${BENCH_LEADS:-30000}"
bench $((${BENCH_LEADS:-30000} * 3))
exit $status
