#!/usr/bin/env bash
# `npm start`: dependencies if missing, a fresh build, then the playground.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
npm run build >/dev/null
exec node scripts/playground.js
