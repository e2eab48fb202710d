// `npm run bench` (`-- --short` for CI): runs the built node through n8n-core's real engine, and
// in the full run also in a real n8n, against the project's mock RudderStack (in a child process
// where CPU and heap are measured), and prints one table of figures measured side by side.
'use strict';

const { execFileSync, spawn } = require('node:child_process');
const http = require('node:http');
const v8 = require('node:v8');
const path = require('node:path');

const { runInEngine, shutdownEngine } = require('../test/engine');
const { createMockRudderStack } = require('../test/mock/rudderstack-mock');
const { eventsBench, printTable } = require('./events');

const DIST = path.join(__dirname, '../dist');
const { RudderStack } = require(path.join(DIST, 'nodes/RudderStack/RudderStack.node.js'));
const { RudderStackApi } = require(path.join(DIST, 'credentials/RudderStackApi.credentials.js'));

const SHORT = process.argv.includes('--short');
// `-- --fan-out`: only the fan-outs (engine, and real n8n unless --short), the figures issue 12 is about.
const FAN_OUT_ONLY = process.argv.includes('--fan-out') || process.argv.includes('--engine-fan-out');
// `-- --engine-fan-out`: the fan-outs in n8n-core's engine only, a quick look while changing the pacer.
const ENGINE_ONLY = process.argv.includes('--engine-fan-out');
// The full run repeats the fan-out in a real n8n, the newest the E2E suite installs.
const REAL_N8N_VERSION = '2.41.0';
// `interval` is the fan-out's poll interval (demand N / interval above the default ceiling),
// `withinInterval` a second one whose demand the default ceiling meets.
const CFG = SHORT
	? { items: 10, runMs: 400, interval: 0.1, withinInterval: 0.2, repeats: 1, realRepeats: 1, sequentialRepeats: 1, overheadRequests: 100, overheadRepeats: 3, memoryRuns: 100, memoryRepeats: 1, perPollRepeats: 1, loadRepeats: 3 }
	: { items: 50, runMs: 2000, interval: 0.5, withinInterval: 1, repeats: 5, realRepeats: 3, sequentialRepeats: 1, overheadRequests: 500, overheadRepeats: 15, memoryRuns: 1000, memoryRepeats: 2, perPollRepeats: 3, loadRepeats: 7 };
/** The node's defaults that the fan-out goals are measured at (run/settings.ts). */
const DEFAULT_CEILING = 50;
/** The settings the issue calls tuned: what a user would have to know to set. */
const TUNED = (n) => ({ concurrency: n, maxRequestsPerSecond: 1000 });
const TOKEN = 'bench-token';
const nodeType = new RudderStack();
const credentialType = new RudderStackApi();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
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

/**
 * What a user builds by hand: an HTTP Request that starts every item's sync at once, then Wait
 * (interval) → HTTP Request (status of every item still running) → IF running, back to Wait.
 * Here as one node in the same engine, with n8n's authenticated request helper: the loop without
 * the cost of n8n passing items between four nodes, so it flatters the loop, not the node.
 */
const handBuiltLoop = {
	description: {
		...nodeType.description,
		name: 'handBuiltLoop',
		properties: [
			{ displayName: 'Interval (ms)', name: 'intervalMs', type: 'number', default: 1000 },
			{ displayName: 'Host', name: 'host', type: 'string', default: '' },
		],
	},
	async execute() {
		const items = this.getInputData();
		const intervalMs = this.getNodeParameter('intervalMs', 0);
		const host = this.getNodeParameter('host', 0);
		const send = (method, url) => this.helpers.httpRequestWithAuthentication.call(this, 'rudderStackApi', { method, baseURL: host, url, json: true, body: method === 'POST' ? {} : undefined });
		let pending = await Promise.all(items.map(async ({ json }) => ({ id: json.connection, syncId: (await send('POST', `/v2/retl-connections/${json.connection}/start`)).syncId })));
		while (pending.length) {
			await new Promise((resolve) => setTimeout(resolve, intervalMs));
			const statuses = await Promise.all(pending.map(({ id, syncId }) => send('GET', `/v2/retl-connections/${id}/syncs/${syncId}`)));
			pending = pending.filter((_, i) => statuses[i].status === 'running');
		}
		return [items];
	},
};

async function loopSyncs(mock, ids, interval) {
	const began = Date.now();
	const result = await runInEngine({
		nodeType: handBuiltLoop,
		credentialType,
		credentials: { host: mock.url, accessToken: TOKEN },
		items: ids.map((connection) => ({ connection })),
		parameters: { intervalMs: interval * 1000, host: mock.url },
	});
	if (result.error) throw result.error;
	return Date.now() - began;
}

/**
 * The order in which the spread lengths go to the items: a fixed shuffle, unrelated to the items'
 * order, as real runs' lengths are (in item order they would follow the order in which the items
 * start and poll, and a pacer that polls in that order would notice every run at once). One order
 * alone leans a mean lag by its luck, about ±40 ms at 50 runs, so each repeat turns the lengths
 * one step further (by n / repeats): over the repeats, each item's run takes lengths evenly spread
 * across the whole spread, and the mean lag over all repeats is the one of lengths unrelated to
 * when each item polls. The same for the defaults, tuned and the loop.
 */
function shuffledRanks(n, repeat, repeats) {
	let seed = 12;
	const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
	const ranks = Array.from({ length: n }, (_, i) => i);
	for (let i = n - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[ranks[i], ranks[j]] = [ranks[j], ranks[i]];
	}
	return ranks.map((rank) => (rank + repeat * Math.round(n / repeats)) % n);
}

/** How long each id's run lasts: T, or spread evenly over one interval (T + 0 … interval), in the repeat's order. */
function runLengths(ids, spreadS = 0, repeat = 0, repeats = 1) {
	const ranks = shuffledRanks(ids.length, repeat, repeats);
	return new Map(ids.map((id, i) => [id, CFG.runMs + Math.round((ranks[i] / ids.length) * spreadS * 1000)]));
}

/** A clean mock on which every id runs for its length and succeeds. */
function freshRuns(mock, ids, lengths = runLengths(ids)) {
	mock.reset();
	for (const id of ids) mock.script(id, { runMs: lengths.get(id), outcome: 'succeeded' });
}

/** For each run: requests it took, and how late its end was noticed. */
function perRun(mock, lengths) {
	return [...mock.runs.values()].flat().map((run) => {
		const mine = mock.requests.filter((r) => r.path.startsWith(`/v2/retl-connections/${run.targetId}/`));
		const endsAt = run.startedAt + (lengths?.get(run.targetId) ?? CFG.runMs);
		const noticed = mine.find((r) => r.method === 'GET' && r.at >= endsAt && r.path.endsWith(run.id));
		return { requests: mine.length, lateMs: noticed ? noticed.at - endsAt : NaN };
	});
}

/**
 * `run` starts the syncs of `ids` and resolves with the step's wall ms; repeated, with wall time,
 * mean lag and the median run's request count of each repeat.
 */
async function fanOut(mock, ids, { spreadS, repeats = CFG.repeats }, run) {
	const wall = [];
	const late = [];
	const requests = [];
	for (let i = 0; i < repeats; i++) {
		const lengths = runLengths(ids, spreadS, i, repeats);
		freshRuns(mock, ids, lengths);
		wall.push(await run());
		const runs = perRun(mock, lengths);
		late.push(runs.reduce((sum, r) => sum + r.lateMs, 0) / runs.length);
		requests.push(median(runs.map((r) => r.requests)));
	}
	return { wall, late, requests };
}

/**
 * The interval the ceiling stretches polling to at the defaults: N requests per round, a round
 * per second of the ceiling (plus each answer's time, which the ceiling also counts).
 */
const effectiveInterval = (interval, n) => Math.max(interval, n / DEFAULT_CEILING);

/**
 * The fan-outs the goals are about, each at the node's defaults, tuned, and as the hand-built loop.
 * Runs spread over one poll interval are issue 12's example; spread over one effective interval,
 * their ends fall evenly across the beat the ceiling sets, which is what the fixed-beat floor
 * (half that interval) assumes.
 */
const SHAPES = [
	{ name: 'fan-out', interval: CFG.interval },
	{ name: 'fan-out, demand within the ceiling', interval: CFG.withinInterval },
	{ name: `fan-out, runs of T + 0…${CFG.interval} s (spread over one poll interval)`, interval: CFG.interval, spreadS: CFG.interval },
	{ name: `fan-out, runs of T + 0…${fmt(effectiveInterval(CFG.interval, CFG.items))} s (spread over one effective interval)`, interval: CFG.interval, spreadS: effectiveInterval(CFG.interval, CFG.items) },
];

async function engineFanOuts(mock, ids) {
	const figures = [];
	for (const shape of SHAPES) {
		figures.push({
			shape,
			defaults: await fanOut(mock, ids, shape, () => startSyncs(mock, ids, { pollInterval: shape.interval })),
			tuned: await fanOut(mock, ids, shape, () => startSyncs(mock, ids, { pollInterval: shape.interval, ...TUNED(ids.length) })),
			loop: await fanOut(mock, ids, shape, () => loopSyncs(mock, ids, shape.interval)),
		});
	}
	return figures;
}

/**
 * The loop as users build it in n8n: HTTP Request (start every item's sync, with the RudderStack
 * credential) → Wait (interval) → HTTP Request (the sync's status) → IF running, back to Wait.
 * Four nodes, n8n passing the items between them, nothing of this package.
 */
function handBuiltLoopWorkflow(id, name, host, interval, input) {
	const { CREDENTIAL, workflow } = require('../test/e2e/workflows');
	const request = (nodeName, method, url, position) => ({
		id: nodeName.replace(/\W+/g, '-').toLowerCase(),
		name: nodeName,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position,
		parameters: {
			method,
			url,
			authentication: 'predefinedCredentialType',
			nodeCredentialType: 'rudderStackApi',
			...(method === 'POST' ? { sendBody: true, specifyBody: 'json', jsonBody: '{}' } : {}),
			options: {},
		},
		credentials: { rudderStackApi: CREDENTIAL },
	});
	const flow = workflow(id, name, [
		request('Start syncs', 'POST', `={{ '${host}/v2/retl-connections/' + $json.connection + '/start' }}`, [400, 0]),
		{ id: 'wait', name: 'Wait', type: 'n8n-nodes-base.wait', typeVersion: 1.1, position: [600, 0], webhookId: `${id}-wait`, parameters: { amount: interval, unit: 'seconds' } },
		request('Sync status', 'GET', `={{ '${host}/v2/retl-connections/' + $('Items').item.json.connection + '/syncs/' + ($json.syncId ?? $json.id) }}`, [800, 0]),
		{
			id: 'if-running',
			name: 'Still running?',
			type: 'n8n-nodes-base.if',
			typeVersion: 2,
			position: [1000, 0],
			parameters: {
				conditions: {
					options: { caseSensitive: true, leftValue: '', typeValidation: 'strict' },
					conditions: [{ id: 'running', leftValue: '={{ $json.status }}', rightValue: 'running', operator: { type: 'string', operation: 'equals' } }],
					combinator: 'and',
				},
				options: {},
			},
		},
	], input);
	// IF's true output goes back to Wait; its false output (done) ends the loop.
	flow.connections['Still running?'] = { main: [[{ node: 'Wait', type: 'main', index: 0 }], []] };
	return flow;
}

/** Wall ms of a real n8n execution from the first task of `firstNode` to the end of the last task. */
function executionWall(runData, firstNode) {
	const tasks = Object.values(runData).flat();
	const end = Math.max(...tasks.map((task) => task.startTime + task.executionTime));
	return end - runData[firstNode][0].startTime;
}

/** The same fan-outs in a real n8n (the E2E runtime), with the packed package installed as users do. */
async function realN8nFanOuts(mock, ids) {
	const { N8n, PORT_BASE } = require('../test/e2e/n8n');
	const { CREDENTIAL, locator, rudderStack, workflow } = require('../test/e2e/workflows');
	const n8n = new N8n(REAL_N8N_VERSION, { port: PORT_BASE + 72 });
	n8n.installPackage();
	await n8n.importCredential({ ...CREDENTIAL, type: 'rudderStackApi', data: { host: mock.url, accessToken: TOKEN } });
	const node = 'Sync connections';
	const input = ids.map((connection) => ({ connection }));
	const flows = [];
	for (const [s, shape] of SHAPES.entries()) {
		for (const variant of ['defaults', 'tuned']) {
			const options = { pollInterval: shape.interval, ...(variant === 'tuned' ? TUNED(ids.length) : {}) };
			flows.push({ shape, variant, first: node, flow: workflow(`benchFan${s}${variant[0]}`, `Benchmark: ${shape.name}, ${variant}`, [rudderStack(node, { resource: 'retl', operation: 'start', connectionId: locator('={{ $json.connection }}'), options }, [400, 0])], input) });
		}
		flows.push({ shape, variant: 'loop', first: 'Start syncs', flow: handBuiltLoopWorkflow(`benchFan${s}l`, `Benchmark: ${shape.name}, hand-built loop`, mock.url, shape.interval, input) });
	}
	await n8n.importWorkflows(flows.map(({ flow }) => flow));
	const figures = [];
	for (const { shape, variant, first, flow } of flows) {
		const measured = await fanOut(mock, ids, { ...shape, repeats: CFG.realRepeats }, async () => {
			const result = await n8n.execute(flow.id);
			if (!result.ok) throw new Error(`The fan-out (${variant}) failed in n8n ${REAL_N8N_VERSION}: ${result.error?.message ?? result.stderr}`);
			return executionWall(result.resultData.runData, first);
		});
		const entry = figures.find((f) => f.shape === shape) ?? figures[figures.push({ shape }) - 1];
		entry[variant] = measured;
	}
	return figures;
}

async function sequential(mock, ids) {
	const wall = [];
	for (let i = 0; i < CFG.sequentialRepeats; i++) {
		freshRuns(mock, ids);
		wall.push(await startSyncs(mock, ids, { concurrency: 1 }));
	}
	return wall;
}

async function storm(mock, ids) {
	const requests = [];
	for (let i = 0; i < CFG.repeats; i++) {
		freshRuns(mock, ids);
		mock.setStorm({ rate: 0.3, retryAfter: 1 });
		await startSyncs(mock, ids, { ...TUNED(ids.length), maxRetries: 20, retryDelay: 0.1 });
		mock.setStorm(undefined);
		const runs = perRun(mock);
		requests.push(runs.reduce((sum, r) => sum + r.requests, 0) / runs.length);
	}
	return requests;
}

/** The mock in a child process, so that CPU and heap figures are this process's own. */
async function spawnMock(runMs = 1000) {
	const env = { ...process.env, MOCK_RUDDERSTACK_TOKEN: TOKEN, MOCK_RUDDERSTACK_RUN_MS: String(runMs) };
	const child = spawn(process.execPath, [path.join(__dirname, '../test/mock/rudderstack-mock.js'), '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
	process.once('exit', () => child.kill()); // also when the bench fails half-way
	const url = await new Promise((resolve) => child.stdout.once('data', (chunk) => resolve(String(chunk).match(/http:\/\/[\d.:]+/)[0])));
	return { url, stop: () => child.kill() };
}

/** A bare http.request with the token, JSON answer parsed: the baseline for the node's overhead. */
function send(baseUrl, method, path, agent = undefined) {
	return new Promise((resolve, reject) => {
		const req = http.request(`${baseUrl}${path}`, { method, agent, headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
			let body = '';
			res.on('data', (chunk) => (body += chunk));
			res.on('end', () => resolve(JSON.parse(body)));
		});
		req.on('error', reject);
		req.end();
	});
}

const cpuMsPer = async (n, work) => {
	const cpu = process.cpuUsage();
	await work();
	const used = process.cpuUsage(cpu);
	return (used.user + used.system) / 1000 / n;
};

/**
 * CPU per status request in this process: the node's `wait` on finished syncs (one request per
 * item, one item at a time, no rate ceiling) against a bare http.request loop and against n8n's
 * own authenticated request helper, on the same list of syncs, back to back.
 */
async function overhead() {
	// Runs that end at once, so that n syncs of one connection can be started one after another.
	const mock = await spawnMock(0);
	const n = CFG.overheadRequests;
	const connection = 'overhead';
	const syncs = [];
	for (let i = 0; i < n; i++) {
		const { syncId } = await send(mock.url, 'POST', `/v2/retl-connections/${connection}/start`);
		syncs.push({ connection, syncId });
	}
	const statusPath = ({ connection, syncId }) => `/v2/retl-connections/${connection}/syncs/${syncId}`;

	const bare = () =>
		cpuMsPer(n, async () => {
			for (const sync of syncs) await send(mock.url, 'GET', statusPath(sync));
		});
	const waitParameters = {
		resource: 'retl',
		operation: 'wait',
		connectionId: { __rl: true, mode: 'id', value: connection },
		syncId: '={{ $json.syncId }}',
		options: { concurrency: 1, maxRequestsPerSecond: 100000 },
	};
	// What any node pays in n8n for the same work: read the item's ids (the same expression) and
	// send one authenticated request. The node minus this is what the package itself adds.
	const helperNode = {
		description: { ...nodeType.description, name: 'bare' },
		async execute() {
			for (let i = 0; i < syncs.length; i++) {
				const id = this.getNodeParameter('connectionId', i, '', { extractValue: true });
				const syncId = this.getNodeParameter('syncId', i);
				await this.helpers.httpRequestWithAuthentication.call(this, 'rudderStackApi', { method: 'GET', baseURL: mock.url, url: statusPath({ connection: id, syncId }), json: true });
			}
			return [[]];
		},
	};
	const viaHelper = () =>
		cpuMsPer(n, async () => {
			const result = await runInEngine({ nodeType: helperNode, credentialType, credentials: { host: mock.url, accessToken: TOKEN }, items: syncs, parameters: waitParameters });
			if (result.error) throw result.error;
		});
	const viaNode = () =>
		cpuMsPer(n, async () => {
			const result = await runInEngine({ nodeType, credentialType, credentials: { host: mock.url, accessToken: TOKEN }, items: syncs, parameters: waitParameters });
			if (result.error) throw result.error;
			// One status request per item, none shared: otherwise the figure would flatter the node.
			if (result.items.length !== n || result.items.some(({ json }) => json.status !== 'succeeded' || json.sharedWithItems)) throw new Error('overhead: unexpected wait output');
		});

	for (let i = 0; i < 2; i++) {
		// warm-up: JIT and sockets, for all three
		await bare();
		await viaHelper();
		await viaNode();
	}
	const figures = { vsBare: [], n8n: [], vsHelper: [] };
	for (let i = 0; i < CFG.overheadRepeats; i++) {
		const b = await bare();
		const h = await viaHelper();
		const v = await viaNode();
		figures.vsBare.push(v - b);
		figures.n8n.push(h - b);
		figures.vsHelper.push(v - h);
	}
	mock.stop();
	return figures;
}

function loadTimes() {
	const script = `require('n8n-workflow');const t=process.hrtime.bigint();require(${JSON.stringify(path.join(DIST, 'nodes/RudderStack/RudderStack.node.js'))});console.log(Number(process.hrtime.bigint()-t)/1e6)`;
	return Array.from({ length: CFG.loadRepeats }, () => Number(execFileSync(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..'), encoding: 'utf8' }).trim()));
}

/**
 * Heap growth of this process for many concurrent runs (the mock runs in a child process). Live
 * heap is read after a full GC every 200 ms while the runs are in flight, so it is what the step
 * really holds; the raw peak also counts garbage V8 had not collected yet.
 */
async function memory() {
	const mock = await spawnMock();
	const ids = Array.from({ length: CFG.memoryRuns }, (_, i) => `m${i}`);
	// The node's defaults: no concurrency cap, so every run is in flight at once, and the ceiling.
	const options = { pollInterval: 1 };
	await startSyncs(mock, ['warm-up'], options);
	const mb = (bytes) => bytes / 1024 / 1024;
	const figures = { live: [], raw: [], after: [], cpuPerRequest: [] };
	const requestsSoFar = async () => (await send(mock.url, 'GET', '/__mock/stats', false)).requests;
	// CPU first, without the heap sampler's full GCs.
	const requestsBefore = await requestsSoFar();
	figures.cpuPerRequest.push(await cpuMsPer(1, () => startSyncs(mock, ids, options)) / ((await requestsSoFar()) - requestsBefore - 1));
	for (let i = 0; i < CFG.memoryRepeats; i++) {
		global.gc();
		const before = process.memoryUsage().heapUsed;
		let rawPeak = before;
		let livePeak = before;
		let samples = 0;
		const sampler = setInterval(() => {
			rawPeak = Math.max(rawPeak, process.memoryUsage().heapUsed);
			if (++samples % 10 === 0) {
				global.gc();
				livePeak = Math.max(livePeak, process.memoryUsage().heapUsed);
			}
		}, 20);
		await startSyncs(mock, ids, options);
		clearInterval(sampler);
		global.gc();
		figures.live.push(mb(livePeak - before));
		figures.raw.push(mb(rawPeak - before));
		figures.after.push(mb(process.memoryUsage().heapUsed - before));
	}
	mock.stop();
	return figures;
}

/** Bytes held by objects, strings and closures (not compiled code), from a heap snapshot. */
async function heldBytes() {
	global.gc();
	const chunks = [];
	for await (const chunk of v8.getHeapSnapshot()) chunks.push(chunk);
	const { snapshot, nodes } = JSON.parse(Buffer.concat(chunks).toString());
	const fields = snapshot.meta.node_fields;
	const [typeNames] = snapshot.meta.node_types;
	const typeAt = fields.indexOf('type');
	const sizeAt = fields.indexOf('self_size');
	let bytes = 0;
	for (let i = 0; i < nodes.length; i += fields.length) {
		// Compiled code and V8's own bookkeeping grow while the JIT warms up; they are not data.
		if (!['code', 'hidden', 'synthetic'].includes(typeNames[nodes[i + typeAt]])) bytes += nodes[i + sizeAt];
	}
	return bytes;
}

/**
 * What each poll leaves behind: heap snapshots early and late in runs that 10 items keep polling
 * every 20 ms, against the number of requests the mock (in a child process) answered between them.
 */
async function perPollGrowth() {
	// A snapshot stops the process for seconds; the runs must outlast both and the window between.
	const snapshotStarted = Date.now();
	await heldBytes();
	const snapshotMs = Date.now() - snapshotStarted;
	const windowMs = SHORT ? 3000 : 8000;
	const mock = await spawnMock(1500 + 2 * snapshotMs + windowMs + 1500);
	const ids = Array.from({ length: 10 }, (_, i) => `p${i}`);
	// A new connection each time: a kept-alive one may be closed by the mock during a snapshot.
	const requestsSoFar = async () => (await send(mock.url, 'GET', '/__mock/stats', false)).requests;
	const measure = async () => ({ requests: await requestsSoFar(), bytes: await heldBytes() });
	const later = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
	const step = startSyncs(mock, ids, { concurrency: ids.length, maxRequestsPerSecond: 5000, pollInterval: 0.02 });
	await later(1500);
	const early = await measure();
	await later(windowMs);
	const late = await measure();
	await step;
	mock.stop();
	return (late.bytes - early.bytes) / (late.requests - early.requests);
}

/** The goals of the fan-out at the node's defaults, N items of T, for one shape. */
function goalsOf(shape, n, T) {
	const demand = n / shape.interval;
	const wall = demand <= DEFAULT_CEILING ? 1.1 * (T + shape.interval) : T + n / DEFAULT_CEILING + 0.25;
	const wallRule = demand <= DEFAULT_CEILING ? `1.1 × (T + interval)` : `T + N / ceiling + 0.25 s`;
	// The interval the ceiling stretches polling to: N requests per round at its spacing.
	return { demand, wall, wallRule, effectiveInterval: effectiveInterval(shape.interval, n), floorRequests: Math.ceil((T + (shape.spreadS ?? 0)) / shape.interval) + 2 };
}

async function main() {
	if (!global.gc) throw new Error('Run the benchmark with node --expose-gc (npm run bench does)');
	if (process.argv.includes('--events')) return await eventsSection();
	const mock = createMockRudderStack({ token: TOKEN });
	await mock.start();
	const ids = Array.from({ length: CFG.items }, (_, i) => `c${i}`);
	const T = CFG.runMs / 1000;

	const fans = await engineFanOuts(mock, ids);
	const real = SHORT || ENGINE_ONLY ? undefined : await realN8nFanOuts(mock, ids);
	const others = FAN_OUT_ONLY ? undefined : await otherMeasures(mock, ids);
	await mock.stop();

	const cell = (xs, scale = 1) => (xs ? `${fmt(median(xs) / scale)}${xs.length > 1 ? ` (${spread(xs.map((x) => x / scale))})` : ''}` : '');
	const verdict = (ok) => (ok ? 'met' : '**not met**');
	const rows = [];
	const fanRows = (label, figures, loopOf) => {
		for (const { shape, defaults, tuned } of figures) {
			const loop = loopOf(shape);
			const goals = goalsOf(shape, CFG.items, T);
			const wall = median(defaults.wall) / 1000;
			const loopWall = loop && median(loop.wall) / 1000;
			const title = `${label}${shape.name}, poll ${shape.interval} s (${fmt(goals.demand)} requests/s of demand)`;
			rows.push([`**${title}**`, '', '', '', '', '']);
			if (!shape.spreadS) {
				rows.push(['  wall time (s)', cell(defaults.wall, 1000), cell(tuned?.wall, 1000), cell(loop?.wall, 1000), `≤ ${fmt(goals.wall)} (${goals.wallRule})`, verdict(wall <= goals.wall)]);
			}
			if (loop) rows.push(['  not slower than the hand-built loop', fmt(wall), '', fmt(loopWall), `≤ ${fmt(loopWall)}`, verdict(wall <= loopWall)]);
			const lagGoal = (goals.effectiveInterval * 1000) / 2 + 50;
			// Spread runs: the mean over all repeats (their lengths turn from one to the next), then the repeats' spread.
			const lagCell = (xs) => (xs && shape.spreadS ? `${fmt(mean(xs))} (${spread(xs)})` : cell(xs));
			rows.push([
				`  completion noticed late (ms, mean${shape.spreadS ? ' over the repeats' : ''})`,
				lagCell(defaults.late),
				lagCell(tuned?.late),
				lagCell(loop?.late),
				shape.spreadS ? `≤ ${fmt(lagGoal)} (floor on a fixed beat: half the effective interval ${fmt(goals.effectiveInterval)} s = ${fmt(lagGoal - 50)}, + 50)` : 'runs of whole intervals: no real run is this lucky',
				shape.spreadS ? verdict(mean(defaults.late) <= lagGoal) : '',
			]);
			rows.push(['  requests per run', cell(defaults.requests), cell(tuned?.requests), cell(loop?.requests), `≤ ${goals.floorRequests} (floor ⌈run / interval⌉ + 2)`, verdict(median(defaults.requests) <= goals.floorRequests)]);
		}
	};
	fanRows('', fans, (shape) => fans.find((f) => f.shape === shape).loop);
	if (real) fanRows(`real n8n ${REAL_N8N_VERSION}: `, real, (shape) => real.find((f) => f.shape === shape).loop);
	const floor = Math.ceil(T / CFG.interval) + 2;
	const fanWall = median(fans[0].defaults.wall) / 1000;
	const { seq, stormRequests, cpu, load, heap, perPoll } = others ?? {};
	if (others) rows.push(
		['**Other figures**', '', '', '', '', ''],
		['  fan-out one at a time (s)', cell(seq, 1000), '', '', `concurrency 1, same mock (once: it takes items × T); the default fan-out is ${fmt(fanWall / (median(seq) / 1000))} of it`, ''],
		['  requests per run under a 30% 429 storm', '', cell(stormRequests), '', `≤ ${2 * floor} (2 × floor)`, verdict(median(stormRequests) <= 2 * floor)],
		['Node CPU overhead per request (ms)', cell(cpu.vsBare), '', '', `\`wait\` on ${CFG.overheadRequests} ended syncs vs a bare http.request; goal ≤ 1`, verdict(median(cpu.vsBare) <= 1)],
		['  of which n8n (ms)', cell(cpu.n8n), '', '', "n8n's request helper and the item's sync id expression", ''],
		['  of which this package (ms)', cell(cpu.vsHelper), '', '', 'the node minus that', ''],
		[`CPU per request, ${CFG.memoryRuns} runs in flight (ms)`, cell(heap.cpuPerRequest), '', '', 'the whole step at the defaults, engine included; flat if close to the figure above', ''],
		['require() of the node (ms)', cell(load), '', '', 'n8n-workflow preloaded; goal < 50', verdict(median(load) < 50)],
		[`Heap growth, ${CFG.memoryRuns} runs in flight at the defaults (MB)`, cell(heap.live), '', '', 'live heap at its peak (full GC every 200 ms); goal ≤ 50', verdict(median(heap.live) <= 50)],
		['  raw peak, garbage included (MB)', cell(heap.raw), '', '', 'heapUsed before V8 collected; not held', ''],
		['  left after the step (MB)', cell(heap.after), '', '', 'after a full GC: nothing kept per run or poll', ''],
		['Heap growth per poll (bytes)', cell(perPoll), '', '', 'heap snapshots early and late in 10 long runs; 0 is flat, keeping every answer shows ~300', ''],
	);
	const header = ['figure', 'defaults (only the poll interval set)', `tuned (concurrency ${CFG.items}, 1,000 requests/s)`, 'hand-built loop', 'goal at the defaults', ''];
	const widths = header.map((h, c) => Math.max(...rows.map((r) => String(r[c]).length), h.length));
	const line = (r) => `| ${r.map((text, c) => String(text).padEnd(widths[c])).join(' | ')} |`;
	console.log(`\nRudderStack node benchmark${SHORT ? ' (short: a smoke run that keeps the bench working; its figures are rough)' : ''}, Node ${process.version}, ${CFG.items} runs of ${T} s, figures median (spread)\n`);
	console.log(line(header));
	console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
	for (const row of rows) console.log(line(row));
	if (FAN_OUT_ONLY) shutdownEngine();
	else await eventsSection();
}

/** Everything but the fan-outs: one at a time, a 429 storm, CPU, load time, heap. */
async function otherMeasures(mock, ids) {
	const seq = await sequential(mock, ids);
	const stormRequests = await storm(mock, ids);
	const cpu = await overhead();
	const load = loadTimes();
	const heap = await memory();
	const perPoll = [];
	for (let i = 0; i < CFG.perPollRepeats; i++) perPoll.push(await perPollGrowth());
	return { seq, stormRequests, cpu, load, heap, perPoll };
}

/** The Event resource's figures, in a table of their own (bench/events.js). */
async function eventsSection() {
	printTable(`Event resource: batched /v1/batch against one request per item${SHORT ? ' (short)' : ''}`, await eventsBench({ short: SHORT }));
	shutdownEngine();
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
