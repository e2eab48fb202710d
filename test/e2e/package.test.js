// What `npm pack` ships: the built node, credential, icons and codex, and nothing from test/.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { it } = require('node:test');

const { REPO } = require('./n8n');

it('the packed tarball holds dist with the node, the trigger, the credential, the icons and the codex, and no tests', () => {
	const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: REPO, encoding: 'utf8' }));
	const files = pack.files.map((f) => f.path);
	for (const required of [
		'package.json',
		'LICENSE',
		'README.md',
		'dist/nodes/RudderStack/RudderStack.node.js',
		'dist/nodes/RudderStack/RudderStack.node.json',
		'dist/nodes/RudderStackTrigger/RudderStackTrigger.node.js',
		'dist/nodes/RudderStackTrigger/RudderStackTrigger.node.json',
		'dist/credentials/RudderStackApi.credentials.js',
		'dist/icons/rudderstack.svg',
		'dist/icons/rudderstack.dark.svg',
	]) {
		assert.ok(files.includes(required), `${required} is missing from the tarball`);
	}
	assert.deepEqual(files.filter((f) => /(^|\/)test\/|\.test\.|\/mock\//.test(f)), []);
	const manifest = require(`${REPO}/package.json`);
	assert.equal(manifest.dependencies, undefined);
	assert.deepEqual(manifest.peerDependencies, { 'n8n-workflow': '*' });
});
