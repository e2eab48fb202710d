// `npm run bench` (`-- --short` for CI): runs the built node through n8n-core's real engine
// against the project's mock RudderStack and prints one table of figures measured side by side.
'use strict';

const { execFileSync, spawn } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');

const { runInEngine, shutdownEngine } = require('../test/engine');
const { createMockRudderStack } = require('../test/mock/rudderstack-mock');

const DIST = path.join(__dirname, '../dist');
const { RudderStack } = require(path.join(DIST, 'nodes/RudderStack/RudderStack.node.js'));
const { RudderStackApi } = require(path.join(DIST, 'credentials/RudderStackApi.credentials.js'));

const SHORT = process.argv.includes('--short');
const CFG = SHORT
	? { items: 10, runMs: 400, interval: 0.1, repeats: 1, sequentialRepeats: 1, overheadRequests: 100, memoryRuns: 200, loadRepeats: 3 }
	: { items: 50, runMs: 2000, interval: 0.5, repeats: 5, sequentialRepeats: 1, overheadRequests: 500, memoryRuns: 1000, loadRepeats: 7 };
const TOKEN = 'bench-token';
const nodeType = new RudderStack();
const credentialType = new RudderStackApi();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => (xs.length > 1 ? `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}` : 'one run');
const fmt = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3));

async function startSyncs(mock, ids, options) {
	const began = Date.now();
	const result = await runInEngine({
		nodeType,
		credentialType,
		credentials: { host: mock.url, accessToken: TOKEN },
		items: ids.map((connection) => ({ connection })),
		parameters: {
			resource: 'retl',
			operation: 'start',
			connectionId: { __rl: true, mode: 'id', value: '={{ $json.connection }}' },
			options: { pollInterval: CFG.interval, ...options },
		},
	});
	if (result.error) throw result.error;
	return Date.now() - began;
}

/** For each run: requests it took, and how late its end was noticed. */
function perRun(mock) {
	return [...mock.runs.values()].flat().map((run) => {
		const mine = mock.requests.filter((r) => r.path.startsWith(`/v2/retl-connections/${run.targetId}/`));
		const endsAt = run.startedAt + CFG.runMs;
		const noticed = mine.find((r) => r.method === 'GET' && r.at >= endsAt && r.path.endsWith(run.id));
		return { requests: mine.length, lateMs: noticed ? noticed.at - endsAt : NaN };
	});
}

async function fanOut(mock, ids) {
	const wall = [];
	const late = [];
	const requests = [];
	for (let i = 0; i < CFG.repeats; i++) {
		mock.reset();
		for (const id of ids) mock.script(id, { runMs: CFG.runMs, outcome: 'succeeded' });
		wall.push(await startSyncs(mock, ids, { concurrency: ids.length, maxRequestsPerSecond: 1000 }));
		const runs = perRun(mock);
		late.push(runs.reduce((sum, r) => sum + r.lateMs, 0) / runs.length);
		requests.push(median(runs.map((r) => r.requests)));
	}
	return { wall, late, requests };
}

async function sequential(mock, ids) {
	const wall = [];
	for (let i = 0; i < CFG.sequentialRepeats; i++) {
		mock.reset();
		for (const id of ids) mock.script(id, { runMs: CFG.runMs, outcome: 'succeeded' });
		wall.push(await startSyncs(mock, ids, { concurrency: 1 }));
	}
	return wall;
}

async function storm(mock, ids) {
	const requests = [];
	for (let i = 0; i < CFG.repeats; i++) {
		mock.reset();
		for (const id of ids) mock.script(id, { runMs: CFG.runMs, outcome: 'succeeded' });
		mock.setStorm({ rate: 0.3, retryAfter: 1 });
		await startSyncs(mock, ids, { concurrency: ids.length, maxRequestsPerSecond: 1000, maxRetries: 20, retryDelay: 0.1 });
		mock.setStorm(undefined);
		const runs = perRun(mock);
		requests.push(runs.reduce((sum, r) => sum + r.requests, 0) / runs.length);
	}
	return requests;
}

/** CPU per request: the node's `get` against a bare http.request, on the same mock. */
async function overhead(mock) {
	mock.reset();
	mock.script('c0', { runMs: 0, outcome: 'succeeded' });
	await startSyncs(mock, ['c0'], {});
	const [run] = mock.runs.get('c0');
	const n = CFG.overheadRequests;
	const bare = async () => {
		const cpu = process.cpuUsage();
		for (let i = 0; i < n; i++) {
			await new Promise((resolve, reject) => {
				const req = http.request(`${mock.url}/v2/retl-connections/c0/syncs/${run.id}`, { headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
					let body = '';
					res.on('data', (c) => (body += c));
					res.on('end', () => resolve(JSON.parse(body)));
				});
				req.on('error', reject);
				req.end();
			});
		}
		const used = process.cpuUsage(cpu);
		return (used.user + used.system) / 1000 / n;
	};
	const viaNode = async () => {
		const cpu = process.cpuUsage();
		const result = await runInEngine({
			nodeType,
			credentialType,
			credentials: { host: mock.url, accessToken: TOKEN },
			items: Array.from({ length: n }, () => ({})),
			parameters: { resource: 'retl', operation: 'get', connectionId: { __rl: true, mode: 'id', value: 'c0' }, syncId: run.id },
		});
		if (result.error) throw result.error;
		const used = process.cpuUsage(cpu);
		return (used.user + used.system) / 1000 / n;
	};
	// n8n's own authenticated request helper, called n times by a minimal node in the same engine:
	// what any node pays, so that node minus helper is what this package adds.
	const helperNode = {
		description: { name: 'bare', displayName: 'bare', group: [], version: 1, description: '', defaults: {}, inputs: ['main'], outputs: ['main'], properties: [], credentials: [{ name: 'rudderStackApi', required: true }] },
		async execute() {
			for (let i = 0; i < n; i++) {
				await this.helpers.httpRequestWithAuthentication.call(this, 'rudderStackApi', { method: 'GET', baseURL: mock.url, url: `/v2/retl-connections/c0/syncs/${run.id}`, json: true });
			}
			return [[]];
		},
	};
	const viaHelper = async () => {
		const cpu = process.cpuUsage();
		const result = await runInEngine({ nodeType: helperNode, credentialType, credentials: { host: mock.url, accessToken: TOKEN }, parameters: {} });
		if (result.error) throw result.error;
		const used = process.cpuUsage(cpu);
		return (used.user + used.system) / 1000 / n;
	};
	const vsBare = [];
	const vsHelper = [];
	for (let i = 0; i < 3; i++) {
		const b = await bare();
		const h = await viaHelper();
		const v = await viaNode();
		vsBare.push(v - b);
		vsHelper.push(v - h);
	}
	return { vsBare, vsHelper };
}

function loadTimes() {
	const script = `require('n8n-workflow');const t=process.hrtime.bigint();require(${JSON.stringify(path.join(DIST, 'nodes/RudderStack/RudderStack.node.js'))});console.log(Number(process.hrtime.bigint()-t)/1e6)`;
	return Array.from({ length: CFG.loadRepeats }, () => Number(execFileSync(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..'), encoding: 'utf8' }).trim()));
}

/** Heap growth of this process only: the mock runs in a child process for this figure. */
async function memory() {
	const child = spawn(process.execPath, [path.join(__dirname, '../test/mock/rudderstack-mock.js'), '0'], { env: { ...process.env, MOCK_RUDDERSTACK_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'inherit'] });
	const url = await new Promise((resolve) => child.stdout.once('data', (chunk) => resolve(String(chunk).match(/http:\/\/[\d.:]+/)[0])));
	const mock = { url };
	const ids = Array.from({ length: CFG.memoryRuns }, (_, i) => `m${i}`);
	global.gc?.();
	const before = process.memoryUsage().heapUsed;
	let peak = before;
	const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
	await startSyncs(mock, ids, { concurrency: ids.length, maxRequestsPerSecond: 5000, pollInterval: 0.1 });
	clearInterval(sampler);
	peak = Math.max(peak, process.memoryUsage().heapUsed);
	child.kill();
	return (peak - before) / 1024 / 1024;
}

async function main() {
	const mock = createMockRudderStack({ token: TOKEN });
	await mock.start();
	const ids = Array.from({ length: CFG.items }, (_, i) => `c${i}`);
	const T = CFG.runMs / 1000;
	const floor = Math.ceil(T / CFG.interval) + 2;

	const fan = await fanOut(mock, ids);
	const seq = await sequential(mock, ids);
	const stormRequests = await storm(mock, ids);
	const cpu = await overhead(mock);
	const load = loadTimes();
	await mock.stop();
	const heapMb = await memory();

	const fanWall = median(fan.wall) / 1000;
	const rows = [
		['Fan-out wall time (s)', fmt(fanWall), spread(fan.wall.map((w) => w / 1000)), `${CFG.items} runs of ${T} s, poll ${CFG.interval} s, concurrency ${CFG.items}`],
		['  ratio to T + interval', fmt(fanWall / (T + CFG.interval)), spread(fan.wall.map((w) => w / 1000 / (T + CFG.interval))), 'goal ≤ 1.1 (hand-built loop: ~2)'],
		['  one at a time (s)', fmt(median(seq) / 1000), spread(seq.map((w) => w / 1000)), 'concurrency 1, same mock'],
		['  ratio to one at a time', fmt(fanWall / (median(seq) / 1000)), '', 'goal ≤ 0.03'],
		['  completion noticed late (ms, mean)', fmt(median(fan.late)), spread(fan.late), `goal ≤ ${(CFG.interval * 1000) / 2} (interval / 2)`],
		['Requests per run', fmt(median(fan.requests)), spread(fan.requests), `floor ⌈T/interval⌉ + 2 = ${floor}; goal ≤ ${floor}`],
		['  under a 30% 429 storm', fmt(median(stormRequests)), spread(stormRequests), `goal ≤ ${2 * floor} (2 × floor)`],
		['Node CPU overhead per request (ms)', fmt(median(cpu.vsBare)), spread(cpu.vsBare), 'vs a bare http.request; goal ≤ 1'],
		['  of which this package (ms)', fmt(median(cpu.vsHelper)), spread(cpu.vsHelper), "vs n8n's httpRequestWithAuthentication alone"],
		['require() of the node (ms)', fmt(median(load)), spread(load), 'n8n-workflow preloaded; goal < 50'],
		[`Heap growth, ${CFG.memoryRuns} concurrent runs (MB)`, fmt(heapMb), 'one run', 'goal ≤ 50'],
	];
	const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => String(r[c]).length), ['figure', 'median', 'spread', 'setting / goal'][c].length));
	const line = (r) => `| ${r.map((cell, c) => String(cell).padEnd(widths[c])).join(' | ')} |`;
	console.log(`\nRudderStack node benchmark${SHORT ? ' (short)' : ''}, Node ${process.version}\n`);
	console.log(line(['figure', 'median', 'spread', 'setting / goal']));
	console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
	for (const row of rows) console.log(line(row));
	shutdownEngine();
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
