#!/usr/bin/env bash
# Set up and test from a fresh clone: dependencies, lint, build, unit tests, then the
# end-to-end suite in real n8n (installed on first use into ~/.cache/n8n-nodes-rudderstack)
# and the editor check in headless Chromium (installed from Debian when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh

# The editor check drives Debian's Chromium; playwright-core never downloads a browser.
if [ ! -x /usr/lib/chromium/chromium ] && [ ! -x /usr/bin/chromium ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null
	else
		echo "Chromium is needed for the editor check: sudo apt-get install -y chromium" >&2
		exit 1
	fi
fi

npm run lint
npm run build
npm test
npm run test:e2e
