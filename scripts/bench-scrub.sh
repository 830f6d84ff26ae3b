#!/usr/bin/env bash
# The scrubbing benchmark (issue #4: "dragging the slider across a day of 1,000 vehicles renders at
# least 30 map updates per second in Chromium"). Installs what is missing (chromium, faketime), makes
# sure PostgreSQL answers, then, each step announced:
#
#   1. cargo leptos build --release --lib-features hydrate --lib-features probes  (reuses target/;
#      the probes tell the benchmark what the map drew)
#   2. a fresh database fleetline_scrub_<random>, dropped at exit whatever happens
#   3. the built server under libfaketime, its clock a day back, and 1,000 vehicles registered through
#      POST /register-vehicle: the API registers at the server's clock, and the fleet at a past
#      moment holds only the vehicles registered by then
#   4. the server again with the real clock (no map tiles), and a day of fixes up to now through
#      POST /track-locations (NDJSON, 10,000 a batch), one every 60-120 s per vehicle along
#      plausible paths: about a million (end2end/bench/seed.mjs)
#   5. the Playwright benchmark in Chromium (end2end/bench/scrub.bench.ts): the slider dragged with
#      the mouse across the day, in the fitted view and zoomed in; the map updates painted per
#      second and the delay from a slider move to the map showing that moment
#   6. the figures as a table; as JSON in end2end/artifacts/scrub-bench.json
#
# Environment (all optional):
#   BENCH_VEHICLES=1000  BENCH_HOURS=24  BENCH_MIN_INTERVAL=60  BENCH_MAX_INTERVAL=120   the fleet
#   SCRUB_SECONDS=8      how long one drag across the timeline takes
#   SCRUB_RANGE          the timeline's range dragged across: day, week or month (by default the
#                        shortest that holds BENCH_HOURS; issue #15 asks for a week)
#   SCRUB_TRACE=1        also write a Chromium performance trace per drag to end2end/artifacts/
#   SKIP_BUILD=1         use the release build in target/ as it is
#   TEST_DATABASE_URL    server and role for the database (postgres://postgres@127.0.0.1:5432/postgres)
# Logs: end2end/artifacts/server.log (server-register.log for step 3).
set -euo pipefail

# The end-to-end helpers (free_port, wait_for_health, start_e2e_server, stop_e2e); sourcing
# test.sh runs none of its stages. It sources scripts/setup.sh in turn.
# shellcheck source=scripts/test.sh
source "$(dirname "${BASH_SOURCE[0]}")/test.sh"
cd "$FLEETLINE_ROOT"

BENCH_VEHICLES="${BENCH_VEHICLES:-1000}"
BENCH_HOURS="${BENCH_HOURS:-24}"
BENCH_MIN_INTERVAL="${BENCH_MIN_INTERVAL:-60}"
BENCH_MAX_INTERVAL="${BENCH_MAX_INTERVAL:-120}"
export SCRUB_SECONDS="${SCRUB_SECONDS:-8}"
export SCRUB_TRACE="${SCRUB_TRACE:-0}"
if ((BENCH_HOURS <= 24)); then default_range=day; elif ((BENCH_HOURS <= 168)); then default_range=week; else default_range=month; fi
export SCRUB_RANGE="${SCRUB_RANGE:-$default_range}"

# libfaketime (Debian's faketime), to register the fleet a day back. Preloaded directly rather
# than through the `faketime` command, which forks: stopping it would leave the server running.
# Sets LIBFAKETIME.
find_libfaketime() {
	# shellcheck disable=SC2012
	LIBFAKETIME="$(ls /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 2>/dev/null | head -n 1 || true)"
	[ -n "$LIBFAKETIME" ]
}

setup_faketime() {
	if find_libfaketime; then
		say "libfaketime: present ($LIBFAKETIME)"
		return
	fi
	command -v apt-get >/dev/null 2>&1 || die "libfaketime is missing and there is no apt-get: install libfaketime"
	say "installing faketime (apt-get, once)"
	as_root apt-get update
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y faketime
	find_libfaketime || die "libfaketime.so.1 not found after installing faketime"
}

# serve LOG [WRAPPER...]: the built server on a free port with the bench database (BASE_URL), healthy.
serve() {
	local log="$1"
	shift
	local port osmand_port
	port="$(free_port)"
	osmand_port="$(free_port)"
	BASE_URL="http://127.0.0.1:$port"
	# No tiles: the benchmark measures the fleet, and this machine reaches no tile server.
	start_e2e_server "$port" "$osmand_port" "$E2E_SERVER_URL/$E2E_DB" "$log" env FLEETLINE_TILE_URL= "$@"
	say "waiting for GET $BASE_URL/health (server pid $SERVER_PID, log: ${log#"$FLEETLINE_ROOT/"})"
	wait_for_health "$BASE_URL/health" "$log" || die "the server did not become healthy"
}

main() {
	local started=$SECONDS
	setup_tools --test
	setup_faketime
	ensure_postgres "$TEST_DATABASE_URL"

	if [ "${SKIP_BUILD:-0}" = 1 ]; then
		say "SKIP_BUILD=1: using target/release/fleetline and target/site as they are"
	else
		say "building the release with the map's probes"
		cargo leptos build --release --lib-features hydrate --lib-features probes
	fi
	[ -x target/release/fleetline ] || die "target/release/fleetline is missing: cargo leptos build --release"

	# From here on, whatever happens, the server is stopped and the database dropped.
	trap on_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p "$ARTIFACTS"
	rm -f "$ARTIFACTS/scrub-bench.json" "$ARTIFACTS/scrub-seed.json" "$ARTIFACTS"/scrub-trace-*.json
	E2E_DB="fleetline_scrub_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
	say "database $E2E_DB on $(redact_url "$E2E_SERVER_URL") (dropped at exit)"

	seed_e2e_accounts "$E2E_SERVER_URL/$E2E_DB" "$ARTIFACTS/server-register.log"
	# The server's clock a day (and a minute) back: the fleet is registered before its day starts.
	local back_minutes=$((BENCH_HOURS * 60 + 1))
	say "registering $BENCH_VEHICLES vehicles with the server's clock $back_minutes minutes back (faketime)"
	serve "$ARTIFACTS/server-register.log" \
		env LD_PRELOAD="$LIBFAKETIME" FAKETIME="-${back_minutes}m" FAKETIME_DONT_FAKE_MONOTONIC=1
	(cd end2end && node bench/seed.mjs register --base-url "$BASE_URL" --vehicles "$BENCH_VEHICLES")
	local db="$E2E_DB"
	E2E_DB="" # stop this server, keep the database
	stop_e2e
	E2E_DB="$db"

	say "restarting the server with the real clock; sending ${BENCH_HOURS} h of fixes"
	serve "$ARTIFACTS/server.log"
	local seed_start=$SECONDS
	(cd end2end && node bench/seed.mjs track --base-url "$BASE_URL" --hours "$BENCH_HOURS" \
		--min-interval "$BENCH_MIN_INTERVAL" --max-interval "$BENCH_MAX_INTERVAL" \
		--summary "$ARTIFACTS/scrub-seed.json")
	note "seeded in $((SECONDS - seed_start))s"

	say "dragging the timeline (last $SCRUB_RANGE) in Chromium: npx playwright test -c playwright.bench.config.ts (${SCRUB_SECONDS} s a drag)"
	(cd end2end && BASE_URL="$BASE_URL" SEED_SUMMARY="$ARTIFACTS/scrub-seed.json" \
		SCRUB_RESULT="$ARTIFACTS/scrub-bench.json" npx playwright test -c playwright.bench.config.ts)
	stop_e2e

	echo
	say "scrubbing benchmark ($((SECONDS - started))s in all; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))"
	(cd end2end && node bench/report.mjs "$ARTIFACTS/scrub-bench.json")
	note "JSON: end2end/artifacts/scrub-bench.json"
}

main "$@"
