# load-env.sh: for msi-load cases: a simulator, and msi-load's settings for it.
. "$MSI_TESTS/marketo-sim/lib.sh"
load_env() {
	MARKETO_BASE_URL=$BASE/rest MARKETO_CLIENT_ID=sim-client MARKETO_CLIENT_SECRET=sim-secret
	export MARKETO_BASE_URL MARKETO_CLIENT_ID MARKETO_CLIENT_SECRET
}
# leads N [FIRST]: N lead records as msi-transform writes them.
leads() {
	jq -cn --argjson n "$1" --argjson f "${2:-0}" \
		'range($f; $f + $n) | {externalPersonId: "00Q5e0000\(. + 100000)AAA", email: "p\(.)@example.com", firstName: "F\(.)"}'
}
