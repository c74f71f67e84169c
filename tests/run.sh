#!/bin/sh
# run.sh: the test suite: C unit tests, command-line cases, man page checks.
# usage: sh tests/run.sh [build-dir]
#        VALGRIND=1 sh tests/run.sh [build-dir]   (every program under valgrind)
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
#                 minutes; the plain and ASan passes run it
# A cmd script can start a Marketo simulator with tests/marketo-sim/lib.sh
# (". "$MSI_TESTS/marketo-sim/lib.sh"").
# Every other file in the folder is there, in the working folder, for the tool
# to read. The last line of output is "N passed, N failed".
set -eu
LC_ALL=C
export LC_ALL

top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
PATH=$B/extract:$B/transform:$B/load:$B/writeback:$B/tests/marketo-sim:$B/pipelines:$top/pipelines:$PATH
MSI_TESTS=$top/tests
export PATH MSI_TESTS

# Under valgrind, wrappers of the same names come first on PATH; any error,
# leaks included, becomes exit status 99, which no case expects.
wrap=
if [ "${VALGRIND:-0}" = 1 ]; then
	mkdir "$tmp/bin"
	wrap="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
	for t in "$B"/extract/msi-* "$B"/transform/msi-* "$B"/load/msi-* "$B"/writeback/msi-*; do
		case $t in *.o | *'*'*) continue ;; esac
		printf '#!/bin/sh\nexec %s %s "$@"\n' "$wrap" "$t" > "$tmp/bin/${t##*/}"
		chmod +x "$tmp/bin/${t##*/}"
	done
	PATH=$tmp/bin:$PATH
fi

pass=0
fail=0
skipped=0
: > "$tmp/failures"

ok() {
	pass=$((pass + 1))
	printf .
}

bad() {
	fail=$((fail + 1))
	printf F
	printf '%s\n' "$@" >> "$tmp/failures"
}

# C unit tests: each line "ok NAME" or "FAIL NAME: why" is one check.
for t in "$B"/tests/unit/test-*; do
	[ -x "$t" ] || continue
	name=${t##*/}
	st=0
	$wrap "$t" > "$tmp/unit.out" 2> "$tmp/unit.err" || st=$?
	while IFS= read -r line; do
		case $line in
		"ok "*) ok ;;
		"FAIL "*) bad "$name: ${line#FAIL }" ;;
		esac
	done < "$tmp/unit.out"
	if [ "$st" -ne 0 ] && ! grep -q '^FAIL ' "$tmp/unit.out"; then
		bad "$name: exited $st" "$(cat "$tmp/unit.err")"
	elif [ -s "$tmp/unit.err" ]; then
		bad "$name: wrote to stderr:" "$(cat "$tmp/unit.err")"
	fi
done

# Command-line cases.
for dir in "$top"/tests/cases/*/*/; do
	[ -d "$dir" ] || continue
	dir=${dir%/}
	case=${dir#"$top"/tests/cases/}
	if [ -n "$wrap" ] && [ -f "$dir/valgrind-skip" ]; then
		skipped=$((skipped + 1))
		continue
	fi
	tool=${case%%/*}
	work=$tmp/work
	rm -rf "$work"
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
		(cd "$work" && sh "$dir/cmd") < "$stdin" > "$tmp/out" 2> "$tmp/err" || st=$?
	else
		args=$(cat "$dir/args" 2>/dev/null || true)
		(cd "$work" && eval "set -- $args" && exec "$tool" "$@") \
			< "$stdin" > "$tmp/out" 2> "$tmp/err" || st=$?
	fi
	want_st=0
	[ -f "$dir/status" ] && want_st=$(cat "$dir/status")
	why=
	[ "$st" = "$want_st" ] || why="$why
exit status $st, expected $want_st"
	for stream in out err; do
		want=$dir/expected.$stream
		[ -f "$want" ] || want=/dev/null
		cmp -s "$want" "$tmp/$stream" ||
			why="$why
std$stream differs:
$(diff -u "$want" "$tmp/$stream" | head -40)"
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
done

# Man pages: mandoc finds nothing to say, and usage() is the SYNOPSIS.
for page in "$top"/*/msi-*.1; do
	[ -f "$page" ] || continue
	tool=${page##*/}
	tool=${tool%.1}
	if ! command -v mandoc > /dev/null; then
		bad "$tool.1: mandoc not installed (make deps)"
		continue
	fi
	if lint=$(mandoc -Tlint -Wwarning "$page" 2>&1) && [ -z "$lint" ]; then ok; else
		bad "$tool.1: mandoc -Tlint:" "$lint"
	fi
	synopsis=$(mandoc -Tascii -O width=200 "$page" | sed "s/.$(printf '\b')//g" |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | tr -s ' \n' '  ' |
		sed 's/^ //; s/ $//')
	usage=$("$tool" --help | tr -s ' \n' '  ' | sed 's/^usage: //; s/ $//')
	if [ "$synopsis" = "$usage" ]; then ok; else
		bad "$tool: usage differs from the man page SYNOPSIS:" \
			"  usage:    $usage" "  SYNOPSIS: $synopsis"
	fi
done

# Shell scripts of pipelines/: shellcheck finds nothing.
for script in "$top"/pipelines/msi-sync "$top"/pipelines/*.sh; do
	[ -f "$script" ] || continue
	if ! command -v shellcheck > /dev/null; then
		bad "${script##*/}: shellcheck not installed (make deps)"
	elif out=$(shellcheck "$script" 2>&1); then ok; else
		bad "${script##*/}: shellcheck:" "$out"
	fi
done

echo
[ -s "$tmp/failures" ] && cat "$tmp/failures"
[ "$skipped" -eq 0 ] || echo "$skipped cases not run under valgrind (valgrind-skip)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
