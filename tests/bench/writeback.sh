#!/bin/sh
# writeback.sh: msi-writeback's calls and speed, against a curl + jq script.
# usage: sh tests/bench/writeback.sh [build-dir]
# Loads N persons (default 30,000; Leads and Contacts) into the simulator
# (latency 0, a window that never binds), then fetches their MSI fields
# twice: with msi-writeback, and with the same queries made by curl (one
# call per 300 ids, POST ?_method=GET) turned into the same updates by jq.
# Target: msi-writeback's calls are exactly ceil(N/300) plus one describe2,
# with one token; both write the same updates. Prints persons/s of each,
# the ratio, and msi-writeback's own CPU time.
set -eu
LC_ALL=C
export LC_ALL

B=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
MSI_TESTS=$top/tests
. "$MSI_TESTS/marketo-sim/writeback-env.sh"
PATH=$B/load:$B/writeback:$B/tests/marketo-sim:$PATH
n=${BENCH_PERSONS:-30000}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
cd "$tmp"

marketo-sim --port-file port --latency-ms 0 --window-calls 100000 > /dev/null 2>&1 &
pid=$!
i=0
while [ ! -s port ] && [ $i -lt 250 ]; do sleep 0.02; i=$((i + 1)); done
base=http://127.0.0.1:$(cat port)
MARKETO_BASE_URL=$base/rest MARKETO_CLIENT_ID=sim-client MARKETO_CLIENT_SECRET=sim-secret
export MARKETO_BASE_URL MARKETO_CLIENT_ID MARKETO_CLIENT_SECRET
persons "$n" > persons.ndjson
msi-load leads -l externalPersonId -n 100000 -c 4 persons.ndjson > /dev/null 2> load.err ||
	{ cat load.err; exit 1; }

curl -s "$base/_sim/stats" > before.json
"$B/tests/bench/maxrss" report msi-writeback -n 100000 persons.ndjson > wb.ndjson 2> wb.err
curl -s "$base/_sim/stats" > after.json
wb=$(cut -d' ' -f1 report)
cpu=$(cut -d' ' -f4 report)
calls=$(jq -n --slurpfile a after.json --slurpfile b before.json '$a[0].calls - $b[0].calls')
tokens=$(jq -n --slurpfile a after.json --slurpfile b before.json '$a[0].token_requests - $b[0].token_requests')

# The peer: curl for the calls, jq for the updates.
fields=externalPersonId,msiLastInterestingMomentType,msiLastInterestingMomentDate,msiLastInterestingMomentDesc,msiLastInterestingMomentSource,priority,relativeUrgency,relativeScore
s=$(date +%s.%N)
token=$(curl -s "$base/identity/oauth/token?grant_type=client_credentials&client_id=sim-client&client_secret=sim-secret" | jq -r .access_token)
jq -r .externalPersonId persons.ndjson | split -l 300 - ids.
for f in ids.*; do
	curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/x-www-form-urlencoded' \
	    --data "filterType=externalPersonId&batchSize=300&fields=$fields&filterValues=$(paste -sd, "$f")" \
	    "$base/rest/v1/leads.json?_method=GET"
done | jq -c '.result[] | {attributes: {type: (if .externalPersonId[0:3] == "00Q" then "Lead" else "Contact" end)},
	Id: .externalPersonId, Last_Interesting_Moment_Type__c: .msiLastInterestingMomentType,
	Last_Interesting_Moment_Date__c: .msiLastInterestingMomentDate,
	Last_Interesting_Moment_Desc__c: .msiLastInterestingMomentDesc,
	Last_Interesting_Moment_Source__c: .msiLastInterestingMomentSource, Priority__c: .priority,
	Urgency_Value__c: .relativeUrgency, Relative_Score_Value__c: .relativeScore}' > peer.ndjson
e=$(date +%s.%N)
peer=$(awk -v s="$s" -v e="$e" 'BEGIN { print e - s }')
kill $pid
wait $pid 2>/dev/null || true
pid=

same=no
cmp -s wb.ndjson peer.ndjson && same=yes
awk -v n="$n" -v wb="$wb" -v peer="$peer" -v calls="$calls" -v tokens="$tokens" -v same="$same" \
    -v written="$(wc -l < wb.ndjson)" -v cpu="$cpu" 'BEGIN {
	want = int((n + 299) / 300) + 1
	ok = calls == want && tokens == 1 && same == "yes" && written == n
	printf "msi-writeback: %d persons: %d calls (target %d: %d queries + describe2), %d token; %.2f s (its own CPU %.2f s), %.0f persons/s; curl + jq: %.2f s, %.0f persons/s; ratio %.2f; same updates: %s: %s\n", n, calls, want, want - 1, tokens, wb, cpu, n / wb, peer, n / peer, peer / wb, same, (ok ? "met" : "NOT met")
	exit ok ? 0 : 3
}'
