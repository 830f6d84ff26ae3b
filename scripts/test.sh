#!/usr/bin/env bash
# The README's test command, and what CI runs (.ci/run). Installs what is missing (chromium too),
# makes sure PostgreSQL answers, then, each stage announced and summarised:
#
#   1. cargo fmt --all --check
#   2. cargo clippy --workspace --features ssr --all-targets -- -D warnings
#   3. cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features hydrate[,probes] -- -D warnings
#   4. cargo test --workspace --features ssr   (the app and the event store crate; each test makes its own database through TEST_DATABASE_URL)
#   5. cargo leptos build --release --lib-features hydrate --lib-features probes
#      (the map's probes for the end-to-end tests: see app/map/probes.rs)
#   6. end-to-end: the built server on a free port with a fresh database fleetline_e2e_<random>,
#      then `npx playwright test` in end2end/ against it; the server is stopped and the database
#      dropped afterwards, whatever happens
#   7. on the same server after the browser tests: the API against its OpenAPI description
#      (Schemathesis, scripts/conformance.sh)
#
# Stages 1-4 all run even when one fails, so one run shows every problem; the build and the
# end-to-end tests run only when the earlier stages passed. Exit status: 0 only when all passed.
#
# Environment (all optional):
#   SKIP_E2E=1          stop after the build: no browser, no end-to-end tests (chromium not installed)
#   TEST_DATABASE_URL   server and role the tests and the e2e database use
#                       (postgres://postgres@127.0.0.1:5432/postgres)
# and those of scripts/setup.sh (FLEETLINE_PG_HOST, FLEETLINE_PG_PORT, ...).
# Logs: target/test-logs/<stage>.log; end-to-end: end2end/artifacts/ (server.log, report/, test-results/).
set -euo pipefail

# shellcheck source=scripts/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
# shellcheck source=scripts/conformance.sh
source "$(dirname "${BASH_SOURCE[0]}")/conformance.sh"
cd "$FLEETLINE_ROOT"

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@$FLEETLINE_PG_HOST:$FLEETLINE_PG_PORT/postgres}"
SKIP_E2E="${SKIP_E2E:-0}"
LOG_DIR="$FLEETLINE_ROOT/target/test-logs"
ARTIFACTS="$FLEETLINE_ROOT/end2end/artifacts"
if [ "${CI:-}" = true ]; then
	# A one-off build: incremental compilation only costs time and disk.
	export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
fi

STARTED=$SECONDS
RESULTS=()
FAILED=0

strip_ansi() { sed -E 's/\x1b\[[0-9;?]*[a-zA-Z]//g'; }

# The last non-empty line of a log.
summary_last_line() { strip_ansi <"$1" | grep -v '^[[:space:]]*$' | tail -n 1; }

summary_fmt() {
	if [ "$2" -eq 0 ]; then
		echo "formatting ok"
	else
		local files
		files="$(strip_ansi <"$1" | sed -nE 's/^Diff in (.*):[0-9]+:.*$/\1/p' | sort -u | wc -l)"
		if [ "$files" -gt 0 ]; then
			echo "$files file(s) need cargo fmt"
		else
			summary_last_line "$1"
		fi
	fi
}

# cargo: the "Finished" line, or the "could not compile" line and the first error with its place.
summary_cargo() {
	local line
	if [ "$2" -eq 0 ]; then
		line="$(strip_ansi <"$1" | grep -E '^[[:space:]]*Finished ' | tail -n 1 || true)"
	else
		line="$(strip_ansi <"$1" | grep -E '^error: could not compile' | tail -n 1 || true)"
		[ -z "$line" ] || line="$line; first: $(strip_ansi <"$1" | grep -m1 -A1 -E '^error(\[[A-Z0-9]+\])?: ' | sed -E 's/^[[:space:]]*(-->)?[[:space:]]*//' | paste -sd' ' -)"
	fi
	[ -n "$line" ] || line="$(summary_last_line "$1")"
	printf '%s\n' "$line" | sed -E 's/^[[:space:]]+//'
}

# cargo test: the "test result:" lines added up.
summary_test() {
	local totals
	totals="$(strip_ansi <"$1" | awk '
		/^test result: / {
			for (i = 1; i <= NF; i++) {
				if ($(i) ~ /^(passed|failed|ignored);?$/) { k = $(i); sub(/;/, "", k); n[k] += $(i - 1) }
			}
			bins++
		}
		END { if (bins) printf "%d passed, %d failed, %d ignored (%d test binaries)", n["passed"], n["failed"], n["ignored"], bins }')"
	if [ -n "$totals" ] && [ "$2" -eq 0 ]; then
		echo "$totals"
	elif [ -n "$totals" ]; then
		local failures
		failures="$(strip_ansi <"$1" | sed -nE 's/^test (.*) \.\.\. FAILED$/\1/p' | head -n 5 | paste -sd, - | sed 's/,/, /g')"
		echo "$totals${failures:+; failed: $failures}"
	else
		summary_cargo "$1" "$2"
	fi
}

summary_playwright() {
	local lines
	lines="$(strip_ansi <"$1" | grep -E '^[[:space:]]*[0-9]+ (passed|failed|flaky|skipped|did not run|interrupted)' | sed -E 's/^[[:space:]]+//' | paste -sd';' - | sed 's/;/; /g' || true)"
	[ -n "$lines" ] || lines="$(summary_last_line "$1")"
	# The failed tests by name, so that the summary (the end of the output) says which.
	local failed
	failed="$(strip_ansi <"$1" | grep -E '^[[:space:]]*✘' | sed -E 's/^[[:space:]]*✘[[:space:]]*[0-9]+ //; s/ \([0-9.]+m?s\)$//' | sort -u | cut -c1-140 | paste -sd'|' - | sed 's/|/ | /g' || true)"
	[ -z "$failed" ] || lines="$lines -- failed: $failed"
	echo "$lines"
}

record() {
	local name="$1" status="$2" seconds="$3" summary="$4" verdict=ok
	if [ "$status" -ne 0 ]; then
		verdict=FAILED
		FAILED=1
	fi
	RESULTS+=("$(printf '%-8s %-34s %5ss  %s' "$verdict" "$name" "$seconds" "$summary")")
	say "$name: $verdict in ${seconds}s -- $summary"
}

# run_stage NAME SUMMARY_FUNCTION COMMAND...: runs, logs to target/test-logs/, summarises.
run_stage() {
	local name="$1" summarize="$2"
	shift 2
	local log
	log="$LOG_DIR/$(tr -cs 'a-zA-Z0-9' '-' <<<"$name" | sed 's/-$//').log"
	echo
	say "$name"
	note "\$ $*"
	local start=$SECONDS status=0
	"$@" 2>&1 | tee "$log" || status=$?
	record "$name" "$status" "$((SECONDS - start))" "$("$summarize" "$log" "$status")"
	return "$status"
}

print_results() {
	echo
	say "summary ($((SECONDS - STARTED))s)"
	local line
	for line in "${RESULTS[@]}"; do
		printf '    %s\n' "$line"
	done
}

# ---------------------------------------------------------------------------------------------
# End-to-end
# ---------------------------------------------------------------------------------------------

SERVER_PID=""
E2E_DB=""
# The e2e database lives on the server of TEST_DATABASE_URL; it is dropped through its postgres db.
[[ "$TEST_DATABASE_URL" =~ ^(postgres(ql)?://[^/?]*) ]] || die "not a postgres:// URL: $TEST_DATABASE_URL"
E2E_SERVER_URL="${BASH_REMATCH[1]}"
E2E_ADMIN_URL="$E2E_SERVER_URL/postgres"

stop_e2e() {
	if [ -n "$SERVER_PID" ]; then
		local status=0 i
		if kill -0 "$SERVER_PID" 2>/dev/null; then
			say "stopping the e2e server (pid $SERVER_PID)"
			kill -TERM "$SERVER_PID" 2>/dev/null || true
			for ((i = 0; i < 20; i++)); do
				kill -0 "$SERVER_PID" 2>/dev/null || break
				sleep 0.5
			done
			kill -KILL "$SERVER_PID" 2>/dev/null || true
			wait "$SERVER_PID" 2>/dev/null || true
		else
			wait "$SERVER_PID" 2>/dev/null || status=$?
			say "the e2e server had exited before the end (status $status$([ "$status" -le 128 ] || echo ", signal $((status - 128))")): see end2end/artifacts/server.log"
		fi
		SERVER_PID=""
	fi
	if [ -n "$E2E_DB" ]; then
		say "dropping the e2e database $E2E_DB"
		# With it, the one a test made for a server of its own (end2end/tests/own-server.spec.ts).
		local db
		for db in "$E2E_DB" "${E2E_DB}_empty"; do
			PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$E2E_ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" ||
				note "could not drop $db: drop it by hand"
		done
		E2E_DB=""
	fi
}

on_exit() {
	local status=$?
	stop_e2e
	exit "$status"
}

free_port() {
	node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

http_status() {
	node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(3000) }).then(r => console.log(r.status), () => console.log(0))' "$1"
}

wait_for_health() {
	local url="$1" log="$2" deadline=$((SECONDS + 60))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			echo "the server exited; its log ($log):" >&2
			tail -n 80 "$log" >&2 || true
			return 1
		fi
		[ "$(http_status "$url")" = 200 ] && return 0
		sleep 0.5
	done
	echo "$url did not answer 200 within 60 s; the server's log ($log):" >&2
	tail -n 80 "$log" >&2 || true
	return 1
}

# start_e2e_server PORT OSMAND_PORT DATABASE_URL LOG [WRAPPER...]: the built server
# (target/release/fleetline, serving target/site) in the background on 127.0.0.1:PORT, its pid in
# SERVER_PID (stop_e2e stops it). A WRAPPER command runs it, e.g. `env NAME=VALUE` (scripts/bench-scrub.sh).
start_e2e_server() {
	local port="$1" osmand_port="$2" db_url="$3" log="$4"
	shift 4
	# The GPS devices' listener (OsmAnd, 127.0.0.1:5055 by default) gets a free port too, so that
	# a server already running here (scripts/run.sh) does not collide with this one.
	LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_OUTPUT_NAME=fleetline \
		LEPTOS_SITE_ADDR="127.0.0.1:$port" DATABASE_URL="$db_url" \
		FLEETLINE_OSMAND_ADDR="127.0.0.1:$osmand_port" \
		"$@" "$FLEETLINE_ROOT/target/release/fleetline" >"$log" 2>&1 &
	SERVER_PID=$!
}

# seed_e2e_accounts DATABASE_URL LOG: the administrator the browser signs in as and an admin API
# token for the tests' API calls, made with the README's own commands (`fleetline user add`,
# `fleetline token create`) before the server starts; exports E2E_ADMIN_EMAIL,
# E2E_ADMIN_PASSWORD and E2E_TOKEN.
seed_e2e_accounts() {
	local db_url="$1" log="$2"
	export E2E_ADMIN_EMAIL="admin@e2e.example"
	export E2E_ADMIN_PASSWORD="e2e-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
	say "fleetline user add --email $E2E_ADMIN_EMAIL --role admin; fleetline token create --name e2e --role admin"
	DATABASE_URL="$db_url" FLEETLINE_PASSWORD="$E2E_ADMIN_PASSWORD" \
		"$FLEETLINE_ROOT/target/release/fleetline" user add --email "$E2E_ADMIN_EMAIL" --role admin >>"$log" 2>&1
	E2E_TOKEN="$(DATABASE_URL="$db_url" "$FLEETLINE_ROOT/target/release/fleetline" token create --name e2e --role admin 2>>"$log")"
	export E2E_TOKEN
}

run_e2e() {
	local name="end-to-end (playwright)"
	echo
	say "$name"
	local start=$SECONDS
	local binary="$FLEETLINE_ROOT/target/release/fleetline"
	if [ ! -x "$binary" ]; then
		record "$name" 1 0 "$binary is missing (cargo leptos build --release)"
		return 1
	fi
	# Whatever happens from here on (failure, Ctrl-C), the server is stopped and the database dropped.
	trap on_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	rm -rf "$ARTIFACTS"
	mkdir -p "$ARTIFACTS" "$LOG_DIR"
	local port osmand_port
	port="$(free_port)"
	osmand_port="$(free_port)"
	E2E_DB="fleetline_e2e_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
	local db_url="$E2E_SERVER_URL/$E2E_DB"
	local base_url="http://127.0.0.1:$port"
	local server_log="$ARTIFACTS/server.log"
	if ! seed_e2e_accounts "$db_url" "$server_log"; then
		record "$name" 1 "$((SECONDS - start))" "the e2e accounts could not be made (end2end/artifacts/server.log)"
		return 1
	fi
	say "starting target/release/fleetline on 127.0.0.1:$port, database $E2E_DB (log: end2end/artifacts/server.log)"
	start_e2e_server "$port" "$osmand_port" "$db_url" "$server_log"
	say "waiting for GET $base_url/health to answer 200 (up to 60 s)"
	if ! wait_for_health "$base_url/health" "$server_log"; then
		record "$name" 1 "$((SECONDS - start))" "the server did not become healthy (end2end/artifacts/server.log)"
		return 1
	fi
	note "healthy after $((SECONDS - start))s"
	local status=0
	note "\$ BASE_URL=$base_url npx playwright test   (in end2end/)"
	# The fault tests start (and kill) servers of their own on the same database.
	(cd end2end && BASE_URL="$base_url" E2E_SERVER_BIN="$binary" E2E_DATABASE_URL="$db_url" \
		E2E_SITE_ROOT="$FLEETLINE_ROOT/target/site" npx playwright test) 2>&1 | tee "$LOG_DIR/end-to-end.log" || status=$?
	if [ "$status" -ne 0 ]; then
		note "last lines of the server log (end2end/artifacts/server.log):"
		tail -n 30 "$server_log" | sed 's/^/    | /' || true
		note "report: end2end/artifacts/report/index.html, failure screenshots: end2end/artifacts/test-results/"
	fi
	record "$name" "$status" "$((SECONDS - start))" "$(summary_playwright "$LOG_DIR/end-to-end.log" "$status")"
	run_stage "API conformance (schemathesis)" summary_last_line \
		run_schemathesis "$base_url" "$E2E_TOKEN" || status=1
	stop_e2e
	return "$status"
}

# ---------------------------------------------------------------------------------------------

main() {
	mkdir -p "$LOG_DIR"
	# Logs of an earlier run must not count in this one's totals.
	rm -f "$LOG_DIR"/*.log
	if [ "$SKIP_E2E" = 1 ]; then
		say "SKIP_E2E=1: no chromium, no end-to-end tests"
		setup_tools
	else
		setup_tools --test
		setup_schemathesis
	fi
	ensure_postgres "$TEST_DATABASE_URL"

	run_stage "cargo fmt --all --check" summary_fmt \
		cargo fmt --all --check || true
	run_stage "clippy (server, ssr)" summary_cargo \
		cargo clippy --workspace --features ssr --all-targets -- -D warnings || true
	run_stage "clippy (browser, hydrate, wasm32)" summary_cargo \
		cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings || true
	run_stage "clippy (browser, hydrate with the test probes)" summary_cargo \
		cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features hydrate,probes -- -D warnings || true
	run_stage "cargo test --workspace --features ssr" summary_test \
		cargo test --workspace --features ssr || true

	if [ "$FAILED" -ne 0 ]; then
		say "skipping the release build and the end-to-end tests: an earlier stage failed"
	else
		run_stage "cargo leptos build --release (with the map's probes)" summary_cargo \
			cargo leptos build --release --lib-features hydrate --lib-features probes || true
		if [ "$FAILED" -ne 0 ]; then
			say "skipping the end-to-end tests: the build failed"
		elif [ "$SKIP_E2E" = 1 ]; then
			say "skipping the end-to-end tests (SKIP_E2E=1)"
		else
			run_e2e || true
		fi
	fi

	print_results
	if [ "$FAILED" -ne 0 ]; then
		say "FAILED"
		print_totals
		exit 1
	fi
	say "all passed"
	print_totals
}

# The closing line: every test this run executed (cargo test and Playwright), in the plain form
# "tests: N passed, N failed".
print_totals() {
	local passed=0 failed=0 p f
	# The stage's log is named after its command (cargo-test-workspace-features-ssr.log).
	local cargo_log
	cargo_log="$(ls "$LOG_DIR"/cargo-test-*.log 2>/dev/null | head -n 1)"
	if [ -n "$cargo_log" ]; then
		read -r p f < <(strip_ansi <"$cargo_log" | awk '
			/^test result: / { for (i = 2; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i - 1); if ($(i) ~ /^failed;?$/) f += $(i - 1) } }
			END { print p + 0, f + 0 }')
		passed=$((passed + p))
		failed=$((failed + f))
	fi
	if [ -f "$LOG_DIR/end-to-end.log" ]; then
		p="$(strip_ansi <"$LOG_DIR/end-to-end.log" | sed -nE 's/^[[:space:]]*([0-9]+) passed.*/\1/p' | tail -n 1)"
		f="$(strip_ansi <"$LOG_DIR/end-to-end.log" | sed -nE 's/^[[:space:]]*([0-9]+) failed.*/\1/p' | tail -n 1)"
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-0}))
	fi
	echo "tests: $passed passed, $failed failed"
}

# Sourcing this file (for its functions) runs nothing.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi
