#!/bin/sh
# demo-live.sh: what 'make demo-live' runs: pipelines/msi-sync
# --from-salesforce --apply, with a state folder, against two simulators on
# free loopback ports: a Salesforce org loaded from the bundled sample
# export (pipelines/sample, MSI's managed package fields on Lead and
# Contact) and Marketo. Three nightly runs: the first sends every record
# and applies every person's MSI fields to the org; the second finds
# nothing changed and sends nothing; the third, after three Leads are
# edited and an Opportunity deleted (with its roles) in the org, and one
# person's score moved in Marketo, sends the three, deletes the
# opportunity and its roles, and applies the one score.
# usage: sh pipelines/demo-live.sh [build-dir]
set -eu
B=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
out=$B/demo-live
rm -rf "$out"
mkdir -p "$out"
PATH=$B/extract:$B/transform:$B/load:$B/writeback:$B/apply:$B/verify:$B/report:$B/state:$PATH
export PATH

# start NAME PROGRAM ARGS...: a simulator on a free port; its port in $out/NAME.port
start() {
	name=$1
	shift
	"$@" --port-file "$out/$name.port" > "$out/$name.log" 2>&1 &
	n=0
	while [ ! -s "$out/$name.port" ] && [ $n -lt 250 ]; do
		sleep 0.02
		n=$((n + 1))
	done
	[ -s "$out/$name.port" ] || { echo "demo-live: $name did not start" >&2; exit 1; }
}
trap 'kill $mk $sf 2>/dev/null' EXIT INT TERM
start marketo "$B/tests/marketo-sim/marketo-sim"
mk=$!
start salesforce "$B/tests/salesforce-sim/salesforce-sim" --org "$top/pipelines/sample" \
	--namespace mkto_si__
sf=$!
MARKETO_BASE_URL=http://127.0.0.1:$(cat "$out/marketo.port")/rest
MARKETO_CLIENT_ID=sim-client MARKETO_CLIENT_SECRET=sim-secret
SALESFORCE_LOGIN_URL=http://127.0.0.1:$(cat "$out/salesforce.port")
SALESFORCE_CLIENT_ID=sf-sim-client SALESFORCE_CLIENT_SECRET=sf-sim-secret
export MARKETO_BASE_URL MARKETO_CLIENT_ID MARKETO_CLIENT_SECRET
export SALESFORCE_LOGIN_URL SALESFORCE_CLIENT_ID SALESFORCE_CLIENT_SECRET
echo "demo-live: a Salesforce org at $SALESFORCE_LOGIN_URL (the sample export loaded),"
echo "demo-live: Marketo at $MARKETO_BASE_URL; state folder $out/state"

# night N [OPTION...]: one msi-sync run; its summary is on stderr. The
# sample has deliberate defects (a bad row, orphan references): status 1.
night() {
	n=$1
	shift
	echo
	echo "demo-live: night $n: msi-sync -S state --from-salesforce --apply -N mkto_si__ $*"
	st=0
	"$top/pipelines/msi-sync" -o "$out/runs" -S "$out/state" --from-salesforce --apply -N mkto_si__ "$@" ||
		st=$?
	echo "demo-live: night $n: msi-sync exited $st"
	[ "$st" -le 1 ]
}
# lead: a Lead's MSI fields as the org holds them
lead() {
	curl -s "$SALESFORCE_LOGIN_URL/_sim/dump" | jq -c --arg id "$1" 'select(.record.Id == $id) | .record |
		with_entries(select(.key == "Id" or (.key | startswith("mkto_si__"))))'
}
first=$(sed -n 2p "$top/pipelines/sample/Lead.csv" | cut -d, -f1 | tr -d '"')
night 1
echo "demo-live: in the org, a Lead after night 1: $(lead "$first")"
night 2
# three Leads edited and an Opportunity deleted in the org meanwhile
leads=$(sed -n '2,4p' "$top/pipelines/sample/Lead.csv" | cut -d, -f1 | tr -d '"' | jq -R . | jq -cs .)
opp=$(sed -n 2p "$top/pipelines/sample/Opportunity.csv" | cut -d, -f1 | tr -d '"')
sfbase=$SALESFORCE_LOGIN_URL
curl -s -X POST --data-binary "{\"object\":\"Lead\",\"ids\":$leads,\"fields\":{\"Title\":\"Head of Demos\"}}" "$sfbase/_sim/touch" > /dev/null
curl -s -X POST --data-binary "{\"object\":\"Opportunity\",\"ids\":[\"$opp\"]}" "$sfbase/_sim/delete" > /dev/null
# Salesforce deletes an opportunity's contact roles with it
roles=$(grep -F "\"$opp\"" "$top/pipelines/sample/OpportunityContactRole.csv" | cut -d, -f1 | paste -sd, -)
curl -s -X POST --data-binary "{\"object\":\"OpportunityContactRole\",\"ids\":[$roles]}" "$sfbase/_sim/delete" > /dev/null
# and MSI's score of a person moved in Marketo
curl -s -X POST --data-binary "{\"externalPersonId\":\"$first\",\"fields\":{\"priority\":99}}" \
	"${MARKETO_BASE_URL%/rest}/_sim/msi" > /dev/null
echo
echo "demo-live: in the org: Title of 3 Leads changed, Opportunity $opp and its roles deleted;"
echo "demo-live: in Marketo: the priority of Lead $first moved to 99"
# one of the sample's 8 opportunities is 12.5%, over the default guard of 10%
night 3 --max-delete 20
echo "demo-live: in the org, that Lead after night 3: $(lead "$first")"
kill $mk $sf
wait 2> /dev/null || true
trap - EXIT
