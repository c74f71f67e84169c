#!/bin/sh
# fuzz.sh: a mutation fuzzer for msi-extract, msi-transform, msi-load and msi-writeback.
# usage: sh tests/fuzz.sh BUILD-DIR SECONDS [SEED [FINDINGS-DIR]]
#
# BUILD-DIR holds the tools built with -fsanitize=address,undefined (as make
# check-asan builds them). Seeds are the sample export (pipelines/sample),
# two exports made by gen-org, and what msi-extract, msi-transform and
# msi-load make of them; each case mutates one seed (bytes, lines, CSV
# fields and header, JSON values, keys, numbers and nesting, map and state
# files) and runs one tool on it with options drawn at random, under
# timeout. msi-load and msi-writeback talk to marketo-sims started once for
# the run: a clean one, one that injects faults, and a closed port.
#
# A finding is a sanitizer report, a death by signal, a hang (no end within
# FUZZ_TIMEOUT seconds, default 10), an exit status outside the tool's
# EXIT STATUS table (0-6 at most), a status 2-6 without a message, or one
# stage refusing what the stage before it wrote (msi-transform stopping on
# msi-extract's output, msi-load --dry-run on msi-transform's). Each
# distinct finding prints one line and is kept in FINDINGS-DIR (default: a
# new folder in $TMPDIR) with its inputs, command, standard error and a
# repro.sh that replays it. The same SEED (default 1) gives the same
# cases. New cases start until SECONDS have passed since the seeds were
# made; exits 0 when nothing was found, 1 otherwise, 2 on bad usage.
set -eu
LC_ALL=C
export LC_ALL

usage() {
	echo "usage: sh tests/fuzz.sh BUILD-DIR SECONDS [SEED [FINDINGS-DIR]]" >&2
	exit 2
}
[ $# -ge 2 ] && [ $# -le 4 ] || usage
case $2 in '' | *[!0-9]*) usage ;; esac
case ${3:-1} in '' | *[!0-9]*) usage ;; esac
[ -d "$1" ] || usage
top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$1" && pwd)
SECS=$2
SEED=${3:-1}
T=${FUZZ_TIMEOUT:-10}
for t in extract/msi-extract transform/msi-transform load/msi-load writeback/msi-writeback \
    tests/marketo-sim/marketo-sim tests/gen-org/gen-org; do
	[ -x "$B/$t" ] || {
		echo "fuzz: $B/$t missing; build it first (make check-asan)" >&2
		exit 2
	}
done
grep -q __asan_init "$B/extract/msi-extract" ||
	echo "fuzz: warning: $B is not an AddressSanitizer build" >&2

# No real instance, ever: the network stages get the simulators' settings only.
unset MARKETO_BASE_URL MARKETO_IDENTITY_URL MARKETO_CLIENT_ID MARKETO_CLIENT_SECRET \
    MARKETO_CONFIG || true
# Sanitizer exits get statuses no tool uses (99 ASan and LSan, 98 UBSan).
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99:hard_rss_limit_mb=2000:symbolize=1:fast_unwind_on_malloc=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98
export ASAN_OPTIONS UBSAN_OPTIONS

start=$(date +%s)
W=$(mktemp -d "${TMPDIR:-/tmp}/msi-fuzz-work.XXXXXX")
FD=${4:-${FUZZ_FINDINGS:-}}
made_fd=0
if [ -z "$FD" ]; then
	FD=$(mktemp -d "${TMPDIR:-/tmp}/msi-fuzz.XXXXXX")
	made_fd=1
fi
mkdir -p "$FD"
FD=$(cd "$FD" && pwd)
SIMS=
# set by sim_start
clean_url='' faulty_url=''

cleanup() {
	for p in $SIMS; do kill -TERM "$p" 2> /dev/null || true; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The case's random numbers: rnd N sets R to 0..N-1; pick A B... sets P to one of them.
rng=1
rnd() {
	rng=$(((rng * 1103515245 + 12345) % 2147483648))
	R=$(((rng / 65536) % $1))
}
pick() {
	rnd $#
	shift "$R"
	P=$1
}
# chance N: true N times in 100.
chance() {
	rnd 100
	[ "$R" -lt "$1" ]
}

# mutate KIND SEED PARTNER OUT: one mutant of SEED (csv, json or text) into OUT.
mutate() {
	mcount=$((mcount + 1))
	printf '%s: ' "${4##*/}" >> "$C/.ops"
	awk -v seed="$((cs + mcount * 65537))" -v kind="$1" -v delim="$DELIM" -v strict="$STRICT" -v a="$2" -v b="$3" \
	    -v logf="$C/.ops" -f "$W/mut.awk" > "$4"
}

# A file of CSV with another delimiter: commas outside quotes become $1.
redelimit() {
	awk -v d="$1" '{
		out = ""
		for (i = 1; i <= length($0); i++) {
			c = substr($0, i, 1)
			if (c == "\"")
				q = !q
			if (c == "," && !q)
				c = d
			out = out c
		}
		print out
	}' "$2" > "$3"
}

# Starts a marketo-sim in $W/NAME; sets NAME_pid and NAME_url.
sim_start() {
	name=$1
	shift
	mkdir -p "$W/$name"
	rm -f "$W/$name/port"
	"$B/tests/marketo-sim/marketo-sim" --port-file "$W/$name/port" "$@" \
	    > "$W/$name/out" 2>> "$W/$name/err" &
	eval "${name}_pid=$!"
	SIMS="$SIMS $!"
	i=0
	while [ ! -s "$W/$name/port" ] && [ $i -lt 500 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	[ -s "$W/$name/port" ] || {
		echo "fuzz: marketo-sim did not start:" >&2
		cat "$W/$name/err" >&2
		exit 2
	}
	eval "${name}_url=http://127.0.0.1:$(cat "$W/$name/port")"
	echo "$*" > "$W/$name/opts"
}

SIM_CLEAN="--latency-ms 0 --window-calls 1000000 --daily-quota 1000000000"
SIM_FAULTY="--latency-ms 0 --window-calls 1000000 --token-ttl 2 --slow-ms 1500 --seed $SEED
	--fault 601%4 --fault 602%3 --fault 604%3 --fault 606%4 --fault 608%2 --fault 611%2
	--fault 615%3 --fault 713%3 --fault 502%3 --fault 503%2 --fault 504%2 --fault drop%3
	--fault slow%1"

# Loads the seeds' Marketo records into a simulator (quietly: these are not cases).
preload() {
	pids=
	for o in salespersons companies opportunities; do
		ASAN_OPTIONS=detect_leaks=0 MARKETO_BASE_URL=$1/rest MARKETO_CLIENT_ID=sim-client \
		    MARKETO_CLIENT_SECRET=sim-secret "$B/load/msi-load" $o -n 100000 -m 8 \
		    "$S"/org0/m-$o.ndjson > /dev/null 2>&1 &
		pids="$pids $!"
	done
	ASAN_OPTIONS=detect_leaks=0 MARKETO_BASE_URL=$1/rest MARKETO_CLIENT_ID=sim-client \
	    MARKETO_CLIENT_SECRET=sim-secret "$B/load/msi-load" leads -l externalPersonId \
	    -n 100000 -m 8 "$S"/org0/m-leads.ndjson "$S"/org1/m-leads.ndjson \
	    > "$2" 2> /dev/null || true
	for p in $pids; do wait "$p" || true; done
}

# A word as the shell reads it back.
shq() {
	case $1 in
	'' | *[!A-Za-z0-9_./=+:,%@-]*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
	*) printf '%s' "$1" ;;
	esac
}

# Findings: one folder per distinct signature, each with up to 3 cases (and
# any smaller one after those), so that the smallest input is at hand.
nfind=0
nhits=0
: > "$W/sigs"

# finding WHAT: the case in $C (tool $tool, status $st) is a finding.
finding() {
	what=$1
	nhits=$((nhits + 1))
	key=$(printf '%s %s\n' "$toolname" "$what" | cksum | cut -d' ' -f1)
	size=$(cat "$C"/.in/* 2> /dev/null | wc -c)
	line=$(grep "^$key " "$W/sigs" || true)
	if [ -z "$line" ]; then
		nfind=$((nfind + 1))
		fdname=$(printf '%03d' $nfind)-$toolname
		dir=$FD/$fdname
		mkdir -p "$dir"
		printf '%s\n' "$toolname: $what" > "$dir/what"
		echo "$key $fdname 1 $size 0" >> "$W/sigs"
		echo "fuzz: $toolname: $what (case $n) -> $dir"
		keep=1
	else
		set -- $line
		dir=$FD/$2
		hits=$(($3 + 1))
		keep=0
		{ [ "$5" -lt 2 ] || [ "$size" -lt "$4" ]; } && [ "$5" -lt 10 ] && keep=1
		min=$4
		[ "$size" -lt "$min" ] && min=$size
		saved=$5
		grep -v "^$key " "$W/sigs" > "$W/sigs.new" || true
		echo "$key $2 $hits $min $saved" >> "$W/sigs.new"
		mv "$W/sigs.new" "$W/sigs"
	fi
	[ "$keep" = 1 ] || return 0
	awk -v k="$key" '$1 == k { $5 = $5 + 1 } { print }' "$W/sigs" > "$W/sigs.new"
	mv "$W/sigs.new" "$W/sigs"
	cdir=$dir/case-$n
	mkdir -p "$cdir"
	cp -R "$C"/.in/. "$cdir/"
	cp "$C/.err" "$cdir/stderr"
	echo "$st" > "$cdir/status"
	cp "$C/.ops" "$cdir/mutations" 2> /dev/null || true
	cp "$C/.cmd" "$cdir/cmd"
	{
		echo "#!/bin/sh"
		echo "# Replays case $n of: sh tests/fuzz.sh $B $SECS $SEED"
		echo "# ($toolname: $what; mutations: $(tr "\n" " " < "$C/.ops" 2> /dev/null || echo none))"
		echo "# Runs in a copy of this folder; prints the tool's stderr and status."
		echo "B=$(shq "$B")"
		echo 'here=$(cd "$(dirname "$0")" && pwd); w=$(mktemp -d); cp -R "$here"/. "$w"/; cd "$w"'
		echo 'PATH=$B/extract:$B/transform:$B/load:$B/writeback:$PATH'
		echo "ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS"
		echo 'export PATH ASAN_OPTIONS UBSAN_OPTIONS'
		if [ -n "$simname" ]; then
			echo '# a simulator as the fuzzer had it, with the seed records loaded'
			if [ "$simname" = dead ]; then
				echo 'base=http://127.0.0.1:1'
			else
				echo "\$B/tests/marketo-sim/marketo-sim --port-file sim.port $(cat "$W/$simname/opts" | tr '\n' ' ') > /dev/null 2> sim.err &"
				echo 'sim=$!; trap '\''kill $sim'\'' EXIT'
				echo 'while [ ! -s sim.port ]; do sleep 0.02; done; base=http://127.0.0.1:$(cat sim.port)'
			fi
			echo 'export MARKETO_BASE_URL=$base/rest MARKETO_CLIENT_ID=sim-client MARKETO_CLIENT_SECRET=sim-secret'
			if [ "$simname" != dead ]; then
				mkdir -p "$dir/preload"
				cp "$S"/org0/m-salespersons.ndjson "$S"/org0/m-companies.ndjson \
				    "$S"/org0/m-opportunities.ndjson "$dir/preload/"
				cp "$S"/org0/m-leads.ndjson "$dir/preload/m-leads0.ndjson"
				cp "$S"/org1/m-leads.ndjson "$dir/preload/m-leads1.ndjson"
				echo 'p=$here/../preload'
				echo 'for o in salespersons companies opportunities; do ASAN_OPTIONS=detect_leaks=0 msi-load $o -n 100000 -m 8 $p/m-$o.ndjson > /dev/null 2>&1; done'
				echo 'ASAN_OPTIONS=detect_leaks=0 msi-load leads -l externalPersonId -n 100000 -m 8 $p/m-leads0.ndjson $p/m-leads1.ndjson > /dev/null 2>&1'
				echo 'for f in msi-*.json; do [ -f "$f" ] && curl -s -X POST --data-binary @"$f" $base/_sim/msi > /dev/null; done'
			fi
			[ -n "$newday" ] && echo "curl -s -X POST --data-binary '$newday' \$base/_sim/new-day > /dev/null"
		fi
		echo '# LeakSanitizer sees a pointer left in a dead stack slot by chance, so a'
		echo '# leak may need a few runs to show again: up to 5 until a report.'
		echo 'for i in 1 2 3 4 5; do'
		echo '	st=0'
		echo '	sh ./cmd 2> stderr || st=$?'
		echo '	grep -q Sanitizer stderr && break'
		echo 'done'
		echo 'cat stderr'
		echo 'echo "exit status $st"'
	} > "$cdir/repro.sh"
}

# in_table STATUS: whether the tool's man page lists STATUS (5 and 6 are
# "not used by" msi-extract and msi-transform).
in_table() {
	case $toolname in
	msi-extract | msi-transform) table="0 1 2 3 4" ;;
	msi-writeback) table="0 1 2 3 4 5 6" ;;
	*) table="0 1 2 3 4 5 6" ;;
	esac
	case " $table " in *" $1 "*) return 0 ;; esac
	return 1
}

# What is wrong with the run in $C, if anything: prints a one-line signature.
# Sanitizer reports first (their exit statuses are 98 and 99), then hangs,
# signals, statuses outside the tool's table, and refusals without a message.
verdict() {
	err=$C/.err
	if grep -q -e '^==[0-9]*==ERROR: ' -e ': runtime error: ' -e '^SUMMARY: [A-Za-z]*Sanitizer' "$err"; then
		if grep -q ': runtime error: ' "$err"; then
			grep -m1 ': runtime error: ' "$err" | sed 's|^.*/||; s|^\([^:]*:[0-9]*\):[0-9]*:|\1:|; s/[0-9][0-9]*[0-9.e+-]*/N/g; s/: runtime error: / UBSan: /'
		elif grep -q 'ERROR: LeakSanitizer' "$err"; then
			# the first frame of ours under the first leak, past the allocators
			frame=$(awk -v top="$top/" '
				/^(Direct|Indirect) leak/ { on = 1; next }
				on && /^ *#[0-9]+ 0x[0-9a-f]+ in [^ ]+ [^ (]+\.c:[0-9]+/ && $0 !~ /common\/ealloc\.c/ {
					sub(/^ *#[0-9]+ 0x[0-9a-f]+ in /, "")
					sub(top, "")
					if ($2 ~ /^\.\.?\// || $2 ~ /^\//)
						next
					sub(/:[0-9]+$/, "", $2)
					print $1 " (" $2 ")"
					exit
				}' "$err" | sed "s|$top/||; s|:[0-9]*$||")
			if [ -z "$frame" ]; then
				# told apart by the tool's message, numbers and quotes left out
				frame="an unknown frame, after \"$(grep -m1 "^$toolname: " "$err" |
					sed "s/^$toolname: //; s/[0-9][0-9]*/N/g; s/'[^']*'/Q/g; s/\"[^\"]*\"/Q/g" |
					cut -c1-60)\""
			fi
			echo "LeakSanitizer: leak from $frame"
		else
			line=$(grep -m1 '^SUMMARY: ' "$err" | sed 's/^SUMMARY: //; s| /[^ ]*/| |g')
			[ -n "$line" ] || line=$(grep -m1 'ERROR: ' "$err" | sed 's/^==[0-9]*==//; s/ on address.*//; s/0x[0-9a-f]*/ADDR/g')
			echo "$line"
		fi
	elif [ "$st" -eq 124 ] || [ "$st" -eq 137 ]; then
		echo "hang: still running after ${tt}s"
	elif [ "$st" -gt 128 ]; then
		echo "killed by signal $((st - 128))"
	elif [ "$st" -gt 6 ]; then
		echo "exit status $st, outside the table 0-6"
	elif ! in_table "$st"; then
		echo "exit status $st, not in the EXIT STATUS of $toolname.1 ($table)"
	elif [ "$st" -ge 2 ] && ! grep -q -e "^$toolname: " -e '^usage: ' "$err"; then
		echo "exit status $st without a message"
	fi
}

# run LABEL STDIN TOOL ARGS...: one case: TOOL (extract/msi-extract ...) with
# ARGS in $C, standard input from STDIN, the environment in $RUNENV.
run() {
	label=$1 stdin=$2 tool=$3
	shift 3
	toolname=${tool##*/}
	eval "count_$label=\$((count_$label + 1))"
	cases=$((cases + 1))
	rm -rf "$C/.in"
	mkdir "$C/.in"
	for f in "$C"/*; do [ -e "$f" ] && cp -R "$f" "$C/.in/"; done
	{
		printf '%s' "$toolname"
		for a in "$@"; do printf ' %s' "$(shq "$a")"; done
		[ "$stdin" = /dev/null ] || printf ' < %s' "$(shq "${stdin##*/}")"
		printf ' > stdout\n'
	} > "$C/.cmd"
	# the faulty simulator's retries and slow answers take longer
	tt=$T
	[ "$simname" = faulty ] && tt=$((T * 2))
	st=0
	(cd "$C" && exec env $RUNENV timeout -k 2 "$tt" "$B/$tool" "$@") \
	    < "$stdin" > "$C/.out" 2> "$C/.err" || st=$?
	[ -z "${FUZZ_VERBOSE:-}" ] || echo "fuzz: case $n $label $simname status $st: $(tr "\n" " " < "$C/.ops" 2> /dev/null) :: $(cat "$C/.cmd") :: $(grep -m1 "^$toolname: " "$C/.err")" >&2
	what=$(verdict)
	case $what in
	*'unknown frame'*)
		# jansson and libcurl keep no frame pointers: the slow unwinder
		# finds who called them (too slow for every case). The options keep
		# their length: where the stack lies decides what LeakSanitizer sees,
		# and that it sees a leak at all is up to chance; two tries.
		for _ in 1 2; do
			cp -R "$C"/.in/. "$C"/
			(cd "$C" && ASAN_OPTIONS=${ASAN_OPTIONS%=1}=0 exec env $RUNENV \
			    timeout -k 2 "$((tt * 3))" "$B/$tool" "$@") < "$stdin" > /dev/null \
			    2> "$C/.err2" || true
			if grep -q 'ERROR: LeakSanitizer' "$C/.err2"; then
				mv "$C/.err2" "$C/.err"
				what=$(verdict)
				break
			fi
		done
		;;
	esac
	[ -z "$what" ] || finding "$what"
	if [ -n "$simname" ] && [ "$simname" != dead ]; then sim_check "$simname"; fi
}

# A simulator that died is a finding of its own; it is started again.
sim_check() {
	eval "p=\$${1}_pid"
	if ! kill -0 "$p" 2> /dev/null; then
		wait "$p" 2> /dev/null && sst=0 || sst=$?
		sim_finding "$1" "$sst"
		if [ "$1" = clean ]; then
			sim_start clean $SIM_CLEAN
			preload "$clean_url" /dev/null
		else
			sim_start faulty $SIM_FAULTY
			preload "$faulty_url" /dev/null
		fi
	fi
}

sim_finding() {
	what=$(verdict_sim "$W/$1/err" "$2")
	[ -n "$what" ] || return 0
	nfind=$((nfind + 1))
	dir=$FD/$(printf '%03d' $nfind)-marketo-sim
	mkdir -p "$dir"
	cp "$W/$1/err" "$dir/stderr"
	echo "marketo-sim $(cat "$W/$1/opts")" | tr '\n' ' ' > "$dir/cmd"
	printf '%s\n' "marketo-sim: $what (the $1 simulator, by case $n or before)" > "$dir/what"
	echo "fuzz: marketo-sim: $what (the $1 simulator) -> $dir"
	nhits=$((nhits + 1))
	: > "$W/$1/err"
}

verdict_sim() {
	if grep -q -e 'ERROR: ' -e ': runtime error: ' "$1"; then
		grep -m1 -e '^SUMMARY: ' -e ': runtime error: ' "$1" | sed 's| /[^ ]*/| |g'
	elif [ "$2" -ne 0 ]; then
		echo "ended with status $2"
	fi
}

# Sets simname and RUNENV for a network case: the clean simulator or the
# faulty one (with a new day's quota, now and then tiny) as often, and now
# and then a closed port.
choose_sim() {
	newday=
	rnd 20
	if [ "$R" -lt 9 ]; then
		simname=clean
		url=$clean_url
	elif [ "$R" -lt 18 ]; then
		simname=faulty
		url=$faulty_url
		pick 2 5 1000000 1000000 1000000 1000000
		newday="{\"daily_quota\":$P}"
		curl -s -X POST --data-binary "$newday" "$url/_sim/new-day" > /dev/null || true
	else
		simname=dead
		url=http://127.0.0.1:1
	fi
	RUNENV="MARKETO_BASE_URL=$url/rest MARKETO_CLIENT_ID=sim-client MARKETO_CLIENT_SECRET=sim-secret"
}

OBJECTS="User Account Person Opportunity OpportunityContactRole"
MOBJECTS="salespersons companies leads opportunities roles"

# case_extract: a mutated CSV export through msi-extract.
case_extract() {
	pick org0 org0 org1 org2
	org=$P
	pick User Account Lead Contact Opportunity OpportunityContactRole
	obj=$P
	pick org0 org1 org2
	partner=$S/$P/$obj.csv
	chance 25 && { pick User Account Lead Contact Opportunity OpportunityContactRole; partner=$S/$org/$P.csv; }
	DELIM=,
	dname=
	src=$S/$org/$obj.csv
	rnd 10
	if [ "$R" -ge 7 ]; then
		pick tab pipe semicolon caret backquote
		dname=$P
		case $P in tab) DELIM=$(printf '\t') ;; pipe) DELIM='|' ;; semicolon) DELIM=';' ;;
		caret) DELIM='^' ;; backquote) DELIM='`' ;; esac
		redelimit "$DELIM" "$src" "$C/.src"
		redelimit "$DELIM" "$partner" "$C/.partner"
		src=$C/.src
		partner=$C/.partner
	fi
	set --
	chance 50 && set -- "$@" -r rejects
	chance 30 && set -- "$@" -s
	rnd 20
	if [ "$R" -lt 3 ]; then set -- "$@" -e latin1; elif [ "$R" -lt 4 ]; then set -- "$@" -e utf8; fi
	if [ -n "$dname" ]; then
		chance 75 && set -- "$@" -d "$dname" || set -- "$@" -d "$DELIM"
	elif chance 4; then
		pick comma ";" tab "" ",," colon '"'
		set -- "$@" -d "$P"
	fi
	chance 5 && { pick utf16 latin-1 LATIN1 cp1252 auto utf8 ""; set -- "$@" -e "$P"; }
	stdin=/dev/null
	rnd 10
	case $R in
	0) name=data.txt; set -- "$@" -o $obj ;;
	1) name=$(echo $obj | tr A-Z a-z).CSV ;;
	2) name=-; set -- "$@" -o $obj; stdin=$C/input.csv ;;
	*) name=$obj.csv ;;
	esac
	out=$name
	[ "$name" = - ] && out=input.csv
	mutate csv "$src" "$partner" "$C/$out"
	set -- "$@" "$name"
	if chance 12; then
		mkdir "$C/b"
		pick org0 org1 org2
		cp "$S/$P/$obj.csv" "$C/b/$obj.csv"
		set -- "$@" b/$obj.csv
	fi
	run extract "$stdin" extract/msi-extract "$@"
	# now and then its output goes on to msi-transform (with --rejects), as
	# in the sync: msi-transform stopping on it (status 3) is a finding
	if [ "$st" -le 1 ] && [ -s "$C/.out" ] && chance 35; then
		cp "$C/.out" "$W/chain.ndjson"
		new_case
		cp "$W/chain.ndjson" "$C/in.ndjson"
		echo "in.ndjson: msi-extract's output in case $((n - 1))" > "$C/.ops"
		PURE=1
		transform_args
		PURE=
		eval "set -- $TARGS"
		case " $TARGS " in *" -r "*) ;; *) set -- -r rejects "$@" ;; esac
		run transform /dev/null transform/msi-transform "$@" in.ndjson
		if [ "$st" -eq 3 ]; then
			toolname=msi-extract
			finding "output refused by msi-transform: $(grep -m1 '^msi-transform: ' "$C/.err" |
				sed 's/^msi-transform: [^ ]*:[0-9]*: //; s/[0-9][0-9]*/N/g; s/"[^"]*"/Q/g' | cut -c1-70)"
		fi
		next_stage
	fi
}

# Sets "$@" to msi-transform options, some files for them put in $C.
transform_args() {
	set --
	chance 50 && set -- "$@" -r rejects
	chance 30 && set -- "$@" -s
	if chance 30; then
		cp "$S/$org/known.ndjson" "$C/known.ndjson"
		[ -n "${PURE:-}" ] || ! chance 20 ||
		    mutate json "$S/$org/known.ndjson" "$S/org1/known.ndjson" "$C/known.ndjson"
		set -- "$@" -k known.ndjson
		chance 30 && set -- "$@" -K send
		chance 10 && set -- "$@" -k known.ndjson
	fi
	chance 10 && { pick skip keep; set -- "$@" -a "$P"; }
	chance 15 && { pick skip omit 0055eU000000001ABA 0055eU000000001 00G5e0000000001AAA bogus; set -- "$@" -q "$P"; }
	chance 20 && { pick dmy mdy; set -- "$@" -d "$P"; }
	chance 10 && { pick +05:30 -12:00 +14:00 +00:00 -00:30; set -- "$@" -u "$P"; }
	if chance 15; then
		pick 1 2
		cp "$S/map$P" "$C/map"
		[ -n "${PURE:-}" ] || ! chance 50 || mutate text "$S/map$P" "$S/map1" "$C/map"
		set -- "$@" -m map
	fi
	chance 5 && { pick User Account Lead Contact Opportunity OpportunityContactRole Bogus; set -- "$@" -o "$P"; }
	if [ -z "${PURE:-}" ] && chance 3; then
		pick "-u +99:99" "-u 05:30" "-u +5" "-d ymd" "-a maybe" "-K drop" "-q" "-k nonexistent"
		set -- "$@" $P
	fi
	TARGS=$(for a in "$@"; do shq "$a"; printf ' '; done)
}

# next_stage: now and then, what msi-transform just wrote goes on to
# msi-load --dry-run. msi-load refuses only lines jansson cannot read, so a
# refusal (status 3) means msi-transform wrote one: a finding of its own.
next_stage() {
	[ "$st" -le 1 ] && [ -s "$C/.out" ] && chance 40 || return 0
	case $(head -c 40 "$C/.out") in
	*'"role"'* | '{"externalOpportunityId"'*'"externalPersonId"'*) o=roles ;;
	'{"externalPersonId"'*) o=leads ;;
	'{"externalSalesPersonId"'*) o=salespersons ;;
	'{"externalCompanyId"'*) o=companies ;;
	'{"externalOpportunityId"'*) o=opportunities ;;
	*) return 0 ;;
	esac
	grep -q '"role"' "$C/.out" && o=roles
	cp "$C/.out" "$W/chain.ndjson"
	from=$n
	new_case
	cp "$W/chain.ndjson" "$C/in.ndjson"
	echo "in.ndjson: msi-transform's output in case $from" > "$C/.ops"
	run load_dry /dev/null load/msi-load "$o" --dry-run in.ndjson
	if [ "$st" -eq 3 ]; then
		toolname=msi-transform
		finding "output refused by msi-load: $(grep -m1 '^msi-load: ' "$C/.err" |
			sed 's/^msi-load: [^ ]*:[0-9]*: //; s/column [0-9]*/column N/; s/near .*//')"
	fi
}

# case_transform: mutated msi-extract records through msi-transform.
# shellcheck disable=SC2120 # its arguments are set by eval
case_transform() {
	pick org0 org0 org1 org2
	org=$P
	pick $OBJECTS
	obj=$P
	pick org0 org1 org2
	partner=$S/$P/$obj.ndjson
	chance 20 && { pick $OBJECTS; partner=$S/$org/$P.ndjson; }
	DELIM=,
	mutate json "$S/$org/$obj.ndjson" "$partner" "$C/in.ndjson"
	transform_args
	eval "set -- $TARGS"
	if chance 20; then
		run transform "$C/in.ndjson" transform/msi-transform "$@"
	else
		run transform /dev/null transform/msi-transform "$@" in.ndjson
	fi
	next_stage
}

# Sets obj (a msi-load object), mutates its seed into $C/in.ndjson; $1: the
# chance in 100 that the object named is not the records'.
load_input() {
	pick org0 org0 org1 org2
	org=$P
	# leads and roles have the most code behind them (lookups, lookup fields)
	pick $MOBJECTS leads roles
	mobj=$P
	pick org0 org1 org2
	partner=$S/$P/m-$mobj.ndjson
	chance 20 && { pick $MOBJECTS; partner=$S/$org/m-$P.ndjson; }
	DELIM=,
	chance 80 && STRICT=1
	mutate json "$S/$org/m-$mobj.ndjson" "$partner" "$C/in.ndjson"
	obj=$mobj
	chance "$1" && { pick $MOBJECTS bogus; obj=$P; }
	:
}

load_common_args() {
	chance 15 && { pick createOnly updateOnly createOrUpdate bogus; set -- "$@" -a "$P"; }
	if [ "$obj" = leads ] && chance 40; then
		set -- "$@" -l externalPersonId
	elif chance 10; then
		pick email id externalPersonId bogus
		set -- "$@" -l "$P"
	fi
	chance 40 && set -- "$@" -r rejects
	LARGS=$(for a in "$@"; do shq "$a"; printf ' '; done)
}

# case_load_dry: mutated msi-transform records through msi-load --dry-run.
case_load_dry() {
	load_input 10
	set -- "$obj" --dry-run
	load_common_args "$@"
	eval "set -- $LARGS"
	chance 5 && { set -- "$@" in.ndjson; }
	if chance 15; then
		run load_dry "$C/in.ndjson" load/msi-load "$@"
	else
		run load_dry /dev/null load/msi-load "$@" in.ndjson
	fi
}

# case_load: mutated records through msi-load against a simulator.
case_load() {
	load_input 5
	choose_sim
	pick 1 2 3 5
	set -- "$obj" -n 100000 -c "$P"
	if [ "$simname" = faulty ]; then
		# no retry, often: the paths of a call given up
		pick 0 0 1 2
		set -- "$@" -t 1 -m "$P"
	else
		set -- "$@" -t 5 -m 1
	fi
	load_common_args "$@"
	eval "set -- $LARGS"
	if chance 20; then
		pick 0 1 2 5 299 300 301 99999999999 -1 18446744073709551615
		printf '{"object":"%s","input":["in.ndjson"],"acknowledged":%s}\n' "$obj" "$P" > "$C/state"
		chance 50 && { cp "$C/state" "$C/.state"; mutate json "$C/.state" "$C/.state" "$C/state"; }
		set -- "$@" -s state
	fi
	chance 10 && set -- "$@" --fail-fast
	chance 5 && set -- "$@" --progress
	if chance 3; then
		pick "-c 0" "-c 11" "-c 99999999999" "-n 0" "-w 0" "-t 0" "-m -1" "-m 100" "-C nonexistent"
		set -- "$@" $P
	fi
	run load /dev/null load/msi-load "$@" in.ndjson
}

# odd_msi: now and then, odd MSI values set on a few seed persons in the
# simulator, for msi-writeback to convert and write (kept as msi-N.json).
odd_msi() {
	[ "$simname" = clean ] && [ -s "$S/pids" ] && chance 40 || return 0
	pick 1 2 3
	for k in $(seq "$P"); do
		rnd "$(wc -l < "$S/pids")"
		pid=$(sed -n "$((R + 1))p" "$S/pids")
		pick '"msiLastInterestingMomentDate":"2026-13-45T99:99:99+25:00"' \
		    '"msiLastInterestingMomentDate":""' '"msiLastInterestingMomentDate":null' \
		    '"msiLastInterestingMomentDate":"not a date"' \
		    '"msiLastInterestingMomentDate":"2026-01-01T00:00:00.123456789+05:30"' \
		    '"msiLastInterestingMomentDate":"0000-01-01T00:00:00Z"' \
		    '"msiLastInterestingMomentDate":"9999-12-31T23:59:59-14:00"' \
		    '"msiLastInterestingMomentDate":"2026-01-01T00:00:00+0530"' \
		    '"msiLastInterestingMomentDate":"2026-02-29T24:00:00Z"' \
		    '"msiLastInterestingMomentDate":"-2026-01-01T00:00:00Z"' \
		    '"msiLastInterestingMomentDate":1700000000' \
		    '"msiLastInterestingMomentDate":"2026-01-01T00:00:00+99:99"' \
		    '"msiLastInterestingMomentDate":"1970-01-01T00:00:00Z"' \
		    '"msiLastInterestingMomentDate":"2038-01-19T03:14:08Z"' \
		    '"msiLastInterestingMomentDate":"9999-12-31T23:59:59Z"' \
		    '"msiLastInterestingMomentDate":"2026-06-30T23:59:60Z"'
		fields=
		chance 50 && fields=$P,
		pick priority relativeUrgency urgency relativeScore
		pick "\"$P\":1e308" "\"$P\":-0" "\"$P\":5e-324" "\"$P\":9223372036854775807" \
		    "\"$P\":-9223372036854775808" "\"$P\":\"12\"" "\"$P\":\"\"" "\"$P\":null" \
		    "\"$P\":true" "\"$P\":[]" "\"$P\":{}" "\"$P\":123456789.123456789" \
		    "\"$P\":0.30000000000000004" "\"$P\":1e-7" "\"$P\":-1.5e300"
		chance 70 && fields=$fields$P,
		pick msiLastInterestingMomentDesc msiLastInterestingMomentType \
		    msiLastInterestingMomentSource
		x=$(awk 'BEGIN { while (i++ < 5000) printf "d" }')
		pick "\"$P\":\"a,b\"" "\"$P\":\"a\\\"b\"" "\"$P\":\"line\\nbreak\"" "\"$P\":\" edge \"" \
		    "\"$P\":\"#N/A\"" "\"$P\":\"\"" "\"$P\":null" "\"$P\":\"$x\"" "\"$P\":\"\\u00e9\\u2028\"" \
		    "\"$P\":\"=cmd()\"" "\"$P\":\"\\r\"" "\"$P\":123" "\"$P\":{\"x\":1}" "\"$P\":\"\\\"\\\"\""
		printf '{"externalPersonId":"%s","fields":{%s%s}}\n' "$pid" "$fields" "$P" \
		    > "$C/msi-$k.json"
		curl -s -X POST --data-binary @"$C/msi-$k.json" "$clean_url/_sim/msi" > /dev/null || true
	done
}

# case_writeback: mutated persons through msi-writeback against a simulator.
case_writeback() {
	pick org0 org0 org1 org2
	org=$P
	pick "$S/$org/Person.ndjson" "$S/$org/m-leads.ndjson" "$S/results.ndjson"
	src=$P
	pick "$S/org1/Person.ndjson" "$S/org0/m-leads.ndjson" "$S/results.ndjson"
	DELIM=,
	chance 70 && STRICT=1
	mutate json "$src" "$P" "$C/in.ndjson"
	choose_sim
	odd_msi
	set -- -n 100000
	if [ "$simname" = faulty ]; then
		# no retry, often: the paths of a call given up
		pick 0 0 1 2
		set -- "$@" -t 1 -m "$P"
	else
		set -- "$@" -t 5 -m 1
	fi
	chance 40 && set -- "$@" -r rejects
	chance 30 && set -- "$@" -u missing
	chance 25 && { mkdir "$C/csv"; set -- "$@" -d csv; }
	chance 10 && { pick Id externalPersonId key Email bogus; set -- "$@" -i "$P"; }
	if chance 15; then
		cp "$S/wbmap" "$C/map"
		chance 60 && mutate text "$S/wbmap" "$S/wbmap" "$C/map"
		set -- "$@" -M map
	fi
	chance 10 && { pick mkto_si__ x__ "" "a b"; set -- "$@" -N "$P"; }
	if chance 25; then
		cp "$S/wbstate" "$C/state"
		chance 50 && mutate json "$S/wbstate" "$S/wbstate" "$C/state"
		set -- "$@" -s state
		chance 60 && set -- "$@" --changed-only
	fi
	if chance 3; then
		pick "-m -1" "-n 0" "-w 0" "-t 0" "--changed-only" "-d nonexistent" "-M nonexistent"
		set -- "$@" $P
	fi
	if chance 10; then
		run writeback "$C/in.ndjson" writeback/msi-writeback "$@"
	else
		run writeback /dev/null writeback/msi-writeback "$@" in.ndjson
	fi
}

# A fresh folder for the next case, and its random numbers.
new_case() {
	n=$((n + 1))
	cs=$(((SEED * 1000003 + n * 7919 + 12345) % 2147483647))
	rng=$cs
	C=$W/case
	rm -rf "$C"
	mkdir "$C"
	simname=
	newday=
	RUNENV=
	mcount=0
	STRICT=0
}

# Seeds: three exports, and what the stages make of them. Not cases.
prepare_org() {
	d=$S/$1
	(
		cd "$d"
		ASAN_OPTIONS=detect_leaks=0
		"$B/extract/msi-extract" -r ext.rej User.csv Account.csv Lead.csv Contact.csv \
		    Opportunity.csv OpportunityContactRole.csv > all.ndjson 2> /dev/null || true
		for o in User Account Opportunity OpportunityContactRole; do
			grep -F "{\"attributes\":{\"type\":\"$o\"," all.ndjson > $o.ndjson || true
		done
		grep -F -e '{"attributes":{"type":"Lead",' -e '{"attributes":{"type":"Contact",' \
		    all.ndjson > Person.ndjson || true
		set -- User:salespersons Account:companies Person:leads Opportunity:opportunities \
		    OpportunityContactRole:roles
		for p in "$@"; do
			"$B/transform/msi-transform" -r tr.rej ${p%%:*}.ndjson > m-${p#*:}.ndjson \
			    2> /dev/null || true
		done
		cat m-salespersons.ndjson m-companies.ndjson m-leads.ndjson m-opportunities.ndjson \
		    > known.ndjson
	)
}

prepare() {
	S=$W/seeds
	mkdir -p "$S/org0"
	cp "$top"/pipelines/sample/*.csv "$S/org0/"
	prepare_org org0 &
	p0=$!
	(ASAN_OPTIONS=detect_leaks=0 "$B/tests/gen-org/gen-org" -p 30 -s 7 "$S/org1" > /dev/null 2>&1 &&
	    prepare_org org1) &
	p1=$!
	(ASAN_OPTIONS=detect_leaks=0 "$B/tests/gen-org/gen-org" -p 10 -s $((SEED % 100000 + 2)) \
	    "$S/org2" > /dev/null 2>&1 && prepare_org org2) &
	p2=$!
	sim_start clean $SIM_CLEAN
	sim_start faulty $SIM_FAULTY
	wait $p0 $p1 $p2 || true
	printf '%s\n' '# Lead: a custom field, a constant, another source, one dropped.' \
	    'Lead	Region__c	region' 'Lead	="Salesforce sync"	leadSource' \
	    'Lead	Rating	leadStatus' 'Lead	MobilePhone	-' \
	    'Contact	Score__c	leadScore	integer	required' \
	    'Lead	NumberOfEmployees	numberOfEmployees	number' \
	    'Opportunity	CloseDate	closeDate	datetime' > "$S/map1"
	printf '%s\n' 'Account	*	-' 'Account	Id	externalCompanyId' 'Account	Name	company	string	required' \
	    'User	"First ""Name"""	firstName' 'Opportunity	Amount	amount	integer' \
	    'OpportunityContactRole	IsPrimary	isPrimary	boolean' 'Contact	CreatedDate	createdAt	date' \
	    'Lead	=42	leadScore	integer' > "$S/map2"
	printf '%s\n' '# MSI fields to other names' 'Priority__c	priority	number' \
	    'Urgency_Value__c	relativeUrgency,urgency	number' \
	    'Relative_Score_Value__c	relativeScore,relativeScoring' \
	    '"Last Moment #"	msiLastInterestingMomentDesc' 'Last_Interesting_Moment_Date__c	-' \
	    'Extra__c	msiLastInterestingMomentDate	datetime' > "$S/wbmap"
	preload "$faulty_url" /dev/null &
	pf=$!
	preload "$clean_url" "$S/results.ndjson"
	wait $pf || true
	grep -h -o '"externalPersonId":"[^"]*"' "$S"/org0/m-leads.ndjson "$S"/org1/m-leads.ndjson |
	    cut -d'"' -f4 > "$S/pids"
	(
		cd "$S"
		ASAN_OPTIONS=detect_leaks=0 MARKETO_BASE_URL=$clean_url/rest \
		    MARKETO_CLIENT_ID=sim-client MARKETO_CLIENT_SECRET=sim-secret \
		    "$B/writeback/msi-writeback" -s wbstate -n 100000 results.ndjson \
		    > /dev/null 2>&1 || true
	)
	[ -s "$S/wbstate" ] || echo '{"Id":"00Q5eL000000001EBA","digest":"0123456789abcdef"}' > "$S/wbstate"
}

# The mutator: one mutant of a seed, deterministic given the case seed.
write_mutator() {
	cat > "$W/mut.awk" <<'EOF'
# mut.awk: one mutant of a seed file, deterministic given seed.
# awk -v seed=N -v kind=csv|json|text -v delim=C -v a=FILE -v b=FILE -v logf=FILE -f mut.awk
BEGIN {
	NUL = sprintf("%c", 0)
	for (i = 1; i < 256; i++)
		ALLB = ALLB sprintf("%c", i)
	rs = seed % 2147483646 + 1
	for (i = 0; i < 3; i++)
		rnd(2)
	if (delim == "")
		delim = ","
	setup_tokens()
	s = slurp(a)
	t = (b != "") ? slurp(b) : s
	n = 1
	while (n < 8 && rnd(2) == 0)
		n++
	for (k = 0; k < n; k++)
		s = mutate(s)
	printf "%s", s
	if (logf != "")
		printf "%s\n", substr(ops, 2) >> logf
	exit 0
}

# Park-Miller: exact in doubles, the same in every awk.
function rnd(n) {
	rs = (rs * 48271) % 2147483647
	return rs % n
}

function ord(c) {
	return c == NUL ? 0 : index(ALLB, c)
}

function chr(n) {
	return sprintf("%c", n)
}

function rep(str, n,    r) {
	r = ""
	while (n > 0) {
		if (n % 2)
			r = r str
		str = str str
		n = int(n / 2)
	}
	return r
}

function slurp(f,    line, r, n, size, cmd) {
	r = ""
	n = 0
	while ((getline line < f) > 0) {
		r = r line "\n"
		n++
	}
	close(f)
	# getline drops the line end of a last line that has none
	cmd = "wc -c < '" f "'"
	cmd | getline size
	close(cmd)
	if (length(r) > size + 0)
		r = substr(r, 1, length(r) - 1)
	return r
}

function note(what) {
	ops = ops " " what
}

function setup_tokens(    i) {
	# bytes and short sequences worth putting anywhere
	NB = split("0 13 10 13,10 34 44 255 233 239,187,191 92 9 123 125 91 93 58 195 192,175 237,160,128 244,144,128,128 248,136,128,128,128 34,34 34,10 127 32 1 27 128 194,160 226,128,168", BYTES, " ")
	# runs
	NR_ = split("65 34 44 10 233 0 32 92 91 123 13 48", RUNC, " ")
	NL_ = split("64 255 256 1000 4095 4096 8193 70000", RUNL, " ")
	# JSON values
	JV = "1e999999|-1e999999|-0|0|-0.0|1e-999999|12345678901234567890|-12345678901234567890|9223372036854775807|9223372036854775808|-9223372036854775809|18446744073709551616|4294967296|2147483648|-2147483649|1.7976931348623157e308|5e-324|1E400|123456789012345678901234567890.5|0.1e1|true|false|null|{}|[]|[null]|{\"\":null}|\"\"|\" \"|\"\\u0000\"|\"a\\u0000b\"|\"\\ud800\"|\"\\udc00\\ud800\"|\"\\uDBFF\\uDFFF\"|\"\\\\\"|\"\\\"\"|\"\303\251\"|\"\\u00e9\"|\"0015eA000000001ABA\"|\"0015eA000000001\"|\"0015ea000000001aba\"|\"000000000000000AAA\"|\"000000000000000\"|\"00Q5eL000000001EBA\"|\"0035eC000000001ABA\"|\"0055eU000000001ABA\"|\"00G5e0000000001AAA\"|\"0065eO000000001ABA\"|\"00K5eR000000001EBA\"|\"0035eC000000001abA\"|\"!!!!!!!!!!!!!!!!!!\"|\"2024-02-30\"|\"2024-01-02T03:04:05Z\"|\"09-06-2026 16:14\"|\"31/12/2026 23:59\"|\"2022-12-02 00:10:41\"|\"2024-01-22T20:36:47.000+0000\"|\"9999-12-31T23:59:59.999+9999\"|\"0000-00-00\"|\"-2147483649-01-01\"|\"2024-01-02T03:04:05.99999999999999999999Z\"|\"1e999999\"|\"-0\"|\"12345678901234567890\"|\"120.00\"|\"+0001500000.00\"|\"1,5\"|\"NaN\"|\"Infinity\"|\"0x10\"|\"yes\"|\"TRUE\"|\"2\"|\"-\"|\"+\"|\".\"|\"1.\"|\".5\"|\"--1\"|\"1e-999999\"|\"2147483648\"|\"-2147483648\"|\"99999999999.999999999\"|\"Lead\"|\"Contact\"|\"User\"|\"Account\"|\"Opportunity\"|\"OpportunityContactRole\"|\"Bogus\"|\"lead\"|{\"type\":\"Lead\",\"file\":\"x\",\"line\":1e999999}|{\"type\":null}|{\"type\":[\"Lead\"]}|{\"type\":\"Contact\",\"line\":-1}|\"#N/A\"|\"a\\nb\"|\"a\\r\\nb\"|\"x,y\"|\"x\\\"y\"|\" lead \""
	NJV = split(JV, JVAL, "|")
	JK = "|attributes|Attributes|ATTRIBUTES|Id|ID|id|iD|externalPersonId|externalpersonid|EXTERNALPERSONID|externalSalesPersonId|externalCompanyId|externalOpportunityId|email|Email|key|record|role|\\u0000|a\\u0000b|\303\251|\\u00e9|__proto__|type|line|file|seq|input|status|reasons|leadId|marketoGUID|IsDeleted|isdeleted|IsConverted|OwnerId|ownerid|AccountId|ConvertedAccountId|Name|Amount|CloseDate|Role|IsPrimary|NumberOfEmployees|AnnualRevenue|object|acknowledged|digest|priority|relativeScore"
	NJK = split(JK, JKEY, "|")
	# CSV field values, written as they go in the file
	CV = "|\"\"| |   x   |\"\"\"\"|\"a,b\"|\"a\nb\"|\"a\r\nb\"|\"abc|abc\"def|\"abc\"def|0015eA000000001ABA|0015eA000000001|0015ea000000001aba|000000000000000AAA|000000000000000|00G5e0000000001AAA|0055eu000000003aba|!!!!!!!!!!!!!!!!!!|0015eA00000000!ABA|1e999999|-0|12345678901234567890|-12345678901234567890|120.00|+0001500000.00|1,5|NaN|0x10|2024-02-30|09-06-2026 16:14|2022-12-02 00:10:41|2024-01-22T20:36:47.000+0000|9999-12-31T23:59:59.999+9999|2024-13-45 25:61:61|true|yes|2|-1|TRUE|#N/A|=cmd()|\303\251|\351|\377\376|\357\273\277x|a\000b|\"x\000\"|2147483648|-2147483649|99999999999999999999.5|1E400|1e-400|\"\\\"|\\"
	NCV = split(CV, CVAL, "|")
	HN = "|Id|ID|id|attributes|ATTRIBUTES|Email|IsDeleted|OwnerId|AccountId|Type|type|Id |\303\251|\351|\"Id\"|\"\"|\"a\"\"b\"|Name,Id|NumberOfEmployees|AnnualRevenue|Amount|CloseDate|IsConverted|ConvertedAccountId|ContactId|OpportunityId|Role|IsPrimary"
	NHN = split(HN, HNAME, "|")
	TW = "Lead|Contact|User|Account|Opportunity|OpportunityContactRole|Bogus|*|-|=|=value|=\"a b\"|\"a b\"|\"unterminated|\"\"|\"a\"\"b\"|string|id|integer|number|boolean|date|datetime|required|optional|#|x,y,z,w,v|a,b,c,d|a,,b|,|priority|relativeScore,relativeScoring|Priority__c|mkto_si__X__c|__c|a__b__c|Id|Email|email|externalPersonId|\303\251|\351|\\"
	NTW = split(TW, TWORD, "|")
}

function interesting_bytes(    k, i, r, m, P) {
	k = 1 + rnd(NB)
	m = split(BYTES[k], P, ",")
	r = ""
	for (i = 1; i <= m; i++)
		r = r chr(P[i] + 0)
	if (P[1] == 44 && m == 1)
		r = delim
	return r
}

function run_of(    c, l) {
	c = chr(RUNC[1 + rnd(NR_)] + 0)
	l = RUNL[1 + rnd(NL_)] + 0
	if (l > 8193 && rnd(3) > 0)
		l = 300
	return rep(c, l)
}

# Splits s into lines L[1..nl] (line ends dropped); lastnl says whether s ended in one.
function lines(s,    nl) {
	nl = split(s, L, "\n")
	lastnl = 0
	if (nl > 0 && L[nl] == "") {
		nl--
		lastnl = 1
	}
	return nl
}

function unlines(nl,    i, r) {
	r = ""
	for (i = 1; i <= nl; i++)
		r = r L[i] ((i < nl || lastnl) ? "\n" : "")
	return r
}

# Fields of one CSV line, quoted as they were; F[1..n].
function csv_split(line,    n, i, c, q, cur) {
	n = 0
	q = 0
	cur = ""
	for (i = 1; i <= length(line); i++) {
		c = substr(line, i, 1)
		if (c == "\"")
			q = !q
		if (c == delim && !q) {
			F[++n] = cur
			cur = ""
		} else
			cur = cur c
	}
	F[++n] = cur
	return n
}

function csv_join(n,    i, r) {
	r = F[1]
	for (i = 2; i <= n; i++)
		r = r delim F[i]
	return r
}

function pos(s) {
	return 1 + rnd(length(s) + 1)
}

function insert(s, p, x) {
	return substr(s, 1, p - 1) x substr(s, p)
}

# A place just after a structural character (delimiter, quote, brace, colon, line end), or anywhere.
function struct_pos(s,    p, i, c) {
	p = pos(s)
	for (i = p; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == delim || c == "\"" || c == ":" || c == "{" || c == "[" || c == "\n" || c == ",")
			return i + rnd(2)
	}
	return p
}

function mutate(s,    r) {
	if (length(s) == 0)
		return bytes_op(s)
	r = rnd(100)
	if (kind == "json") {
		# msi-load stops at the first line that is not JSON: mostly valid ones for it
		if (r < (strict ? 70 : 45))
			return json_op(s)
		if (r < (strict ? 95 : 75))
			return line_op(s)
		return bytes_op(s)
	}
	if (kind == "csv") {
		if (r < 35)
			return csv_op(s)
		if (r < 65)
			return line_op(s)
		return bytes_op(s)
	}
	if (r < 40)
		return text_op(s)
	if (r < 65)
		return line_op(s)
	return bytes_op(s)
}

function bytes_op(s,    r, p, c, b, l, x) {
	r = rnd(11)
	p = pos(s)
	if (length(s) == 0)
		r = 2
	if (r == 0) {
		if (p > length(s))
			p = length(s)
		c = ord(substr(s, p, 1))
		b = 2 ^ rnd(8)
		c = (int(c / b) % 2) ? c - b : c + b
		note("flip@" p)
		return substr(s, 1, p - 1) chr(c) substr(s, p + 1)
	}
	if (r == 1) {
		if (p > length(s))
			p = length(s)
		x = rnd(2) ? chr(rnd(256)) : interesting_bytes()
		note("set@" p)
		return substr(s, 1, p - 1) x substr(s, p + 1)
	}
	if (r <= 4) {
		if (r == 4)
			p = struct_pos(s)
		note("ins@" p)
		return insert(s, p, interesting_bytes())
	}
	if (r == 5) {
		p = struct_pos(s)
		note("run@" p)
		return insert(s, p, run_of())
	}
	if (r == 6) {
		l = 1 + rnd(rnd(2) ? 16 : 512)
		note("del@" p "+" l)
		return substr(s, 1, p - 1) substr(s, p + l)
	}
	if (r == 7) {
		note("trunc@" p)
		return substr(s, 1, p - 1)
	}
	if (r == 8) {
		l = 1 + rnd(256)
		x = substr(s, p, l)
		note("dup@" p "+" l)
		return insert(s, pos(s), x)
	}
	if (r == 9) {
		# the partner's bytes from a random point, after ours up to one
		note("splice-bytes@" p)
		return substr(s, 1, p - 1) substr(t, pos(t))
	}
	x = rnd(3) == 0 ? chr(239) chr(187) chr(191) : interesting_bytes()
	note("prefix")
	return x s
}

function line_op(s,    nl, r, i, j, k, x, n2, M) {
	nl = lines(s)
	if (nl == 0)
		return bytes_op(s)
	r = rnd(12)
	i = 1 + rnd(nl)
	if (r == 0) {
		# our lines up to i, the partner's from j
		n2 = split(t, M, "\n")
		j = 1 + rnd(n2)
		note("splice-lines@" i "/" j)
		for (k = j; k <= n2; k++)
			L[i + k - j] = M[k]
		nl = i + n2 - j
		lastnl = 0
		return unlines(nl)
	}
	if (r == 1 || r == 2) {
		# a line again, sometimes enough times to cross a 300-record batch
		k = split("1 2 3 10 299 300 301 650", M, " ")
		k = M[1 + rnd(k)] + 0
		if (length(L[i]) * k > 400000)
			k = 3
		# or copies that are other records: the 9 digits of an id renumbered,
		# which keeps the id valid (its suffix only tells the letters' case)
		n2 = rnd(3)
		note("dup-line@" i "x" k (n2 ? "/renumbered" : ""))
		x = L[i]
		for (j = nl; j > i; j--)
			L[j + k] = L[j]
		for (j = 1; j <= k; j++) {
			L[i + j] = x
			if (n2 == 1)
				sub(/[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]/, sprintf("%09d", 700000000 + j), L[i + j])
			else if (n2 == 2)
				gsub(/[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]/, sprintf("%09d", 700000000 + j), L[i + j])
		}
		return unlines(nl + k)
	}
	if (r == 3) {
		note("del-line@" i)
		for (j = i; j < nl; j++)
			L[j] = L[j + 1]
		return unlines(nl - 1)
	}
	if (r == 4) {
		j = 1 + rnd(nl)
		note("swap-lines@" i "," j)
		x = L[i]
		L[i] = L[j]
		L[j] = x
		return unlines(nl)
	}
	if (r == 5) {
		note("crlf")
		gsub(/\n/, "\r\n", s)
		return s
	}
	if (r == 6) {
		note("cr-only")
		gsub(/\n/, "\r", s)
		return s
	}
	if (r == 7) {
		note("no-final-lf")
		lastnl = 0
		return unlines(nl)
	}
	if (r == 8) {
		x = rnd(3) == 0 ? "" : rnd(2) ? " \t " : "\r"
		note("blank-line@" i)
		for (j = nl; j >= i; j--)
			L[j + 1] = L[j]
		L[i] = x
		return unlines(nl + 1)
	}
	if (r == 9) {
		# a line of the partner inserted
		n2 = split(t, M, "\n")
		note("partner-line@" i)
		for (j = nl; j >= i; j--)
			L[j + 1] = L[j]
		L[i] = M[1 + rnd(n2)]
		return unlines(nl + 1)
	}
	if (r == 10) {
		note("cut-line@" i)
		L[i] = substr(L[i], 1, rnd(length(L[i]) + 1))
		return unlines(nl)
	}
	note("only-lines@" i)
	return unlines(i)
}

function csv_op(s,    nl, r, i, j, n, k, x, y) {
	nl = lines(s)
	if (nl == 0)
		return bytes_op(s)
	r = rnd(10)
	i = (rnd(4) == 0) ? 1 : 1 + rnd(nl)
	n = csv_split(L[i])
	j = 1 + rnd(n)
	if (r <= 2) {
		x = CVAL[1 + rnd(NCV)]
		if (x == "" && rnd(2))
			x = ""
		note("field@" i "." j)
		F[j] = (rnd(3) == 0 && substr(x, 1, 1) != "\"") ? "\"" x "\"" : x
		if (rnd(8) == 0)
			F[j] = "\"" rep("x", 5000) "\""
		L[i] = csv_join(n)
		return unlines(nl)
	}
	if (r == 3) {
		# a header name changed: repeated, empty, reserved, another case
		n = csv_split(L[1])
		j = 1 + rnd(n)
		x = rnd(2) ? HNAME[1 + rnd(NHN)] : F[1 + rnd(n)]
		if (rnd(3) == 0)
			x = toupper(F[j])
		note("header@" j)
		F[j] = (rnd(2) && substr(x, 1, 1) != "\"") ? "\"" x "\"" : x
		L[1] = csv_join(n)
		return unlines(nl)
	}
	if (r == 4 || r == 5) {
		# a column duplicated or dropped, in one line or in all
		y = rnd(2)
		note((r == 4 ? "dup-col@" : "del-col@") j (y ? "/all" : "/" i))
		for (k = 1; k <= nl; k++) {
			if (!y && k != i)
				continue
			n = csv_split(L[k])
			if (j > n)
				continue
			if (r == 4)
				L[k] = csv_join(n) delim F[j]
			else {
				for (x = j; x < n; x++)
					F[x] = F[x + 1]
				L[k] = csv_join(n - 1)
			}
		}
		return unlines(nl)
	}
	if (r == 6) {
		# quoting broken: a quote in an unquoted field, text after a closing one, one left open
		k = rnd(3)
		note("quote" k "@" i "." j)
		if (k == 0)
			F[j] = "x\"" F[j]
		else if (k == 1)
			F[j] = F[j] "x"
		else
			F[j] = "\"" F[j]
		L[i] = csv_join(n)
		return unlines(nl)
	}
	if (r == 7) {
		# quotes dropped from every field that can do without
		note("unquote")
		for (k = 1; k <= nl; k++) {
			n = csv_split(L[k])
			for (x = 1; x <= n; x++)
				if (F[x] ~ /^"[^",\r\n]*"$/)
					F[x] = substr(F[x], 2, length(F[x]) - 2)
			L[k] = csv_join(n)
		}
		return unlines(nl)
	}
	if (r == 8) {
		# many columns, or a very wide header
		k = rnd(2) ? 300 : 2000
		note("wide@" i "x" k)
		L[i] = L[i] rep(delim "\"w\"", k)
		return unlines(nl)
	}
	note("many-fields-empty@" i)
	L[i] = rep(delim, n - 1 + rnd(3))
	return unlines(nl)
}

# The tokens of one JSON line: TKs[i] where, TKl[i] how long, TKt[i] what
# (k a key, s a string, n a number, l a literal, one of {}[]:, or x
# anything else); returns how many.
function scan(line,    n, i, j, c, e, len) {
	n = 0
	len = length(line)
	i = 1
	while (i <= len) {
		c = substr(line, i, 1)
		if (c == " " || c == "\t" || c == "\r") {
			i++
			continue
		}
		TKs[++n] = i
		if (c == "\"") {
			for (j = i + 1; j <= len; j++) {
				e = substr(line, j, 1)
				if (e == "\\")
					j++
				else if (e == "\"")
					break
			}
			TKt[n] = "s"
		} else if (c ~ /[-0-9]/) {
			for (j = i + 1; j <= len && substr(line, j, 1) ~ /[-+0-9.eE]/; j++)
				;
			j--
			TKt[n] = "n"
		} else if (c ~ /[a-z]/) {
			for (j = i + 1; j <= len && substr(line, j, 1) ~ /[a-z]/; j++)
				;
			j--
			TKt[n] = "l"
		} else {
			j = i
			TKt[n] = (c ~ /[][{}:,]/) ? c : "x"
		}
		TKl[n] = j - i + 1
		i = j + 1
	}
	for (j = 1; j < n; j++)
		if (TKt[j] == "s" && TKt[j + 1] == ":")
			TKt[j] = "k"
	return n
}

function tok(line, k) {
	return substr(line, TKs[k], TKl[k])
}

# The last token of the value that starts at token k.
function value_end(k, n,    d) {
	if (TKt[k] != "{" && TKt[k] != "[")
		return k
	for (d = 0; k <= n; k++) {
		if (TKt[k] == "{" || TKt[k] == "[")
			d++
		else if ((TKt[k] == "}" || TKt[k] == "]") && --d == 0)
			return k
	}
	return n
}

# Tokens a to b of line replaced by x.
function repl(line, a, b, x) {
	return substr(line, 1, TKs[a] - 1) x substr(line, TKs[b] + TKl[b])
}

# A random token whose type matches re, or 0.
function pick_tok(n, re,    k, m, K) {
	m = 0
	for (k = 1; k <= n; k++)
		if (TKt[k] ~ re)
			K[++m] = k
	return m ? K[1 + rnd(m)] : 0
}

# A random member value (of a key named as in re, when given), or 0.
function pick_val(line, n, re,    k, m, K) {
	m = 0
	for (k = 3; k <= n; k++)
		if (TKt[k - 1] == ":" && TKt[k - 2] == "k" && (re == "" || tok(line, k - 2) ~ re))
			K[++m] = k
	return m ? K[1 + rnd(m)] : 0
}

function deep(    d, k, x, D) {
	d = split("2 32 500 2047 2048 2100 20000", D, " ")
	d = D[1 + rnd(strict ? 4 : d)] + 0
	k = rnd(strict ? 2 : 3)
	if (k == 0)
		x = rep("[", d) "1" rep("]", d)
	else if (k == 1)
		x = rep("{\"a\":", d) "1" rep("}", d)
	else
		x = rep("[{\"a\":", d) "1"
	note("deep" d)
	return x
}

# One of the first n odd JSON values; strict leaves out most times what
# jansson refuses to read: reals beyond a double, integers beyond 64 bits,
# \u0000 and lone surrogates.
function jval(n,    k, tries) {
	for (tries = 0; tries < 4; tries++) {
		k = 1 + rnd(n)
		if (!strict || (k !~ /^(1|2|7|8|10|11|12|18)$/ && JVAL[k] !~ /\\u0000|\\ud[89a-f]/))
			break
	}
	return JVAL[k]
}

function long_string(    l) {
	l = rnd(10) ? 3000 : rnd(4) ? 70000 : 1100000
	return "\"" rep(rnd(2) ? "v" : "\303\251", l) "\""
}

# One change to one line of NDJSON, aware of its tokens, so that the line
# mostly stays JSON and reaches the tool's checks rather than the parser's.
function json_op(s,    nl, i, tries, line, n, r, k, e, x, E, m) {
	nl = lines(s)
	if (nl == 0)
		return bytes_op(s)
	for (tries = 0; tries < 6; tries++) {
		i = 1 + rnd(nl)
		if (index(L[i], "{"))
			break
	}
	line = L[i]
	n = scan(line)
	r = rnd(13)
	if (r == 12 && strict)
		r = rnd(12)
	if (r <= 3) {
		# a value replaced; half the time one of the ids, types and positions
		k = 0
		if (r <= 1)
			k = pick_val(line, n, "^\"(attributes|type|Id|ID|id|externalPersonId|externalSalesPersonId|externalCompanyId|externalOpportunityId|key|email|Email|line|file|acknowledged|input|object|digest|OwnerId|AccountId|IsDeleted|IsConverted|ConvertedAccountId|ContactId|OpportunityId|Role|role|leadId)\"$")
		if (!k)
			k = pick_val(line, n, "")
		if (!k)
			return bytes_op(s)
		e = value_end(k, n)
		x = rnd(8) ? jval(NJV) : long_string()
		note("value@" i ":" tok(line, k - 2))
		L[i] = repl(line, k, e, x)
	} else if (r == 4) {
		k = pick_tok(n, "^k$")
		if (!k)
			return bytes_op(s)
		x = rnd(6) ? "\"" JKEY[1 + rnd(NJK)] "\"" : "\"" rep("k", 300) "\""
		note("key@" i ":" tok(line, k))
		L[i] = repl(line, k, k, x)
	} else if (r == 5) {
		# a number, or a string that holds one, made huge, tiny or odd
		m = 0
		for (k = 3; k <= n; k++)
			if (TKt[k - 1] == ":" && (TKt[k] == "n" || tok(line, k) ~ /^"[-+]?[0-9][0-9.]*"$/))
				E[++m] = k
		if (!m)
			return bytes_op(s)
		k = E[1 + rnd(m)]
		x = jval(20)
		if (TKt[k] == "s" && x !~ /^"/)
			x = "\"" x "\""
		note("number@" i ":" tok(line, k - 2))
		L[i] = repl(line, k, k, x)
	} else if (r == 6) {
		k = pick_val(line, n, "")
		if (!k)
			return bytes_op(s)
		note("nested@" i ":" tok(line, k - 2))
		L[i] = repl(line, k, value_end(k, n), deep())
	} else if (r == 7 || r == 8) {
		# a member added at the start of an object
		k = pick_tok(n, "^[{]$")
		if (!k)
			return bytes_op(s)
		x = "\"" JKEY[1 + rnd(NJK)] "\":" (rnd(6) == 0 ? deep() : jval(NJV))
		note("member@" i)
		L[i] = substr(line, 1, TKs[k]) x (TKt[k + 1] == "}" ? "" : ",") substr(line, TKs[k] + 1)
	} else if (r == 9) {
		# a member twice (jansson refuses it: a bad line)
		k = pick_tok(n, "^k$")
		if (!k || k + 2 > n)
			return bytes_op(s)
		e = value_end(k + 2, n)
		note("dup-member@" i ":" tok(line, k))
		x = substr(line, TKs[k], TKs[e] + TKl[e] - TKs[k])
		L[i] = substr(line, 1, TKs[e] + TKl[e] - 1) "," x substr(line, TKs[e] + TKl[e])
	} else if (r == 10) {
		k = pick_tok(n, "^k$")
		if (!k || k + 2 > n)
			return bytes_op(s)
		e = value_end(k + 2, n)
		note("drop-member@" i ":" tok(line, k))
		if (TKt[e + 1] == ",")
			L[i] = repl(line, k, e + 1, "")
		else if (k > 1 && TKt[k - 1] == ",")
			L[i] = repl(line, k - 1, e, "")
		else
			L[i] = repl(line, k, e, "")
	} else if (r == 11) {
		# an escape at the start of a string
		k = pick_tok(n, "^[sk]$")
		if (!k)
			return bytes_op(s)
		m = split("\\u00e9|\\\\|\\\"|\\n|\\r|\\t|\\u2028|\\u0022|\\uFEFF|\\uDBFF\\uDFFF|\\/|\\u0000|\\ud800|\\udfff|\\x41|\\u12|\\", E, "|")
		x = E[1 + rnd(strict ? 11 : m)]
		note("escape@" i ":" x)
		L[i] = substr(line, 1, TKs[k]) x substr(line, TKs[k] + 1)
	} else {
		# a line whose top is no object
		k = rnd(5)
		note("top" k "@" i)
		if (k == 0)
			L[i] = "[" line "]"
		else if (k == 1)
			L[i] = "null"
		else if (k == 2)
			L[i] = "\"x\""
		else if (k == 3)
			L[i] = line line
		else
			L[i] = line " 1"
	}
	return unlines(nl)
}

# Map files and other word-per-field text.
function text_op(s,    nl, i, n, j, W, x, k) {
	nl = lines(s)
	if (nl == 0)
		return bytes_op(s)
	i = 1 + rnd(nl)
	n = split(L[i], W, /[ \t]+/)
	k = rnd(4)
	if (k == 0) {
		note("many-rules@" i)
		x = L[i]
		for (j = 0; j < 40; j++)
			L[i] = L[i] "\n" x
		return unlines(nl)
	}
	j = 1 + rnd(n + 1)
	x = TWORD[1 + rnd(NTW)]
	if (rnd(10) == 0)
		x = rep("w", 5000)
	note("word@" i "." j)
	W[j] = x
	if (j > n)
		n = j
	x = W[1]
	for (j = 2; j <= n; j++)
		x = x (rnd(3) ? "\t" : " ") W[j]
	L[i] = x
	return unlines(nl)
}
EOF
}

# Stops a simulator; what it printed on its way out may be a finding.
sim_stop() {
	eval "p=\$${1}_pid"
	kill -TERM "$p" 2> /dev/null || true
	wait "$p" 2> /dev/null && sst=0 || sst=$?
	sim_finding "$1" "$sst"
}

write_mutator
prepare
# SECONDS of cases, however long the seeds took to make
deadline=$(($(date +%s) + SECS))
n=0
cases=0
count_extract=0 count_transform=0 count_load_dry=0 count_load=0 count_writeback=0
while [ "$(date +%s)" -lt "$deadline" ]; do
	new_case
	rnd 100
	# the first five cases one per tool, so that a short run tries each
	case $n in 1) R=0 ;; 2) R=24 ;; 3) R=46 ;; 4) R=58 ;; 5) R=80 ;; esac
	if [ "$R" -lt 24 ]; then
		case_extract
	elif [ "$R" -lt 46 ]; then
		case_transform
	elif [ "$R" -lt 58 ]; then
		case_load_dry
	elif [ "$R" -lt 80 ]; then
		case_load
	else
		case_writeback
	fi
done
sim_stop clean
sim_stop faulty
SIMS=

echo "fuzz: seed $SEED, $(($(date +%s) - start)) s: $cases cases (msi-extract $count_extract," \
    "msi-transform $count_transform, msi-load --dry-run $count_load_dry, msi-load $count_load," \
    "msi-writeback $count_writeback); $nfind findings"
if [ "$nfind" -eq 0 ]; then
	[ "$made_fd" = 0 ] || rmdir "$FD" 2> /dev/null || true
	exit 0
fi
echo "fuzz: $nhits failing cases in $nfind findings, kept in $FD (each case: sh repro.sh)"
exit 1
