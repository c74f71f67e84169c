# writeback-env.sh: for msi-writeback cases: load-env.sh, and persons with real ids.
. "$MSI_TESTS/marketo-sim/load-env.sh"

# jq: the 18-character form of a 15-character Salesforce id, as Salesforce's
# SOAP API Developer Guide, "Field Types" (the ID field type), describes it:
# https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm
SFID18='def sfid18: . as $id | $id + ([range(0; 3) as $c | [range(0; 5) as $i |
	if ($id[($c * 5 + $i):($c * 5 + $i + 1)] | test("[A-Z]")) then [1, 2, 4, 8, 16][$i] else 0 end]
	| add | "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[.:(. + 1)]] | join(""));'

# persons N [FIRST]: N lead records as msi-transform writes them, Leads (00Q)
# and Contacts (003) in turn, each with a correct 18-character id.
persons() {
	jq -cn --argjson n "$1" --argjson f "${2:-0}" "$SFID18"'
		range($f; $f + $n) | {externalPersonId: ((if . % 2 == 0 then "00Q" else "003" end)
		+ "Ab0" + "\(. + 100000000)" | sfid18), email: "p\(.)@example.com"}'
}

# sync_persons FILE: loads them into the simulator, quietly.
sync_persons() {
	msi-load leads -l externalPersonId -n 1000 -c 1 "$1" > /dev/null 2> load.err ||
		{ echo "msi-load failed:"; cat load.err; }
}
