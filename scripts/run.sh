#!/usr/bin/env bash
# The README's run command: installs what is missing, makes sure PostgreSQL answers, then builds
# and serves the app with `cargo leptos serve --release` (Ctrl-C stops it).
#
#   scripts/run.sh [extra cargo-leptos serve arguments]
#
# Environment (set ones are passed through):
#   LEPTOS_SITE_ADDR  where the app listens        (127.0.0.1:3000)
#   DATABASE_URL      the app's database           (postgres://postgres@127.0.0.1:5432/fleetline)
#                     created with its tables by the app itself when missing
# and those of scripts/setup.sh (FLEETLINE_PG_HOST, FLEETLINE_PG_PORT, FLEETLINE_PGDATA, ...).
set -euo pipefail

# shellcheck source=scripts/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$FLEETLINE_ROOT"

export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@$FLEETLINE_PG_HOST:$FLEETLINE_PG_PORT/fleetline}"

setup_tools
ensure_postgres "$DATABASE_URL"

say "building and serving the app: cargo leptos serve --release (first build: several minutes)"
note "app: http://$LEPTOS_SITE_ADDR/   API examples: api.http   database: $(redact_url "$DATABASE_URL")"
note "first run: open http://$LEPTOS_SITE_ADDR/ to create the first administrator, or headless:"
note "  FLEETLINE_PASSWORD=… target/release/fleetline user add --email you@example.com --role admin"
note "API token (printed alone): target/release/fleetline token create --name gateway --role ingest"
exec cargo leptos serve --release "$@"
