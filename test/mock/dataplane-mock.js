// A small, dependency-free stand-in for a RudderStack data plane (rudder-server's gateway), for
// the Event tests, the E2E suite, the playground and the benchmark. As the gateway does, it checks
// the write key (HTTP Basic, key as user name, empty password) before it reads the body, and
// answers in plain text: 200 "OK", 401 "Invalid Write Key", 413 over 4000 KB, 400 for an empty
// batch or an event without userId and anonymousId, 429 "Max Requests Limit reached".
//
// Faults are used once each, in order, by the next requests: { status, body, retryAfter },
// { reset: true }, { delayMs }. `eventsPerMinute` caps accepted events as RudderStack's free plan does;
// `latencyMs` delays every answer, as a data plane across the internet does.
'use strict';

const http = require('node:http');

const { serverControls } = require('./serve');

const MAX_REQUEST_BYTES = 4000 * 1024;
const MAX_EVENT_BYTES = 32 * 1024;
const CALLS = ['batch', 'track', 'identify', 'page', 'screen', 'group', 'alias'];

function createMockDataPlane(options = {}) {
	const writeKey = options.writeKey ?? 'mock-write-key';
	const faults = [...(options.faults ?? [])];
	let eventsPerMinute = options.eventsPerMinute;
	const keepEvents = options.keepEvents !== false;
	// A round trip as a data plane on the internet has it; 0 answers as fast as loopback allows.
	const latencyMs = options.latencyMs ?? 0;
	const requests = [];
	const events = [];
	const acceptedAt = [];
	let eventCount = 0;

	function send(res, status, text, headers = {}) {
		res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
		res.end(text);
	}

	function writeKeyOf(req) {
		const [scheme, encoded] = String(req.headers.authorization ?? '').split(' ');
		if (scheme !== 'Basic' || !encoded) return undefined;
		const decoded = Buffer.from(encoded, 'base64').toString();
		const colon = decoded.indexOf(':');
		return colon < 0 ? decoded : decoded.slice(0, colon);
	}

	async function handle(req, res, raw, record) {
		const call = (req.url.match(/^\/v1\/([a-z]+)\/?(?:\?.*)?$/) ?? [])[1];
		if (req.method === 'GET' && (req.url === '/health' || req.url === '/')) return send(res, 200, '{"server":"UP","db":"UP"}', { 'Content-Type': 'application/json; charset=utf-8' });
		if (req.method !== 'POST' || !CALLS.includes(call)) return send(res, 404, '404 page not found');
		const key = writeKeyOf(req);
		if (key === undefined || key === '') return send(res, 401, 'Failed to read writeKey from header');
		if (key !== writeKey) return send(res, 401, 'Invalid Write Key');
		if (latencyMs) await new Promise((resolve) => setTimeout(resolve, latencyMs));
		const fault = faults.shift();
		if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
		if (fault?.reset) return req.socket.destroy();
		if (fault?.status) return send(res, fault.status, fault.body ?? (fault.status === 429 ? 'Max Requests Limit reached' : 'Internal Server Error'), fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {});
		if (raw.length > MAX_REQUEST_BYTES) return send(res, 413, 'Request size exceeds max limit');
		let body;
		try {
			body = JSON.parse(raw.toString());
		} catch {
			return send(res, 400, 'Invalid JSON');
		}
		const list = call === 'batch' ? body?.batch : [{ ...body, type: call }];
		if (!Array.isArray(list) || !list.length) return send(res, 400, 'Empty batch payload');
		for (const event of list) {
			if (!event || typeof event !== 'object') return send(res, 400, 'Invalid JSON');
			if (!event.userId && !event.anonymousId) return send(res, 400, 'Request neither has anonymousId nor userId');
			if (Buffer.byteLength(JSON.stringify(event)) > MAX_EVENT_BYTES) return send(res, 400, 'Event size exceeds the maximum allowed');
		}
		if (eventsPerMinute !== undefined) {
			const now = Date.now();
			while (acceptedAt.length && acceptedAt[0] <= now - 60_000) acceptedAt.shift();
			if (acceptedAt.length + list.length > eventsPerMinute) return send(res, 429, 'Max Requests Limit reached', { 'Retry-After': '60' });
			for (let i = 0; i < list.length; i++) acceptedAt.push(now);
		}
		record.accepted = list.length;
		eventCount += list.length;
		if (keepEvents) events.push(...list);
		return send(res, 200, 'OK');
	}

	const server = http.createServer((req, res) => {
		if (req.url === '/__mock/stats') {
			res.writeHead(200, { 'Content-Type': 'application/json' });
			return res.end(JSON.stringify({ requests: requests.length, events: eventCount, bytes: requests.reduce((sum, r) => sum + r.bytes, 0), maxRequestBytes: requests.reduce((max, r) => Math.max(max, r.bytes), 0) }));
		}
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => {
			const raw = Buffer.concat(chunks);
			const record = { method: req.method, path: req.url, headers: req.headers, bytes: raw.length, body: keepEvents ? raw.toString() : undefined, at: Date.now(), accepted: 0 };
			requests.push(record);
			handle(req, res, raw, record).catch((error) => send(res, 500, String(error)));
		});
	});

	return {
		writeKey,
		requests,
		events,
		server,
		fault(...list) {
			faults.push(...list);
		},
		setEventsPerMinute(value) {
			eventsPerMinute = value;
		},
		reset() {
			requests.length = 0;
			events.length = 0;
			acceptedAt.length = 0;
			faults.length = 0;
			eventCount = 0;
		},
		...serverControls(server),
	};
}

module.exports = { createMockDataPlane, MAX_REQUEST_BYTES, MAX_EVENT_BYTES };

if (require.main === module) {
	const port = Number(process.argv[2] ?? 4020); // 0 picks a free port
	const mock = createMockDataPlane({ writeKey: process.env.MOCK_WRITE_KEY, keepEvents: process.env.MOCK_KEEP_EVENTS !== 'false', latencyMs: Number(process.env.MOCK_LATENCY_MS ?? 0) });
	mock.start(port).then((url) => console.log(`mock RudderStack data plane on ${url}, write key ${mock.writeKey}`));
}
