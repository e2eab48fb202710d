// A re-run of the same execution (n8n 1.x queue mode runs a dead worker's execution again on
// another worker) must attach to the sync its earlier run started, not start a second one, and a
// first run must never take someone else's sync for its own. What n8n saved of the execution is
// read back by id: with progress saving, a re-run meets a saved state whose last step ended long
// before this step began; on a first run that step was saved a moment ago (see run/rerun.ts).
import { fakeApi, resetNock, sync } from '../fakeApi';
import { FAST, params, runNode, runNodeError, type RunOptions } from '../harness';

beforeEach(resetNock);
afterAll(resetNock);

const C = 'conn_rerun';
const base = `/v2/retl-connections/${C}`;
const startRetl = (options: object = {}) => params('retl', 'start', { connectionId: C, options: { ...FAST, ...options } });
const iso = (agoMs: number) => new Date(Date.now() - agoMs).toISOString();
const task = (endedAgoMs: number, executionTime = 3) => ({ startTime: Date.now() - endedAgoMs - executionTime, executionTime, source: [], executionStatus: 'success', data: { main: [[{ json: {} }]] } });

/**
 * What n8n 1.123 saves with progress saving on, as measured in queue mode: the steps that ran,
 * and the stack of what runs next, headed by this step (the engine names it "RudderStack").
 * `steps` maps a step to how long ago it ended.
 */
function savedState(steps: Record<string, number>, next = 'RudderStack') {
	const names = Object.keys(steps);
	return {
		version: 1,
		startData: {},
		resultData: { runData: Object.fromEntries(names.map((name) => [name, [task(steps[name])]])), lastNodeExecuted: names[names.length - 1] },
		executionData: {
			contextData: {},
			nodeExecutionStack: [{ node: { name: next, type: 'x', typeVersion: 1, position: [0, 0], parameters: {} }, data: { main: [[{ json: {} }]] }, source: { main: [{ previousNode: names[names.length - 1] }] } }],
			waitingExecution: {},
			waitingExecutionSource: {},
		},
	};
}

let executions = 0;
/** A production execution of its own (n8n gives each one an id), its saved state as given. */
const execution = (saved: object | undefined, more: Partial<RunOptions> = {}): Partial<RunOptions> => ({ mode: 'webhook', executionId: `rerun-${++executions}`, savedExecution: saved, ...more });

const posts = (api: ReturnType<typeof fakeApi>) => api.lines().filter((line) => line.startsWith('POST'));

describe('n8n runs the execution again (the saved state is long past: the earlier run reached this step)', () => {
	it('the sync its earlier run started still runs: attaches to it without a start, and reports its result', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs`).query((q) => typeof q.started_after === 'string').reply(200, { syncs: [sync('running', { id: 'ours', startedAt: iso(59_000) })] });
		api.scope.get(`${base}/syncs/ours`).reply(200, sync('succeeded', { id: 'ours', startedAt: iso(59_000) }));
		const items = await runNode({ parameters: startRetl(), ...execution(savedState({ Webhook: 60_000 })) });
		expect(items[0].json).toMatchObject({ connectionId: C, syncId: 'ours', status: 'succeeded', attached: 'ownEarlierAttempt' });
		expect(posts(api)).toEqual([]);
		// The look-up asks for syncs since the earlier run began this step (less the clock-skew margin).
		const since = Date.parse(new URL(`http://x${api.requests[0].path}`).searchParams.get('started_after') ?? '');
		expect(Date.now() - since).toBeGreaterThanOrEqual(70_000);
		expect(Date.now() - since).toBeLessThan(90_000);
	});

	it('the sync its earlier run started has already ended: reports that sync\'s real outcome, and starts no second one', async () => {
		const api = fakeApi();
		const ended = sync('failed', { id: 'ours', startedAt: iso(59_000), finishedAt: iso(30_000), error: 'warehouse query failed' });
		api.scope.get(`${base}/syncs`).query(true).reply(200, { syncs: [ended] });
		api.scope.get(`${base}/syncs/ours`).reply(200, ended);
		const error = await runNodeError({ parameters: startRetl(), ...execution(savedState({ Webhook: 60_000 })) });
		expect(error.message).toMatch(/syncId: ours failed with error: warehouse query failed/);
		expect(posts(api)).toEqual([]);
	});

	it('a succeeded earlier sync is that sync\'s success, marked as the earlier run\'s', async () => {
		const api = fakeApi();
		const ended = sync('succeeded', { id: 'ours', startedAt: iso(59_000), finishedAt: iso(30_000) });
		api.scope.get(`${base}/syncs`).query(true).reply(200, { syncs: [ended] });
		api.scope.get(`${base}/syncs/ours`).reply(200, ended);
		const items = await runNode({ parameters: startRetl({ ifAlreadyRunning: 'fail' }), ...execution(savedState({ Webhook: 60_000 })) });
		expect(items[0].json).toMatchObject({ syncId: 'ours', status: 'succeeded', attached: 'ownEarlierAttempt' });
		expect(posts(api)).toEqual([]);
	});

	it('a sync that began before the earlier run reached this step is someone else\'s: a start, and its 409 follows ifAlreadyRunning', async () => {
		const api = fakeApi();
		// The list holds what RudderStack stamped up to 10 s before the step (clock skew), but that sync ended before it.
		api.scope.get(`${base}/syncs`).query(true).reply(200, { syncs: [sync('succeeded', { id: 'other', startedAt: iso(65_000), finishedAt: iso(61_000) })] });
		api.scope.post(`${base}/start`).reply(409, { error: 'sync already running' });
		const error = await runNodeError({ parameters: startRetl({ ifAlreadyRunning: 'fail' }), ...execution(savedState({ Webhook: 60_000 })) });
		expect(error.message).toMatch(/is already running .*"ifAlreadyRunning" is set to fail/);
		expect(posts(api)).toEqual([`POST ${base}/start`]);
	});

	it('no sync since then (the earlier run died before its start got through): starts one', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs`).query(true).reply(200, { syncs: [] });
		api.scope.post(`${base}/start`).reply(200, { syncId: 'new' });
		api.scope.get(`${base}/syncs/new`).reply(200, sync('succeeded', { id: 'new' }));
		const items = await runNode({ parameters: startRetl(), ...execution(savedState({ Webhook: 60_000 })) });
		expect(items[0].json).toMatchObject({ syncId: 'new', status: 'succeeded' });
		expect(items[0].json.attached).toBeUndefined();
	});
});

describe('a first run never takes someone else\'s sync for its own', () => {
	it('the step before was saved a moment ago, after a long step: a sync that began during that step is someone else\'s', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(409, { error: 'sync already running' });
		api.scope.get(`${base}/syncs`).query(true).reply(200, { syncs: [sync('running', { id: 'scheduled', startedAt: iso(30_000) })] });
		// The trigger ran a minute ago; a long step after it ended just now.
		const error = await runNodeError({ parameters: startRetl({ ifAlreadyRunning: 'fail' }), ...execution(savedState({ Webhook: 60_000, 'Long Step': 20 })) });
		expect(error.message).toMatch(/is already running .*"ifAlreadyRunning" is set to fail/);
		expect(api.lines()).toEqual([`POST ${base}/start`]);
	});

	it('with ifAlreadyRunning attach, someone else\'s sync is reported as such, not as ours', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(409, { error: 'sync already running' });
		api.scope.get(`${base}/syncs`).query({ status: 'running' }).reply(200, { syncs: [sync('running', { id: 'scheduled', startedAt: iso(30_000) })] });
		api.scope.get(`${base}/syncs/scheduled`).reply(200, sync('succeeded', { id: 'scheduled' }));
		const items = await runNode({ parameters: startRetl({ ifAlreadyRunning: 'attach' }), ...execution(savedState({ Webhook: 60_000, 'Long Step': 20 })) });
		expect(items[0].json).toMatchObject({ syncId: 'scheduled', attached: 'alreadyRunning' });
	});

	it('an execution resumed from a Wait, its saved state the one of the wait: no look-up, a start', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 'new' });
		api.scope.get(`${base}/syncs/new`).reply(200, sync('succeeded', { id: 'new' }));
		// Without progress saving n8n's saved state is the one written when the execution began to wait.
		const items = await runNode({ parameters: startRetl(), ...execution(savedState({ Webhook: 3_600_000 }, 'Wait')) });
		expect(items[0].json).toMatchObject({ syncId: 'new' });
		expect(api.lines()[0]).toBe(`POST ${base}/start`);
	});

	it('a retry of a failed execution carries that execution\'s old steps: no look-up, a start', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 'new' });
		api.scope.get(`${base}/syncs/new`).reply(200, sync('succeeded', { id: 'new' }));
		const items = await runNode({ parameters: startRetl(), ...execution(savedState({ Webhook: 3_600_000 }), { mode: 'retry' }) });
		expect(items[0].json).toMatchObject({ syncId: 'new' });
		expect(api.lines()[0]).toBe(`POST ${base}/start`);
	});

	it('Retry On Fail runs the step again in the same process: a new start, not the sync of the failed try', async () => {
		const api = fakeApi();
		const first = execution(savedState({ Webhook: 20 }));
		api.scope.post(`${base}/start`).reply(200, { syncId: 'try1' });
		api.scope.get(`${base}/syncs/try1`).reply(200, sync('failed', { id: 'try1', startedAt: iso(0), error: 'boom' }));
		await runNodeError({ parameters: startRetl(), ...first });
		// The second try: the same execution, its saved state now older than the threshold.
		api.scope.post(`${base}/start`).reply(200, { syncId: 'try2' });
		api.scope.get(`${base}/syncs/try2`).reply(200, sync('succeeded', { id: 'try2' }));
		const items = await runNode({ parameters: startRetl(), ...first, savedExecution: savedState({ Webhook: 60_000 }) });
		expect(items[0].json).toMatchObject({ syncId: 'try2' });
		expect(posts(api)).toEqual([`POST ${base}/start`, `POST ${base}/start`]);
	});

	it('without saved progress (n8n saved only the trigger\'s input), a 409 follows ifAlreadyRunning, with no look-up', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(409, { error: 'sync already running' });
		// What n8n 1.123 holds without progress saving, on the first run and on the re-run alike.
		const creation = { version: 1, startData: {}, resultData: { runData: {} }, executionData: { contextData: {}, nodeExecutionStack: [{ node: { name: 'Webhook' }, data: {}, source: null }], waitingExecution: {}, waitingExecutionSource: {} } };
		const error = await runNodeError({ parameters: startRetl({ ifAlreadyRunning: 'fail' }), ...execution(creation) });
		expect(error.message).toMatch(/"ifAlreadyRunning" is set to fail/);
		expect(api.lines()).toEqual([`POST ${base}/start`]);
	});
});

describe('on a re-run, a sync is adopted only by the item that can have started it', () => {
	it('two items on one connection that do not share a start never both adopt the one sync the earlier run started', async () => {
		// The earlier run: item 0 started an incremental sync; item 1 (a full sync) got 409 and was
		// waiting for it when the worker died. On the re-run, only item 0's sync exists since then.
		const api = fakeApi();
		const earlier = sync('succeeded', { id: 'incremental-of-item-0', startedAt: iso(59_000), finishedAt: iso(30_000) });
		api.scope.get(`${base}/syncs`).query(true).times(4).reply(200, { syncs: [earlier] });
		api.scope.get(`${base}/syncs/incremental-of-item-0`).times(4).reply(200, earlier);
		api.scope.post(`${base}/start`).times(2).reply(200, { syncId: 'full-of-item-1' });
		api.scope.get(`${base}/syncs/full-of-item-1`).times(4).reply(200, sync('succeeded', { id: 'full-of-item-1' }));
		const items = await runNode({
			parameters: params('retl', 'start', { connectionId: C, syncType: '={{ $json.type }}', options: { ...FAST } }),
			items: [{ type: 'incremental' }, { type: 'full' }],
			...execution(savedState({ Webhook: 60_000 })),
		});
		const ids = items.map((item) => item.json.syncId);
		// Item 1 asked for a full sync; the incremental sync of item 0 is not its result.
		expect(ids[0]).toBe('incremental-of-item-0');
		expect(ids[1]).not.toBe('incremental-of-item-0');
	});

	it("on a re-run, the sync an earlier RudderStack step of the execution followed (its output) is not this step's", async () => {
		// "Start A" started and followed sync a-sync of the same connection, a short sync that
		// RudderStack stamped as ended 1 s after n8n saw "Start A" end (RudderStack's clock a few
		// seconds ahead, within the skew the node allows). This step ("RudderStack") is re-run.
		const api = fakeApi();
		const saved = savedState({ Webhook: 70_000, 'Start A': 60_000 });
		(saved.resultData.runData['Start A'][0].data.main[0][0] as { json: object }).json = { connectionId: C, syncId: 'a-sync', status: 'succeeded', error: null };
		const aSync = sync('succeeded', { id: 'a-sync', startedAt: iso(65_000), finishedAt: iso(59_000) });
		api.scope.get(`${base}/syncs`).query(true).reply(200, { syncs: [aSync] });
		api.scope.get(`${base}/syncs/a-sync`).reply(200, aSync);
		api.scope.post(`${base}/start`).reply(200, { syncId: 'b-sync' });
		api.scope.get(`${base}/syncs/b-sync`).reply(200, sync('succeeded', { id: 'b-sync' }));
		const items = await runNode({
			parameters: params('retl', 'start', { connectionId: C, options: { ...FAST } }),
			...execution(saved),
		});
		expect(items[0].json.syncId).toBe('b-sync');
	});
});
