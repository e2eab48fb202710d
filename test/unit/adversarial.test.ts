/**
 * Adversarial review of the integrated main (issues 10-16): sequences that try to make the node,
 * the trigger or the Event resource report something untrue. Tests marked `it.failing` show a
 * real problem (the assertion is what the node should do); plain `it` tests are attacks that held.
 */
import { CredentialTestContext } from 'n8n-core';
import nock from 'nock';
import type { IDataObject } from 'n8n-workflow';

import { RudderStack } from '../../nodes/RudderStack/RudderStack.node';
import { within } from '../clock';
import { fakeApi, resetNock, sync } from '../fakeApi';
import { FAST, jsonOf, params, pollTrigger, runEvents, runNodeWithLogs, WRITE_KEY } from '../harness';
import { createMockDataPlane, type MockDataPlane } from '../mock/dataplane-mock';
import { createMockRudderStack, type MockRudderStack } from '../mock/rudderstack-mock';

const C = 'conn_adv';
const base = `/v2/retl-connections/${C}`;
const startRetl = (options: object = {}) => params('retl', 'start', { connectionId: C, options: { ...FAST, ...options } });
const posts = (api: ReturnType<typeof fakeApi>) => api.lines().filter((line) => line.startsWith('POST'));
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe('Start: adopting a sync that is not ours', () => {
	beforeEach(resetNock);
	afterAll(resetNock);

	// FIXED (was a problem). RudderStack's schedule started sync "foreign" an hour ago; it still runs. Our start gets a
	// 500 (nothing started: the connection was busy anyway), the retry gets 409. findOwnEarlierRun takes
	// the newest running sync without checking that it could be ours (couldBeOurs is only applied to the
	// started_after list), so a sync that began an hour before our first attempt is reported as
	// attached: 'ownEarlierAttempt', "ifAlreadyRunning: fail" is bypassed, and its success is ours.
	it('500 then 409: a sync that started an hour before our attempt is not adopted as our own', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(500, { error: 'internal' });
		api.scope.get(`${base}/syncs`).query((q) => typeof q.started_after === 'string').reply(200, { syncs: [] });
		api.scope.post(`${base}/start`).reply(409, { error: 'sync already running' });
		api.scope.get(`${base}/syncs`).query({ status: 'running' }).reply(200, () => ({ syncs: [sync('running', { id: 'foreign', startedAt: ago(3_600_000) })] }));
		api.scope.get(`${base}/syncs/foreign`).reply(200, () => sync('succeeded', { id: 'foreign', startedAt: ago(3_600_000), finishedAt: ago(0) }));
		const { items, error } = await runNodeWithLogs({ parameters: startRetl({ ifAlreadyRunning: 'fail' }) });
		expect(posts(api)).toHaveLength(2);
		// Should: fail as "already running" (ifAlreadyRunning: fail); at the very least not claim the sync as ours.
		expect(items[0]?.json.attached).not.toBe('ownEarlierAttempt');
		expect(error?.message).toMatch(/already running/);
	});

	// PROBLEM (heuristic, lower confidence). A scheduled sync started 5 s before our attempt and runs;
	// our start gets a 502 (it would have been a 409: the connection was busy). findSyncSince accepts any
	// sync started up to CLOCK_SKEW_MS (10 s) before the attempt and still running, so it is adopted as
	// ours and "fail" is bypassed. Retrying first (a 409 then says "busy") would not have to guess.
	it.failing('502: a sync that was already running 5 s before our attempt is not adopted as our own', async () => {
		const api = fakeApi();
		const foreign = () => sync('running', { id: 'foreign', startedAt: ago(5_000) });
		api.scope.post(`${base}/start`).reply(502, { error: 'bad gateway' });
		api.scope.get(`${base}/syncs`).query((q) => typeof q.started_after === 'string').reply(200, () => ({ syncs: [foreign()] }));
		api.scope.post(`${base}/start`).optionally().reply(409, { error: 'sync already running' });
		api.scope.get(`${base}/syncs/foreign`).optionally().reply(200, () => sync('succeeded', { id: 'foreign', finishedAt: ago(0) }));
		const { items, error } = await runNodeWithLogs({ parameters: startRetl({ ifAlreadyRunning: 'fail' }) });
		expect(items[0]?.json.attached).not.toBe('ownEarlierAttempt');
		expect(error?.message).toMatch(/already running/);
	});

	// PROBLEM (needs >10 s clock skew and a sync that ends before the retry; low likelihood). This
	// machine's clock is 30 s ahead of RudderStack's. The start times out, but RudderStack started the
	// sync and it ended at once (an incremental sync with nothing to do). The node asks for syncs started
	// after its own clock minus 10 s; RudderStack, filtering by its clock, lists none; the retry starts a
	// second sync. The trigger compares only RudderStack's times; the start could use the Date header.
	it.failing('a clock 30 s ahead of RudderStack does not turn a timed-out start into a second sync', async () => {
		const api = fakeApi();
		const SKEW = 30_000;
		const rsNow = () => Date.now() - SKEW;
		let started = 0;
		const ours = () => sync('succeeded', { id: 'first', startedAt: new Date(rsNow() - 400).toISOString(), finishedAt: new Date(rsNow() - 100).toISOString() });
		api.scope.post(`${base}/start`).delay(800).reply(() => (started++, [200, { syncId: 'first' }]));
		// RudderStack filters started_after by its own clock: our "now - 10 s" is 20 s after its sync began.
		api.scope.get(`${base}/syncs`).query((q) => typeof q.started_after === 'string').reply(200, (uri) => {
			const after = Date.parse(new URL(uri, 'http://x').searchParams.get('started_after') ?? '');
			return { syncs: [ours()].filter((s) => Date.parse(s.startedAt) >= after) };
		});
		api.scope.post(`${base}/start`).optionally().reply(() => (started++, [200, { syncId: 'second' }]));
		api.scope.get(`${base}/syncs/first`).optionally().reply(200, ours);
		api.scope.get(`${base}/syncs/second`).optionally().reply(200, () => sync('succeeded', { id: 'second' }));
		await runNodeWithLogs({ parameters: startRetl({ requestTimeout: 0.3 }) });
		expect(started).toBe(1);
	});

	it('held: a sync that ended before our ambiguous attempt is not adopted (a new one is started)', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(500, { error: 'internal' });
		api.scope.get(`${base}/syncs`).query((q) => typeof q.started_after === 'string').reply(200, () => ({ syncs: [sync('succeeded', { id: 'old', startedAt: ago(8_000), finishedAt: ago(4_000) })] }));
		api.scope.post(`${base}/start`).reply(200, { syncId: 'mine' });
		api.scope.get(`${base}/syncs/mine`).reply(200, () => sync('succeeded', { id: 'mine', finishedAt: ago(0) }));
		const { items, error } = await runNodeWithLogs({ parameters: startRetl() });
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ syncId: 'mine', status: 'succeeded' });
		expect(items[0].json.attached).toBeUndefined();
	});
});

describe('Timeouts against a slow RudderStack (mock over HTTP)', () => {
	let mock: MockRudderStack;
	const TOKEN = 'adv-token-0123';
	beforeAll(async () => {
		mock = createMockRudderStack({ token: TOKEN });
		await mock.start();
	});
	afterAll(async () => await mock.stop());
	beforeEach(() => {
		nock.cleanAll();
		nock.enableNetConnect('127.0.0.1');
		mock.reset();
	});

	// Observed: Timeout bounds retries and pauses but not a request already in flight: with Timeout 1 s
	// and a status answer that takes 6 s, the step ended after ~6 s (README documents "within one
	// request timeout of it", so up to Timeout + 30 s by default). Held to the documented bound here.
	it('held (documented bound): a hanging status answer ends the wait within one request timeout past the Timeout', async () => {
		mock.script('slowpoll', { runMs: 60_000, faults: { status: [{ delayMs: 8000 }] } });
		const began = Date.now();
		const { error } = await runNodeWithLogs({
			parameters: params('retl', 'start', { connectionId: 'slowpoll', options: { ...FAST, timeout: 1, requestTimeout: 2 } }),
			credentials: { host: mock.url, accessToken: TOKEN },
		});
		expect(error?.message).toMatch(/timed out after/);
		expect(Date.now() - began).toBeLessThan(1000 + 2000 + 2500);
		expect(mock.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
	});

	// FIXED (was a problem; same root as above, inside one step). Two items start the same connection with different
	// sync types, so they do not share a run. The first start to arrive gets a 500 (nothing started);
	// the other item's start goes through. The 500 item looks for "its" sync, finds the sibling's (started
	// right after its attempt) and reports it as its own (attached: ownEarlierAttempt): both items claim
	// one sync, and the full sync the user asked for never ran. The node started that sync itself and
	// knows its id.
	it('two items on one connection (incremental, full): an ambiguous start does not adopt the sibling item\'s sync', async () => {
		mock.script('twin', { runMs: 300, faults: { start: [{ status: 500 }] } });
		const { items, error } = await runNodeWithLogs({
			items: [{ t: 'incremental' }, { t: 'full' }],
			parameters: params('retl', 'start', { connectionId: 'twin', syncType: '={{ $json.t }}', options: { pollInterval: 0.05, retryDelay: 0.05 } }),
			credentials: { host: mock.url, accessToken: TOKEN },
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		const [a, b] = jsonOf(items);
		expect([a.attached, b.attached]).not.toContain('ownEarlierAttempt');
		expect(a.syncId).not.toBe(b.syncId);
	});

	it('held: without Continue On Fail, a failing item ends the step but stops no healthy sync (Stop Sync on Cancel on)', async () => {
		mock.script('healthy', { runMs: 60_000 });
		mock.script('broken', { faults: { start: [{ status: 400, body: { error: 'invalid' } }] } });
		const { error } = await runNodeWithLogs({
			items: [{ c: 'healthy' }, { c: 'broken' }],
			parameters: params('retl', 'start', { connectionId: '={{ $json.c }}', options: { pollInterval: 0.05, retryDelay: 0.01, stopOnCancel: true } }),
			credentials: { host: mock.url, accessToken: TOKEN },
		});
		expect(error?.message).toMatch(/400/);
		expect(mock.requests.filter((r) => r.path.endsWith('/stop'))).toHaveLength(0);
	});

	// FIXED (was arguable). ifAlreadyRunning "attach" follows a sync RudderStack's schedule started; Stop
	// Sync on Cancel then stops that sync when the user cancels the execution, though this execution
	// never started it (waitForRun does not look at `attached`). Combined with the mis-adoption above
	// (attached: ownEarlierAttempt on someone else's sync) it stops a sync that is not ours.
	it('attach + Stop Sync on Cancel: cancelling the execution does not stop a sync it only attached to', async () => {
		mock.script('sched', { runMs: 60_000 });
		const answer = await fetch(`${mock.url}/v2/retl-connections/sched/start`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: '{}' });
		expect(answer.status).toBe(200);
		const controller = new AbortController();
		const running = runNodeWithLogs({
			parameters: params('retl', 'start', { connectionId: 'sched', options: { pollInterval: 0.05, retryDelay: 0.01, ifAlreadyRunning: 'attach', stopOnCancel: true } }),
			credentials: { host: mock.url, accessToken: TOKEN },
			signal: controller.signal,
		});
		while (!mock.requests.some((r) => /\/syncs\/sync_/.test(r.path))) await within(20, new Promise(() => undefined));
		controller.abort();
		await running;
		expect(mock.requests.filter((r) => r.path.endsWith('/stop'))).toHaveLength(0);
	});

	// FIXED (was a problem). Items on the same connection and body share one start (dedupeKey has no ifAlreadyRunning),
	// and the shared start runs with the first item's settings. A sync is running; item 0 says "fail",
	// item 1 says "attach": item 1 gets item 0's error, '"ifAlreadyRunning" is set to fail', which is untrue
	// for it (and in the other order, the "fail" item is reported as a success, attached).
	it('two items share one start; each keeps its own ifAlreadyRunning (fail vs attach)', async () => {
		mock.script('busy', { runMs: 400 });
		await fetch(`${mock.url}/v2/retl-connections/busy/start`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: '{}' });
		const { items, error } = await runNodeWithLogs({
			items: [{ mode: 'fail' }, { mode: 'attach' }],
			parameters: params('retl', 'start', { connectionId: 'busy', options: { pollInterval: 0.05, retryDelay: 0.01, ifAlreadyRunning: '={{ $json.mode }}' } }),
			credentials: { host: mock.url, accessToken: TOKEN },
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		const [a, b] = jsonOf(items);
		expect(String(a.error)).toMatch(/ifAlreadyRunning" is set to fail/);
		expect(b).toMatchObject({ status: 'succeeded', attached: 'alreadyRunning' });
	});

	// FIXED (was a problem; same root). A foreign sync runs for 2 s; ifAlreadyRunning "wait". Item 0 has Timeout 0.5 s,
	// item 1 none. Both share one start, run with item 0's deadline, so item 1 also fails with "timed out
	// after 0.5 s" although it set no timeout and its sync would have started after the foreign one.
	it('two items share one start; the item without a Timeout is not failed by the other item\'s Timeout', async () => {
		mock.script('busy2', { runMs: 200 });
		await fetch(`${mock.url}/v2/retl-connections/busy2/start`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: '{}' });
		mock.runs.get('busy2')![0].endsAt = Date.now() + 2000;
		const { items, error } = await runNodeWithLogs({
			items: [{ t: 0.5 }, { t: 0 }],
			parameters: params('retl', 'start', { connectionId: 'busy2', options: { pollInterval: 0.05, retryDelay: 0.01, timeout: '={{ $json.t }}' } }),
			credentials: { host: mock.url, accessToken: TOKEN },
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		const [a, b] = jsonOf(items);
		expect(String(a.error)).toMatch(/timed out/);
		expect(b).toMatchObject({ status: 'succeeded' });
	});

	it('held: one item failing (400) does not stop the healthy sibling syncs it does not own', async () => {
		mock.script('bad', { faults: { start: [{ status: 400, body: { error: 'invalid' } }] } });
		const { items, error } = await runNodeWithLogs({
			items: [{ c: 'good1' }, { c: 'bad' }, { c: 'good2' }],
			parameters: params('retl', 'start', { connectionId: '={{ $json.c }}', options: { pollInterval: 0.05, retryDelay: 0.01 } }),
			credentials: { host: mock.url, accessToken: TOKEN },
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(jsonOf(items).map((j) => j.status ?? j.error)).toEqual(['succeeded', expect.stringMatching(/400/), 'succeeded']);
		expect(mock.requests.filter((r) => r.path.endsWith('/stop'))).toHaveLength(0);
	});
});

describe('Event resource', () => {
	let mock: MockDataPlane;
	beforeAll(async () => {
		mock = createMockDataPlane({ writeKey: WRITE_KEY });
		await mock.start();
	});
	afterAll(async () => await mock.stop());
	beforeEach(() => {
		nock.cleanAll();
		nock.enableNetConnect('127.0.0.1');
		mock.reset();
	});

	const track = (rest: IDataObject = {}) => ({ resource: 'event', operation: 'track', userId: '={{ $json.user }}', event: 'Deal Won', options: FAST, ...rest });
	const users = (n: number) => Array.from({ length: n }, (_, i) => ({ user: `u${i}` }));
	const basic = Buffer.from(`${WRITE_KEY}:`).toString('base64');

	// FIXED (was: low likelihood, real leak). Only the raw write key was scrubbed. A data plane, proxy or
	// load balancer that echoes the request's Authorization header in its error text ("Basic <base64 of
	// key:>") puts the write key, trivially decodable, into the node's error message and description.
	it('an error body that echoes the Basic Authorization header does not leak the write key', async () => {
		mock.fault({ status: 400, body: `bad request; headers: Authorization: Basic ${basic}` });
		const { error } = await runEvents({ dataPlaneUrl: mock.url, parameters: track() as never, items: users(1) });
		expect(error).toBeDefined();
		const shown = `${error?.message} ${(error as { description?: string }).description ?? ''}`;
		expect(shown).not.toContain(basic);
	});

	it('held: the raw write key echoed in a 401 is scrubbed from message and description', async () => {
		mock.fault({ status: 401, body: `Invalid write key ${WRITE_KEY}` });
		const { error } = await runEvents({ dataPlaneUrl: mock.url, parameters: track() as never, items: users(1) });
		const shown = `${error?.message} ${(error as { description?: string }).description ?? ''} ${JSON.stringify(error)}`;
		expect(shown).not.toContain(WRITE_KEY);
	});

	it('held: a 500 retried after RudderStack took the batch sends the same body, so messageIds dedupe; items in input order', async () => {
		mock.fault({ status: 500, body: 'later' });
		const { items, error } = await runEvents({ dataPlaneUrl: mock.url, parameters: track() as never, items: users(5) });
		expect(error).toBeUndefined();
		expect(new Set(mock.requests.map((r) => r.body)).size).toBe(1);
		expect(jsonOf(items).map((j) => j.accepted)).toEqual([true, true, true, true, true]);
		const ids = jsonOf(items).map((j) => j.messageId);
		expect(new Set(ids).size).toBe(5);
	});

	// FIXED (was: untrue output; items sharing a Message ID now fail validation). A fixed Message ID option (no expression) is read once for
	// the step and given to every item: RudderStack deduplicates on messageId, so it keeps one event, yet
	// every item is reported accepted: true with no warning.
	it('a fixed Message ID on many items is refused or warned about, not reported as N accepted events', async () => {
		const { items, error } = await runEvents({ dataPlaneUrl: mock.url, parameters: track({ options: { ...FAST, messageId: 'same-id' } }) as never, items: users(3) });
		const ids = jsonOf(items).map((j) => j.messageId);
		expect(error !== undefined || new Set(ids).size === 3).toBe(true);
	});

	// Held: the Event resource skips answerAsTool (router.ts), yet as a tool its failures still come back
	// as answers with the reason (n8n's tool execution turns them into { error }), not as crashed calls.
	it('held: as an AI tool, a refused batch and a missing User ID are answers with the reason', async () => {
		mock.fault({ status: 400, body: 'Invalid event' });
		const refused = await runEvents({ dataPlaneUrl: mock.url, parameters: track() as never, items: users(1), tool: true });
		expect(refused.error).toBeUndefined();
		expect(String(refused.items[0]?.json.error)).toMatch(/400: Invalid event/);
		const missing = await runEvents({ dataPlaneUrl: mock.url, parameters: track({ userId: '' }) as never, items: [{}], tool: true });
		expect(missing.error).toBeUndefined();
		expect(String(missing.items[0]?.json.error)).toMatch(/User ID/);
	});

	// Retry-After is capped at 10 min per retry and the Event resource has no overall timeout: a 429
	// storm with "Retry-After: 3600" holds the step for up to maxRetries x 10 min (30 min by default).
	it('observed: a 429 with Retry-After 3600 holds the step (still sending after 3 s)', async () => {
		mock.fault({ status: 429, retryAfter: 3600 });
		const controller = new AbortController();
		const sent = runEvents({ dataPlaneUrl: mock.url, parameters: track() as never, items: users(1), signal: controller.signal });
		const outcome = await within(3000, sent);
		controller.abort();
		await sent;
		expect(outcome).toBe('hung');
	});
});

describe('Trigger', () => {
	let mock: MockRudderStack;
	const TOKEN = 'adv-trigger-token';
	const HOUR = 3_600_000;
	beforeAll(async () => {
		mock = createMockRudderStack({ token: TOKEN, syncOrder: 'newestFirst' });
		await mock.start();
	});
	afterAll(async () => await mock.stop());
	beforeEach(() => {
		nock.cleanAll();
		nock.enableNetConnect('127.0.0.1');
		mock.reset();
	});
	const poll = async (connectionId: string, staticData?: IDataObject) =>
		await pollTrigger({ parameters: { connectionId: { __rl: true, mode: 'id', value: connectionId }, events: ['succeeded', 'failed'] }, credentials: { host: mock.url, accessToken: TOKEN }, staticData });
	const ids = (output: { json: IDataObject }[][] | null) => (output ?? []).flat().map((item) => item.json.syncId);
	const cursorOf = (result: { staticData?: IDataObject }) => (result.staticData?.['node:RudderStack Trigger'] as IDataObject).cursor as IDataObject;
	function addSync(connectionId: string, id: string, agoMs: number, endedAgoMs?: number) {
		const now = Date.now();
		const run = { kind: 'retl', targetId: connectionId, id, startedAt: now - agoMs, ...(endedAgoMs === undefined ? {} : { endsAt: now - endedAgoMs }) };
		const list = [...(mock.runs.get(connectionId) ?? []), run].sort((a, b) => a.startedAt - b.startedAt);
		mock.runs.set(connectionId, list);
		return run;
	}

	// FIXED (was: medium-low likelihood, silent loss). A sync that runs for hours falls out of the list
	// window once a newer sync has started, and is then fetched by id each poll. One 404 on that fetch
	// (a deployment, a proxy, a replica lagging) drops it from the cursor for good ("no longer watched",
	// a warn log only); when it ends, its failure is never emitted. A sync the trigger saw running
	// should stay watched until it is seen ended (or several polls, or a long time, say it is gone).
	it('a long-running watched sync survives one 404 on its by-id fetch and is emitted when it ends', async () => {
		mock.script('cl', { runMs: 100 * HOUR, outcome: 'failed' });
		const long = addSync('cl', 'long', 2 * HOUR);
		addSync('cl', 'newer', 30 * 60_000, 29 * 60_000);
		const first = await poll('cl');
		expect(first.error).toBeUndefined();
		const steady = await poll('cl', first.staticData);
		expect(steady.output).toBeNull();
		mock.script('cl', { runMs: 100 * HOUR, outcome: 'failed', faults: { status: [{ status: 404, body: { error: 'sync not found' } }] } });
		const second = await poll('cl', steady.staticData);
		expect(second.error).toBeUndefined();
		expect(second.output).toBeNull();
		expect(second.logs.join('\n')).toMatch(/does not find it \(1 of 5 polls in a row\); it is still watched/);
		long.endsAt = Date.now() - 1000;
		const third = await poll('cl', second.staticData);
		expect(ids(third.output)).toEqual(['long']);
	});

	it('a watched sync RudderStack does not find in 5 polls in a row is given up, with a warning; 4 misses are not enough', async () => {
		mock.script('cg', { runMs: 100 * HOUR, outcome: 'failed' });
		addSync('cg', 'long', 2 * HOUR);
		addSync('cg', 'newer', 30 * 60_000, 29 * 60_000);
		let result = await poll('cg');
		const notFound = { status: 404, body: { error: 'sync not found' } };
		mock.script('cg', { runMs: 100 * HOUR, outcome: 'failed', faults: { status: Array(5).fill(notFound) } });
		for (let miss = 1; miss <= 4; miss++) {
			result = await poll('cg', result.staticData);
			expect(result.error).toBeUndefined();
			expect(cursorOf(result).watch).toEqual([['long', expect.any(String), miss]]);
		}
		result = await poll('cg', result.staticData);
		expect(result.logs.join('\n')).toMatch(/has not found it in 5 polls in a row; it is no longer watched/);
		expect(cursorOf(result).watch).toEqual([]);
	});

	it('a watched sync found again after a miss is watched with its count reset', async () => {
		mock.script('ch', { runMs: 100 * HOUR, outcome: 'failed', faults: { status: [{ status: 404 }, { status: 404 }] } });
		addSync('ch', 'long', 2 * HOUR);
		addSync('ch', 'newer', 30 * 60_000, 29 * 60_000);
		let result = await poll('ch');
		for (let poll_ = 0; poll_ < 2; poll_++) result = await poll('ch', result.staticData);
		expect(cursorOf(result).watch).toEqual([['long', expect.any(String), 2]]);
		result = await poll('ch', result.staticData);
		expect(cursorOf(result).watch).toEqual([['long', expect.any(String)]]);
	});

	it('activation watches a running sync once, though both the recent and the running list show it', async () => {
		mock.script('cd', { runMs: 100 * HOUR });
		addSync('cd', 'running', 30 * 60_000);
		const first = await poll('cd');
		expect(first.error).toBeUndefined();
		const watch = cursorOf(first).watch as string[][];
		expect(watch.map(([id]) => id)).toEqual(['running']);
	});

	it('held: the same sync survives a poll that fails midway (a 500 storm on its fetch), then comes once', async () => {
		mock.script('cm', { runMs: 100 * HOUR, outcome: 'failed' });
		const long = addSync('cm', 'long', 2 * HOUR);
		addSync('cm', 'newer', 30 * 60_000, 29 * 60_000);
		const first = await poll('cm');
		long.endsAt = Date.now() - 1000;
		mock.script('cm', { runMs: 100 * HOUR, outcome: 'failed', faults: { status: Array(4).fill({ status: 500 }) } });
		const failed = await poll('cm', first.staticData);
		expect(failed.error).toBeDefined();
		const next = await poll('cm', failed.staticData);
		expect(ids(next.output)).toEqual(['long']);
		const again = await poll('cm', next.staticData);
		expect(again.output).toBeNull();
	});

	// FIXED (was: low likelihood, long silent loss). `since` was the newest startedAt ever seen, and the next
	// list asks only for syncs started after since - 10 min. One sync stamped 2 h in the future (a
	// replica's clock, a stamp without its time zone) moves the cursor 2 h ahead: every correctly
	// stamped sync of the next 2 h is never listed, never emitted. A cap of since at the newest
	// RudderStack time of an *ended* sync's finishedAt, or at the Date header, would bound it.
	it('one sync stamped 2 h in the future does not hide the correctly stamped syncs after it', async () => {
		mock.script('cf', { runMs: 100 * HOUR });
		const first = await poll('cf');
		addSync('cf', 'future', -2 * HOUR, 1000); // stamped as starting in 2 h; over
		const second = await poll('cf', first.staticData);
		expect(ids(second.output)).toEqual(['future']);
		addSync('cf', 'normal', 60_000, 1000);
		const third = await poll('cf', second.staticData);
		expect(ids(third.output)).toEqual(['normal']);
		const fourth = await poll('cf', third.staticData);
		expect(fourth.output).toBeNull(); // and the future-stamped one does not come again
	});
});


describe('Data-plane credential test', () => {
	beforeEach(resetNock);
	afterAll(resetNock);
	const test = async (data: IDataObject) => {
		const fn = new RudderStack().methods.credentialTest.rudderStackDataPlaneTest;
		return await fn.call(new CredentialTestContext(), { id: 'c', name: 'c', type: 'rudderStackDataPlaneApi', data } as never);
	};

	// FIXED (was: any 400 counted as "the key is known", credentialTest.ts). A URL that is not a RudderStack
	// data plane but answers 400 to a POST (nginx's "plain HTTP request was sent to HTTPS port", another
	// API, a WAF) makes the test say "Connection successful!" without the key ever being checked; the
	// first real send then fails. RudderStack's own 400 for the empty batch reads "Empty batch payload".
	it('a 400 from something that is not RudderStack is not "Connection successful!"', async () => {
		nock('http://not-a-dataplane.example').post('/v1/batch').reply(400, '<html><body><h1>400 Bad Request</h1>The plain HTTP request was sent to HTTPS port</body></html>');
		const result = await test({ dataPlaneUrl: 'http://not-a-dataplane.example', writeKey: 'any-key-at-all' });
		expect(result.status).toBe('Error');
	});
});
