#!/usr/bin/env bash
# `npm start`: dependencies if missing, a fresh build, then the playground.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/n8n-core ] || npm ci --no-audit --no-fund
npm run build >/dev/null
exec node scripts/playground.js
