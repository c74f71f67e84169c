#!/bin/sh
# apply.sh: msi-apply's two ways against the same calls made by curl, on
# the same simulated org: 30,000 updates (15,000 Leads, 15,000 Contacts).
# - sObject Collections: msi-apply --no-bulk (200 records a call, 4 in
#   flight) against a curl loop, one call after the other, of the same
#   bodies (made beforehand, outside the timing).
# - Bulk API 2.0 ingest: msi-apply --bulk (a job an object, both followed
#   at once) against what `sf data update bulk --sobject O --file O.csv
#   --wait` does, documented as one job per file, created, uploaded,
#   closed, polled until it ends, its results fetched: done by curl, one
#   object after the other, the CSV files made beforehand (msi-writeback
#   --csv's), the same pause between polls (0.2 s, doubling).
# usage: sh tests/bench/apply.sh [build-dir]
# salesforce-sim answers every call 20 ms late and runs a job 1 s. Prints
# each way's wall (median of 3), calls and the ratio (target: msi-apply at
# least as fast as the peer, >= 1.0x), and msi-apply's peak memory.
set -eu
LC_ALL=C
export LC_ALL

B=$(cd "${1:-build}" && pwd)
. "$(dirname "$0")/lib.sh"
APPLY=$B/apply/msi-apply
MAXRSS=$B/tests/bench/maxrss
N=${BENCH_UPDATES:-30000}
RUNS=${BENCH_RUNS:-3}
TARGET=1.0

tmp=$(mktemp -d)
sim=
trap 'kill $sim 2> /dev/null; rm -rf "$tmp"' EXIT INT TERM
"$B/tests/gen-org/gen-org" -p $((N * 2)) "$tmp/org" > /dev/null
"$B/tests/salesforce-sim/salesforce-sim" --org "$tmp/org" --latency-ms 20 --job-ms 1000 \
	--namespace mkto_si__ --port-file "$tmp/port" > /dev/null 2>&1 &
sim=$!
n=0
while [ ! -s "$tmp/port" ] && [ $n -lt 500 ]; do sleep 0.02; n=$((n + 1)); done
base=http://127.0.0.1:$(cat "$tmp/port")
SALESFORCE_LOGIN_URL=$base SALESFORCE_CLIENT_ID=sf-sim-client SALESFORCE_CLIENT_SECRET=sf-sim-secret
export SALESFORCE_LOGIN_URL SALESFORCE_CLIENT_ID SALESFORCE_CLIENT_SECRET
api=$base/services/data/v62.0

# The updates msi-writeback writes: every MSI field, a null among them.
curl -s "$base/_sim/dump" | jq -c --argjson half $((N / 2)) --slurp '
	([.[] | select(.object == "Lead" and .record.IsDeleted != "1")][:$half] +
	 [.[] | select(.object == "Contact" and .record.IsDeleted != "1")][:$half]) | to_entries[] |
	.key as $i | .value | {attributes: {type: .object}, Id: .record.Id,
	mkto_si__Last_Interesting_Moment_Type__c: (["Email", "Web", "Milestone"][$i % 3]),
	mkto_si__Last_Interesting_Moment_Date__c: "2026-11-28T08:30:00Z",
	mkto_si__Last_Interesting_Moment_Desc__c: "Opened \"Q4 offer\", clicked (\($i))",
	mkto_si__Last_Interesting_Moment_Source__c: (if $i % 4 == 0 then null else "Web page visit" end),
	mkto_si__Priority__c: ($i % 100), mkto_si__Urgency_Value__c: ($i % 40),
	mkto_si__Relative_Score_Value__c: ($i % 30)}' > "$tmp/up.ndjson"
[ "$(wc -l < "$tmp/up.ndjson")" -eq "$N" ] || { echo "apply.sh: $N updates wanted, $(wc -l < "$tmp/up.ndjson") made" >&2; exit 1; }
# the peer's inputs: Collections bodies of 200 records of one object; CSV files as msi-writeback --csv writes them
for o in Lead Contact; do
	jq -c --arg o "$o" 'select(.attributes.type == $o)' "$tmp/up.ndjson" > "$tmp/$o.ndjson"
	split -l 200 -d -a 4 "$tmp/$o.ndjson" "$tmp/body.$o."
	{
		head -n 1 "$tmp/$o.ndjson" | jq -r 'del(.attributes) | keys_unsorted | join(",")'
		jq -r 'del(.attributes) | [.[] | if . == null then "#N/A" else tostring end] | @csv' "$tmp/$o.ndjson"
	} > "$tmp/$o.csv"
done
for f in "$tmp"/body.*; do
	jq -c --slurp '{allOrNone: false, records: .}' "$f" > "$f.json"
	rm "$f"
done
tok=$(curl -s -d grant_type=client_credentials -d client_id=sf-sim-client \
	-d client_secret=sf-sim-secret "$base/services/oauth2/token" | jq -r .access_token)

peer_collections() {
	for f in "$tmp"/body.*.json; do
		curl -s -X PATCH -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
			--data-binary "@$f" "$api/composite/sobjects"
		echo
	done
}

peer_bulk() {
	for o in Lead Contact; do
		job=$(curl -s -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
			--data-binary "{\"object\":\"$o\",\"operation\":\"update\",\"contentType\":\"CSV\",\"lineEnding\":\"LF\"}" \
			"$api/jobs/ingest" | jq -r .id)
		curl -s -X PUT -H "Authorization: Bearer $tok" -H 'Content-Type: text/csv' \
			--data-binary "@$tmp/$o.csv" "$api/jobs/ingest/$job/batches"
		curl -s -X PATCH -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
			--data-binary '{"state":"UploadComplete"}' "$api/jobs/ingest/$job" > /dev/null
		pause=0.2
		until [ "$(curl -s -H "Authorization: Bearer $tok" "$api/jobs/ingest/$job" | jq -r .state)" = JobComplete ]; do
			sleep "$pause"
			pause=$(awk -v p="$pause" 'BEGIN { p *= 2; print (p > 10 ? 10 : p) }')
		done
		curl -s -H "Authorization: Bearer $tok" "$api/jobs/ingest/$job/successfulResults"
		curl -s -H "Authorization: Bearer $tok" "$api/jobs/ingest/$job/failedResults" > /dev/null
	done
}

calls() { curl -s "$base/_sim/stats" | jq .calls; }
updated() { curl -s "$base/_sim/stats" | jq .updated; }

# Each way must apply every update, or the timing means nothing.
check() {
	[ "$1" -eq "$N" ] || { echo "apply.sh: $2 applied $1 of $N" >&2; exit 1; }
}
u0=$(updated)
"$APPLY" -N mkto_si__ --no-bulk "$tmp/up.ndjson" > "$tmp/res" 2> /dev/null
u1=$(updated); check $((u1 - u0)) "msi-apply --no-bulk"
peer_collections | jq -c '.[] | select(.success)' | wc -l > "$tmp/n"
u2=$(updated); check $((u2 - u1)) "the curl loop"
"$APPLY" -N mkto_si__ --bulk "$tmp/up.ndjson" > "$tmp/res" 2> /dev/null
u3=$(updated); check $((u3 - u2)) "msi-apply --bulk"
peer_bulk > /dev/null
u4=$(updated); check $((u4 - u3)) "curl as sf data update bulk"
echo "input: $N updates (Lead $((N / 2)), Contact $((N / 2))), 7 fields each"

: > "$tmp/oc" ; : > "$tmp/pc"; : > "$tmp/ob"; : > "$tmp/pb"
i=0
while [ "$i" -lt "$RUNS" ]; do
	c0=$(calls)
	"$MAXRSS" "$tmp/r" "$APPLY" -N mkto_si__ --no-bulk "$tmp/up.ndjson" > /dev/null 2>&1 || :
	c1=$(calls)
	cut -d' ' -f1 "$tmp/r" >> "$tmp/oc"
	kbc=$(cut -d' ' -f2 "$tmp/r")
	t0=$(date +%s.%N)
	peer_collections > /dev/null
	t1=$(date +%s.%N)
	c2=$(calls)
	awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >> "$tmp/pc"
	"$MAXRSS" "$tmp/r" "$APPLY" -N mkto_si__ --bulk "$tmp/up.ndjson" > /dev/null 2>&1 || :
	c3=$(calls)
	cut -d' ' -f1 "$tmp/r" >> "$tmp/ob"
	kbb=$(cut -d' ' -f2 "$tmp/r")
	t0=$(date +%s.%N)
	peer_bulk > /dev/null
	t1=$(date +%s.%N)
	c4=$(calls)
	awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >> "$tmp/pb"
	i=$((i + 1))
done
oc=$(median < "$tmp/oc") pc=$(median < "$tmp/pc") ob=$(median < "$tmp/ob") pb=$(median < "$tmp/pb")
status=0
awk -v n="$N" -v runs="$RUNS" -v target="$TARGET" -v oc="$oc" -v pc="$pc" -v ob="$ob" -v pb="$pb" \
	-v coc="$((c1 - c0))" -v cpc="$((c2 - c1))" -v cob="$((c3 - c2))" -v cpb="$((c4 - c3))" \
	-v kbc="$kbc" -v kbb="$kbb" 'BEGIN {
	printf "sObject Collections: msi-apply --no-bulk %.3f s (%.0f updates/s, %d calls, peak %d KB); curl loop %.3f s (%d calls): ratio %.2fx\n", oc, n / oc, coc, kbc, pc, cpc, pc / oc
	printf "Bulk API 2.0 ingest: msi-apply --bulk    %.3f s (%.0f updates/s, %d calls, peak %d KB); curl as sf data update bulk %.3f s (%d calls): ratio %.2fx\n", ob, n / ob, cob, kbb, pb, cpb, pb / ob
	printf "(medians of %d runs; target >= %.1fx: %s)\n", runs, target, (pc / oc >= target && pb / ob >= target ? "met" : "NOT met")
	exit pc / oc >= target && pb / ob >= target ? 0 : 3
}' || status=$?
exit "$status"
