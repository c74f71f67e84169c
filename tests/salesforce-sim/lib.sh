# lib.sh: for test cases: a Salesforce simulator of their own, and calls to it.
# Sourced by a case's cmd script, which runs in a folder of its own:
#   . "$MSI_TESTS/salesforce-sim/lib.sh"
#   sf_start --org "$MSI_TESTS/../pipelines/sample" --job-ms 100
#   sf_token
#   sf_call POST /services/data/v62.0/jobs/query '{"operation":"query","query":"SELECT Id FROM Lead"}'
# A case may also source tests/marketo-sim/lib.sh, before or after this one: call its
# sim_start before sf_start, and its sim_stop (which clears the EXIT trap) after sf_stop;
# then the EXIT trap stops both simulators.

# Stops whichever simulators were started (SIM_PID: marketo-sim's lib.sh), at exit.
sf_stop_all() {
	for _pid in ${SIM_PID:-} ${SF_PID:-}; do
		kill -TERM "$_pid" 2> /dev/null
		wait "$_pid" 2> /dev/null
	done
}

# The trap that calls it. marketo-sim's sim_start sets a trap of its own: call it before
# sf_start, whose trap then stops both.
sf_trap() {
	trap sf_stop_all EXIT
}

# Starts salesforce-sim with the options given, on a free port; sets SF_BASE and SF_PID.
sf_start() {
	rm -f sf.port
	salesforce-sim --port-file sf.port "$@" > sf.out 2> sf.err &
	SF_PID=$!
	sf_trap
	_n=0
	while [ ! -s sf.port ] && [ $_n -lt 250 ]; do
		kill -0 "$SF_PID" 2>/dev/null || break
		sleep 0.02
		_n=$((_n + 1))
	done
	[ -s sf.port ] || { echo "salesforce-sim did not start"; cat sf.err; exit 1; }
	SF_BASE=http://127.0.0.1:$(cat sf.port)
}

# Stops it with SIGTERM and prints how it ended.
sf_stop() {
	kill -TERM "$SF_PID"
	_st=0
	wait "$SF_PID" || _st=$?
	echo "salesforce-sim exited $_st"
	SF_PID=
	sf_trap
}

# Sets SF_TOKEN by the client credentials flow.
sf_token() {
	SF_TOKEN=$(curl -s -d grant_type=client_credentials -d client_id=sf-sim-client \
		-d client_secret=sf-sim-secret "$SF_BASE/services/oauth2/token" | jq -r .access_token)
}

# sf_call METHOD PATH [BODY]: prints the answer (JSON bodies as sent with Content-Type
# application/json); the status and headers go to sf.headers.
sf_call() {
	if [ $# -ge 3 ]; then
		curl -s -D sf.headers -X "$1" -H "Authorization: Bearer ${SF_TOKEN:-}" \
			-H "Content-Type: application/json" --data-binary "$3" "$SF_BASE$2"
	else
		curl -s -D sf.headers -X "$1" -H "Authorization: Bearer ${SF_TOKEN:-}" "$SF_BASE$2"
	fi
}

# sf_header NAME: a header of the last sf_call's answer (after sf_call, not in a pipe).
sf_header() {
	tr -d '\r' < sf.headers | sed -n "s/^$1: //Ip"
}

# sf_page: the last sf_call's status and result headers, on one line.
sf_page() {
	awk -F': ' '{ sub(/\r$/, "") } NR == 1 { st = $0; sub(/^HTTP[^ ]* /, "", st); sub(/ .*/, "", st) }
		tolower($1) == "content-type" { ty = $2 } $1 == "Sforce-Locator" { lo = $2 }
		$1 == "Sforce-NumberOfRecords" { n = $2 }
		END { print "HTTP " st " " ty " locator " lo " records " n }' sf.headers
}

# sf_status: the HTTP status of the last sf_call.
sf_status() {
	sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p' sf.headers
}

# sf_admin PATH [BODY]: an admin call, GET without a body, POST with one; a line end
# after the JSON answers (the dump's NDJSON has its own).
sf_admin() {
	if [ $# -ge 2 ]; then
		curl -s -X POST --data-binary "$2" "$SF_BASE$1"
	else
		curl -s "$SF_BASE$1"
	fi
	[ "$1" = /_sim/dump ] || echo
}

# sf_query SOQL [OPERATION]: creates a query job (operation query unless given), prints its id;
# the answer stays in sf.job. SOQL must not hold a double quote.
sf_query() {
	sf_call POST /services/data/v62.0/jobs/query \
		"{\"operation\":\"${2:-query}\",\"query\":\"$1\"}" > sf.job
	sed -n 's/.*"id":"\([^"]*\)".*/\1/p' sf.job
}

# sf_wait_job ID [KIND]: polls the job (KIND query, the default, or ingest) until it ends;
# prints each state seen once, in order.
sf_wait_job() {
	_last='' _n=0
	while [ $_n -lt 500 ]; do
		_state=$(sf_call GET "/services/data/v62.0/jobs/${2:-query}/$1" | jq -r .state)
		[ "$_state" = "$_last" ] || echo "$_state"
		_last=$_state
		case $_state in JobComplete | Failed | Aborted) return 0 ;; esac
		sleep 0.02
		_n=$((_n + 1))
	done
	echo "job $1 did not end"
	return 1
}

# sf_collections BODY: an sObject Collections update (PATCH .../composite/sobjects); prints
# the answer, status and headers in sf.headers as sf_call.
sf_collections() {
	sf_call PATCH /services/data/v62.0/composite/sobjects "$1"
}

# sf_ingest OBJECT [MEMBERS]: creates an update ingest job (MEMBERS: more JSON members, as
# "lineEnding":"CRLF"), prints its id; the answer stays in sf.job.
sf_ingest() {
	sf_call POST /services/data/v62.0/jobs/ingest \
		"{\"object\":\"$1\",\"operation\":\"update\",\"contentType\":\"CSV\"${2:+,$2}}" > sf.job
	sed -n 's/.*"id":"\([^"]*\)".*/\1/p' sf.job
}

# sf_upload ID FILE: PUTs FILE as the job's CSV (text/csv); prints the HTTP status.
sf_upload() {
	curl -s -o /dev/null -D sf.headers -X PUT -H "Authorization: Bearer ${SF_TOKEN:-}" \
		-H "Content-Type: text/csv" --data-binary "@$2" \
		"$SF_BASE/services/data/v62.0/jobs/ingest/$1/batches"
	sf_status
}

# sf_close ID [STATE]: PATCHes the ingest job to UploadComplete (or STATE); prints the answer.
sf_close() {
	sf_call PATCH "/services/data/v62.0/jobs/ingest/$1" "{\"state\":\"${2:-UploadComplete}\"}"
}

# sf_wait_ingest ID: as sf_wait_job, for an ingest job.
sf_wait_ingest() {
	sf_wait_job "$1" ingest
}

# The environment the client tools read.
sf_env() {
	SALESFORCE_LOGIN_URL=$SF_BASE
	SALESFORCE_CLIENT_ID=sf-sim-client
	SALESFORCE_CLIENT_SECRET=sf-sim-secret
	export SALESFORCE_LOGIN_URL SALESFORCE_CLIENT_ID SALESFORCE_CLIENT_SECRET
}
