// The Event resource's part of `npm run bench` (alone: `node --expose-gc bench/bench.js --events`):
// 10,000 track events through the node, and through a one-request-per-item HTTP Request
// equivalent, side by side against the mock data plane (in a child process, so that heap and
// CPU are this process's own). Both read the same fields by the same expressions per item.
'use strict';

const { spawn } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');

const { runInEngine } = require('../test/engine');

const DIST = path.join(__dirname, '../dist');
const WRITE_KEY = 'bench-write-key';
const MAX_REQUEST_BYTES = 4000 * 1024;

const fmt = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3));

async function spawnDataPlane(latencyMs) {
	const env = { ...process.env, MOCK_WRITE_KEY: WRITE_KEY, MOCK_KEEP_EVENTS: 'false', MOCK_LATENCY_MS: String(latencyMs) };
	const child = spawn(process.execPath, [path.join(__dirname, '../test/mock/dataplane-mock.js'), '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
	process.once('exit', () => child.kill());
	const url = await new Promise((resolve) => child.stdout.once('data', (chunk) => resolve(String(chunk).match(/http:\/\/[\d.:]+/)[0])));
	const stats = () =>
		new Promise((resolve, reject) => {
			http.get(`${url}/__mock/stats`, { agent: false }, (res) => {
				let body = '';
				res.on('data', (chunk) => (body += chunk));
				res.on('end', () => resolve(JSON.parse(body)));
			}).on('error', reject);
		});
	return { url, stats, stop: () => child.kill() };
}

// The fields as a user maps them from a CRM change; the same expressions for both. FIXED is the
// same event with the values typed in: the floor, what each side costs without n8n evaluating
// expressions per item.
const FIELDS = { userId: '={{ $json.contactId }}', event: '={{ "Deal " + $json.stage }}', properties: '={{ { amount: $json.amount, currency: "EUR" } }}' };
const FIXED = { userId: 'contact_1', event: 'Deal won', properties: '{ "amount": 37, "currency": "EUR" }' };

/** What users build by hand: one authenticated POST /v1/track per item, all at once, as HTTP Request does by default. */
function perItemNode(nodeType) {
	return {
		description: { ...nodeType.description, name: 'perItem' },
		async execute() {
			const { dataPlaneUrl } = await this.getCredentials('rudderStackDataPlaneApi');
			const items = this.getInputData();
			const sent = items.map((_, i) => {
				const properties = this.getNodeParameter('properties', i);
				const body = { userId: this.getNodeParameter('userId', i), event: this.getNodeParameter('event', i), properties: typeof properties === 'string' ? JSON.parse(properties) : properties };
				return this.helpers.httpRequestWithAuthentication.call(this, 'rudderStackDataPlaneApi', { method: 'POST', url: `${dataPlaneUrl}/v1/track`, body, json: true });
			});
			const settled = await Promise.allSettled(sent);
			const failed = settled.filter((s) => s.status === 'rejected');
			if (failed.length) throw new Error(`${failed.length} per-item requests failed: ${failed[0].reason?.message}`);
			return [items.map((_, i) => ({ json: { ok: true }, pairedItem: { item: i } }))];
		},
	};
}

/** n8n's own share: the three fields read per item by getNodeParameter, and nothing else. */
function readOnlyNode(nodeType) {
	return {
		description: { ...nodeType.description, name: 'readOnly' },
		async execute() {
			const items = this.getInputData();
			return [items.map((_, i) => ({ json: { values: ['userId', 'event', 'properties'].map((name) => this.getNodeParameter(name, i)) }, pairedItem: { item: i } }))];
		},
	};
}

async function measure(nodeType, credentialType, dataPlane, items, fields) {
	const before = await dataPlane.stats();
	global.gc();
	const heapBefore = process.memoryUsage().heapUsed;
	let livePeak = heapBefore;
	let samples = 0;
	const sampler = setInterval(() => {
		if (++samples % 10 === 0) {
			global.gc();
			livePeak = Math.max(livePeak, process.memoryUsage().heapUsed);
		}
	}, 20);
	const began = process.hrtime.bigint();
	const cpu = process.cpuUsage();
	const result = await runInEngine({
		nodeType,
		credentialType,
		credentials: { dataPlaneUrl: dataPlane.url, writeKey: WRITE_KEY },
		items,
		parameters: { resource: 'event', operation: 'track', ...fields },
	});
	const wallMs = Number(process.hrtime.bigint() - began) / 1e6;
	const used = process.cpuUsage(cpu);
	clearInterval(sampler);
	global.gc();
	livePeak = Math.max(livePeak, process.memoryUsage().heapUsed);
	if (result.error) throw result.error;
	if (result.items.length !== items.length) throw new Error('events bench: not one output item per input item');
	const after = await dataPlane.stats();
	return {
		wallMs,
		cpuMs: (used.user + used.system) / 1000,
		requests: after.requests - before.requests,
		events: after.events - before.events,
		bytes: after.bytes - before.bytes,
		maxRequestBytes: after.maxRequestBytes,
		heapMb: (livePeak - heapBefore) / 1024 / 1024,
	};
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** The median, with the spread of the repeats when there are several: `1.23 (1.10–1.40)`. */
function spread(runs, key, scale = 1) {
	const xs = runs.map((r) => r[key] / scale);
	return xs.length > 1 ? `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})` : fmt(xs[0]);
}

/** Runs the comparison at loopback speed and with a round trip like a data plane's across the internet. */
async function eventsBench({ short = false } = {}) {
	const { RudderStack } = require(path.join(DIST, 'nodes/RudderStack/RudderStack.node.js'));
	const { RudderStackDataPlaneApi } = require(path.join(DIST, 'credentials/RudderStackDataPlaneApi.credentials.js'));
	const nodeType = new RudderStack();
	const credentialType = new RudderStackDataPlaneApi();
	const count = short ? 500 : 10_000;
	const repeats = short ? 1 : Number(process.env.EVENTS_REPEATS ?? 5);
	const items = Array.from({ length: count }, (_, i) => ({ contactId: `contact_${i}`, stage: i % 3 ? 'won' : 'lost', amount: (i * 37) % 5000 }));
	const rows = [];
	const perItem = perItemNode(nodeType);
	const readOnly = readOnlyNode(nodeType);
	for (const latencyMs of short ? [0] : [0, 20]) {
		const dataPlane = await spawnDataPlane(latencyMs);
		const variants = {
			node: [nodeType, FIELDS],
			nodeFixed: [nodeType, FIXED],
			perItem: [perItem, FIELDS],
			perItemFixed: [perItem, FIXED],
			...(latencyMs ? {} : { reads: [readOnly, FIELDS] }),
		};
		for (const [type, fields] of Object.values(variants)) await measure(type, credentialType, dataPlane, items.slice(0, 200), fields); // warm-up: JIT and sockets
		const runs = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
		// Interleaved, so that a burst of load on the shared machine falls on every variant alike.
		for (let i = 0; i < repeats; i++) for (const [name, [type, fields]] of Object.entries(variants)) runs[name].push(await measure(type, credentialType, dataPlane, items, fields));
		dataPlane.stop();
		const pick = (name, key) => median(runs[name].map((r) => r[key]));
		const ratio = (a, b, key) => `${fmt(pick(a, key) / pick(b, key))}×`;
		const allowedRequests = Math.max(1, Math.ceil(pick('node', 'bytes') / MAX_REQUEST_BYTES));
		const where = latencyMs ? `${latencyMs} ms round trip` : 'loopback';
		rows.push(
			[`${count} track events, ${where}: node, fields by expression (s)`, spread(runs.node, 'wallMs', 1000), `CPU ${spread(runs.node, 'cpuMs', 1000)} s`, 'all items, then /v1/batch requests'],
			['  one request per item, same expressions (s)', spread(runs.perItem, 'wallMs', 1000), `CPU ${spread(runs.perItem, 'cpuMs', 1000)} s`, 'POST /v1/track per item, all at once (HTTP Request default)'],
			['  speed-up (wall / CPU)', ratio('perItem', 'node', 'wallMs'), ratio('perItem', 'node', 'cpuMs'), 'goal ≥ 20×'],
			['  floor: node, the same fields fixed (s)', spread(runs.nodeFixed, 'wallMs', 1000), `CPU ${spread(runs.nodeFixed, 'cpuMs', 1000)} s`, "what the node itself costs: no expression per item"],
			['  one request per item, fields fixed (s)', spread(runs.perItemFixed, 'wallMs', 1000), `CPU ${spread(runs.perItemFixed, 'cpuMs', 1000)} s`, 'what a request per item costs'],
			['  speed-up with fields fixed (wall / CPU)', ratio('perItemFixed', 'nodeFixed', 'wallMs'), ratio('perItemFixed', 'nodeFixed', 'cpuMs'), 'the batching alone'],
			...(runs.reads ? [['  n8n reading the 3 expressions per item, nothing else (s)', spread(runs.reads, 'wallMs', 1000), `CPU ${spread(runs.reads, 'cpuMs', 1000)} s`, 'getNodeParameter × 3 per item: what the per-item side pays before any request']] : []),
			['  requests: node / per item', `${pick('node', 'requests')} / ${pick('perItem', 'requests')}`, `largest ${fmt(pick('node', 'maxRequestBytes') / 1024)} KB`, `goal ≤ 1 per 4 MB of events (${allowedRequests} here)`],
			['  events that arrived: node / per item', `${pick('node', 'events')} / ${pick('perItem', 'events')}`, '', `${count} each`],
			['  heap growth: node / per item (MB)', `${spread(runs.node, 'heapMb')} / ${spread(runs.perItem, 'heapMb')}`, '', 'live heap at its peak (full GC every 200 ms); goal ≤ 50'],
		);
	}
	if (!short) rows.push(...(await realN8nEvents(count, '2.41.0', Number(process.env.EVENTS_REAL_REPEATS ?? 3))));
	return rows;
}

/**
 * The same comparison in a real n8n, with n8n's own HTTP Request node as users build it by hand
 * (Basic auth with the write key, one POST /v1/track per item, its default batching), against
 * the node; the figure is each node's execution time in n8n's run data. Each side also runs with
 * the event typed in (no expression per item), which shows what n8n's expressions cost.
 */
async function realN8nEvents(count, version, repeats) {
	const { N8n, PORT_BASE } = require('../test/e2e/n8n');
	const { DATA_PLANE_CREDENTIAL, rudderStack, workflow } = require('../test/e2e/workflows');
	const dataPlane = await spawnDataPlane(0);
	const n8n = new N8n(version, { port: PORT_BASE + 74 });
	n8n.installPackage();
	await n8n.importCredential({ ...DATA_PLANE_CREDENTIAL, type: 'rudderStackDataPlaneApi', data: { dataPlaneUrl: dataPlane.url, writeKey: WRITE_KEY } });
	await n8n.importCredential({ id: 'benchBasicAuth', name: 'Write key as Basic auth', type: 'httpBasicAuth', data: { user: WRITE_KEY, password: '' } });
	const generate = { id: 'items', name: 'Items', type: 'n8n-nodes-base.code', typeVersion: 2, position: [200, 0], parameters: { jsCode: `return Array.from({ length: ${count} }, (_, i) => ({ json: { contactId: 'contact_' + i, stage: i % 3 ? 'won' : 'lost', amount: (i * 37) % 5000 } }));` } };
	const viaNode = (id, fields) => workflow(id, `Benchmark: events through the node (${id})`, [generate, rudderStack('Send', { resource: 'event', operation: 'track', ...fields }, [400, 0], { credentials: { rudderStackDataPlaneApi: DATA_PLANE_CREDENTIAL } })]);
	const viaHttp = (id, jsonBody) =>
		workflow(id, `Benchmark: events through HTTP Request (${id})`, [
			generate,
			{
				id: 'http',
				name: 'Send',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				position: [400, 0],
				parameters: { method: 'POST', url: `${dataPlane.url}/v1/track`, authentication: 'genericCredentialType', genericAuthType: 'httpBasicAuth', sendBody: true, specifyBody: 'json', jsonBody, options: {} },
				credentials: { httpBasicAuth: { id: 'benchBasicAuth', name: 'Write key as Basic auth' } },
			},
		]);
	const workflows = {
		node: viaNode('benchEventsNode', FIELDS),
		nodeFixed: viaNode('benchEventsNodeFixed', FIXED),
		http: viaHttp('benchEventsHttp', '={{ JSON.stringify({ userId: $json.contactId, event: "Deal " + $json.stage, properties: { amount: $json.amount, currency: "EUR" } }) }}'),
		httpFixed: viaHttp('benchEventsHttpFixed', JSON.stringify({ userId: FIXED.userId, event: FIXED.event, properties: JSON.parse(FIXED.properties) })),
	};
	await n8n.importWorkflows(Object.values(workflows));
	const run = async (wf) => {
		const before = await dataPlane.stats();
		const result = await n8n.execute(wf.id);
		if (!result.ok) throw new Error(`${wf.name} failed in n8n ${version}: ${result.error?.message ?? result.stderr.slice(-500)}`);
		if (!result.resultData) throw new Error(`${wf.name}: n8n ${version} printed no run data: ${result.stdout.slice(0, 300)} … ${result.stdout.slice(-300)}`);
		const after = await dataPlane.stats();
		return { ms: result.resultData.runData.Send[0].executionTime, requests: after.requests - before.requests, events: after.events - before.events };
	};
	const runs = Object.fromEntries(Object.keys(workflows).map((name) => [name, []]));
	for (let i = 0; i < repeats; i++) for (const [name, wf] of Object.entries(workflows)) runs[name].push(await run(wf));
	dataPlane.stop();
	const pick = (name, key) => median(runs[name].map((r) => r[key]));
	const perItemMs = (name) => fmt(pick(name, 'ms') / count);
	const counts = (name) => `${pick(name, 'requests')} requests, ${pick(name, 'events')} events`;
	return [
		[`${count} track events in a real n8n ${version}: node (s)`, spread(runs.node, 'ms', 1000), counts('node'), `the node's execution time in n8n's run data; ${perItemMs('node')} ms per item`],
		['  n8n HTTP Request node, one per item (s)', spread(runs.http, 'ms', 1000), counts('http'), `Basic auth with the write key, POST /v1/track, a JSON body by expression; ${perItemMs('http')} ms per item`],
		['  speed-up', `${fmt(pick('http', 'ms') / pick('node', 'ms'))}×`, '', 'goal ≥ 20×'],
		['  floor: node, the same fields fixed (s)', spread(runs.nodeFixed, 'ms', 1000), counts('nodeFixed'), `no expression per item; ${perItemMs('nodeFixed')} ms per item`],
		['  HTTP Request, the body fixed (s)', spread(runs.httpFixed, 'ms', 1000), counts('httpFixed'), `no expression per item; ${perItemMs('httpFixed')} ms per item`],
		['  speed-up with fields fixed', `${fmt(pick('httpFixed', 'ms') / pick('nodeFixed', 'ms'))}×`, '', 'the batching alone'],
		['  n8n expression cost per item: node / HTTP Request (ms)', `${fmt((pick('node', 'ms') - pick('nodeFixed', 'ms')) / count)} / ${fmt((pick('http', 'ms') - pick('httpFixed', 'ms')) / count)}`, '', 'by expression minus fixed, on each side'],
	];
}

function printTable(title, rows) {
	const head = ['figure', 'median', 'detail', 'setting / goal'];
	const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
	const line = (r) => `| ${r.map((cell, c) => String(cell).padEnd(widths[c])).join(' | ')} |`;
	console.log(`\n${title}\n`);
	console.log(line(head));
	console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
	for (const row of rows) console.log(line(row));
}

module.exports = { eventsBench, printTable };
