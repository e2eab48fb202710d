import { fakeApi, resetNock, run, sync } from '../fakeApi';
import { asTool, callTool, FAST, params } from '../harness';

beforeEach(resetNock);
afterAll(resetNock);

const fromAI = (key: string, description: string) => `={{ $fromAI('${key}', \`${description}\`, 'string') }}`;
const retl = '/v2/retl-connections/conn_1';
const connection = { __rl: true, mode: 'id', value: fromAI('connectionId', 'The Reverse ETL connection') };

// nock answers on the real timers it found when it was loaded, not on jest's fake clock: a test
// that drives the fake clock must give each answer real time to land, or the clock outruns it
// (10 s jumps take well under the millisecond nock's reply waits) and a request times out unanswered.
// Kept at load, before any test fakes the timers (jest's fake timers replace the module's methods too).
const { setTimeout: realSleep } = jest.requireActual<{ setTimeout: (ms: number) => Promise<unknown> }>('node:timers/promises');

/** Waits in real time until `n` requests were answered, then lets the answer reach the node. */
async function answered(replied: () => number, n: number): Promise<void> {
	for (let waited = 0; replied() < n; waited += 5) {
		if (waited > 10_000) throw new Error(`${replied()} of ${n} requests answered after 10 s of real time`);
		await realSleep(5);
	}
	await realSleep(20);
}

describe('as an AI tool', () => {
	it('is described to the agent per operation, with the ids it needs, and $fromAI() fields as its input schema', async () => {
		const tool = await asTool(params('retl', 'get', { connectionId: connection, syncId: fromAI('syncId', 'The sync, from Start or Get Many') }));
		expect(tool.description).toMatch(/Needs connectionId and syncId/);
		expect(tool.description).toMatch(/Get Many/);
		const shape = (tool.schema as { shape: Record<string, { description?: string }> }).shape;
		expect(Object.keys(shape).sort()).toEqual(['connectionId', 'syncId']);
		expect(shape.syncId.description).toBe('The sync, from Start or Get Many');
		expect((await asTool(params('profiles', 'start', { profileId: 'p1' }))).description).toMatch(/needs profileId/);
	});

	it('Start answers the sync id at once, without polling, unless the author chose to wait', async () => {
		const api = fakeApi();
		api.scope.post(`${retl}/start`).reply(200, { syncId: 'sync_1' });
		const answer = await callTool(params('retl', 'start', { connectionId: connection }), { connectionId: 'conn_1' });
		expect(answer).toEqual([{ connectionId: 'conn_1', syncId: 'sync_1', status: 'running', hint: expect.stringMatching(/Get \(or Wait\)/) }]);
		expect(api.lines()).toEqual([`POST ${retl}/start`]);
	});

	it('knows it is a tool from its type name too, where n8n runs it in a plain execution context (Agent V3)', async () => {
		const { runNode } = await import('../harness');
		const api = fakeApi();
		api.scope.post(`${retl}/start`).reply(200, { syncId: 'sync_1' });
		const items = await runNode({ parameters: params('retl', 'start', { connectionId: 'conn_1' }), tool: true });
		expect(items.map((item) => item.json)).toEqual([{ connectionId: 'conn_1', syncId: 'sync_1', status: 'running', hint: expect.any(String) }]);
	});

	it('Start waits when the author switched Wait for Completion on', async () => {
		const api = fakeApi();
		api.scope.post(`${retl}/start`).reply(200, { syncId: 'sync_1' });
		api.scope.get(`${retl}/syncs/sync_1`).reply(200, sync('succeeded', { id: 'sync_1', finishedAt: '2026-01-01T00:01:00Z' }));
		const answer = await callTool(params('retl', 'start', { connectionId: connection, waitForCompletion: true, options: FAST }), { connectionId: 'conn_1' });
		expect(answer[0]).toMatchObject({ syncId: 'sync_1', status: 'succeeded', error: null });
	});

	it('the ordinary node still waits by default', async () => {
		const { runNode } = await import('../harness');
		const api = fakeApi();
		api.scope.post(`${retl}/start`).reply(200, { syncId: 'sync_1' });
		api.scope.get(`${retl}/syncs/sync_1`).reply(200, sync('succeeded', { id: 'sync_1' }));
		const [item] = await runNode({ parameters: params('retl', 'start', { connectionId: 'conn_1', options: FAST }) });
		// …and outputs RudderStack's whole status, as the contract says: the tool answer's trimming is for tools only.
		expect(item.json).toEqual({ connectionId: 'conn_1', syncId: 'sync_1', ...sync('succeeded', { id: 'sync_1' }) });
	});

	it('Wait without a Timeout is bounded, and answers "running" with timedOut instead of holding the agent', async () => {
		jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
		try {
			const api = fakeApi();
			let replied = 0;
			api.scope.on('replied', () => replied++);
			api.scope.get(`${retl}/syncs/sync_1`).times(100).reply(200, sync('running', { id: 'sync_1' }));
			const t0 = Date.now();
			const answer = callTool(params('retl', 'wait', { connectionId: 'conn_1', syncId: 'sync_1', options: { pollInterval: 10 } }));
			// Each poll is answered, and the answer read, before the fake clock moves on to the next beat.
			for (let poll = 1; poll <= 4; poll++) {
				await answered(() => replied, poll);
				await jest.advanceTimersByTimeAsync(10_000);
			}
			// The bound ended the wait: more time brings no more polls.
			for (let i = 0; i < 6; i++) await jest.advanceTimersByTimeAsync(10_000);
			await realSleep(20);
			expect(await answer).toEqual([{ connectionId: 'conn_1', syncId: 'sync_1', status: 'running', timedOut: true, hint: expect.any(String) }]);
			expect(api.requests.map((request) => request.at - t0)).toEqual([0, 10_000, 20_000, 30_000]); // the bound is 30 s
		} finally {
			jest.useRealTimers();
		}
	});

	it('answers compactly: ids, status, error, times and metrics, not the rest of the payload', async () => {
		const api = fakeApi();
		api.scope.get('/v2/sources/prof_1/runs/run_1/status').reply(200, run('finished', { tasks: Array.from({ length: 500 }, (_, i) => ({ taskId: `t${i}`, log: 'x'.repeat(200) })) }));
		const [answer] = await callTool(params('profiles', 'get', { profileId: 'prof_1', runId: 'run_1' }));
		expect(answer).toEqual({ profileId: 'prof_1', runId: 'run_1', status: 'finished', error: null, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:05:00Z' });
	});

	it('Get Many lists at most 50 syncs, each compact, and says how many more there are', async () => {
		const api = fakeApi();
		const syncs = Array.from({ length: 60 }, (_, i) => sync('succeeded', { id: `sync_${i}` }));
		api.scope.get(`${retl}/syncs`).query(true).reply(200, { syncs, paging: { total: 60 } });
		const answer = await callTool(params('retl', 'getMany', { connectionId: 'conn_1', returnAll: true }));
		expect(answer).toHaveLength(51);
		expect(answer[0]).toEqual({ connectionId: 'conn_1', syncId: 'sync_0', status: 'succeeded', error: null, startedAt: '2026-01-01T00:00:00Z', metrics: syncs[0].metrics });
		expect(answer[50]).toMatchObject({ more: 10 });
	});

	it('a failed sync comes back as the answer, with RudderStack\'s reason', async () => {
		const api = fakeApi();
		api.scope.post(`${retl}/start`).reply(200, { syncId: 'sync_1' });
		api.scope.get(`${retl}/syncs/sync_1`).reply(200, sync('failed', { id: 'sync_1', error: 'Destination connection failed' }));
		const answer = await callTool(params('retl', 'start', { connectionId: 'conn_1', waitForCompletion: true, options: FAST }));
		expect(answer).toEqual([{ connectionId: 'conn_1', syncId: 'sync_1', error: 'Sync for retl connection: conn_1, syncId: sync_1 failed with error: Destination connection failed' }]);
	});

	it('an HTTP error comes back as the answer with the status and RudderStack\'s text, and the ids', async () => {
		const api = fakeApi();
		api.scope.get(`${retl}/syncs/nope`).reply(404, { error: 'sync not found' });
		const answer = await callTool(params('retl', 'get', { connectionId: 'conn_1', syncId: 'nope' }));
		expect(answer).toEqual([{ connectionId: 'conn_1', syncId: 'nope', error: 'RudderStack answered 404: sync not found' }]);
	});

	it('bad input from the agent is answered before any request, naming the field', async () => {
		const api = fakeApi();
		const answer = await callTool(params('retl', 'get', { connectionId: 'conn_1', syncId: fromAI('syncId', 'The sync') }), { syncId: '  ' });
		expect(answer).toEqual([{ error: 'The sync id is required: "syncId" is empty' }]);
		expect(api.requests).toHaveLength(0);
	});

	it('a failure outside any item (a bad step option) is an answer too', async () => {
		const api = fakeApi();
		const answer = await callTool(params('retl', 'wait', { connectionId: 'conn_1', syncId: 's', options: { concurrency: -1 } }));
		expect(api.requests).toHaveLength(0);
		expect(answer).toEqual([{ error: expect.stringMatching(/concurrency/) }]);
	});
});
