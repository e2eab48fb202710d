#!/usr/bin/env bash
# Set up and test from a fresh clone: dependencies, lint, build, unit tests, then the
# end-to-end suite in real n8n (installed on first use into ~/.cache/n8n-nodes-rudderstack).
set -euo pipefail
cd "$(dirname "$0")/.."

# .npmrc turns install scripts off: one dev dependency's preinstall demands pnpm, and no
# dependency needs a build step for lint, build or the unit tests.
[ -d node_modules/n8n-core ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund

npm run lint
npm run build
npm test
npm run test:e2e
