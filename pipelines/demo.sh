#!/bin/sh
# demo.sh: the sync on the bundled sample exports against a local Marketo
# simulator: extract, transform (each object checked against those before
# it), load in MSI's order, then write the MSI fields back as Salesforce updates.
# usage: sh pipelines/demo.sh [build-dir]
set -eu
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
out=$B/demo
sample=$top/pipelines/sample
mkdir -p "$out"
rm -f "$out"/*.ndjson "$out"/*.rejects "$out"/*.results "$out"/*.state "$out"/sim.port

echo "== extract: the sample exports to Salesforce records"
"$B/extract/msi-extract" --stats --rejects "$out/extract.rejects" "$sample/User.csv" \
    "$sample/Account.csv" "$sample/Lead.csv" "$sample/Contact.csv" "$sample/Opportunity.csv" \
    "$sample/OpportunityContactRole.csv" > "$out/extract.ndjson"

echo "== transform: Salesforce records to Marketo records"
known=
for o in salespersons:User companies:Account persons:Lead,Contact opportunities:Opportunity \
    roles:OpportunityContactRole; do
	name=${o%%:*}
	jq -c --arg t "${o#*:}" 'select(.attributes.type | IN($t | split(",")[]))' "$out/extract.ndjson" |
	    "$B/transform/msi-transform" --stats $known --rejects "$out/$name.rejects" \
	    > "$out/$name.ndjson" || [ $? -eq 1 ]
	known="$known --known $out/$name.ndjson"
done

echo "== load: into a Marketo simulator on this machine"
"$B/tests/marketo-sim/marketo-sim" --port-file "$out/sim.port" > /dev/null 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null' EXIT INT TERM
n=0
while [ ! -s "$out/sim.port" ] && [ $n -lt 250 ]; do sleep 0.02; n=$((n + 1)); done
MARKETO_BASE_URL=http://127.0.0.1:$(cat "$out/sim.port")/rest
MARKETO_CLIENT_ID=sim-client
MARKETO_CLIENT_SECRET=sim-secret
export MARKETO_BASE_URL MARKETO_CLIENT_ID MARKETO_CLIENT_SECRET
for o in salespersons:salespersons companies:companies persons:leads opportunities:opportunities \
    roles:roles; do
	name=${o%%:*}
	"$B/load/msi-load" "${o#*:}" --state "$out/$name.state" --rejects "$out/$name.load-rejects" \
	    "$out/$name.ndjson" > "$out/$name.results" || [ $? -eq 1 ]
done

echo "== in Marketo now"
curl -s "$MARKETO_BASE_URL/../_sim/stats" | jq -c '.records'
echo "== write-back: MSI fields as Salesforce updates ($out/updates.ndjson, $out/csv/)"
mkdir -p "$out/csv"
"$B/writeback/msi-writeback" --missing "$out/writeback.missing" "$out/persons.results" \
    > "$out/updates.ndjson" || [ $? -eq 1 ]
"$B/writeback/msi-writeback" --csv "$out/csv" "$out/persons.results" 2> /dev/null || [ $? -eq 1 ]
head -n 1 "$out/updates.ndjson"
echo "== set aside, with reasons (see $out/*.rejects)"
cat "$out"/*.rejects "$out"/*.load-rejects 2>/dev/null |
    jq -r '"  \(.status): \(.source // "\(.file):\(.line)"): \(.reason // (.reasons[0].message))"'
echo "Files are in $out/."
