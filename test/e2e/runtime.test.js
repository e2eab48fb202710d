// scripts/n8n-runtime.sh against a stand-in npm, so that its rules are checked in seconds rather
// than with a real three-minute install: what npm passes down does not stop the native build, a
// runtime is marked complete only once it works, and a broken one is noticed and installed again.
// The stand-in behaves as npm does where it matters: `rebuild` builds nothing when install
// scripts are off, by npm_config_ignore_scripts or by --ignore-scripts, unless the command line
// turns them back on.
'use strict';

const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { describe, it } = require('node:test');

const { REPO } = require('./n8n');

const VERSION = '2.8.4';
const SCRIPT = path.join(REPO, 'scripts/n8n-runtime.sh');

const FAKE_NPM = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const [command, ...args] = process.argv.slice(2);
const modules = path.join(process.cwd(), 'node_modules');
if (process.env.FAKE_NPM_FAIL === command) { console.error('npm error: fake ' + command + ' failure'); process.exit(1); }
if (command === 'ci') {
	fs.mkdirSync(path.join(modules, 'sqlite3'), { recursive: true });
	fs.writeFileSync(path.join(modules, 'sqlite3', 'index.js'), "if (!require('node:fs').existsSync(__dirname + '/binding.node')) throw new Error('no binding');");
	fs.mkdirSync(path.join(modules, 'n8n', 'bin'), { recursive: true });
	fs.writeFileSync(path.join(modules, 'n8n', 'bin', 'n8n'), "console.log('${VERSION}')");
}
if (command === 'rebuild') {
	const flag = args.find((arg) => arg.startsWith('--ignore-scripts'));
	const off = flag ? flag !== '--ignore-scripts=false' : process.env.npm_config_ignore_scripts === 'true';
	if (!off && !process.env.FAKE_NPM_BUILDS_NOTHING) fs.writeFileSync(path.join(modules, 'sqlite3', 'binding.node'), '');
}
`;

function sandbox() {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rudderstack-runtime-test-'));
	const bin = path.join(root, 'bin');
	fs.mkdirSync(bin);
	fs.writeFileSync(path.join(bin, 'npm'), FAKE_NPM, { mode: 0o755 });
	const cache = path.join(root, 'cache');
	const run = (env = {}) => {
		const result = spawnSync('bash', [SCRIPT, VERSION], {
			encoding: 'utf8',
			// As under `npm run check`: npm exports the project's .npmrc to its scripts.
			env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, N8N_RUNTIME_CACHE: cache, npm_config_ignore_scripts: 'true', ...env },
		});
		return { ...result, dir: path.join(cache, `n8n-${VERSION}`) };
	};
	return { cache, run };
}

describe('scripts/n8n-runtime.sh', () => {
	it('builds the native module although npm passes ignore-scripts down, checks it, then marks the runtime complete', () => {
		const { run } = sandbox();
		const result = run();
		assert.equal(result.status, 0, result.stderr);
		assert.equal(result.stdout.trim().split('\n').pop(), result.dir);
		assert.ok(fs.existsSync(path.join(result.dir, 'node_modules/sqlite3/binding.node')), 'sqlite3 was built');
		assert.ok(fs.existsSync(path.join(result.dir, '.complete')));
		assert.equal(fs.existsSync(`${result.dir}.partial`), false);
	});

	it('a build that produced nothing is not marked complete, says what failed and how to retry, and keeps nothing', () => {
		const { run } = sandbox();
		const result = run({ FAKE_NPM_BUILDS_NOTHING: '1' });
		assert.notEqual(result.status, 0);
		assert.match(result.stderr, /Installing n8n 2\.8\.4 failed while checking that n8n's native modules load/);
		assert.match(result.stderr, /Retry with: bash scripts\/n8n-runtime\.sh 2\.8\.4/);
		assert.equal(fs.existsSync(result.dir), false, 'no runtime folder that could look complete');
		assert.equal(fs.existsSync(`${result.dir}.partial`), false);
	});

	it('an npm failure keeps nothing half-installed', () => {
		const { run } = sandbox();
		const result = run({ FAKE_NPM_FAIL: 'ci' });
		assert.notEqual(result.status, 0);
		assert.match(result.stderr, /failed while running npm ci/);
		assert.equal(fs.existsSync(`${result.dir}.partial`), false);
		assert.equal(fs.existsSync(result.dir), false);
	});

	it('a runtime marked complete whose native module was deleted is noticed and installed again', () => {
		const { run } = sandbox();
		const first = run();
		assert.equal(first.status, 0, first.stderr);
		fs.rmSync(path.join(first.dir, 'node_modules/sqlite3/binding.node'));
		const second = run();
		assert.equal(second.status, 0, second.stderr);
		assert.match(second.stderr, /marked complete but its native modules do not load; installing it again/);
		assert.ok(fs.existsSync(path.join(second.dir, 'node_modules/sqlite3/binding.node')), 'sqlite3 was built again');
		const third = run();
		assert.equal(third.status, 0);
		assert.equal(third.stderr, '', 'a working runtime is reused silently');
	});
});
