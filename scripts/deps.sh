#!/usr/bin/env bash
# The project's dev dependencies, installed from the lockfile when missing or older than it.
# .npmrc turns install scripts off: one dev dependency's preinstall demands pnpm, and no
# dependency needs a build step for lint, build or the unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d node_modules/n8n-core ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then exit 0; fi
npm ci --no-audit --no-fund
