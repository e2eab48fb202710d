// A re-run of the same execution (n8n 1.x queue mode runs a dead worker's execution again on
// another worker) must attach to the sync its earlier run started, not start a second one. The
// earlier run is known from the run data n8n saved for the execution, read back by its id.
import { fakeApi, resetNock, sync } from '../fakeApi';
import { FAST, params, runNode, runNodeError } from '../harness';

beforeEach(resetNock);
afterAll(resetNock);

const C = 'conn_rerun';
const base = `/v2/retl-connections/${C}`;
const startRetl = (options: object = {}) => params('retl', 'start', { connectionId: C, options: { ...FAST, ...options } });
/** Run data as n8n saves it after the trigger ran, `agoMs` before now. */
const savedTrigger = (agoMs: number) => ({ Webhook: [{ startTime: Date.now() - agoMs, executionTime: 3, source: [], data: { main: [[{ json: {} }]] } }] });
const iso = (agoMs: number) => new Date(Date.now() - agoMs).toISOString();

describe('a re-run of the same execution', () => {
	it('gets 409, finds the sync its earlier run started after the execution began, and follows it: no second sync', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(409, { error: 'sync already running' });
		api.scope.get(`${base}/syncs`).query((q) => typeof q.started_after === 'string').reply(200, { syncs: [sync('running', { id: 'ours', startedAt: iso(55_000) })] });
		api.scope.get(`${base}/syncs/ours`).reply(200, sync('succeeded', { id: 'ours', startedAt: iso(55_000) }));
		const items = await runNode({ parameters: startRetl(), savedRunData: savedTrigger(60_000) });
		expect(items[0].json).toMatchObject({ connectionId: C, syncId: 'ours', status: 'succeeded', attached: 'ownEarlierAttempt' });
		expect(api.lines().filter((line) => line.startsWith('POST'))).toEqual([`POST ${base}/start`]);
		// The look-up asks for syncs since the execution began (less the clock-skew margin).
		const since = Date.parse(new URL(`http://x${api.requests[1].path}`).searchParams.get('started_after') ?? '');
		expect(Date.now() - since).toBeGreaterThanOrEqual(60_000);
		expect(Date.now() - since).toBeLessThan(80_000);
	});

	it('attaches to its own sync even when ifAlreadyRunning is fail: the sync running is not another one', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(409, { error: 'sync already running' });
		api.scope.get(`${base}/syncs`).query(true).reply(200, { syncs: [sync('running', { id: 'ours', startedAt: iso(5_000) })] });
		api.scope.get(`${base}/syncs/ours`).reply(200, sync('succeeded', { id: 'ours' }));
		const items = await runNode({ parameters: startRetl({ ifAlreadyRunning: 'fail' }), savedRunData: savedTrigger(10_000) });
		expect(items[0].json).toMatchObject({ syncId: 'ours', attached: 'ownEarlierAttempt' });
	});

	it('a sync that started before the execution began is someone else\'s: ifAlreadyRunning applies', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(409, { error: 'sync already running' });
		api.scope.get(`${base}/syncs`).query(true).reply(200, { syncs: [] });
		const error = await runNodeError({ parameters: startRetl({ ifAlreadyRunning: 'fail' }), savedRunData: savedTrigger(10_000) });
		expect(error.message).toMatch(/is already running .*"ifAlreadyRunning" is set to fail/);
		expect(api.lines()).toEqual([`POST ${base}/start`, expect.stringMatching(new RegExp(`^GET ${base}/syncs\\?started_after=`))]);
	});

	it('without saved run data (a first run, or n8n saved no progress) a 409 follows ifAlreadyRunning, with no look-up', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(409, { error: 'sync already running' });
		const error = await runNodeError({ parameters: startRetl({ ifAlreadyRunning: 'fail' }), savedRunData: {} });
		expect(error.message).toMatch(/"ifAlreadyRunning" is set to fail/);
		expect(api.lines()).toEqual([`POST ${base}/start`]);
	});
});
