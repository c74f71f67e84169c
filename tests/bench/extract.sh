#!/bin/sh
# extract.sh: msi-extract against Miller on the same synthetic Lead export.
# usage: sh tests/bench/extract.sh [build-dir]
# Prints records/s for both, their ratio (target: msi-extract >= 4x Miller),
# and msi-extract's peak memory on 1k and 1M rows (target: within a few MB).
set -eu
LC_ALL=C
export LC_ALL

B=${1:-build}
. "$(dirname "$0")/lib.sh"
EXTRACT=$B/extract/msi-extract
GEN=$B/tests/bench/gen-leads
MAXRSS=$B/tests/bench/maxrss
ROWS=${BENCH_ROWS:-200000}
RUNS=${BENCH_RUNS:-5}
TARGET=4.0

command -v mlr >/dev/null || { echo "extract.sh: mlr (miller) not found; run 'make deps'" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$GEN" "$ROWS" > "$tmp/Lead.csv"
echo "input: $ROWS Lead rows, 33 columns, all quoted, CRLF, multi-line fields, $(wc -c < "$tmp/Lead.csv") bytes"

# Both tools must see every record, or the timing means nothing.
n=$("$EXTRACT" "$tmp/Lead.csv" | wc -l)
m=$(mlr --icsv --ojsonl cat "$tmp/Lead.csv" | wc -l)
[ "$n" -eq "$ROWS" ] && [ "$m" -eq "$ROWS" ] ||
    { echo "extract.sh: record counts differ: msi-extract $n, mlr $m, rows $ROWS" >&2; exit 1; }

# The median of RUNS wall-clock times, the two tools taking turns.
i=0
while [ "$i" -lt "$RUNS" ]; do
	"$MAXRSS" "$tmp/r" "$EXTRACT" "$tmp/Lead.csv" > /dev/null
	cut -d' ' -f1 "$tmp/r" >> "$tmp/ours"
	"$MAXRSS" "$tmp/r" mlr --icsv --ojsonl cat "$tmp/Lead.csv" > /dev/null
	cut -d' ' -f1 "$tmp/r" >> "$tmp/mlr"
	i=$((i + 1))
done
ours=$(median < "$tmp/ours")
theirs=$(median < "$tmp/mlr")
awk -v rows="$ROWS" -v a="$ours" -v b="$theirs" -v runs="$RUNS" -v target="$TARGET" 'BEGIN {
	printf "msi-extract:                %9.0f records/s (median of %d: %.3f s)\n", rows / a, runs, a
	printf "mlr --icsv --ojsonl cat:    %9.0f records/s (median of %d: %.3f s)\n", rows / b, runs, b
	printf "ratio: %.2fx (target >= %.1fx: %s)\n", b / a, target, (b / a >= target ? "met" : "NOT met")
	exit b / a >= target ? 0 : 3
}' || status=$?

# Peak memory must not grow with the input.
"$GEN" 1000 > "$tmp/small.csv"
"$GEN" 1000000 > "$tmp/big.csv"
"$MAXRSS" "$tmp/r1" "$EXTRACT" --object Lead "$tmp/small.csv" > /dev/null
"$MAXRSS" "$tmp/r2" "$EXTRACT" --object Lead "$tmp/big.csv" > /dev/null
rm -f "$tmp/big.csv"
awk -v small="$(cut -d' ' -f2 "$tmp/r1")" -v big="$(cut -d' ' -f2 "$tmp/r2")" 'BEGIN {
	printf "peak memory: 1k rows %d KB, 1M rows %d KB (difference %d KB; target < 4096 KB: %s)\n",
	    small, big, big - small, (big - small < 4096 ? "met" : "NOT met")
	exit big - small < 4096 ? 0 : 3
}' || status=$?
exit "${status:-0}"
