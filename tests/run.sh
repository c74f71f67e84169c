#!/bin/sh
# run.sh: the test suite: C unit tests, command-line cases, man page checks.
# usage: sh tests/run.sh [build-dir [pattern ...]]
#        VALGRIND=1 sh tests/run.sh [build-dir [pattern ...]]
#                                  (every program under valgrind)
#
# A case is a folder tests/cases/TOOL/NAME holding:
#   args          the tool's arguments, one line of shell words; or
#   cmd           a shell script to run instead (the tools are on PATH)
#   input         standard input (default: none)
#   expected.out  expected standard output (default: empty)
#   expected.err  expected standard error (default: empty)
#   status        expected exit status (default: 0)
#   expected.F    expected contents of a file F the tool writes
#   valgrind-skip not run under valgrind (VALGRIND=1), which would take
#                 minutes; the plain and ASan passes run it. Under valgrind
#                 only the cases of the C tools (msi-extract/, ...,
#                 msi-writeback/, msi-verify/) run: whole syncs, the hostile corpus and
#                 the simulator's cases are for the plain and ASan passes
# A cmd script can start a Marketo simulator with tests/marketo-sim/lib.sh
# (". "$MSI_TESTS/marketo-sim/lib.sh""). A cmd script that exits 77 (as
# Automake's tests do) cannot run here, for want of something the machine
# lacks (node, the npm registry): the case is skipped, not failed; the last
# line of its standard output says why (unless 77 is the status it expects).
# Every other file in the folder is there, in the working folder, for the tool
# to read.
#
# The checks run MSI_TEST_JOBS at a time (default: two per processor, as
# many cases wait on a simulator part of the time; on 2 cores the plain pass
# took 150 s with 4 at a time, 164 s with 6, 178 s with 3), each case in a working
# folder of its own; the slowest, as the last run in this build folder timed
# them ($B/.test-times, or .test-times-valgrind), start first. Each check prints "." or "F" as it ends;
# the failures follow in the order of the names, then the cases skipped (an "s"
# as they end) with their reasons, and the last line of output is
# "N passed, N failed" (", N skipped" after it when some were).
#
# Patterns (shell patterns, as in case) choose the checks by name: a case is
# TOOL/NAME, a unit test unit/test-NAME, a man page man/TOOL, the shellcheck
# of a script shellcheck/SCRIPT. Example: sh tests/run.sh build 'msi-load/*'
# A pattern starting with ! leaves out the checks it matches; given only
# such patterns, every other check runs: sh tests/run.sh build '!hostile/*'
set -eu
LC_ALL=C
export LC_ALL

top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
[ $# -eq 0 ] || shift

jobs=${MSI_TEST_JOBS:-$((2 * $(getconf _NPROCESSORS_ONLN 2> /dev/null || echo 2)))}
case $jobs in
'' | *[!0-9]*) jobs=0 ;;
esac
if [ "$jobs" -eq 0 ]; then
	echo "run.sh: MSI_TEST_JOBS: not a positive number: $MSI_TEST_JOBS" >&2
	exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Ends the checks still running, and whatever they started, when the run is
# interrupted: commands started in the background ignore SIGINT.
# shellcheck disable=SC2317
stop_checks() {
	trap '' INT TERM
	pids=$(ps -A -o pid= -o ppid= | awk -v top=$$ '
		{ parent[$1] = $2 }
		END {
			for (p in parent) {
				q = parent[p]
				while (q != top && q in parent && q > 1)
					q = parent[q]
				if (q == top)
					print p
			}
		}')
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -TERM $pids 2> /dev/null || :
	wait
	exit "$1"
}
trap 'stop_checks 130' INT
trap 'stop_checks 143' TERM

PATH=$B/extract:$B/transform:$B/load:$B/writeback:$B/apply:$B/verify:$B/report:$B/state:$B/tests/gen-org:$B/tests/marketo-sim:$B/tests/salesforce-sim:$top/pipelines:$PATH
MSI_TESTS=$top/tests
# the window files the tools share (msi-load(1)) stay in this run's folder
MSI_WINDOW_DIR=$tmp/windows
export PATH MSI_TESTS MSI_WINDOW_DIR

# Under valgrind, wrappers of the same names come first on PATH; any error,
# leaks included, becomes exit status 99, which no case expects. Inlined
# frames are not read (--read-inline-info=no): an error's stack shows the
# function it is in; each start is about 11% faster (0.83 s to 0.73 s, the
# mean of five runs of tests/cases/msi-transform/types-rejects's command
# under this wrapper with and without the option).
wrap=
times=$B/.test-times
if [ "${VALGRIND:-0}" = 1 ]; then
	mkdir "$tmp/bin"
	wrap="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --read-inline-info=no"
	for t in "$B"/extract/msi-* "$B"/transform/msi-* "$B"/load/msi-* "$B"/writeback/msi-* "$B"/apply/msi-* "$B"/verify/msi-* "$B"/report/msi-* "$B"/state/msi-*; do
		case $t in *.o | *'*'*) continue ;; esac
		printf '#!/bin/sh\nexec %s %s "$@"\n' "$wrap" "$t" > "$tmp/bin/${t##*/}"
		chmod +x "$tmp/bin/${t##*/}"
	done
	PATH=$tmp/bin:$PATH
	times=$B/.test-times-valgrind
fi

# A check's result goes to its folder $d: "." or "F" per check in tally,
# the reports in failures.
ok() {
	printf .
	printf . >> "$d/tally"
}

# A case that could not run (its cmd exited 77): counted apart, with its reason.
skip() {
	printf s
	printf s >> "$d/tally"
	printf '%s\n' "$@" >> "$d/skips"
}

bad() {
	printf F
	printf F >> "$d/tally"
	printf '%s\n' "$@" >> "$d/failures"
}

# C unit tests: each line "ok NAME" or "FAIL NAME: why" is one check.
run_unit() {
	t=$1
	name=${t##*/}
	st=0
	$wrap "$t" > "$d/out" 2> "$d/err" || st=$?
	while IFS= read -r line; do
		case $line in
		"ok "*) ok ;;
		"FAIL "*) bad "$name: ${line#FAIL }" ;;
		esac
	done < "$d/out"
	if [ "$st" -ne 0 ] && ! grep -q '^FAIL ' "$d/out"; then
		bad "$name: exited $st" "$(cat "$d/err")"
	elif [ -s "$d/err" ]; then
		bad "$name: wrote to stderr:" "$(cat "$d/err")"
	fi
}

# A command-line case, in the working folder $d/work.
run_case() {
	dir=$1
	case=${dir#"$top"/tests/cases/}
	tool=${case%%/*}
	work=$d/work
	mkdir "$work"
	(cd "$dir" && for f in *; do
		case $f in
		args | cmd | input | status | expected.* | valgrind-skip) ;;
		*) cp -R "$f" "$work/" ;;
		esac
	done)
	stdin=/dev/null
	[ -f "$dir/input" ] && stdin=$dir/input
	st=0
	if [ -f "$dir/cmd" ]; then
		(cd "$work" && sh "$dir/cmd") < "$stdin" > "$d/out" 2> "$d/err" || st=$?
	else
		args=$(cat "$dir/args" 2> /dev/null || true)
		(cd "$work" && eval "set -- $args" && exec "$tool" "$@") \
			< "$stdin" > "$d/out" 2> "$d/err" || st=$?
	fi
	want_st=0
	[ -f "$dir/status" ] && want_st=$(cat "$dir/status")
	if [ -f "$dir/cmd" ] && [ "$st" = 77 ] && [ "$want_st" != 77 ]; then
		skip "$case: $(tail -n 1 "$d/out")"
		return
	fi
	why=
	[ "$st" = "$want_st" ] || why="$why
exit status $st, expected $want_st"
	for stream in out err; do
		want=$dir/expected.$stream
		[ -f "$want" ] || want=/dev/null
		cmp -s "$want" "$d/$stream" ||
			why="$why
std$stream differs:
$(diff -u "$want" "$d/$stream" | head -40)"
	done
	for want in "$dir"/expected.*; do
		f=${want##*/expected.}
		case $f in out | err | '*') continue ;; esac
		if [ ! -f "$work/$f" ]; then
			why="$why
$f was not written"
		elif ! cmp -s "$want" "$work/$f"; then
			why="$why
$f differs:
$(diff -u "$want" "$work/$f" | head -40)"
		fi
	done
	if [ -z "$why" ]; then ok; else bad "$case:$why"; fi
}

# Man pages: mandoc and groff find nothing to say, and usage() is the SYNOPSIS.
run_man() {
	page=$1
	tool=${page##*/}
	tool=${tool%.1}
	if ! command -v mandoc > /dev/null; then
		bad "$tool.1: mandoc not installed (make deps)"
		return
	fi
	if lint=$(mandoc -Tlint -Wwarning "$page" 2>&1) && [ -z "$lint" ]; then ok; else
		bad "$tool.1: mandoc -Tlint:" "$lint"
	fi
	# groff, as man(1) renders it: no warning (a table too wide, a line it cannot break)
	if ! command -v groff > /dev/null; then
		bad "$tool.1: groff not installed (make deps)"
	elif lint=$(groff -mandoc -Tutf8 -ww -z "$page" 2>&1) && [ -z "$lint" ]; then ok; else
		bad "$tool.1: groff -ww:" "$lint"
	fi
	synopsis=$(mandoc -Tascii -O width=200 "$page" | sed "s/.$(printf '\b')//g" |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | tr -s ' \n' '  ' |
		sed 's/^ //; s/ $//')
	# --help: the usage, then after a blank line a line an option
	usage=$("$tool" --help | sed '/^$/,$d' | tr -s ' \n' '  ' | sed 's/^usage: //; s/ $//')
	if [ "$synopsis" = "$usage" ]; then ok; else
		bad "$tool: usage differs from the man page SYNOPSIS:" \
			"  usage:    $usage" "  SYNOPSIS: $synopsis"
	fi
}

# Shell scripts of pipelines/: shellcheck finds nothing.
run_script() {
	script=$1
	if ! command -v shellcheck > /dev/null; then
		bad "${script##*/}: shellcheck not installed (make deps)"
	elif out=$(shellcheck "$script" 2>&1); then ok; else
		bad "${script##*/}: shellcheck:" "$out"
	fi
}

# The checks, one line each, "KIND GUESS NAME PATH", in the order their
# failures are reported; GUESS is how many seconds it may take when it was
# never timed. Those the patterns leave out are not listed, and cases
# valgrind skips are counted.
filtered=0
: > "$tmp/patterns"
: > "$tmp/excluded"
for pattern; do
	case $pattern in
	!*) printf '%s\n' "${pattern#!}" >> "$tmp/excluded" ;;
	*)
		printf '%s\n' "$pattern" >> "$tmp/patterns"
		filtered=$((filtered + 1))
		;;
	esac
done
: > "$tmp/matched"
: > "$tmp/checks"
skipped=0
list() {
	while IFS= read -r pattern; do
		# shellcheck disable=SC2254
		case $3 in $pattern) printf '%s\n' "$pattern" >> "$tmp/matched" && return 0 ;; esac
	done < "$tmp/excluded"
	if [ "$filtered" -gt 0 ]; then
		chosen=
		while IFS= read -r pattern; do
			# shellcheck disable=SC2254
			case $3 in $pattern) chosen=$pattern && printf '%s\n' "$pattern" >> "$tmp/matched" ;; esac
		done < "$tmp/patterns"
		[ -n "$chosen" ] || return 0
	fi
	if [ "$1" = case ] && [ -n "$wrap" ]; then
		# valgrind runs the tools' own cases; the whole syncs, the hostile
		# corpus and the simulator's cases run in the plain and ASan passes
		case $3 in
		msi-extract/* | msi-transform/* | msi-load/* | msi-writeback/* | msi-apply/* | msi-verify/* | msi-report/* | msi-state/*) ;;
		*) skipped=$((skipped + 1)) && return 0 ;;
		esac
		if [ -f "$4/valgrind-skip" ]; then
			skipped=$((skipped + 1))
			return 0
		fi
	fi
	echo "$1 $2 $3 $4" >> "$tmp/checks"
}
for path in "$B"/tests/unit/test-*; do
	[ -x "$path" ] && list unit 0 "unit/${path##*/}" "$path"
done
for path in "$top"/tests/cases/*/*/; do
	[ -d "$path" ] || continue
	path=${path%/}
	guess=0
	[ ! -f "$path/cmd" ] || guess=999
	list case $guess "${path#"$top"/tests/cases/}" "$path"
done
for path in "$top"/*/msi-*.1; do
	[ -f "$path" ] || continue
	name=${path##*/}
	list man 0 "man/${name%.1}" "$path"
done
for path in "$top"/pipelines/msi-sync "$top"/pipelines/*.sh; do
	[ -f "$path" ] && list script 0 "shellcheck/${path##*/}" "$path"
done
status=0
while IFS= read -r pattern; do
	if ! grep -qxF -e "$pattern" "$tmp/matched"; then
		echo "run.sh: no check matches $pattern" >&2
		status=1
	fi
done < "$tmp/patterns"
while IFS= read -r pattern; do
	if ! grep -qxF -e "$pattern" "$tmp/matched"; then
		echo "run.sh: no check matches !$pattern" >&2
		status=1
	fi
done < "$tmp/excluded"

# The order they start in: the slowest, as timed last time, first; in a
# fresh checkout, as tests/check-times has them (the plain pass's times,
# refreshed by copying build/.test-times there; under valgrind
# tests/check-times-valgrind, from build/.test-times-valgrind), so that the
# long cases do not start last.
prev=$times
[ -f "$prev" ] || [ "${VALGRIND:-0}" != 1 ] || prev=$top/tests/check-times-valgrind
[ -f "$prev" ] || prev=$top/tests/check-times
[ -f "$prev" ] || prev=/dev/null
awk -v prev="$prev" 'FILENAME == prev { secs[$2] = $1; next }
	{ print (($3 in secs) ? secs[$3] : $2), FNR, $0 }' "$prev" "$tmp/checks" |
	sort -k1,1nr -k2,2n > "$tmp/order"

# JOBS tokens in a FIFO: a check takes one to start and gives it back when it
# ends.
mkfifo "$tmp/slots"
exec 3<> "$tmp/slots"
n=0
while [ "$n" -lt "$jobs" ]; do
	echo >&3
	n=$((n + 1))
done
while read -r _ i kind _ name path; do
	read -r _ <&3
	d=$tmp/$i
	mkdir "$d"
	: > "$d/tally"
	{
		set +e
		(
			set -e
			start=$(date +%s)
			case $kind in
			unit) run_unit "$path" ;;
			case) run_case "$path" ;;
			man) run_man "$path" ;;
			script) run_script "$path" ;;
			esac
			echo "$(($(date +%s) - start)) $name" > "$d/time"
		) 3>&- < /dev/null
		echo >&3
	} &
done < "$tmp/order"
wait
exec 3>&-

# The results, in the order of the names.
pass=0
fail=0
skips=0
i=0
while read -r _ _ name _; do
	i=$((i + 1))
	d=$tmp/$i
	if [ ! -f "$d/time" ]; then
		bad "$name: the check ended before its result (a failing command in run.sh)"
	fi
	p=$(tr -cd . < "$d/tally" | wc -c)
	f=$(tr -cd F < "$d/tally" | wc -c)
	sk=$(tr -cd s < "$d/tally" | wc -c)
	pass=$((pass + p))
	fail=$((fail + f))
	skips=$((skips + sk))
	[ ! -f "$d/failures" ] || cat "$d/failures" >> "$tmp/failures"
	[ ! -f "$d/skips" ] || cat "$d/skips" >> "$tmp/skips"
	[ ! -f "$d/time" ] || cat "$d/time" >> "$tmp/times"
done < "$tmp/checks"

# This run's times, with those of the checks it left out, for the next run.
if [ -f "$tmp/times" ] && [ -w "$B" ]; then
	{
		[ ! -f "$times" ] || awk 'NR == FNR { ran[$2] = 1; next } !($2 in ran)' "$tmp/times" "$times"
		cat "$tmp/times"
	} > "$times.$$" 2> /dev/null && mv "$times.$$" "$times"
	rm -f "$times.$$"
fi

echo
[ ! -f "$tmp/failures" ] || cat "$tmp/failures"
[ "$skipped" -eq 0 ] || echo "$skipped cases not run under valgrind (valgrind-skip, or not a tool's own case)"
[ ! -f "$tmp/skips" ] || sed 's/^/skipped: /' "$tmp/skips"
if [ "$skips" -eq 0 ]; then
	echo "$pass passed, $fail failed"
else
	echo "$pass passed, $fail failed, $skips skipped"
fi
[ "$fail" -eq 0 ] && exit "$status"
exit 1
