#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis from Debian's packages are installed, for the queue-mode E2E
# suite (test/e2e/queue.test.js), which starts its own instances of them on loopback.
# Installs what is missing (as root, with apt-get), then prints two lines:
#   PG_BIN=<folder with initdb and postgres>
#   REDIS_SERVER=<path of redis-server>
set -euo pipefail

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

missing=()
{ [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ]; } || missing+=(postgresql)
command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || missing+=(redis-server)

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		echo "The queue-mode suite needs ${missing[*]}: sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	echo "Installing ${missing[*]} from Debian's packages" >&2
	export DEBIAN_FRONTEND=noninteractive
	# Debian's packages would start their own services on the default ports; the suite starts
	# its own, so keep the package scripts from starting any (a policy-rc.d that exits 101).
	policy=/usr/sbin/policy-rc.d
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"
		trap 'rm -f "$policy"' EXIT
	fi
	apt-get update -qq >&2
	apt-get install -y -qq "${missing[@]}" >&2
fi

echo "PG_BIN=$(pg_bin)"
echo "REDIS_SERVER=$(command -v redis-server || echo /usr/bin/redis-server)"
