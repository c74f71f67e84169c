#!/bin/sh
# soak.sh: a randomised "bad week" of msi-sync --apply against both simulators.
# usage: sh tests/soak.sh BUILD-DIR [NIGHTS [SEED]]
#
# One org (gen-org --accents, 40 to 100 persons) lives for NIGHTS nights
# (default 7) in a marketo-sim and a salesforce-sim started once (the org
# loaded with --org, then kept up through /_sim/insert and /_sim/delete),
# with one state folder (-S) for the week, and the tools copied from
# BUILD-DIR and pipelines/ when it begins. Each night the org changes (fields
# edited; records added; rows removed, marked IsDeleted, Leads converted:
# an Opportunity's or a Contact's roles go with it, as Salesforce removes
# them) and MSI moves some scores in Marketo (/_sim/msi); the night's export
# is the org written out, with accidents drawn at random: a stray undoubled
# quote at the end of a row's last field, a file cut inside a quoted field,
# a last line without its newline, a file missing, an Excel re-save or a
# cp1252 file, a NUL byte; and the run meets Marketo's daily quota, Marketo
# or Salesforce faults, the org's API limit, or kill -9 of its process
# group. A run that did not finish is resumed that night (killed again, now
# and then) or left, and a run left is now and then resumed first thing the
# next night, under that night's conditions; a finished run is now and then
# resumed again; a run of an earlier night is now and then resumed after
# newer ones: refused (status 8) unless the state folder is still as that
# run left it. The last night is clean: no accident, no disruption.
#
# After each night, whatever its runs ended with, against the org (the
# export before its damage):
#  1. no record present in the org (a valid Id, not IsDeleted) that Marketo
#     held before the night is gone from it after, rows the damage hid
#     included; no lead is ever deleted (no --delete-leads);
#  2. when the night's run finished (0 or 1, no stopped file), every record
#     whose row starts a line of its export is in Marketo or set aside with a
#     reason in the run folder (extract, transform or load rejects, a result
#     other than created or updated, a delete held or refused);
#  3. every person of the org Marketo holds whose MSI values (priority,
#     relativeUrgency, relativeScore, msiLastInterestingMomentType) differ
#     from the org's is pending: unknown to the state folder (so the next run
#     sends it as new, then writes it back), or msi-writeback --changed-only
#     on a copy of the state's writeback.state, over the persons the state
#     knows (as msi-sync calls it), writes an update for it;
#  and a resume refused must make no call to either simulator.
# After the clean night, Marketo must hold exactly the org's records (less
# those set aside, and the leads gone from Salesforce, which stay), and
# every person's MSI values must be in the org.
#
# A line a night: the accidents, the statuses of the runs, the counts. A
# violation prints what and where, keeps the week's folder, and exits 1;
# exits 0 when the week held, 2 on bad usage. The same SEED (default 1)
# plans the same week: each night's changes, damage and disruptions; where
# a kill lands, and so what a run ends with, is timing. SOAK_KEEP=1 keeps
# the week's folder in any case.
set -eu
LC_ALL=C
export LC_ALL

usage() {
	echo "usage: sh tests/soak.sh BUILD-DIR [NIGHTS [SEED]]" >&2
	exit 2
}
if [ $# -lt 1 ] || [ $# -gt 3 ]; then usage; fi
case ${2:-7} in '' | *[!0-9]*) usage ;; esac
case ${3:-1} in '' | *[!0-9]*) usage ;; esac
[ -d "$1" ] || usage
top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$1" && pwd)
NIGHTS=${2:-7}
SEED=${3:-1}
[ "$NIGHTS" -ge 1 ] || usage
tools="extract/msi-extract extract/msi-extract-salesforce transform/msi-transform load/msi-load
    writeback/msi-writeback apply/msi-apply report/msi-report state/msi-state tests/marketo-sim/marketo-sim
    tests/salesforce-sim/salesforce-sim tests/gen-org/gen-org"
for t in $tools; do
	[ -x "$B/$t" ] || {
		echo "soak: $B/$t missing; build it first (make check-build)" >&2
		exit 2
	}
done
[ -f "$top/pipelines/msi-sync" ] || {
	echo "soak: $top/pipelines/msi-sync missing" >&2
	exit 2
}
# No real instance, ever: the tools get the simulators' settings only.
unset MARKETO_BASE_URL MARKETO_IDENTITY_URL MARKETO_CLIENT_ID MARKETO_CLIENT_SECRET \
    MARKETO_CONFIG SALESFORCE_LOGIN_URL SALESFORCE_CLIENT_ID SALESFORCE_CLIENT_SECRET \
    SALESFORCE_USERNAME SALESFORCE_PRIVATE_KEY_FILE SALESFORCE_CONFIG || true

start=$(date +%s)
W=$(mktemp -d "${TMPDIR:-/tmp}/msi-soak.XXXXXX")
keep=0
SIMS=
runpid=
# The tools as they were when the week began: bash reads a script as it
# runs it, and the week must not meet an edit or a build made meanwhile.
mkdir "$W/bin"
for t in $tools; do cp "$B/$t" "$W/bin/"; done
cp "$top/pipelines/msi-sync" "$W/bin/msi-sync"
chmod +x "$W/bin/msi-sync"
PATH=$W/bin:$PATH
export PATH

cleanup() {
	[ -z "$runpid" ] || kill -9 "-$runpid" 2> /dev/null || true
	for p in $SIMS; do kill -TERM "$p" 2> /dev/null || true; done
	for p in $SIMS; do wait "$p" 2> /dev/null || true; done
	if [ "$keep" = 1 ] || [ -n "${SOAK_KEEP:-}" ]; then
		echo "soak: the week's files are kept in $W (nights in n*/, runs in runs/, state/)"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

# The week's random numbers: rnd N sets R to 0..N-1; chance N is true N times in 100.
rng=$((SEED % 2147483648))
rnd() {
	rng=$(((rng * 1103515245 + 12345) % 2147483648))
	R=$(((rng / 65536) % $1))
}
chance() {
	rnd 100
	[ "$R" -lt "$1" ]
}
# pick WORD...: P is one of them.
pick() {
	rnd $#
	shift "$R"
	P=$1
}

# The data work, in awk, by mode: import (gen-org's CSV to the org's TSV:
# a record a line, fields by tabs, a field's line ends as \001), mutate (a
# night's changes to the org), render (a file of the org as an export, with
# its damage), keys (the records the org holds), exportids (the Ids that
# start the lines of an export file), marketo (/_sim/dump as keys), aside
# (a run folder's records set aside, normalised) and check (invariants 1
# and 2, and after the clean night the convergence).
cat > "$W/soak.awk" << 'EOF'
# to18: the 18-character form of a Salesforce id, as common/sfid.c makes it; "" when it is none.
function to18(s,    alpha, n, out, chunk, j, b, c, bits) {
	alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	n = length(s)
	if ((n != 15 && n != 18) || s !~ /^[0-9A-Za-z]+$/)
		return ""
	if (substr(s, 1, 15) ~ /^0+$/)
		return ""
	if (n == 15) {
		out = s
		for (chunk = 0; chunk < 3; chunk++) {
			bits = 0
			for (j = 0; j < 5; j++)
				if (substr(s, chunk * 5 + j + 1, 1) ~ /[A-Z]/)
					bits += 2 ^ j
			out = out substr(alpha, bits + 1, 1)
		}
		return out
	}
	out = ""
	for (chunk = 0; chunk < 3; chunk++) {
		b = index(alpha, toupper(substr(s, 16 + chunk, 1))) - 1
		if (b < 0)
			return ""
		for (j = 0; j < 5; j++) {
			c = substr(s, chunk * 5 + j + 1, 1)
			if (int(b / 2 ^ j) % 2) {
				if (c ~ /[0-9]/)
					return ""
				c = toupper(c)
			} else
				c = tolower(c)
			out = out c
		}
	}
	return out toupper(substr(s, 16, 3))
}

function objname(path) {
	sub(/.*\//, "", path)
	sub(/\..*/, "", path)
	return path
}

# The key an object's records have in the checks: persons are one kind (P).
function kind(o) {
	return o == "Lead" || o == "Contact" ? "P" : o == "OpportunityContactRole" ? "OCR" : o
}

# One CSV record (quotes balanced) as a TSV line.
function csv2tsv(rec,    out, field, i, c, inq, n) {
	out = ""
	field = ""
	inq = 0
	n = length(rec)
	for (i = 1; i <= n; i++) {
		c = substr(rec, i, 1)
		if (inq) {
			if (c == "\"") {
				if (substr(rec, i + 1, 1) == "\"") {
					field = field c
					i++
				} else
					inq = 0
			} else if (c == "\n")
				field = field "\001"
			else if (c == "\t")
				field = field " "
			else
				field = field c
		} else if (c == "\"")
			inq = 1
		else if (c == ",") {
			out = out field "\t"
			field = ""
		} else
			field = field c
	}
	return out field
}

mode == "import" {
	rec = pending ? rec "\n" $0 : $0
	tmp = rec
	if (gsub(/"/, "", tmp) % 2) {
		pending = 1
		next
	}
	pending = 0
	print csv2tsv(rec)
}

# ---- mutate: the org's changes of a night, in memory, then written back.
function load(o,    f, line, n) {
	f = dir "/" o ".tsv"
	n = 0
	while ((getline line < f) > 0)
		L[o, ++n] = line
	close(f)
	N[o] = n
}
function save(o,    f, i) {
	f = dir "/" o ".tsv.new"
	for (i = 1; i <= N[o]; i++)
		if (!((o, i) in GONE))
			print L[o, i] > f
	close(f)
}
# col(o, name): the column of name in o's header, 0 when none.
function col(o, name,    h, n, i) {
	n = split(L[o, 1], h, "\t")
	for (i = 1; i <= n; i++)
		if (h[i] == name)
			return i
	return 0
}
function get(o, i, c,    f) {
	split(L[o, i], f, "\t")
	return f[c]
}
function set(o, i, c, v,    f, n, j, s) {
	n = split(L[o, i], f, "\t")
	f[c] = v
	s = f[1]
	for (j = 2; j <= n; j++)
		s = s "\t" f[j]
	L[o, i] = s
}
# live(o, i): a whole row, a valid Id, not deleted nor removed.
function live(o, i,    f, n, d) {
	if ((o, i) in GONE)
		return 0
	n = split(L[o, i], f, "\t")
	if (n != split(L[o, 1], HDR, "\t") || to18(f[1]) == "")
		return 0
	d = col(o, "IsDeleted")
	return !(d && f[d] == "1")
}
# A random live row of o, 0 when it has none (after 50 tries).
function anyrow(o,    t, i) {
	for (t = 0; t < 50 && N[o] > 1; t++) {
		i = 2 + int(rand() * (N[o] - 1))
		if (live(o, i))
			return i
	}
	return 0
}
function anyobj() {
	return OBJS[1 + int(rand() * NOBJ)]
}
function rolekey(i,    o, c, p, r) {
	o = "OpportunityContactRole"
	return to18(get(o, i, col(o, "OpportunityId"))) "/" to18(get(o, i, col(o, "ContactId"))) "/" get(o, i, col(o, "Role"))
}
function haskey(k,    i) {
	for (i = 2; i <= N["OpportunityContactRole"]; i++)
		if (live("OpportunityContactRole", i) && rolekey(i) == k)
			return 1
	return 0
}
function newid(tmpl) {
	serial++
	return to18(substr(tmpl, 1, 6) "9" sprintf("%08d", night * 1000 + serial))
}
function edit(e,    o, i, c, k, r, nk, t) {
	o = anyobj()
	if (!(i = anyrow(o)))
		return
	if (o == "User")
		set(o, i, col(o, "Title"), "Rep n" night "-" e)
	else if (o == "Account")
		set(o, i, col(o, "Phone"), "+1 415 555 " sprintf("%04d", int(rand() * 10000)))
	else if (o == "Lead" || o == "Contact")
		set(o, i, col(o, "Title"), "Title n" night "-" e)
	else if (o == "Opportunity")
		set(o, i, col(o, "Amount"), sprintf("%d.00", 1000 + int(rand() * 900000)))
	else if (rand() < 0.5) {
		# a new role: the old key goes, a new one comes
		k = rolekey(i)
		for (t = 0; t < 10; t++) {
			r = ROLES[1 + int(rand() * NROLES)]
			nk = k
			sub(/\/[^\/]*$/, "/" r, nk)
			if (!haskey(nk)) {
				set(o, i, col(o, "Role"), r)
				break
			}
		}
	} else
		set(o, i, col(o, "IsPrimary"), get(o, i, col(o, "IsPrimary")) == "1" ? "0" : "1")
}
function add(a,    o, i, n, id, c, p, q, r, k, t) {
	o = anyobj()
	if (!(i = anyrow(o)))
		return
	n = ++N[o]
	L[o, n] = L[o, i]
	id = newid(to18(get(o, i, 1)))
	set(o, n, 1, id)
	if ((c = col(o, "IsDeleted")))
		set(o, n, c, "0")
	if (o == "Lead" || o == "Contact") {
		set(o, n, col(o, "Email"), "n" night "a" a "@example.com")
		set(o, n, col(o, "LastName"), "Soak" night)
		print "add\t" o "\t" id
	}
	if (o == "Lead") {
		set(o, n, col(o, "IsConverted"), "0")
		set(o, n, col(o, "Status"), "Open - Not Contacted")
	}
	if (o == "OpportunityContactRole") {
		for (t = 0; t < 20; t++) {
			p = anyrow("Opportunity")
			q = anyrow("Contact")
			r = ROLES[1 + int(rand() * NROLES)]
			if (!p || !q)
				break
			k = to18(get("Opportunity", p, 1)) "/" to18(get("Contact", q, 1)) "/" r
			if (!haskey(k))
				break
		}
		if (t == 20 || !p || !q) {
			N[o]--
			return
		}
		set(o, n, col(o, "OpportunityId"), to18(get("Opportunity", p, 1)))
		set(o, n, col(o, "ContactId"), to18(get("Contact", q, 1)))
		set(o, n, col(o, "Role"), r)
		set(o, n, col(o, "IsPrimary"), "0")
	}
}
function del(o, i, how,    id, c) {
	id = to18(get(o, i, 1))
	if (how == "remove" || !col(o, "IsDeleted"))
		GONE[o, i] = 1
	else
		set(o, i, col(o, "IsDeleted"), "1")
	if (o == "Opportunity" || o == "Contact")
		CASCADE[id] = 1
	if (o == "Lead" || o == "Contact")
		print "del\t" o "\t" id
}
function delete_one(    o, i, r) {
	o = anyobj()
	if (!(i = anyrow(o)))
		return
	r = rand()
	if (o == "Lead" && r < 0.34) {
		set(o, i, col(o, "IsConverted"), "1")
		set(o, i, col(o, "Status"), "Closed - Converted")
		return
	}
	del(o, i, r < 0.67 ? "remove" : "flag")
}
mode == "mutate" {
	exit
}
# The roles of an Opportunity or a Contact removed or deleted go with it.
function cascade(    o, i, po, pc) {
	o = "OpportunityContactRole"
	po = col(o, "OpportunityId")
	pc = col(o, "ContactId")
	for (i = 2; i <= N[o]; i++)
		if (live(o, i) && (to18(get(o, i, po)) in CASCADE || to18(get(o, i, pc)) in CASCADE))
			GONE[o, i] = 1
}

# ---- render: a file of the org as an export, with its damage.
function field(v, name) {
	gsub(/\001/, "\n", v)
	if (excel) {
		if (name ~ /^Is/ && v == "1")
			v = "TRUE"
		else if (name ~ /^Is/ && v == "0")
			v = "FALSE"
		else if (v ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]( [0-9][0-9]:[0-9][0-9]:[0-9][0-9])?$/)
			v = exceldate(v)
		else if ((name == "Amount" || name == "AnnualRevenue") && v ~ /^[0-9]+\.[0-9]+$/)
			v = thousands(v)
		if (v !~ /[",\n]/)
			return v
	}
	gsub(/"/, "\"\"", v)
	return "\"" v "\""
}
function exceldate(v,    y, m, d, h, mi, ap) {
	y = substr(v, 3, 2)
	m = substr(v, 6, 2) + 0
	d = substr(v, 9, 2) + 0
	if (length(v) == 10)
		return m "/" d "/" y
	h = substr(v, 12, 2) + 0
	mi = substr(v, 15, 2)
	ap = h < 12 ? "AM" : "PM"
	h = h % 12
	if (h == 0)
		h = 12
	return m "/" d "/" y " " h ":" mi " " ap
}
function thousands(v,    i, d, s) {
	i = v
	sub(/\..*/, "", i)
	d = v
	sub(/^[0-9]*/, "", d)
	s = ""
	while (length(i) > 3) {
		s = "," substr(i, length(i) - 2) s
		i = substr(i, 1, length(i) - 3)
	}
	return i s d
}
mode == "render" && FNR == 1 {
	nh = split($0, H, "\t")
	eol = excel ? "\r\n" : "\n"
}
mode == "render" {
	n = split($0, F, "\t")
	rec = field(F[1], H[1])
	for (j = 2; j <= n; j++)
		rec = rec "," field(F[j], H[j])
	row = FNR - 1
	if (row > 0 && row == nul)
		rec = substr(rec, 1, length(rec) - 1) "\002" substr(rec, length(rec))
	if (row > 0 && row == stray)
		rec = substr(rec, 1, length(rec) - 1) " \"\""
	if (row > 0 && row == cut) {
		# ends inside a quoted field, a place drawn from those
		np = 0
		q = 0
		for (j = 1; j <= length(rec); j++) {
			if (substr(rec, j, 1) == "\"")
				q = !q
			if (q && j > 1)
				CUT[++np] = j
		}
		printf "%s%s", out, substr(rec, 1, np ? CUT[1 + int(rand() * np)] : 1)
		done = 1
		exit
	}
	if (out != "")
		printf "%s", out
	out = rec eol
}
END {
	if (mode == "render" && !done)
		printf "%s", nonl ? substr(out, 1, length(out) - length(eol)) : out
}

# ---- keys: the records the org holds: kind, key, Id, converted.
mode == "keys" && FNR == 1 {
	o = objname(FILENAME)
	nh = split($0, H, "\t")
	delete C
	for (j = 1; j <= nh; j++)
		C[H[j]] = j
	next
}
mode == "keys" {
	id = to18($1)
	if (id == "" || ("IsDeleted" in C && $(C["IsDeleted"]) == "1"))
		next
	k = id
	if (o == "OpportunityContactRole")
		k = to18($(C["OpportunityId"])) "/" to18($(C["ContactId"])) "/" $(C["Role"])
	print kind(o) "\t" k "\t" id "\t" (o == "Lead" && $(C["IsConverted"]) == "1")
}

# ---- exportids: the Ids that start the lines of an export file.
mode == "exportids" {
	sub(/\r$/, "")
	if (match($0, /^"?[0-9A-Za-z]+"?,/)) {
		id = substr($0, 1, RLENGTH - 1)
		gsub(/"/, "", id)
		if ((id = to18(id)) != "")
			print kind(objname(FILENAME)) "\t" id
	}
}

# ---- marketo: /_sim/dump's records as kind and key (roles by their person's externalPersonId).
mode == "marketo" && $1 == "lead" {
	person[$3] = $2
	print "P\t" $2
}
mode == "marketo" && $1 == "role" {
	roles[++nr] = $2 "\t" $3 "\t" $4
}
mode == "marketo" && $1 != "lead" && $1 != "role" {
	print $1 "\t" $2
}
END {
	if (mode == "marketo")
		for (i = 1; i <= nr; i++) {
			split(roles[i], f, "\t")
			print "OCR\t" f[1] "/" person[f[2]] "/" f[3]
		}
}

# ---- check: invariants 1 and 2 of a night; with final, the convergence.
function violation(what) {
	print "VIOLATION\t" what
}
mode == "check" {
	exit
}
END {
	if (mode != "check")
		exit
	while ((getline l < before) > 0) {
		split(l, f, "\t")
		BEFORE[f[1], f[2]] = 1
	}
	na = 0
	while ((getline l < after) > 0) {
		split(l, f, "\t")
		AFTER[f[1], f[2]] = 1
		na++
	}
	while ((getline l < aside) > 0) {
		split(l, f, "\t")
		if (f[2] == "id") {
			if ((x = to18(f[3])) != "")
				ASIDE[f[1], "id", x] = 1
		} else
			ASIDE[f[1], "key", f[3]] = f[4]
	}
	while ((getline l < expids) > 0) {
		split(l, f, "\t")
		EXPORT[f[1], f[2]] = 1
	}
	while ((getline l < present) > 0) {
		split(l, f, "\t")
		o = f[1]
		k = f[2]
		id = f[3]
		PRESENT[o, k] = 1
		if ((o, k) in BEFORE && !((o, k) in AFTER))
			violation("deleted from Marketo while present in Salesforce: " o " " k)
		if (finished && (o, id) in EXPORT && !((o, k) in AFTER) && !((o, "id", id) in ASIDE) && !((o, "key", k) in ASIDE))
			violation("silently missing: " o " " k " (row " id ") is in the export, not in Marketo, not set aside")
	}
	deleted = added = 0
	for (x in BEFORE)
		if (!(x in AFTER)) {
			deleted++
			split(x, f, SUBSEP)
			if (f[1] == "P")
				violation("a lead deleted from Marketo (no --delete-leads): " f[2])
		}
	for (x in AFTER)
		if (!(x in BEFORE))
			added++
	if (final)
		for (x in AFTER) {
			split(x, f, SUBSEP)
			if (f[1] != "P" && !(x in PRESENT) && !((f[1], "key", f[2]) in ASIDE))
				violation("still in Marketo after the clean night, gone from Salesforce, not held: " f[1] " " f[2])
		}
	print "STATS\t" na "\t" deleted "\t" added
}
EOF
awkf=$W/soak.awk

# jq programs: Marketo's dump as awk's marketo mode reads it; a run folder's
# records set aside; the MSI values of each side, alike.
# shellcheck disable=SC2016 # jq's own variables
JQ_MARKETO='.record as $r | if .object == "salesperson" then "User\t\($r.externalSalesPersonId)"
	elif .object == "company" then "Account\t\($r.externalCompanyId)"
	elif .object == "lead" then "lead\t\($r.externalPersonId)\t\($r.id)"
	elif .object == "opportunity" then "Opportunity\t\($r.externalOpportunityId)"
	elif .object == "role" then "role\t\($r.externalOpportunityId)\t\($r.leadId)\t\($r.role)"
	else empty end'
# shellcheck disable=SC2016
JQ_ASIDE='(input_filename | sub(".*/"; "") | sub("\\..*"; "")) as $obj |
	(if $obj == "Lead" or $obj == "Contact" then "P" elif $obj == "OpportunityContactRole" then "OCR" else $obj end) as $o |
	input_filename as $f |
	if ($f | test("extract-rejects")) then
		"\($o)\tid\t\(.id // "")",
		((.raw // "") | [scan("(?:^|\\n)\"?([0-9A-Za-z]+)\"?,")] | .[][0] | "\($o)\tid\t\(.)")
	elif ($f | test("transform-rejects")) then "\($o)\tid\t\(.record.Id // .key // "")"
	elif ($f | test("load-rejects")) then
		(.record // {}) as $r |
		if $o == "OCR" then "\($o)\tkey\t\($r.externalOpportunityId)/\($r.externalPersonId)/\($r.role)"
		else "\($o)\tkey\t\($r.externalPersonId // $r.externalCompanyId // $r.externalSalesPersonId // $r.externalOpportunityId)" end
	elif ($f | test("results")) then select(.status != "created" and .status != "updated") | "\($o)\tkey\t\(.key)\t\(.status)"
	elif ($f | test("deletes")) then select(.status != "deleted") | "\($o)\tkey\t\(.key)\t\(.status)"
	else empty end'
JQ_MK_MSI='select(.object == "lead") | .record | [.externalPersonId, .priority, .relativeUrgency,
	.relativeScore, .msiLastInterestingMomentType] | map(tostring) | @tsv'
JQ_SF_MSI='select(.object == "Lead" or .object == "Contact") | .record | [.Id,
	(.mkto_si__Priority__c | if . then tonumber else . end),
	(.mkto_si__Urgency_Value__c | if . then tonumber else . end),
	(.mkto_si__Relative_Score_Value__c | if . then tonumber else . end),
	.mkto_si__Last_Interesting_Moment_Type__c] | map(tostring) | @tsv'

OBJECTS="User Account Lead Contact Opportunity OpportunityContactRole"

# Starts a simulator (marketo-sim or salesforce-sim) with the options given; sets port.
sim_start() {
	name=$1
	shift
	"$name" --port-file "$W/$name.port" "$@" > "$W/$name.out" 2> "$W/$name.err" &
	SIMS="$SIMS $!"
	i=0
	while [ ! -s "$W/$name.port" ] && [ $i -lt 500 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	[ -s "$W/$name.port" ] || {
		echo "soak: $name did not start:" >&2
		cat "$W/$name.err" >&2
		exit 2
	}
	port=$(cat "$W/$name.port")
}
mk() {
	curl -s -X POST --data-binary "$2" "$MK$1"
}
sf() {
	curl -s -X POST --data-binary "$2" "$SF$1"
}
calls() {
	echo "$(curl -s "$MK/_sim/stats" | jq .calls) $(curl -s "$SF/_sim/stats" | jq .calls)"
}
gen() {
	sed -n 's/^generation=//p' "$W/state/generation" 2> /dev/null | grep . || echo 0
}

# render DIR: the org written out as an export in DIR, whole.
render() {
	mkdir -p "$1"
	for o in $OBJECTS; do
		awk -v mode=render -f "$awkf" "$W/org/$o.tsv" > "$1/$o.csv"
	done
}

# Marketo's records as kind and key, to $1.
marketo_keys() {
	curl -s "$MK/_sim/dump" | jq -r "$JQ_MARKETO" | awk -F '\t' -v mode=marketo -f "$awkf" | sort > "$1"
}

# sync LOG KILL-MS ARGS...: msi-sync ARGS, its output in LOG.out and LOG.err;
# with KILL-MS above 0, its process group killed (kill -9) KILL-MS ms after
# its start. Sets st.
sync() {
	log=$1 kms=$2
	shift 2
	st=0
	if [ "$kms" -gt 0 ]; then
		setsid msi-sync "$@" > "$log.out" 2> "$log.err" &
		runpid=$!
		sleep "$((kms / 1000)).$(printf %03d $((kms % 1000)))"
		kill -9 "-$runpid" 2> /dev/null || true
		{ wait "$runpid"; } 2> /dev/null || st=$?
		# the tools it started go with it
		i=0
		while kill -0 "-$runpid" 2> /dev/null && [ $i -lt 100 ]; do
			sleep 0.02
			i=$((i + 1))
		done
		runpid=
	else
		msi-sync "$@" > "$log.out" 2> "$log.err" || st=$?
	fi
	# a lock left a moment by the killed run's tools
	if [ "$st" = 7 ] && [ "$kms" = 0 ]; then
		line="$line; (status 7: the lock busy a moment after a kill; again)"
		sleep 0.5
		st=0
		msi-sync "$@" > "$log.out" 2> "$log.err" || st=$?
	fi
}

# Ends the night's disruptions: a new day's quota, no faults, the org's API limit back.
calm() {
	mk /_sim/new-day '{"daily_quota":100000000}' > /dev/null
	mk /_sim/faults '{"faults":[]}' > /dev/null
	sf /_sim/faults '{"faults":[]}' > /dev/null
	sf /_sim/limit '{"used":0,"max":1000000}' > /dev/null
}

nviol=0
violation() {
	nviol=$((nviol + 1))
	echo "soak: VIOLATION, seed $SEED, night $night: $*"
}

# finished RUN STATUS: whether the run went to its end.
finished() {
	[ -n "$1" ] && { [ "$2" = 0 ] || [ "$2" = 1 ]; } && [ ! -f "$1/stopped" ]
}

# The runs of the week, for resumes: a line each, "night run generation-left
# status last-night": the night the run began, the state's generation when
# it last ended, finished or stopped, the night it last ran.
: > "$W/runs.list"
remember() {
	first=$(grep " $1 " "$W/runs.list" | cut -d' ' -f1)
	grep -v " $1 " "$W/runs.list" > "$W/runs.list.new" || true
	echo "${first:-$night} $1 $(gen) $2 $night" >> "$W/runs.list.new"
	mv "$W/runs.list.new" "$W/runs.list"
}

# resume RUN KILL-MS WHY: msi-sync --resume RUN, checked against the state
# folder's generation: refused (8) when a newer run moved it since RUN
# left it, accepted otherwise. Adds to the night's line; sets st.
resume() {
	run=$1 kms=$2 why=$3
	left=$(grep " $run " "$W/runs.list" | cut -d' ' -f3)
	[ -n "$left" ] || left=$(gen)
	g=$(gen)
	before=$(calls)
	nres=$((nres + 1))
	[ "$kms" = 0 ] || acc_kill=$((acc_kill + 1))
	sync "$N/resume.$nres" "$kms" --resume "$run"
	if [ "$g" != "$left" ]; then
		if [ "$st" = 8 ]; then
			res_refused=$((res_refused + 1))
			[ "$(calls)" = "$before" ] ||
				violation "the refused resume of $run called the simulators (Marketo, Salesforce calls before: $before, after: $(calls))"
			[ "$(gen)" = "$g" ] || violation "the refused resume of $run moved the state's generation"
		else
			res_wrong=$((res_wrong + 1))
			violation "--resume $run ($why) was not refused: status $st, though the state moved from generation $left to $g since that run (see $N/resume.$nres.err)"
		fi
		line="$line; $why resumed: $st"
		return 0
	fi
	if [ "$st" = 8 ]; then
		violation "--resume $run ($why) refused, though the state is at generation $g as the run left it (see $N/resume.$nres.err)"
	elif [ "$st" != 137 ]; then
		case $st in 0 | 1 | 5 | 6) ;; *) violation "--resume $run ($why) ended with status $st (see $N/resume.$nres.err)" ;; esac
	fi
	res_accepted=$((res_accepted + 1))
	[ "$kms" = 0 ] || why="$why, killed after ${kms} ms"
	line="$line; $why resumed: $st"
	if finished "$run" "$st"; then remember "$run" finished; else remember "$run" stopped; fi
}

# The invariants, after the night. $1: the night's run finished (1) or not; $2: the clean night (1).
check() {
	marketo_keys "$N/mk.after"
	awk -F '\t' -v mode=keys -f "$awkf" "$W/org/User.tsv" "$W/org/Account.tsv" "$W/org/Lead.tsv" \
	    "$W/org/Contact.tsv" "$W/org/Opportunity.tsv" "$W/org/OpportunityContactRole.tsv" > "$N/present"
	: > "$N/aside"
	: > "$N/exp.ids"
	if [ -n "$nrun" ] && [ -d "$nrun" ]; then
		for f in "$nrun"/*.extract-rejects.ndjson "$nrun"/*.transform-rejects.ndjson \
		    "$nrun"/*.load-rejects.ndjson "$nrun"/*.results.ndjson "$nrun"/*.deletes.ndjson; do
			case $f in */apply.* | *'*'*) continue ;; esac
			[ ! -s "$f" ] || jq -r "$JQ_ASIDE" "$f" >> "$N/aside"
		done
		# NUL bytes dropped, as msi-extract drops them; the file named as its object
		mkdir -p "$N/ids"
		for f in "$N"/export/*.csv; do
			[ -f "$f" ] || continue
			tr -d '\000' < "$f" > "$N/ids/${f##*/}"
			awk -v mode=exportids -f "$awkf" "$N/ids/${f##*/}"
		done > "$N/exp.ids"
	fi
	awk -F '\t' -v mode=check -v before="$N/mk.before" -v after="$N/mk.after" \
	    -v aside="$N/aside" -v expids="$N/exp.ids" -v present="$N/present" \
	    -v finished="$1" -v final="$2" -f "$awkf" /dev/null > "$N/check.out"
	while IFS="$(printf '\t')" read -r tag a b c; do
		case $tag in
		VIOLATION) violation "$a" ;;
		STATS) mk_total=$a mk_deleted=$b mk_added=$c ;;
		esac
	done < "$N/check.out"
	msi_check "$2"
}

# Invariant 3: every person of the org whose MSI values Marketo and the org
# disagree on is pending; after the clean night, none is.
msi_check() {
	curl -s "$MK/_sim/dump" | jq -r "$JQ_MK_MSI" | sort > "$N/msi.marketo"
	curl -s "$SF/_sim/dump" | jq -r "$JQ_SF_MSI" | sort > "$N/msi.org"
	for o in Lead Contact; do
		[ ! -f "$W/state/$o.landed" ] || tail -n +2 "$W/state/$o.landed"
	done > "$N/persons.known"
	# the org's persons (not converted) Marketo holds, whose values differ
	awk -F '\t' 'FILENAME == ARGV[1] { if ($1 == "P" && $4 == 0) p[$2] = 1; next }
		FILENAME == ARGV[2] { org[$1] = $0; next }
		($1 in p) && org[$1] != $0 { print $1 }' "$N/present" "$N/msi.org" "$N/msi.marketo" > "$N/msi.differ"
	pending=0
	[ -s "$N/msi.differ" ] || return 0
	if [ "$1" = 1 ]; then
		while read -r id; do
			violation "after the clean night, $id's MSI values are not in the org: Marketo $(grep "^$id" "$N/msi.marketo" | cut -f2- | tr '\t' ' '), org $(grep "^$id" "$N/msi.org" | cut -f2- | tr '\t' ' ')"
		done < "$N/msi.differ"
		return 0
	fi
	: > "$N/wb.updates"
	if [ -s "$N/persons.known" ]; then
		cp "$W/state/writeback.state" "$N/wb.state" 2> /dev/null || : > "$N/wb.state"
		st=0
		msi-writeback --changed-only -s "$N/wb.state" -N mkto_si__ -n 1000 -u "$N/wb.missing" \
		    -r "$N/wb.rejects" "$N/persons.known" > "$N/wb.updates" 2> "$N/wb.err" || st=$?
		[ "$st" -le 1 ] || violation "the pending check's msi-writeback ended with $st: $(head -n 1 "$N/wb.err")"
	fi
	while read -r id; do
		pending=$((pending + 1))
		grep -q "\"externalPersonId\":\"$id\"" "$N/persons.known" || continue
		grep -q "\"Id\":\"$id\"" "$N/wb.updates" ||
			violation "an update lost: $id's MSI values differ (Marketo $(grep "^$id" "$N/msi.marketo" | cut -f2- | tr '\t' ' '), org $(grep "^$id" "$N/msi.org" | cut -f2- | tr '\t' ' ')), the state knows the person, and its writeback state writes no update"
	done < "$N/msi.differ"
}

# The org: gen-org's export, as TSV.
rnd 61
persons=$((40 + R))
gen-org -p "$persons" -s "$SEED" --accents "$W/gen" > /dev/null
mkdir "$W/org"
for o in $OBJECTS; do
	awk -v mode=import -f "$awkf" "$W/gen/$o.csv" > "$W/org/$o.tsv"
done
render "$W/org0"

sim_start marketo-sim --latency-ms 0 --window-calls 1000000 --seed "$SEED"
MK=http://127.0.0.1:$port
sim_start salesforce-sim --org "$W/org0" --job-ms 20 --namespace mkto_si__ --seed "$SEED"
SF=http://127.0.0.1:$port
MARKETO_BASE_URL=$MK/rest MARKETO_CLIENT_ID=sim-client MARKETO_CLIENT_SECRET=sim-secret
export MARKETO_BASE_URL MARKETO_CLIENT_ID MARKETO_CLIENT_SECRET
printf 'login_url = %s\nclient_id = sf-sim-client\nclient_secret = sf-sim-secret\n' "$SF" > "$W/sf.conf"
chmod 600 "$W/sf.conf"

acc_edit=0 acc_add=0 acc_delete=0 acc_msi=0 acc_stray=0 acc_cut=0 acc_nonl=0 acc_missing=0
acc_excel=0 acc_cp1252=0 acc_nul=0 acc_quota=0 acc_mfault=0 acc_sfault=0 acc_sflimit=0 acc_kill=0
res_accepted=0 res_refused=0 res_wrong=0 res_left=0
echo "soak: seed $SEED, $NIGHTS nights, an org of $persons persons, in $W"

night=0
while [ "$night" -lt "$NIGHTS" ]; do
	night=$((night + 1))
	N=$W/n$night
	# each night's draws from the seed and the night alone: what the nights
	# before ended with (a kill's moment is timing) does not change the plan
	rng=$(((SEED * 1000003 + night * 7919) % 2147483648))
	rnd 2
	mkdir -p "$N"
	clean=0
	[ "$night" -lt "$NIGHTS" ] || clean=1
	line=
	nres=0
	marketo_keys "$N/mk.before"

	# the org's day: edits, additions, deletes (rows removed, IsDeleted, Leads converted)
	edits=0 adds=0 dels=0
	chance 70 && rnd 4 && edits=$((R + 1))
	chance 60 && rnd 4 && adds=$((R + 1))
	chance 50 && rnd 3 && dels=$((R + 1))
	rnd 1000000
	awk -v mode=mutate -v dir="$W/org" -v seed="$R" -v night="$night" -v edits="$edits" \
	    -v adds="$adds" -v dels="$dels" -f "$awkf" -f - /dev/null > "$N/changes" << 'EOF'
BEGIN {
	srand(seed)
	NOBJ = split("User Account Account Lead Lead Contact Contact Opportunity Opportunity OpportunityContactRole OpportunityContactRole", OBJS, " ")
	NROLES = split("Economic Buyer,Decision Maker,Evaluator,Influencer,Technical Buyer,Business User", ROLES, ",")
	n = split("User Account Lead Contact Opportunity OpportunityContactRole", O, " ")
	for (i = 1; i <= n; i++)
		load(O[i])
	for (e = 1; e <= edits; e++)
		edit(e)
	for (a = 1; a <= adds; a++)
		add(a)
	for (d = 1; d <= dels; d++)
		delete_one()
	cascade()
	for (i = 1; i <= n; i++)
		save(O[i])
}
EOF
	for o in $OBJECTS; do mv "$W/org/$o.tsv.new" "$W/org/$o.tsv"; done
	[ "$edits" = 0 ] || line="$line, edit $edits"
	[ "$adds" = 0 ] || line="$line, add $adds"
	[ "$dels" = 0 ] || line="$line, delete $dels"
	acc_edit=$((acc_edit + edits)) acc_add=$((acc_add + adds)) acc_delete=$((acc_delete + dels))
	# the org's persons, as Salesforce has them: the new ones in, the gone ones deleted
	for o in Lead Contact; do
		ids=$(awk -F '\t' -v o="$o" '$1 == "add" && $2 == o { printf "%s{\"Id\":\"%s\",\"LastName\":\"Soak\"}", s, $3; s = "," }' "$N/changes")
		[ -z "$ids" ] || sf /_sim/insert "{\"object\":\"$o\",\"records\":[$ids]}" > /dev/null
		ids=$(awk -F '\t' -v o="$o" '$1 == "del" && $2 == o { printf "%s\"%s\"", s, $3; s = "," }' "$N/changes")
		[ -z "$ids" ] || sf /_sim/delete "{\"object\":\"$o\",\"ids\":[$ids]}" > /dev/null
	done
	# MSI moves some scores
	if chance 70; then
		rnd 5
		k=$((R + 1))
		rnd 1000000
		awk -F '\t' -v seed="$R" -v k="$k" 'BEGIN { srand(seed) } $1 == "P" { p[++n] = $2 }
			END { for (i = 0; i < k && n > 0; i++) print p[1 + int(rand() * n)], int(rand() * 100), int(rand() * 100), int(rand() * 100) }' \
		    "$N/mk.before" > "$N/msi.moves"
		while read -r id p u s; do
			mk /_sim/msi "{\"externalPersonId\":\"$id\",\"fields\":{\"priority\":$p,\"relativeUrgency\":$u,\"relativeScore\":$s,\"msiLastInterestingMomentType\":\"Web n$night\"}}" > /dev/null
		done < "$N/msi.moves"
		moved=$(wc -l < "$N/msi.moves")
		[ "$moved" = 0 ] || line="$line, MSI moves $moved"
		acc_msi=$((acc_msi + moved))
	fi

	# the night's export, damaged
	mkdir -p "$N/export"
	damaged=
	for o in $OBJECTS; do
		set -- -v mode=render
		what=
		if [ "$clean" = 0 ] && [ "$(wc -l < "$W/org/$o.tsv")" -gt 2 ]; then
			rows=$(($(wc -l < "$W/org/$o.tsv") - 1))
			rnd 1000000
			set -- "$@" -v seed="$R"
			rnd "$rows"
			row=$((R + 1))
			rnd 100
			if [ "$R" -lt 5 ]; then
				what=stray-quote
				set -- "$@" -v stray="$row"
				acc_stray=$((acc_stray + 1))
			elif [ "$R" -lt 9 ]; then
				what='cut'
				set -- "$@" -v cut="$row"
				acc_cut=$((acc_cut + 1))
			elif [ "$R" -lt 13 ]; then
				what=no-newline
				set -- "$@" -v nonl=1
				acc_nonl=$((acc_nonl + 1))
			elif [ "$R" -lt 16 ]; then
				what=missing
				acc_missing=$((acc_missing + 1))
			elif [ "$R" -lt 19 ]; then
				what=excel
				set -- "$@" -v excel=1
				acc_excel=$((acc_excel + 1))
			elif [ "$R" -lt 22 ]; then
				what=cp1252
				acc_cp1252=$((acc_cp1252 + 1))
			elif [ "$R" -lt 25 ]; then
				what=nul
				set -- "$@" -v nul="$row"
				acc_nul=$((acc_nul + 1))
			fi
		fi
		[ "$what" = missing ] || awk "$@" -f "$awkf" -f - "$W/org/$o.tsv" > "$N/export/$o.csv" << 'EOF'
BEGIN { srand(seed) }
EOF
		case $what in
		cp1252)
			if iconv -f UTF-8 -t CP1252 "$N/export/$o.csv" > "$N/export/$o.cp"; then
				mv "$N/export/$o.cp" "$N/export/$o.csv"
			else
				rm -f "$N/export/$o.cp"
				what=
				acc_cp1252=$((acc_cp1252 - 1))
			fi
			;;
		nul)
			tr '\002' '\000' < "$N/export/$o.csv" > "$N/export/$o.nul"
			mv "$N/export/$o.nul" "$N/export/$o.csv"
			;;
		esac
		[ -z "$what" ] || damaged="$damaged, $what $o"
	done
	[ -z "$damaged" ] || line="$line;${damaged#,}"

	# the night's conditions
	calm
	pace=
	kms=0
	if [ "$clean" = 0 ]; then
		if chance 20; then
			rnd 14
			mk /_sim/new-day "{\"daily_quota\":$((R + 1))}" > /dev/null
			line="$line; quota $((R + 1)) calls"
			acc_quota=$((acc_quota + 1))
		fi
		if chance 15; then
			pick '"502%10","604%10"' '"503%15"' '"drop%8"' '"606%10","608%10"' '"504%5","drop%5"'
			mk /_sim/faults "{\"faults\":[$P]}" > /dev/null
			line="$line; Marketo faults $P"
			pace="-m 2"
			acc_mfault=$((acc_mfault + 1))
		fi
		if chance 10; then
			pick '"503%30"' '"500%20"' '"drop%20"' '"401%20"'
			sf /_sim/faults "{\"faults\":[$P]}" > /dev/null
			line="$line; Salesforce faults $P"
			pace="-m 2"
			acc_sfault=$((acc_sfault + 1))
		elif chance 8; then
			rnd 4
			sf /_sim/limit "{\"used\":0,\"max\":$((R + 1))}" > /dev/null
			line="$line; org API limit $((R + 1))"
			acc_sflimit=$((acc_sflimit + 1))
		fi
		if chance 25; then
			rnd 1900
			kms=$((100 + R))
			acc_kill=$((acc_kill + 1))
			line="$line; kill -9 after $kms ms"
		fi
	fi
	line="${line#[,;]}"
	[ -n "$line" ] || line=" nothing"
	line="night $night/$NIGHTS:$line |"
	# the night before's run, left stopped, resumed the next day, under tonight's conditions
	prev=$(awk -v n="$((night - 1))" '$5 == n && $4 == "stopped" { p = $1 " " $2 } END { print p }' "$W/runs.list")
	if [ "$clean" = 0 ] && [ -n "$prev" ] && chance 60; then
		resume "${prev#* }" 0 "night ${prev%% *}'s stopped run, the next day,"
	fi

	# the night's run
	mkdir -p "$W/runs/n$night"
	# shellcheck disable=SC2086 # $pace: no word or -m 2
	sync "$N/run" "$kms" -S "$W/state" -o "$W/runs/n$night" --apply -N mkto_si__ \
	    --sf-config "$W/sf.conf" -n 1000 --max-delete 50 --date-order mdy $pace "$N/export"
	nrun=
	for d in "$W/runs/n$night"/*; do [ ! -d "$d" ] || nrun=$d; done
	line="$line; run: $st"
	[ -z "$nrun" ] || [ ! -f "$nrun/stopped" ] || line="$line ($(cat "$nrun/stopped"))"
	case $st in
	0 | 1 | 5 | 6 | 137) ;;
	*) violation "the night's run ended with status $st (see $N/run.err)" ;;
	esac
	calm
	if [ -n "$nrun" ] && [ ! -f "$nrun/run.conf" ]; then
		line="$line, killed before its run.conf"
		nrun=
	fi
	if [ -z "$nrun" ]; then
		:
	elif finished "$nrun" "$st"; then
		remember "$nrun" finished
	else
		remember "$nrun" stopped
		if [ "$clean" = 1 ]; then
			violation "the clean night's run did not finish: status $st (see $N/run.err)"
		elif chance 70; then
			# resumed tonight, killed again now and then
			tries=0
			while ! finished "$nrun" "$st" && [ $tries -lt 4 ]; do
				tries=$((tries + 1))
				k=0
				if [ $tries -lt 3 ] && chance 20; then
					rnd 1500
					k=$((100 + R))
				fi
				resume "$nrun" "$k" "in order"
			done
		else
			res_left=$((res_left + 1))
			line="$line; left stopped"
		fi
	fi
	fin=0
	[ -z "$nrun" ] || ! finished "$nrun" "$st" || fin=1
	# a finished run resumed again; a run of an earlier night resumed now
	if [ "$clean" = 0 ] && [ "$fin" = 1 ] && chance 15; then
		resume "$nrun" 0 "finished"
		finished "$nrun" "$st" || fin=0
	fi
	if [ "$clean" = 0 ] && chance 35; then
		old=$(awk -v n="$night" '$1 < n' "$W/runs.list")
		if [ -n "$old" ]; then
			rnd "$(echo "$old" | wc -l)"
			orun=$(echo "$old" | sed -n "$((R + 1))p" | cut -d' ' -f2)
			ostate=$(echo "$old" | sed -n "$((R + 1))p" | cut -d' ' -f4)
			resume "$orun" 0 "night $(echo "$old" | sed -n "$((R + 1))p" | cut -d' ' -f1)'s $ostate run"
			calm
		fi
	fi

	check "$fin" "$clean"
	held=$(cat "$nrun"/*.deletes.ndjson 2> /dev/null | grep -c '"status":"held"' || true)
	line=$(echo "$line" | sed 's/|; /| /')
	echo "$line | Marketo $mk_total records (+$mk_added -$mk_deleted), held $held, MSI pending $pending"
	if [ "$nviol" -gt 0 ]; then
		keep=1
		echo "soak: seed $SEED night $night: $nviol violations; the night's files: $N, its run: ${nrun:-none}"
		exit 1
	fi
done

echo "soak: seed $SEED, $NIGHTS nights in $(($(date +%s) - start)) s; accidents: edits $acc_edit, additions $acc_add," \
    "deletes $acc_delete, MSI moves $acc_msi, stray quotes $acc_stray, cut files $acc_cut," \
    "no newline $acc_nonl, missing files $acc_missing, Excel $acc_excel, cp1252 $acc_cp1252," \
    "NUL $acc_nul, quota $acc_quota, Marketo faults $acc_mfault, Salesforce faults $acc_sfault," \
    "org API limits $acc_sflimit, kill -9 $acc_kill; resumes: accepted $res_accepted, refused $res_refused," \
    "not refused $res_wrong, runs left stopped $res_left; violations 0"
