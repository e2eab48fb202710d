// CI's check of `npm start` as a newcomer's first command: runs it for real, waits for the editor
// URL and login it prints, logs in, finds the sample workflows, runs the manual ones against the
// playground's mock, then presses Ctrl-C and expects everything to stop. Node built-ins only, so
// that it can run before any dependency is installed.
'use strict';

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..');
const PORT = Number(process.env.SMOKE_N8N_PORT ?? 5690);
const MOCK_PORT = Number(process.env.SMOKE_MOCK_PORT ?? 4090);
// A cold start installs the dev dependencies and an n8n runtime first.
const READY_WITHIN_MS = 25 * 60_000;
const MOCK_DATA_PLANE_PORT = Number(process.env.SMOKE_DATA_PLANE_PORT ?? 4091);
// The samples a user runs with "Execute workflow" (the others are active triggers).
const MANUAL_SAMPLES = require('./playground')
	.SAMPLES.filter((sample) => sample.nodes.some((node) => node.type === 'n8n-nodes-base.manualTrigger'))
	.map((sample) => sample.id);

function startPlayground() {
	const child = spawn('npm', ['start'], {
		cwd: REPO,
		env: { ...process.env, N8N_PORT: String(PORT), MOCK_RUDDERSTACK_PORT: String(MOCK_PORT), MOCK_DATA_PLANE_PORT: String(MOCK_DATA_PLANE_PORT) },
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	let output = '';
	const ready = new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`npm start printed no editor URL within ${READY_WITHIN_MS / 60_000} min:\n${output}`)), READY_WITHIN_MS);
		const onData = (chunk) => {
			process.stdout.write(chunk);
			output += chunk;
			const url = /is running with n8n-nodes-rudderstack: (http\S+)/.exec(output);
			const login = /Log in as (\S+) \/ (\S+)/.exec(output);
			if (url && login) {
				clearTimeout(timer);
				resolve({ url: url[1], email: login[1], password: login[2] });
			}
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		child.on('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`npm start exited (${code}) before it was ready:\n${output}`));
		});
	});
	return { child, ready };
}

async function main() {
	const started = Date.now();
	const { child, ready } = startPlayground();
	const exited = new Promise((resolve) => child.on('exit', resolve));
	try {
		const { url, email, password } = await ready;
		console.log(`\nsmoke: npm start was ready after ${((Date.now() - started) / 1000).toFixed(0)} s`);
		const editor = await fetch(url);
		assert.equal(editor.status, 200, 'the editor page');
		assert.match(await editor.text(), /<div id="app"|n8n/i);
		const login = await fetch(`${url}/rest/login`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ emailOrLdapLoginId: email, email, password }),
		});
		assert.equal(login.status, 200, `login with the printed credentials: ${await login.clone().text()}`);
		const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
		const listed = await (await fetch(`${url}/rest/workflows`, { headers: { cookie } })).json();
		const ids = (listed.data ?? []).map((workflow) => workflow.id);
		for (const id of MANUAL_SAMPLES) assert.ok(ids.includes(id), `sample ${id} is in the editor (found ${ids.join(', ')})`);

		// The samples as a user runs them, in the playground's own n8n folder, beside the server.
		const { N8n } = require('../test/e2e/n8n');
		const cache = process.env.N8N_RUNTIME_CACHE ?? path.join(os.homedir(), '.cache/n8n-nodes-rudderstack');
		const n8n = new N8n(process.env.N8N_VERSION ?? '2.41.0', { userFolder: path.join(cache, 'playground'), port: PORT });
		for (const id of MANUAL_SAMPLES) {
			const result = await n8n.execute(id);
			assert.ok(result.ok, `sample ${id} ran: ${result.error?.message ?? result.stdout.slice(-2000)}`);
			console.log(`smoke: sample ${id} ran`);
		}
	} finally {
		if (child.exitCode === null) process.kill(-child.pid, 'SIGINT');
		const stopped = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 20_000))]);
		if (!stopped) process.kill(-child.pid, 'SIGKILL');
		assert.ok(stopped, 'Ctrl-C stopped npm start within 20 s');
	}
	console.log(`smoke: npm start works (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
