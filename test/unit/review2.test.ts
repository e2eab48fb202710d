// Review of three changes on main (pacer, re-run adoption, event fields read together): each test
// here shows a difference between what the node reports and what happened (see the report).
import { fakeApi, resetNock, sync } from '../fakeApi';
import { FAST, params, runNode } from '../harness';

beforeEach(resetNock);
afterAll(resetNock);

const C = 'conn_review2';
const base = `/v2/retl-connections/${C}`;
const iso = (agoMs: number) => new Date(Date.now() - agoMs).toISOString();
const task = (endedAgoMs: number, executionTime = 3) => ({ startTime: Date.now() - endedAgoMs - executionTime, executionTime, source: [], executionStatus: 'success', data: { main: [[{ json: {} }]] } });
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
const rerun = () => ({ mode: 'webhook' as const, executionId: `review2-${++executions}`, savedExecution: savedState({ Webhook: 60_000 }) });

describe('re-run adoption (run/rerun.ts, run/start.ts)', () => {
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
			...rerun(),
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
			mode: 'webhook',
			executionId: `review2-${++executions}`,
			savedExecution: saved,
		});
		expect(items[0].json.syncId).toBe('b-sync');
	});
});
