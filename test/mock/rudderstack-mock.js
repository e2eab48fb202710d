// A small, dependency-free stand-in for RudderStack's control-plane API, for the end-to-end
// suite, the playground (`npm start`), the fault-injection suite and the benchmark.
//
// Runs are scripted per target id (connection or source):
//   { runMs, outcome: 'succeeded' | 'failed' | 'finishedWithError' | 'failedRows', error,
//     failedRows, faults: { start: [fault...], status: [fault...], syncs: [...], stop: [...] } }
// A fault is used once, in order: { status, body, retryAfter }, { reset: true },
// { delayMs }, { invalidJson: true }, { omitId: true }, { statusValue: 'weird' }, and on start
// { createRun: true, ... } to start the run before answering with the fault (an ambiguous failure).
// Unscripted ids follow their name: "...fail..." fails, "...rows..." drops rows, else succeeds;
// they run for `runMs` (option, or MOCK_RUDDERSTACK_RUN_MS from the command line; default 1 s).
//
// Lists (`/v2/retl-connections`, `/v2/sources`, a connection's `/syncs`) are paged as RudderStack
// documents them: `page` (from 1), a page size (`per_page` or `pageSize`; option `pageSize`,
// default 100), and `paging.next` as "<collection path>?page=N", without the caller's filters or
// page size. Option `nextForm: 'full'` makes `next` carry the caller's whole query instead.
// `GET /v2/workspace` answers for every valid token. Option `retlOnlyToken`: a second valid token,
// scoped to Reverse ETL, that RudderStack refuses (403) on `/v2/sources`.
//
// `end(id)` ends a connection's running sync now; `schedule(id, everyMs)` starts one every so
// often, as RudderStack's own schedule does.
// Option `syncOrder: 'newestFirst'` lists syncs newest first (RudderStack documents no order).
'use strict';

const http = require('node:http');

const { serverControls } = require('./serve');

const DEFAULT_RUN_MS = 1000;

function defaultScript(id) {
	if (/fail/i.test(id)) return { outcome: 'failed' };
	if (/rows/i.test(id)) return { outcome: 'failedRows', failedRows: 7 };
	return { outcome: 'succeeded' };
}

function createMockRudderStack(options = {}) {
	const token = options.token ?? 'mock-access-token';
	const scripts = new Map(Object.entries(options.scripts ?? {}));
	const connections = options.connections ?? [
		{ id: 'conn_salesforce', sourceId: 'src_warehouse', destinationId: 'dst_salesforce', enabled: true },
		{ id: 'conn_hubspot', sourceId: 'src_warehouse', destinationId: 'dst_hubspot', enabled: true },
	];
	const sources = options.sources ?? [
		{ id: 'prof_customer360', name: 'Customer 360', type: 'profiles', enabled: true },
		{ id: 'src_zendesk', name: 'Zendesk', type: 'zendesk', enabled: true },
	];
	const retlOnlyToken = options.retlOnlyToken;
	const pageSize = options.pageSize ?? 100;
	const nextForm = options.nextForm ?? 'page';
	const workspace = options.workspace ?? { id: 'ws_mock', name: 'Mock workspace', environment: 'PRODUCTION', status: 'ACTIVE', region: 'US', dataPlaneURL: 'http://127.0.0.1' };
	const requests = [];
	// { rate, retryAfter }: that share of all requests gets a 429, as in a rate-limit storm.
	let storm = options.storm;
	const runs = new Map(); // target id -> list of runs, newest last
	let counter = 0;

	const runMs = options.runMs ?? DEFAULT_RUN_MS;
	const scriptOf = (id) => ({ runMs, ...defaultScript(id), ...(scripts.get(id) ?? {}) });
	const takeFault = (id, endpoint) => scripts.get(id)?.faults?.[endpoint]?.shift();

	function viewOf(run, kind) {
		const now = Date.now();
		const script = scriptOf(run.targetId);
		const endsAt = run.endsAt ?? run.startedAt + script.runMs;
		const over = run.stoppedAt !== undefined || now >= endsAt;
		const base = {
			id: run.id,
			startedAt: new Date(run.startedAt).toISOString(),
			finishedAt: over ? new Date(Math.min(now, run.stoppedAt ?? endsAt)).toISOString() : '0001-01-01T00:00:00Z',
			error: null,
		};
		if (kind === 'retl') {
			const failedRows = over && script.outcome === 'failedRows' ? script.failedRows ?? 1 : 0;
			const total = 100;
			let status = 'running';
			if (run.stoppedAt !== undefined) {
				status = 'failed';
				base.error = 'Sync was stopped';
			} else if (over) status = script.outcome === 'failed' ? 'failed' : 'succeeded';
			if (status === 'failed' && !base.error) base.error = script.error ?? 'Destination connection failed';
			return { ...base, status, metrics: { total, succeeded: { total: total - failedRows }, failed: { total: failedRows }, changed: { total: 5 } } };
		}
		let status = over ? 'finished' : 'running';
		if (over && script.outcome === 'failed') base.error = script.error ?? 'Configuration error: Invalid warehouse credentials';
		if (over && script.outcome === 'finishedWithError') base.error = script.error ?? 'Source authentication failed';
		if (over && script.outcome === 'failedStatus') status = 'failed';
		return { ...base, jobId: `job_${run.targetId}`, status, tasks: [] };
	}

	function running(targetId) {
		const list = runs.get(targetId) ?? [];
		const kind = list[0]?.kind;
		return list.filter((run) => viewOf(run, kind).status === 'running');
	}

	function send(res, status, body, headers = {}) {
		if (body === undefined) {
			res.writeHead(status, headers);
			res.end();
			return;
		}
		const text = typeof body === 'string' ? body : JSON.stringify(body);
		res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
		res.end(text);
	}

	// Applies a scripted fault; true when the fault answered the request.
	async function applyFault(fault, req, res) {
		if (!fault) return false;
		if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
		if (fault.reset) {
			req.socket.destroy();
			return true;
		}
		if (fault.invalidJson) {
			res.writeHead(200, { 'Content-Type': 'application/json' });
			res.end('{"status": "runn');
			return true;
		}
		if (fault.status) {
			const headers = fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {};
			send(res, fault.status, fault.body ?? { error: `mock fault ${fault.status}` }, headers);
			return true;
		}
		return false; // delay only, or a response-shaping fault handled by the route
	}

	// One page of `list` for the request's `page` and page size, with `paging` as documented.
	function paged(url, key, list) {
		const page = Math.max(1, Number(url.searchParams.get('page')) || 1);
		const size = Math.max(1, Number(url.searchParams.get('per_page') ?? url.searchParams.get('pageSize')) || pageSize);
		const items = list.slice((page - 1) * size, page * size);
		let next = '';
		if (page * size < list.length) {
			const query = nextForm === 'full' ? new URLSearchParams(url.searchParams) : new URLSearchParams();
			query.set('page', String(page + 1));
			next = `${url.pathname}?${query}`;
		}
		return { [key]: items, paging: { total: list.length, next } };
	}

	function startRun(kind, targetId) {
		const run = { kind, targetId, id: `${kind === 'retl' ? 'sync' : 'run'}_${++counter}`, startedAt: Date.now() };
		runs.set(targetId, [...(runs.get(targetId) ?? []), run]);
		return run;
	}

	async function route(req, res, body) {
		const url = new URL(req.url, 'http://mock');
		const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
		const [v2, collection, id, action, runId, tail] = parts;
		if (v2 !== 'v2') return send(res, 404, { error: 'not found' });

		if (collection === 'workspace' && parts.length === 2) return send(res, 200, { workspace });
		if (collection === 'sources' && req.headers.authorization === `Bearer ${retlOnlyToken}`) {
			return send(res, 403, { error: 'Forbidden: the token has no permission to access sources' });
		}
		if (collection === 'retl-connections' && parts.length === 2) return send(res, 200, paged(url, 'data', connections));
		if (collection === 'sources' && parts.length === 2) return send(res, 200, paged(url, 'sources', sources));
		if (collection === 'retl-connections' && action === 'start' && parts.length === 4) {
			const fault = takeFault(id, 'start');
			if (fault?.createRun && !running(id).length) startRun('retl', id);
			if (await applyFault(fault, req, res)) return;
			if (body.syncType !== undefined && !['incremental', 'full'].includes(body.syncType)) return send(res, 400, { error: `invalid syncType ${body.syncType}` });
			if (running(id).length) return send(res, 409, { error: 'A sync is already running for this connection' });
			const run = startRun('retl', id);
			return send(res, 200, fault?.omitId ? {} : { syncId: run.id });
		}
		if (collection === 'retl-connections' && action === 'stop' && parts.length === 4) {
			if (await applyFault(takeFault(id, 'stop'), req, res)) return;
			for (const run of running(id)) run.stoppedAt = Date.now();
			return send(res, 204);
		}
		if (collection === 'retl-connections' && action === 'syncs' && parts.length === 4) {
			if (await applyFault(takeFault(id, 'syncs'), req, res)) return;
			const status = url.searchParams.get('status');
			const after = Date.parse(url.searchParams.get('started_after') ?? '') || 0;
			const before = Date.parse(url.searchParams.get('started_before') ?? '') || Infinity;
			const syncs = (runs.get(id) ?? [])
				.filter((run) => run.startedAt >= after && run.startedAt < before)
				.map((run) => viewOf(run, 'retl'))
				.filter((sync) => !status || sync.status === status);
			if (options.syncOrder === 'newestFirst') syncs.reverse();
			return send(res, 200, paged(url, 'syncs', syncs));
		}
		if (collection === 'retl-connections' && action === 'syncs' && parts.length === 5) {
			return await statusOf('retl', id, runId, req, res);
		}
		if (collection === 'sources' && action === 'start' && parts.length === 4) {
			const fault = takeFault(id, 'start');
			if (fault?.createRun && !running(id).length) startRun('source', id);
			if (await applyFault(fault, req, res)) return;
			if (running(id).length) return send(res, 409, { error: 'The project is already running' });
			const run = startRun('source', id);
			run.parameters = body.parameters;
			return send(res, 200, fault?.omitId ? {} : { runId: run.id });
		}
		if (collection === 'sources' && action === 'runs' && tail === 'status' && parts.length === 6) {
			return await statusOf('source', id, runId, req, res);
		}
		return send(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
	}

	async function statusOf(kind, targetId, runId, req, res) {
		const fault = takeFault(targetId, 'status');
		if (await applyFault(fault, req, res)) return;
		const run = (runs.get(targetId) ?? []).find((candidate) => candidate.id === runId);
		if (!run) return send(res, 404, { error: `unknown ${kind === 'retl' ? 'sync' : 'run'} ${runId}` });
		const view = viewOf(run, kind === 'retl' ? 'retl' : 'source');
		if (fault?.omitStatus) delete view.status;
		if (fault?.statusValue) view.status = fault.statusValue;
		return send(res, 200, view);
	}

	const schedules = new Set();

	const server = http.createServer((req, res) => {
		// For a client in another process (the benchmark): how many requests came so far.
		if (req.url === '/__mock/stats') return send(res, 200, { requests: requests.length });
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => {
			const text = Buffer.concat(chunks).toString();
			let body = {};
			try {
				body = text ? JSON.parse(text) : {};
			} catch {
				body = { unparsable: text };
			}
			requests.push({ method: req.method, path: req.url, body: text ? body : undefined, headers: req.headers, at: Date.now() });
			const valid = [token, retlOnlyToken].filter(Boolean).map((t) => `Bearer ${t}`);
			if (!valid.includes(req.headers.authorization)) return send(res, 401, { error: 'Invalid access token' });
			if (storm && Math.random() < storm.rate) return send(res, 429, { error: 'Too many requests' }, { 'Retry-After': String(storm.retryAfter) });
			route(req, res, body).catch((error) => send(res, 500, { error: String(error) }));
		});
	});

	return {
		token,
		requests,
		runs,
		server,
		script(id, script) {
			scripts.set(id, script);
		},
		/** Ends the running sync of a connection now, with its scripted outcome. */
		end(id) {
			for (const run of running(id)) run.endsAt = Date.now();
		},
		/** Starts a sync of the connection every `everyMs` unless one is running, until stop(). */
		schedule(id, everyMs) {
			const timer = setInterval(() => running(id).length || startRun('retl', id), everyMs);
			timer.unref();
			schedules.add(timer);
		},
		setStorm(value) {
			storm = value;
		},
		reset() {
			requests.length = 0;
			runs.clear();
			scripts.clear();
		},
		...serverControls(server, () => schedules.forEach((timer) => clearInterval(timer))),
	};
}

module.exports = { createMockRudderStack };

if (require.main === module) {
	const port = Number(process.argv[2] ?? 4010); // 0 picks a free port
	const runMs = process.env.MOCK_RUDDERSTACK_RUN_MS;
	const mock = createMockRudderStack({ token: process.env.MOCK_RUDDERSTACK_TOKEN, runMs: runMs === undefined ? undefined : Number(runMs) });
	mock.start(port).then((url) => console.log(`mock RudderStack on ${url}, token ${mock.token}`));
}
