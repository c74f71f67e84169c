# lib.sh: for test cases: a Marketo simulator of their own, and calls to it.
# Sourced by a case's cmd script, which runs in a folder of its own:
#   . "$MSI_TESTS/marketo-sim/lib.sh"
#   sim_start --latency-ms 0
#   get_token
#   call POST /rest/v1/leads.json '{"input":[...]}'
# Every answer is printed, then checked against Adobe's OpenAPI file.

OPENAPI=$MSI_TESTS/marketo-sim/openapi

# Starts marketo-sim with the options given, on a free port; sets BASE.
sim_start() {
	marketo-sim --port-file sim.port "$@" > sim.out 2> sim.err &
	SIM_PID=$!
	trap 'kill -TERM $SIM_PID 2>/dev/null; wait $SIM_PID 2>/dev/null' EXIT
	n=0
	while [ ! -s sim.port ] && [ $n -lt 250 ]; do
		sleep 0.02
		n=$((n + 1))
	done
	[ -s sim.port ] || { echo "marketo-sim did not start"; cat sim.err; exit 1; }
	BASE=http://127.0.0.1:$(cat sim.port)
}

# Stops it with SIGTERM and prints how it ended.
sim_stop() {
	kill -TERM $SIM_PID
	wait $SIM_PID
	echo "marketo-sim exited $?"
	trap - EXIT
}

# Sets TOKEN from the identity endpoint.
get_token() {
	TOKEN=$(curl -s "$BASE/identity/oauth/token?grant_type=client_credentials&client_id=sim-client&client_secret=sim-secret" |
		jq -r .access_token)
}

# call METHOD PATH [BODY [CONTENT-TYPE]]: prints the answer and its schema check.
call() {
	_m=$1 _p=$2
	if [ $# -ge 3 ]; then
		curl -s -X "$_m" -H "Authorization: Bearer $TOKEN" \
			-H "Content-Type: ${4:-application/json}" --data-binary "$3" "$BASE$_p" > answer.json
	else
		curl -s -X "$_m" -H "Authorization: Bearer $TOKEN" "$BASE$_p" > answer.json
	fi
	cat answer.json
	echo
	oacheck "$OPENAPI/swagger-mapi.json" "$_m" "${_p%%\?*}" < answer.json
}

# admin PATH [BODY]: an admin call, GET without a body, POST with one.
admin() {
	if [ $# -ge 2 ]; then
		curl -s -X POST --data-binary "$2" "$BASE$1"
	else
		curl -s "$BASE$1"
	fi
	echo
}
