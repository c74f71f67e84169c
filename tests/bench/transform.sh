#!/bin/sh
# transform.sh: msi-transform against jq running the same Lead mapping.
# usage: sh tests/bench/transform.sh [build-dir]
# Prints records/s for both, their ratio (target: msi-transform >= 10x jq),
# peak memory on 1k and 200k records, and what --known costs per id.
set -eu
LC_ALL=C
export LC_ALL

B=${1:-build}
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
EXTRACT=$B/extract/msi-extract
TRANSFORM=$B/transform/msi-transform
GEN=$B/tests/bench/gen-leads
MAXRSS=$B/tests/bench/maxrss
JQPROG=$top/tests/bench/transform-lead.jq
ROWS=${BENCH_ROWS:-200000}
RUNS=${BENCH_RUNS:-3}
JQ_RUNS=${BENCH_JQ_RUNS:-1}
TARGET=10

command -v jq >/dev/null || { echo "transform.sh: jq not found; run 'make deps'" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$GEN" "$ROWS" > "$tmp/Lead.csv"
"$EXTRACT" "$tmp/Lead.csv" > "$tmp/Lead.ndjson"
echo "input: $ROWS Lead records from msi-extract, $(wc -c < "$tmp/Lead.ndjson") bytes; jq $(jq --version)"

# The two must agree, or the timing means nothing: the same objects, once
# both are printed by jq (jq writes 1500.00 as 1500).
head -n 20000 "$tmp/Lead.ndjson" > "$tmp/part.ndjson"
"$TRANSFORM" "$tmp/part.ndjson" | jq -c . > "$tmp/ours.part"
jq -c -f "$JQPROG" "$tmp/part.ndjson" > "$tmp/theirs.part"
cmp -s "$tmp/ours.part" "$tmp/theirs.part" ||
    { echo "transform.sh: msi-transform and $JQPROG disagree on the first 20000 records" >&2; exit 1; }
echo "check: both write the same $(wc -l < "$tmp/ours.part") records for the first 20000"

i=0
while [ "$i" -lt "$RUNS" ]; do
	"$MAXRSS" "$tmp/r" "$TRANSFORM" "$tmp/Lead.ndjson" > /dev/null
	cut -d' ' -f1 "$tmp/r" >> "$tmp/ours"
	i=$((i + 1))
done
i=0
while [ "$i" -lt "$JQ_RUNS" ]; do
	"$MAXRSS" "$tmp/r" jq -c -f "$JQPROG" "$tmp/Lead.ndjson" > /dev/null
	cut -d' ' -f1 "$tmp/r" >> "$tmp/jq"
	i=$((i + 1))
done
ours=$(median < "$tmp/ours")
theirs=$(median < "$tmp/jq")
awk -v rows="$ROWS" -v a="$ours" -v b="$theirs" -v runs="$RUNS" -v jqruns="$JQ_RUNS" \
    -v target="$TARGET" 'BEGIN {
	printf "msi-transform:              %9.0f records/s (median of %d: %.3f s)\n", rows / a, runs, a
	printf "jq -c -f transform-lead.jq: %9.0f records/s (median of %d: %.3f s)\n", rows / b, jqruns, b
	printf "ratio: %.1fx (target >= %dx: %s)\n", b / a, target, (b / a >= target ? "met" : "NOT met")
	exit b / a >= target ? 0 : 3
}' || status=$?

# Memory: flat in the records; --known holds its ids.
head -n 1000 "$tmp/Lead.ndjson" > "$tmp/small.ndjson"
"$MAXRSS" "$tmp/r1" "$TRANSFORM" "$tmp/small.ndjson" > /dev/null
"$MAXRSS" "$tmp/r2" "$TRANSFORM" "$tmp/Lead.ndjson" > /dev/null
"$TRANSFORM" --object Contact "$tmp/Lead.ndjson" 2>/dev/null |
    jq -c '{externalSalesPersonId: .externalPersonId}' > "$tmp/known.ndjson"
nknown=$(wc -l < "$tmp/known.ndjson")
"$MAXRSS" "$tmp/r3" "$TRANSFORM" --known "$tmp/known.ndjson" --rejects "$tmp/rej" \
    "$tmp/small.ndjson" > /dev/null 2>&1 || true # its owners are not among those ids
awk -v small="$(cut -d' ' -f2 "$tmp/r1")" -v big="$(cut -d' ' -f2 "$tmp/r2")" \
    -v known="$(cut -d' ' -f2 "$tmp/r3")" -v n="$nknown" -v rows="$ROWS" 'BEGIN {
	printf "peak memory: 1000 records %d KB, %d records %d KB (difference %d KB; target < 4096 KB: %s)\n",
	    small, rows, big, big - small, (big - small < 4096 ? "met" : "NOT met")
	printf "--known: %d ids take %d KB more, %.0f bytes an id\n", n, known - small,
	    (known - small) * 1024 / n
	exit big - small < 4096 ? 0 : 3
}' || status=$?
exit "${status:-0}"
