#!/bin/sh
# sync.sh: a whole msi-sync against the time Marketo's limits allow.
# usage: sh tests/bench/sync.sh [build-dir]
# For each P of $BENCH_SYNC_PERSONS (default "50000 100000"), gen-org makes
# an export of P persons. Its CPU stages (msi-extract and msi-transform of
# each object, as msi-sync runs them) are timed alone; then msi-sync syncs
# it with the simulator's limits scaled in time: 100 calls per 2 s, 10 at
# once, 30 ms a call. The floor is the calls the simulator accepted at 50
# calls/s. Target: (wall - CPU) / floor at most 1.10, and no 606 or 615
# answered. Then, at the largest P, two msi-syncs share one instance and
# its window file: P persons and 50,000 more (seed 2), started together;
# their CPU is the larger of the two (they run on two cores).
set -eu
LC_ALL=C
export LC_ALL

die() { echo "sync.sh: $*" >&2; exit 1; }
B=$(cd "${1:-build}" && pwd) || die "${1:-build}: no build folder"
PATH=$B/extract:$B/transform:$B/load:$B/writeback:$B/apply:$B/verify:$B/report:$B/state:$B/tests/gen-org:$(cd "$(dirname "$0")/../../pipelines" && pwd):$PATH
export PATH
PERSONS=${BENCH_SYNC_PERSONS:-50000 100000}
tmp=$(mktemp -d)
pid='' s1='' s2=''
trap 'for p in $pid $s1 $s2; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
status=0

# Export $1 made by gen-org with the options after it; its CPU stages'
# seconds in cpu_s. Each object's transform knows the objects before it.
org() {
	x=$1 d=$tmp/cpu
	shift
	gen-org "$@" "$x" || die "gen-org $* failed"
	rm -rf "$d" && mkdir "$d"
	cpu_s=0
	set --
	for o in User Account Lead Contact Opportunity OpportunityContactRole; do
		s=$(date +%s.%N) st=0
		msi-extract --stats --stats-json "$d/$o.x.json" --rejects "$d/$o.xr.ndjson" "$x/$o.csv" \
		    > "$d/$o.sf.ndjson" 2>> "$d/log" || st=$?
		[ $st -le 1 ] || die "msi-extract $x/$o.csv: status $st"
		msi-transform --stats --stats-json "$d/$o.t.json" --known-miss send --rejects "$d/$o.tr.ndjson" \
		    "$@" "$d/$o.sf.ndjson" > "$d/$o.mkto.ndjson" 2>> "$d/log" || st=$?
		[ $st -le 1 ] || die "msi-transform $o: status $st"
		e=$(date +%s.%N)
		cpu_s=$(awk -v t="$cpu_s" -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", t + e - s }')
		set -- "$@" --known "$d/$o.mkto.ndjson"
	done
	rm -rf "$d"
}

sim_start() {
	rm -f "$tmp/port"
	rm -rf "$tmp/windows" "$tmp"/runs* && mkdir "$tmp/windows"
	"$B/tests/marketo-sim/marketo-sim" --port-file "$tmp/port" --latency-ms 30 --window-calls 100 \
	    --window 2 --max-concurrent 10 > /dev/null 2>&1 &
	pid=$!
	i=0
	while [ ! -s "$tmp/port" ] && [ $i -lt 250 ]; do sleep 0.02; i=$((i + 1)); done
	[ -s "$tmp/port" ] || die "the simulator did not start"
	base=http://127.0.0.1:$(cat "$tmp/port")
}

# Starts msi-sync of export $1 into runs folder $2 in the background.
sync_start() {
	MARKETO_BASE_URL=$base/rest MARKETO_CLIENT_ID=sim-client MARKETO_CLIENT_SECRET=sim-secret \
	    MSI_WINDOW_DIR=$tmp/windows msi-sync -o "$2" -n 100 -w 2 -c 10 "$1" > "$2.summary" 2> "$2.err" &
}

# Waits for msi-sync $1 (runs folder $2): status 1 is the planted bad rows.
sync_wait() {
	st=0
	wait "$1" || st=$?
	[ $st -le 1 ] || die "msi-sync into $2 ended with status $st; its stderr ends: $(tail -n 3 "$2.err")"
}

# The lines of label $1 for a run from time $2 to $3 and CPU stages of $4 s.
report() {
	curl -s "$base/_sim/stats" > "$tmp/stats" || die "no stats from the simulator"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=''
	awk -v label="$1" -v s="$2" -v e="$3" -v cpu="$4" -v a="$(jq '.accepted // 0' "$tmp/stats")" \
	    -v r606="$(jq '.refused["606"] // 0' "$tmp/stats")" -v r615="$(jq '.refused["615"] // 0' "$tmp/stats")" 'BEGIN {
		floor = a / 50
		wall = e - s
		r = floor > 0 ? (wall - cpu) / floor : 0
		ok = floor > 0 && r <= 1.10 && r606 == 0 && r615 == 0
		printf "%s: wall %.2f s, accepted calls %d, floor %.2f s (%d calls at 50 calls/s), CPU stages %.2f s, (wall - CPU) / floor = %.2f (wall / floor = %.2f: msi-sync loads an object while the next are transformed), 606: %d, 615: %d\n", label, wall, a, floor, a, cpu, r, wall / floor, r606, r615
		printf "Target: R <= 1.10 with zero 606 and zero 615: %s\n", (ok ? "met" : "NOT met")
		exit ok ? 0 : 3
	}' || status=$?
}

max=0 cpu_max=0
for p in $PERSONS; do
	org "$tmp/org$p" -p "$p"
	[ "$p" -le "$max" ] || { max=$p cpu_max=$cpu_s; }
	sim_start
	s=$(date +%s.%N)
	sync_start "$tmp/org$p" "$tmp/runs" && s1=$!
	sync_wait "$s1" "$tmp/runs"
	e=$(date +%s.%N) s1=''
	report "sync $p persons" "$s" "$e" "$cpu_s"
	[ "$p" -eq "$max" ] || rm -rf "$tmp/org$p"
done

org "$tmp/org2" -p 50000 -s 2
cpu=$(awk -v a="$cpu_max" -v b="$cpu_s" 'BEGIN { print (a > b ? a : b) }')
sim_start
s=$(date +%s.%N)
sync_start "$tmp/org$max" "$tmp/runs1"
s1=$!
sync_start "$tmp/org2" "$tmp/runs2"
s2=$!
sync_wait "$s1" "$tmp/runs1"
sync_wait "$s2" "$tmp/runs2"
e=$(date +%s.%N) s1='' s2=''
report "two syncs sharing the instance ($max + 50000 persons)" "$s" "$e" "$cpu"
exit $status
