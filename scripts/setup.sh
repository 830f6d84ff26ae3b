#!/usr/bin/env bash
# Installs what building, running and testing fleetline needs -- only what is missing -- and makes
# sure PostgreSQL answers. Safe to run again: when everything is present it takes a few seconds.
#
#   scripts/setup.sh          Rust wasm target, cargo-leptos, wasm-bindgen-cli, npm packages,
#                             Leaflet assets, then PostgreSQL (started if it is down)
#   scripts/setup.sh --test   the same, plus rustfmt/clippy and Debian's chromium (end-to-end tests)
#
# scripts/run.sh and scripts/test.sh source this file and call `setup_tools [--test]` and
# `ensure_postgres URL`.
#
# Environment (all optional):
#   FLEETLINE_PG_HOST, FLEETLINE_PG_PORT  where PostgreSQL is expected (127.0.0.1, 5432); only
#                                         used for the default URLs: a URL given decides.
#   FLEETLINE_PGDATA                      folder of the private cluster made when no server can be
#                                         started otherwise (<repo>/.pgdata: data/ and log)
#   FLEETLINE_PG_TRUST_LOCALHOST=1        if a Debian cluster refuses a password-less login from
#                                         127.0.0.1, add a `trust` line to its pg_hba.conf (done
#                                         without asking when CI=true)
#   DATABASE_URL                          postgres://postgres@127.0.0.1:5432/fleetline
set -euo pipefail

FLEETLINE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FLEETLINE_PG_HOST="${FLEETLINE_PG_HOST:-127.0.0.1}"
FLEETLINE_PG_PORT="${FLEETLINE_PG_PORT:-5432}"
FLEETLINE_PGDATA="${FLEETLINE_PGDATA:-$FLEETLINE_ROOT/.pgdata}"
CARGO_LEPTOS_VERSION="0.3.5"

say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# Runs a command as root: directly, or through sudo.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "needs root: $*"
	fi
}

# A URL with its password replaced by ***, for messages.
redact_url() { sed -E 's#^([a-z]+://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"; }

path_prepend() {
	case ":$PATH:" in
	*":$1:"*) ;;
	*) PATH="$1:$PATH" ;;
	esac
}

# ---------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------

setup_path() {
	path_prepend "${CARGO_HOME:-$HOME/.cargo}/bin"
	# wasm-opt (npm `binaryen`): cargo-leptos looks it up on PATH and would download it otherwise.
	path_prepend "$FLEETLINE_ROOT/node_modules/.bin"
	export PATH
}

require_commands() {
	local missing=()
	local cmd
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		die "missing: ${missing[*]} (Rust: https://rustup.rs; Node 20 and npm: apt-get install nodejs npm)"
	fi
}

# The version of a package in Cargo.lock (the first one if there are several).
cargo_lock_version() {
	awk -v want="$1" '
		/^\[\[package\]\]/ { name = "" }
		/^name = / { name = $3; gsub(/"/, "", name) }
		/^version = / && name == want { v = $3; gsub(/"/, "", v); print v; exit }
	' "$FLEETLINE_ROOT/Cargo.lock"
}

setup_wasm_target() {
	if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
		say "wasm32-unknown-unknown target: present"
	else
		say "adding the wasm32-unknown-unknown target (rustup)"
		rustup target add wasm32-unknown-unknown
	fi
}

setup_rust_components() {
	local component
	for component in rustfmt clippy; do
		if rustup component list --installed | grep -q "^$component"; then
			say "$component: present"
		else
			say "adding $component (rustup)"
			rustup component add "$component"
		fi
	done
}

setup_cargo_leptos() {
	local have
	have="$(cargo leptos --version 2>/dev/null | awk '{ print $2 }' || true)"
	if [ "$have" = "$CARGO_LEPTOS_VERSION" ]; then
		say "cargo-leptos $CARGO_LEPTOS_VERSION: present"
		return
	fi
	# Newer cargo-leptos releases need a newer rustc than 1.95; 0.3.5 builds with --locked.
	say "installing cargo-leptos $CARGO_LEPTOS_VERSION${have:+ (found $have)} (about 12 minutes, once)"
	cargo install "cargo-leptos@$CARGO_LEPTOS_VERSION" --locked
}

setup_wasm_bindgen() {
	local want have
	want="$(cargo_lock_version wasm-bindgen)"
	[ -n "$want" ] || die "no wasm-bindgen package in Cargo.lock"
	have="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
	if [ "$have" = "$want" ]; then
		say "wasm-bindgen-cli $want (= Cargo.lock): present"
		return
	fi
	# Without --locked: one of its locked dependency versions is gone from crates.io.
	say "installing wasm-bindgen-cli $want to match Cargo.lock${have:+ (found $have)} (about 2 minutes, once)"
	cargo install wasm-bindgen-cli --version "$want" --force
	have="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
	[ "$have" = "$want" ] ||
		die "wasm-bindgen on PATH ($(command -v wasm-bindgen)) is $have, not $want: remove the other one"
}

# npm ci (npm install without a lock file) in a folder, skipped while package.json and the lock
# file are unchanged since the last install.
setup_npm() {
	local dir="$1" label="$2"
	local stamp="$dir/node_modules/.fleetline-installed" sum
	sum="$(cat "$dir/package.json" "$dir/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1)"
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
		say "npm packages in $label: present"
		return
	fi
	if [ -f "$dir/package-lock.json" ]; then
		say "installing npm packages in $label (npm ci)"
		(cd "$dir" && npm ci --no-audit --no-fund)
	else
		say "installing npm packages in $label (npm install: no package-lock.json)"
		(cd "$dir" && npm install --no-audit --no-fund)
	fi
	printf '%s\n' "$sum" >"$stamp"
}

# Browser libraries from npm, served by the app itself (public/ is the site's assets folder):
# Leaflet at /vendor/leaflet/, Swagger UI (the API page, /api-docs) at /vendor/swagger-ui/.
# setup_vendor NAME FROM FILE...: copies FILEs of node_modules/FROM into public/vendor/NAME.
setup_vendor() {
	local name="$1" module="$2" from="$FLEETLINE_ROOT/node_modules/$2" to="$FLEETLINE_ROOT/public/vendor/$1"
	shift 2
	[ -e "$from/$1" ] || die "$from/$1 is missing: npm ci in $FLEETLINE_ROOT"
	local file same=1
	for file in "$@"; do
		diff -rq "$from/$file" "$to/$file" >/dev/null 2>&1 || same=0
	done
	if [ "$same" -eq 1 ]; then
		say "$name assets in public/vendor/$name: present"
		return
	fi
	say "copying $name from node_modules/$module into public/vendor/$name"
	rm -rf "$to"
	mkdir -p "$to"
	for file in "$@"; do
		cp -R "$from/$file" "$to/"
	done
}

setup_chromium() {
	if [ -x /usr/bin/chromium ]; then
		say "chromium: present ($(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium))"
		return
	fi
	command -v apt-get >/dev/null 2>&1 || die "/usr/bin/chromium is missing and there is no apt-get: install chromium"
	say "installing chromium and chromium-driver (apt-get, a few minutes, once)"
	as_root apt-get update
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
}

# setup_tools [--test]: everything but PostgreSQL. --test adds rustfmt, clippy and chromium.
setup_tools() {
	local for_tests=0
	case "${1:-}" in
	--test | --browser) for_tests=1 ;;
	"") ;;
	*) die "setup_tools: unknown option $1" ;;
	esac
	setup_path
	require_commands cargo rustup node npm
	setup_wasm_target
	[ "$for_tests" -eq 0 ] || setup_rust_components
	setup_cargo_leptos
	setup_wasm_bindgen
	setup_npm "$FLEETLINE_ROOT" "the repository root"
	[ -x "$FLEETLINE_ROOT/node_modules/.bin/wasm-opt" ] || die "node_modules/.bin/wasm-opt is missing (npm package binaryen)"
	# The browser comes from Debian (/usr/bin/chromium): no Playwright browser download.
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 setup_npm "$FLEETLINE_ROOT/end2end" "end2end/"
	setup_vendor leaflet leaflet/dist leaflet.js leaflet.css images
	setup_vendor swagger-ui swagger-ui-dist swagger-ui-bundle.js swagger-ui.css
	[ "$for_tests" -eq 0 ] || setup_chromium
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------

# A PostgreSQL program: on PATH, or the newest in /usr/lib/postgresql/*/bin.
pg_tool() {
	if command -v "$1" >/dev/null 2>&1; then
		command -v "$1"
		return
	fi
	local found
	# shellcheck disable=SC2012
	found="$(ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1 || true)"
	[ -n "$found" ] || return 1
	printf '%s\n' "$found"
}

pg_answers() {
	local isready
	isready="$(pg_tool pg_isready)" || die "pg_isready not found: apt-get install postgresql-client"
	"$isready" -q -h "$1" -p "$2" -U postgres -d postgres -t 3
}

pg_wait() {
	local host="$1" port="$2" seconds="${3:-30}" i
	for ((i = 0; i < seconds * 2; i++)); do
		pg_answers "$host" "$port" && return 0
		sleep 0.5
	done
	return 1
}

# shellcheck disable=SC2034 # url_db: for callers
# URL pieces: sets url_user, url_password, url_host, url_port, url_db (empty when absent).
# Percent-encoded characters are not decoded.
parse_pg_url() {
	local url="$1"
	url_user="" url_password="" url_host="" url_port="" url_db=""
	local re='^postgres(ql)?://(([^:@/]*)(:([^@/]*))?@)?([^:/?]*)(:([0-9]+))?(/([^?]*))?'
	[[ "$url" =~ $re ]] || die "not a postgres:// URL: $url"
	url_user="${BASH_REMATCH[3]}"
	url_password="${BASH_REMATCH[5]}"
	url_host="${BASH_REMATCH[6]}"
	url_port="${BASH_REMATCH[8]}"
	url_db="${BASH_REMATCH[10]}"
}

# The Debian cluster (postgresql-common) configured for a port: "VERSION NAME STATUS OWNER".
debian_cluster_for_port() {
	local port="$1"
	if command -v pg_lsclusters >/dev/null 2>&1; then
		pg_lsclusters --no-header 2>/dev/null | awk -v p="$port" '$3 == p { print $1, $2, $4, $5; exit }'
	elif [ "$port" = 5432 ] && [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
		# shellcheck disable=SC2012
		printf '%s main unknown postgres\n' "$(ls /etc/postgresql | sort -V | tail -n 1)"
	fi
}

start_debian_cluster() {
	local host="$1" port="$2" version name status
	read -r version name status _ < <(debian_cluster_for_port "$port") || return 1
	[ -n "${version:-}" ] || return 1
	command -v pg_ctlcluster >/dev/null 2>&1 || return 1
	say "starting the Debian PostgreSQL cluster $version/$name (port $port, was $status)"
	as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start ||
		note "pg_ctlcluster $version $name start failed"
	pg_wait "$host" "$port" 30
}

# A cluster of our own in $FLEETLINE_PGDATA (data/ and log), trust auth, TCP only.
start_private_cluster() {
	local host="$1" port="$2"
	local initdb pg_ctl
	initdb="$(pg_tool initdb)" || return 1
	pg_ctl="$(pg_tool pg_ctl)" || return 1
	local base="$FLEETLINE_PGDATA" data="$FLEETLINE_PGDATA/data" log="$FLEETLINE_PGDATA/log"
	local run_as=()
	if [ "$(id -u)" -eq 0 ]; then
		# initdb and postgres refuse to run as root.
		local user=postgres
		if ! id -u "$user" >/dev/null 2>&1; then
			user=fleetline-pg
			if ! id -u "$user" >/dev/null 2>&1; then
				say "creating the system user $user to own the private PostgreSQL cluster"
				useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
			fi
		fi
		run_as=(runuser -u "$user" --)
		mkdir -p "$base"
		chown "$user" "$base"
		chmod 700 "$base"
		"${run_as[@]}" test -w "$base" ||
			die "user $user cannot write $base (a parent folder is closed to it): set FLEETLINE_PGDATA to a folder it can reach, e.g. /var/tmp/fleetline-pgdata"
	else
		mkdir -p "$base"
		chmod 700 "$base"
	fi
	if [ ! -f "$data/PG_VERSION" ]; then
		say "creating a private PostgreSQL cluster in $data (trust auth, superuser postgres)"
		"${run_as[@]}" "$initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$base/initdb.log" 2>&1 || {
			cat "$base/initdb.log" >&2
			die "initdb failed"
		}
	fi
	if "${run_as[@]}" "$pg_ctl" -D "$data" status >/dev/null 2>&1; then
		die "the private cluster in $data runs but does not answer on $host:$port; stop it: ${run_as[*]} $pg_ctl -D $data stop"
	fi
	say "starting the private PostgreSQL cluster in $data on $host:$port (log: $log)"
	# No Unix socket: TCP only, so it never collides with a system server's socket.
	"${run_as[@]}" "$pg_ctl" -D "$data" -l "$log" -w -t 60 \
		-o "-c listen_addresses=$host -p $port -c unix_socket_directories=''" start >/dev/null || {
		tail -n 30 "$log" >&2 || true
		die "the private PostgreSQL cluster did not start (log: $log)"
	}
	pg_wait "$host" "$port" 30 || die "the private PostgreSQL cluster does not answer on $host:$port (log: $log)"
	note "it keeps running; stop it with: ${run_as[*]}${run_as:+ }$pg_ctl -D $data stop"
}

# psql against a server as some user, quietly, one value out. Args: user db sql...
psql_as() {
	local user="$1" db="$2"
	shift 2
	PGCONNECT_TIMEOUT=5 psql -X -w -q -A -t -v ON_ERROR_STOP=1 -h "$pg_host" -p "$pg_port" -U "$user" -d "$db" "$@"
}

# Appends `host all all 127.0.0.1/32 trust` (and ::1) at the top of a Debian cluster's pg_hba.conf.
trust_localhost() {
	local port="$1" version name hba
	read -r version name _ < <(debian_cluster_for_port "$port") || return 1
	hba="/etc/postgresql/$version/$name/pg_hba.conf"
	[ -f "$hba" ] || return 1
	say "allowing password-less logins from 127.0.0.1/::1 in $hba (CI/FLEETLINE_PG_TRUST_LOCALHOST)"
	as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
	as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" reload
	sleep 1
}

# Makes sure the URL's role can log in: creates it (LOGIN CREATEDB) through a superuser if needed.
ensure_role() {
	local url="$1" err user password
	parse_pg_url "$url"
	user="${url_user:-$(id -un)}"
	password="$url_password"
	if err="$(PGPASSWORD="$password" psql_as "$user" postgres -c 'SELECT 1' 2>&1 >/dev/null)"; then
		say "PostgreSQL role $user: can log in"
		return
	fi
	if [[ "$err" != *"role \"$user\" does not exist"* ]]; then
		if [[ "$err" == *password* || "$err" == *pg_hba.conf* ]] &&
			{ [ "${CI:-}" = true ] || [ "${FLEETLINE_PG_TRUST_LOCALHOST:-}" = 1 ]; } &&
			trust_localhost "$pg_port" &&
			PGPASSWORD="$password" psql_as "$user" postgres -c 'SELECT 1' >/dev/null 2>&1; then
			say "PostgreSQL role $user: can log in"
			return
		fi
		printf '%s\n' "$err" >&2
		die "cannot log in to PostgreSQL on $pg_host:$pg_port as $user. Either put the password in the URL (postgres://$user:PASSWORD@...), or allow trust logins from 127.0.0.1: add 'host all all 127.0.0.1/32 trust' at the top of pg_hba.conf and reload (FLEETLINE_PG_TRUST_LOCALHOST=1 does it for a Debian cluster)"
	fi
	# Find a superuser to create the role: over TCP, or as postgres over the Unix socket.
	local admin="" candidate
	local -a admin_cmd=()
	for candidate in postgres root "$(id -un)"; do
		if [ "$(psql_as "$candidate" postgres -c 'SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user' 2>/dev/null)" = t ]; then
			admin="$candidate"
			admin_cmd=(psql_as "$candidate" postgres)
			break
		fi
	done
	if [ -z "$admin" ] && [ "$(id -u)" -eq 0 ] && id -u postgres >/dev/null 2>&1 &&
		[ "$(runuser -u postgres -- psql -X -w -q -A -t -p "$pg_port" -d postgres -c 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user' 2>/dev/null)" = t ]; then
		admin="postgres (Unix socket)"
		admin_cmd=(runuser -u postgres -- psql -X -w -q -A -t -v ON_ERROR_STOP=1 -p "$pg_port" -d postgres)
	fi
	[ -n "$admin" ] || die "PostgreSQL role $user does not exist and no superuser could create it: CREATE ROLE \"$user\" LOGIN CREATEDB;"
	say "creating the PostgreSQL role $user (LOGIN CREATEDB, as $admin)"
	if [ -n "$password" ]; then
		"${admin_cmd[@]}" -v role="$user" -v pw="$password" <<<"CREATE ROLE :\"role\" LOGIN CREATEDB PASSWORD :'pw';"
	else
		"${admin_cmd[@]}" -v role="$user" <<<"CREATE ROLE :\"role\" LOGIN CREATEDB;"
	fi
}

# ensure_postgres [URL]: a server answers at the URL's host and port (started if it can be), and
# the URL's role can log in. Default URL: postgres://postgres@FLEETLINE_PG_HOST:FLEETLINE_PG_PORT/fleetline
ensure_postgres() {
	local url="${1:-postgres://postgres@$FLEETLINE_PG_HOST:$FLEETLINE_PG_PORT/fleetline}"
	require_commands psql
	parse_pg_url "$url"
	pg_host="${url_host:-$FLEETLINE_PG_HOST}"
	pg_port="${url_port:-5432}"
	if pg_answers "$pg_host" "$pg_port"; then
		say "PostgreSQL: answering on $pg_host:$pg_port"
	elif start_debian_cluster "$pg_host" "$pg_port"; then
		say "PostgreSQL: answering on $pg_host:$pg_port (Debian cluster)"
	elif pg_tool initdb >/dev/null && pg_tool pg_ctl >/dev/null; then
		start_private_cluster "$pg_host" "$pg_port"
		say "PostgreSQL: answering on $pg_host:$pg_port (private cluster in $FLEETLINE_PGDATA/data)"
	else
		die "no PostgreSQL answers on $pg_host:$pg_port and there is none to start: apt-get install postgresql (or point DATABASE_URL at a server)"
	fi
	ensure_role "$url"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	setup_tools "$@"
	ensure_postgres "${DATABASE_URL:-}"
	say "setup done"
fi
