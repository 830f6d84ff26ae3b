#!/usr/bin/env bash
# The API against its own description: Schemathesis (PyPI) sends generated requests, valid and
# not, to every operation of /openapi.json on a running server and checks each answer: no 5xx,
# status codes, content types, headers and bodies as described. Sourced by scripts/test.sh,
# which runs it on the end-to-end server after the browser tests.
#
# By itself, on a server of your own:
#   source scripts/setup.sh && source scripts/conformance.sh && setup_schemathesis &&
#   run_schemathesis http://127.0.0.1:3000 "$(fleetline token create --name st --role admin)"
# SCHEMATHESIS_SEED=random explores new cases instead of the test command's fixed ones.

SCHEMATHESIS_VERSION="4.32.5"
SCHEMATHESIS_VENV="$FLEETLINE_ROOT/target/schemathesis"

# Schemathesis in a virtualenv of its own under target/, installed once from PyPI.
setup_schemathesis() {
	local bin="$SCHEMATHESIS_VENV/bin/schemathesis"
	if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
		say "schemathesis $SCHEMATHESIS_VERSION: present"
		return
	fi
	require_commands python3
	say "installing schemathesis $SCHEMATHESIS_VERSION from PyPI into target/schemathesis (a virtualenv, once)"
	rm -rf "$SCHEMATHESIS_VENV"
	python3 -m venv "$SCHEMATHESIS_VENV"
	"$SCHEMATHESIS_VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
}

# run_schemathesis BASE_URL TOKEN: every operation but /live (a stream lasts 10 minutes; the
# end-to-end tests and live_updates' own tests cover it), with an administrator's token so that
# every operation is reached past the access checks (which the route × role test covers).
# Phases: examples, fuzzing (generated from the description, formats honoured) and stateful
# (chains of calls). Not the coverage phase: its boundary values ignore `format` (it sends an
# empty string as a `date-time`), which the API rightly refuses as malformed (400).
run_schemathesis() {
	local base_url="$1" token="$2" seed=()
	[ "${SCHEMATHESIS_SEED:-}" = random ] || seed=(--seed "${SCHEMATHESIS_SEED:-20261203}")
	"$SCHEMATHESIS_VENV/bin/schemathesis" run "$base_url/openapi.json" \
		--url "$base_url" \
		--header "Authorization: Bearer $token" \
		--exclude-path /live \
		--max-examples "${SCHEMATHESIS_EXAMPLES:-40}" \
		--phases examples,fuzzing,stateful \
		--request-timeout 10 \
		"${seed[@]}" \
		--no-color
}
