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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
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

// The fields as a user maps them from a CRM change; the same expressions for both.
const FIELDS = { userId: '={{ $json.contactId }}', event: '={{ "Deal " + $json.stage }}', properties: '={{ { amount: $json.amount, currency: "EUR" } }}' };

/** What users build by hand: one authenticated POST /v1/track per item, all at once, as HTTP Request does by default. */
function perItemNode(nodeType) {
	return {
		description: { ...nodeType.description, name: 'perItem' },
		async execute() {
			const { dataPlaneUrl } = await this.getCredentials('rudderStackDataPlaneApi');
			const items = this.getInputData();
			const sent = items.map((_, i) => {
				const body = { userId: this.getNodeParameter('userId', i), event: this.getNodeParameter('event', i), properties: this.getNodeParameter('properties', i) };
				return this.helpers.httpRequestWithAuthentication.call(this, 'rudderStackDataPlaneApi', { method: 'POST', url: `${dataPlaneUrl}/v1/track`, body, json: true });
			});
			const settled = await Promise.allSettled(sent);
			const failed = settled.filter((s) => s.status === 'rejected');
			if (failed.length) throw new Error(`${failed.length} per-item requests failed: ${failed[0].reason?.message}`);
			return [items.map((_, i) => ({ json: { ok: true }, pairedItem: { item: i } }))];
		},
	};
}

async function measure(nodeType, credentialType, dataPlane, items) {
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
		parameters: { resource: 'event', operation: 'track', ...FIELDS },
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

/** Runs the comparison at loopback speed and with a round trip like a data plane's across the internet. */
async function eventsBench({ short = false } = {}) {
	const { RudderStack } = require(path.join(DIST, 'nodes/RudderStack/RudderStack.node.js'));
	const { RudderStackDataPlaneApi } = require(path.join(DIST, 'credentials/RudderStackDataPlaneApi.credentials.js'));
	const nodeType = new RudderStack();
	const credentialType = new RudderStackDataPlaneApi();
	const count = short ? 500 : 10_000;
	const repeats = short ? 1 : 3;
	const items = Array.from({ length: count }, (_, i) => ({ contactId: `contact_${i}`, stage: i % 3 ? 'won' : 'lost', amount: (i * 37) % 5000 }));
	const rows = [];
	for (const latencyMs of short ? [0] : [0, 20]) {
		const dataPlane = await spawnDataPlane(latencyMs);
		await measure(nodeType, credentialType, dataPlane, items.slice(0, 200)); // warm-up: JIT and sockets
		await measure(perItemNode(nodeType), credentialType, dataPlane, items.slice(0, 200));
		const node = [];
		const perItem = [];
		for (let i = 0; i < repeats; i++) {
			node.push(await measure(nodeType, credentialType, dataPlane, items));
			perItem.push(await measure(perItemNode(nodeType), credentialType, dataPlane, items));
		}
		dataPlane.stop();
		const pick = (runs, key) => median(runs.map((r) => r[key]));
		const allowedRequests = Math.max(1, Math.ceil(pick(node, 'bytes') / MAX_REQUEST_BYTES));
		const where = latencyMs ? `${latencyMs} ms round trip` : 'loopback';
		rows.push(
			[`${count} track events, ${where}: node (s)`, fmt(pick(node, 'wallMs') / 1000), `CPU ${fmt(pick(node, 'cpuMs') / 1000)} s`, 'all items, then /v1/batch requests'],
			[`  one request per item (s)`, fmt(pick(perItem, 'wallMs') / 1000), `CPU ${fmt(pick(perItem, 'cpuMs') / 1000)} s`, 'POST /v1/track per item, all at once (HTTP Request default)'],
			['  speed-up', `${fmt(pick(perItem, 'wallMs') / pick(node, 'wallMs'))}×`, '', 'goal ≥ 20×'],
			['  requests: node / per item', `${pick(node, 'requests')} / ${pick(perItem, 'requests')}`, `largest ${fmt(pick(node, 'maxRequestBytes') / 1024)} KB`, `goal ≤ 1 per 4 MB of events (${allowedRequests} here)`],
			['  events that arrived: node / per item', `${pick(node, 'events')} / ${pick(perItem, 'events')}`, '', `${count} each`],
			['  heap growth: node / per item (MB)', `${fmt(pick(node, 'heapMb'))} / ${fmt(pick(perItem, 'heapMb'))}`, '', 'live heap at its peak (full GC every 200 ms); goal ≤ 50'],
		);
	}
	if (!short) rows.push(...(await realN8nEvents(count, '2.41.0')));
	return rows;
}

/**
 * The same comparison in a real n8n, with n8n's own HTTP Request node as users build it by hand
 * (Basic auth with the write key, one POST /v1/track per item, its default batching), against
 * the node; the figure is each node's execution time in n8n's run data.
 */
async function realN8nEvents(count, version) {
	const { N8n, PORT_BASE } = require('../test/e2e/n8n');
	const { DATA_PLANE_CREDENTIAL, rudderStack, workflow } = require('../test/e2e/workflows');
	const dataPlane = await spawnDataPlane(0);
	const n8n = new N8n(version, { port: PORT_BASE + 74 });
	n8n.installPackage();
	await n8n.importCredential({ ...DATA_PLANE_CREDENTIAL, type: 'rudderStackDataPlaneApi', data: { dataPlaneUrl: dataPlane.url, writeKey: WRITE_KEY } });
	await n8n.importCredential({ id: 'benchBasicAuth', name: 'Write key as Basic auth', type: 'httpBasicAuth', data: { user: WRITE_KEY, password: '' } });
	const generate = { id: 'items', name: 'Items', type: 'n8n-nodes-base.code', typeVersion: 2, position: [200, 0], parameters: { jsCode: `return Array.from({ length: ${count} }, (_, i) => ({ json: { contactId: 'contact_' + i, stage: i % 3 ? 'won' : 'lost', amount: (i * 37) % 5000 } }));` } };
	const viaNode = workflow('benchEventsNode', 'Benchmark: events through the node', [generate, rudderStack('Send', { resource: 'event', operation: 'track', ...FIELDS }, [400, 0], { credentials: { rudderStackDataPlaneApi: DATA_PLANE_CREDENTIAL } })]);
	const httpRequest = {
		id: 'http',
		name: 'Send',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [400, 0],
		parameters: {
			method: 'POST',
			url: `${dataPlane.url}/v1/track`,
			authentication: 'genericCredentialType',
			genericAuthType: 'httpBasicAuth',
			sendBody: true,
			specifyBody: 'json',
			jsonBody: '={{ JSON.stringify({ userId: $json.contactId, event: "Deal " + $json.stage, properties: { amount: $json.amount, currency: "EUR" } }) }}',
			options: {},
		},
		credentials: { httpBasicAuth: { id: 'benchBasicAuth', name: 'Write key as Basic auth' } },
	};
	const viaHttp = workflow('benchEventsHttp', 'Benchmark: events through HTTP Request', [generate, httpRequest]);
	await n8n.importWorkflows([viaNode, viaHttp]);
	const run = async (wf) => {
		const before = await dataPlane.stats();
		const result = await n8n.execute(wf.id);
		if (!result.ok) throw new Error(`${wf.name} failed in n8n ${version}: ${result.error?.message ?? result.stderr.slice(-500)}`);
		const after = await dataPlane.stats();
		return { ms: result.resultData.runData.Send[0].executionTime, requests: after.requests - before.requests, events: after.events - before.events };
	};
	const node = await run(viaNode);
	const http = await run(viaHttp);
	dataPlane.stop();
	return [
		[`${count} track events in a real n8n ${version}: node (s)`, fmt(node.ms / 1000), `${node.requests} requests, ${node.events} events`, "the node's execution time in n8n's run data"],
		['  n8n HTTP Request node, one per item (s)', fmt(http.ms / 1000), `${http.requests} requests, ${http.events} events`, 'Basic auth with the write key, POST /v1/track, its defaults'],
		['  speed-up', `${fmt(http.ms / node.ms)}×`, '', 'goal ≥ 20×'],
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
