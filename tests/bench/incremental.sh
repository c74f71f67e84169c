#!/bin/sh
# incremental.sh: a second msi-sync with a state (-S) sends only what changed.
# usage: sh tests/bench/incremental.sh [build-dir]
# gen-org makes an export of P persons ($BENCH_INCR_PERSONS, default
# 100000); msi-sync -S syncs it into the simulator, its limits scaled in
# time as sync.sh's: 100 calls per 2 s, 10 at once, 30 ms a call. Then the
# export changes as a week's might: the Title of 1% of the leads, the Name
# of 1% of the opportunities, and 0.5% of the opportunities removed with
# their contact roles (Salesforce deletes an opportunity's roles with it).
# A second msi-sync with the same state meets the same Marketo (the
# simulator runs on). Expected of it, object by object: sent = the records
# changed and those Marketo refused in the first run; deleted = the records
# removed that the first run landed; calls = ceil(sent / 300) sync calls
# (roles: as many lookups of their persons) + ceil(deleted / 300) delete
# calls. Target: Lead sent, Opportunity and OpportunityContactRole deleted
# as expected, and the second run's load calls at most the expected calls.
# The writeback asks for every person known at each run (MSI's scores move
# without a change in Salesforce): its calls are shown apart, not in the
# target.
set -eu
LC_ALL=C
export LC_ALL

die() { echo "incremental.sh: $*" >&2; exit 1; }
B=$(cd "${1:-build}" && pwd) || die "${1:-build}: no build folder"
PATH=$B/extract:$B/transform:$B/load:$B/writeback:$B/apply:$B/verify:$B/report:$B/state:$B/tests/gen-org:$(cd "$(dirname "$0")/../../pipelines" && pwd):$PATH
export PATH
P=${BENCH_INCR_PERSONS:-100000}
case $P in '' | *[!0-9]*) die "BENCH_INCR_PERSONS: not a number: $P" ;; esac
tmp=$(mktemp -d)
pid='' s1='' p=''
trap 'for p in $pid $s1; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
objects='User Account Lead Contact Opportunity OpportunityContactRole'

sim_start() {
	rm -f "$tmp/port"
	rm -rf "$tmp/windows" && mkdir "$tmp/windows"
	"$B/tests/marketo-sim/marketo-sim" --port-file "$tmp/port" --latency-ms 30 --window-calls 100 \
	    --window 2 --max-concurrent 10 > /dev/null 2>&1 &
	pid=$!
	i=0
	while [ ! -s "$tmp/port" ] && [ $i -lt 250 ]; do sleep 0.02; i=$((i + 1)); done
	[ -s "$tmp/port" ] || die "the simulator did not start"
	base=http://127.0.0.1:$(cat "$tmp/port")
}

# The simulator's stats now, into file $1.
sim_stats() {
	curl -s "$base/_sim/stats" > "$1" && jq -e '.accepted' "$1" > /dev/null ||
	    die "no stats from the simulator"
}

# msi-sync -S of the export into $tmp/runs, its stdout and stderr in
# $tmp/run$1.out and .err; its wall time in wall, its run folder in run.
# Status 1 is the planted bad rows.
sync_run() {
	s=$(date +%s.%N)
	MARKETO_BASE_URL=$base/rest MARKETO_CLIENT_ID=sim-client MARKETO_CLIENT_SECRET=sim-secret \
	    MSI_WINDOW_DIR=$tmp/windows msi-sync -o "$tmp/runs" -S "$tmp/state" -n 100 -w 2 -c 10 \
	    "$tmp/org" > "$tmp/run$1.out" 2> "$tmp/run$1.err" &
	s1=$!
	st=0
	wait "$s1" || st=$?
	e=$(date +%s.%N) s1=''
	[ $st -le 1 ] || die "msi-sync run $1 ended with status $st; its stderr ends: $(tail -n 3 "$tmp/run$1.err")"
	wall=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }')
	run=$(sed -n 's/^run folder: //p' "$tmp/run$1.out" | tail -n 1)
	[ -n "$run" ] && [ -f "$run/summary.txt" ] ||
	    die "msi-sync run $1 (status $st) named no run folder; its stderr ends: $(tail -n 3 "$tmp/run$1.err")"
}

# Edits export file $1 (quoted-field CSV with a header, as gen-org writes
# it) in place; the awk variables after it say how. A record may span lines
# (a newline inside quotes). Data rows are counted from 1. col: the column
# whose value changes in rows r % every == at (a value gets " (revised)");
# rm: rows r % rm == 0 are removed, their Id written to file ids and the
# first 15 characters of it, lower-cased, to file keys (an id as a
# reference is 18 characters or 15, some lower-cased); ref and gone: rows
# whose column ref's key is among those in file gone are removed. A row
# picked that does not parse into the header's fields is left as it is,
# and so is one Salesforce marked deleted or converted (msi-transform skips
# those on purpose). The Ids changed go to file changed. Prints the rows
# changed and removed.
csv_edit() {
	f=$1
	shift
	awk -v out="$f.new" "$@" '
	# The fields of s into fld[1..n]; n, or -1 when s is not quoted-field CSV.
	function parse(s,   n, t) {
		n = 0
		for (;;) {
			if (substr(s, 1, 1) == "\"") {
				if (!match(s, /^"([^"]|"")*"/))
					return -1
				t = substr(s, 2, RLENGTH - 2)
				gsub(/""/, "\"", t)
			} else {
				match(s, /^[^,]*/)
				t = substr(s, 1, RLENGTH)
				if (t ~ /"/)
					return -1
			}
			fld[++n] = t
			s = substr(s, RLENGTH + 1)
			if (s == "")
				return n
			if (substr(s, 1, 1) != ",")
				return -1
			s = substr(s, 2)
		}
	}
	function column(name) {
		if (!(name in colno)) {
			printf "incremental.sh: %s: no column %s\n", FILENAME, name > "/dev/stderr"
			exit 2
		}
		return colno[name]
	}
	function key(id) { return tolower(substr(id, 1, 15)) }
	function row(rec,   s, cr, n, i, v, line, act) {
		s = rec
		cr = ""
		if (s ~ /\r$/) {
			cr = "\r"
			s = substr(s, 1, length(s) - 1)
		}
		if (!hdr) {
			if ((hdr = parse(s)) < 1) {
				printf "incremental.sh: %s: no header\n", FILENAME > "/dev/stderr"
				exit 2
			}
			for (i = 1; i <= hdr; i++)
				colno[fld[i]] = i
			idn = column("Id")
			if (col != "")
				coln = column(col)
			if (ref != "")
				refn = column(ref)
			deln = colno["IsDeleted"]
			convn = colno["IsConverted"]
			print rec > out
			return
		}
		r++
		act = ""
		if (col != "" && r % every == at)
			act = "change"
		else if (rm && r % rm == 0)
			act = "remove"
		if (act == "" && !refn) {
			print rec > out
			return
		}
		if ((n = parse(s)) != hdr) {
			if (act != "")
				unparsed++
			print rec > out
			return
		}
		if (refn && key(fld[refn]) in goneset) {
			removed++
			return
		}
		if (act == "" || (deln && fld[deln] == "1") || (convn && fld[convn] == "1")) {
			print rec > out
			return
		}
		if (act == "remove") {
			removed++
			print fld[idn] > ids
			print key(fld[idn]) > keys
			return
		}
		fld[coln] = fld[coln] == "" ? "Revised" : fld[coln] " (revised)"
		line = ""
		for (i = 1; i <= n; i++) {
			v = fld[i]
			gsub(/"/, "\"\"", v)
			line = line (i > 1 ? "," : "") "\"" v "\""
		}
		print line cr > out
		print fld[idn] > changed
		changed_n++
	}
	BEGIN {
		if (gone != "")
			while ((getline k < gone) > 0)
				goneset[k] = 1
	}
	{
		rec = open ? rec "\n" $0 : $0
		q = rec
		if (gsub(/"/, "", q) % 2) {
			open = 1
			next
		}
		open = 0
		row(rec)
	}
	END {
		if (open) # a quote never closed: kept as it was
			print rec > out
		printf "%d %d %d\n", changed_n, removed, unparsed
	}' "$f" > "$tmp/edit" || die "$f: the edit failed"
	mv "$f.new" "$f"
	read -r changed removed unparsed < "$tmp/edit"
}

# What run 1 did with object $1's records, from its result lines: the
# keys Marketo took (file $tmp/$1.landed1) and refused (.refused1).
run1_fates() {
	touch "$tmp/$1.landed1" "$tmp/$1.refused1"
	[ -f "$run1/$1.results.ndjson" ] || return 0
	jq -r '[.status, .key] | @tsv' "$run1/$1.results.ndjson" |
	    awk -F '\t' -v landed="$tmp/$1.landed1" -v refused="$tmp/$1.refused1" '
		$1 == "created" || $1 == "updated" { print $2 > landed; next }
		{ print $2 > refused }' || die "$run1/$1.results.ndjson: unreadable"
}

# 1. The export, and the first run, with an empty state.
gen-org -p "$P" "$tmp/org" > /dev/null || die "gen-org -p $P failed"
sim_start
sim_stats "$tmp/stats0"
sync_run 1
run1=$run wall1=$wall
sim_stats "$tmp/stats1"

# 2. A week's changes. The opportunities changed (r % 100 == 50) and
#    removed (r % 200 == 0) are not the same rows.
for o in $objects; do
	: > "$tmp/$o.changed"
done
: > "$tmp/opps.removed" && : > "$tmp/opps.keys"
csv_edit "$tmp/org/Lead.csv" -v col=Title -v every=100 -v at=50 -v changed="$tmp/Lead.changed"
lead_changed=$changed lead_unparsed=$unparsed
csv_edit "$tmp/org/Opportunity.csv" -v col=Name -v every=100 -v at=50 -v changed="$tmp/Opportunity.changed" \
    -v rm=200 -v ids="$tmp/opps.removed" -v keys="$tmp/opps.keys"
opp_changed=$changed opp_removed=$removed opp_unparsed=$unparsed
csv_edit "$tmp/org/OpportunityContactRole.csv" -v ref=OpportunityId -v gone="$tmp/opps.keys"
role_removed=$removed
[ "$lead_changed" -gt 0 ] && [ "$opp_changed" -gt 0 ] && [ "$opp_removed" -gt 0 ] ||
    die "the export of $P persons is too small to change 1% of it"

# 3. The second run, same state, same Marketo.
sync_run 2
run2=$run wall2=$wall
sim_stats "$tmp/stats2"

# 4. The report. Per object: expected sent, deleted and calls, from the
#    changes and run 1's fates, beside run 2's summary table.
for o in $objects; do
	run1_fates "$o"
done
for o in $objects; do
	gone=/dev/null
	case $o in Opportunity | OpportunityContactRole) gone=$tmp/opps.removed ;; esac
	awk -v o="$o" -v f="$tmp/$o" '
		function opp(k) { return o == "OpportunityContactRole" ? substr(k, 1, 18) : k }
		FILENAME == ARGV[1] { gone[$0] = 1; next }
		FILENAME == ARGV[2] { send[$0] = 1; next }
		FILENAME == ARGV[3] { if (!(opp($0) in gone)) { send[$0] = 1; refused++ } ; next }
		FILENAME == ARGV[4] { if (opp($0) in gone) del[$0] = 1; next }
		END {
			for (k in send) sent++
			for (k in del) deleted++
			calls = int((sent + 299) / 300)
			if (o == "OpportunityContactRole")
				calls *= 2 # the lookups of their persons
			if (o != "Lead" && o != "Contact")
				calls += int((deleted + 299) / 300)
			printf "%s %d %d %d %d\n", o, sent, deleted, calls, refused
		}' "$gone" "$tmp/$o.changed" "$tmp/$o.refused1" "$tmp/$o.landed1"
done > "$tmp/expected"

# The calls the simulator refused between stats files $1 and $2.
refused() {
	jq -r --slurpfile b "$1" '[.refused | to_entries[] | "refused \(.key): \(.value - ($b[0].refused[.key] // 0))"] |
	    join(", ")' "$2"
}
wb1=$(cat "$run1"/writeback.*.stats.json 2> /dev/null | jq -s 'map(.calls // 0) | add // 0')
wb2=$(cat "$run2"/writeback.*.stats.json 2> /dev/null | jq -s 'map(.calls // 0) | add // 0')
jq -r --slurpfile b "$tmp/stats1" '. as $a | [$a.per_endpoint | to_entries[] |
	{k: .key, n: (.value - ($b[0].per_endpoint[.key] // 0))} | select(.n > 0) |
	"\(.k | sub("^/rest/v1/"; "")) \(.n)"] | join(", ")' "$tmp/stats2" > "$tmp/endpoints2"
jq -r --slurpfile b "$tmp/stats1" '[.deleted | to_entries[] | "\(.key) \(.value - ($b[0].deleted[.key] // 0))"] |
	join(", ")' "$tmp/stats2" > "$tmp/deleted2"
st=0
awk -v P="$P" -v wall1="$wall1" -v wall2="$wall2" -v wb1="$wb1" -v wb2="$wb2" \
    -v endpoints2="$(cat "$tmp/endpoints2")" -v deleted2="$(cat "$tmp/deleted2")" \
    -v mk_opp="$(jq --slurpfile b "$tmp/stats1" '.deleted.opportunity - ($b[0].deleted.opportunity // 0)' "$tmp/stats2")" \
    -v mk_role="$(jq --slurpfile b "$tmp/stats1" '.deleted.role - ($b[0].deleted.role // 0)' "$tmp/stats2")" \
    -v lead_changed="$lead_changed" -v lead_unparsed="$lead_unparsed" -v opp_changed="$opp_changed" \
    -v opp_removed="$opp_removed" -v opp_unparsed="$opp_unparsed" -v role_removed="$role_removed" \
    -v a0="$(jq .accepted "$tmp/stats0")" -v a1="$(jq .accepted "$tmp/stats1")" \
    -v a2="$(jq .accepted "$tmp/stats2")" \
    -v simref1="$(refused "$tmp/stats0" "$tmp/stats1")" -v simref2="$(refused "$tmp/stats1" "$tmp/stats2")" '
	function ok(c) { return c ? "met" : "NOT met" }
	# The columns of a summary table header (run w).
	function header(w,   i) {
		for (i = 1; i <= NF; i++)
			col[w, $i] = i
		table[w] = ((w, "sent") in col) && ((w, "unchanged") in col) && ((w, "deleted") in col) &&
		    ((w, "calls") in col)
	}
	FILENAME == ARGV[1] { exp_sent[$1] = $2; exp_del[$1] = $3; exp_calls[$1] = $4; refused1[$1] = $5
		order[++nobj] = $1; next }
	{ w = FILENAME == ARGV[2] ? 1 : 2 }
	$1 == "object" && !table[w] { header(w); next }
	!table[w] || ended[w] { next }
	!($1 in exp_sent) { ended[w] = 1; next } # the table is over
	w == 1 { calls1 += $col[1, "calls"]; next }
	{ sent[$1] = $col[2, "sent"]; del[$1] = $col[2, "deleted"]; calls[$1] = $col[2, "calls"]
		unchanged[$1] = $col[2, "unchanged"]; seen[$1] = 1 }
	END {
		if (!table[1] || !table[2]) {
			printf "incremental.sh: run %d: no summary table with the columns sent, unchanged, deleted and calls\n", \
			    (table[1] ? 2 : 1) > "/dev/stderr"
			exit 1
		}
		c1 = a1 - a0
		c2 = a2 - a1
		printf "incremental sync, %d persons (msi-sync -S, 100 calls per 2 s, 10 at once, 30 ms a call)\n", P
		printf "run 1 (empty state): wall %.2f s, calls accepted %d; msi-sync counted load %d, writeback %d (tries refused included); %s\n", \
		    wall1, c1, calls1, wb1, simref1
		printf "changes: Lead Title in %d rows; Opportunity Name in %d rows; %d Opportunity rows removed with their %d OpportunityContactRole rows", \
		    lead_changed, opp_changed, opp_removed, role_removed
		if (lead_unparsed + opp_unparsed > 0)
			printf " (%d rows picked not parsed, left as they were)", lead_unparsed + opp_unparsed
		printf "\n"
		for (i = 1; i <= nobj; i++)
			calls2 += calls[order[i]]
		printf "run 2 (the changes): wall %.2f s, calls accepted %d; msi-sync counted load %d, writeback %d (tries refused included); %s\n", \
		    wall2, c2, calls2, wb2, simref2
		printf "run 2 calls by endpoint: %s\n", endpoints2
		printf "run 2 records the simulator deleted: %s\n", deleted2
		printf "calls2 / calls1 = %.4f; load calls only: %.4f; wall2 / wall1 = %.3f\n", \
		    (c1 > 0 ? c2 / c1 : 0), (calls1 > 0 ? calls2 / calls1 : 0), (wall1 > 0 ? wall2 / wall1 : 0)
		printf "run 2, object by object (expected: changed + refused by Marketo in run 1; deleted: removed and landed in run 1;\n"
		printf "calls: ceil(sent/300) sync (roles: twice, with the lookups of their persons) + ceil(deleted/300) deletes):\n"
		printf "  %-24s %7s %9s %9s %7s %8s %6s %8s %10s\n", "object", "sent", "expected", "unchanged", "deleted", \
		    "expected", "calls", "expected", "refused-1"
		for (i = 1; i <= nobj; i++) {
			o = order[i]
			printf "  %-24s %7s %9d %9s %7s %8d %6s %8d %10d\n", o, seen[o] ? sent[o] : "-", exp_sent[o], \
			    seen[o] ? unchanged[o] : "-", seen[o] ? del[o] : "-", exp_del[o], seen[o] ? calls[o] : "-", \
			    exp_calls[o], refused1[o]
			ecalls += exp_calls[o]
		}
		printf "  %-24s %7s %9s %9s %7s %8s %6d %8d\n", "all", "", "", "", "", "", calls2, ecalls
		t1 = seen["Lead"] && sent["Lead"] == exp_sent["Lead"]
		printf "Target: Lead sent %s == changed %d + refused by Marketo in run 1 %d = %d: %s\n", \
		    seen["Lead"] ? sent["Lead"] : "-", lead_changed, exp_sent["Lead"] - lead_changed, exp_sent["Lead"], ok(t1)
		o = "Opportunity"
		t2 = seen[o] && del[o] == exp_del[o] && exp_del[o] == opp_removed && mk_opp == del[o]
		printf "Target: Opportunity deleted %s == removed %d (landed in run 1: %d; gone from the simulator: %d): %s\n", \
		    seen[o] ? del[o] : "-", opp_removed, exp_del[o], mk_opp, ok(t2)
		o = "OpportunityContactRole"
		t3 = seen[o] && del[o] == exp_del[o] && exp_del[o] == role_removed && mk_role == del[o]
		printf "Target: OpportunityContactRole deleted %s == removed %d (landed in run 1: %d; gone from the simulator: %d): %s\n", \
		    seen[o] ? del[o] : "-", role_removed, exp_del[o], mk_role, ok(t3)
		t4 = calls2 <= ecalls
		printf "Target: run 2 load calls %d <= expected %d (sync + lookups + deletes, those refused in run 1 included): %s\n", \
		    calls2, ecalls, ok(t4)
		exit t1 && t2 && t3 && t4 ? 0 : 3
	}' "$tmp/expected" "$run1/summary.txt" "$run2/summary.txt" || st=$?
[ $st -le 0 ] || [ $st -eq 3 ] || die "the report failed (status $st)"
exit $st
