import { fakeApi, resetNock, sync } from '../fakeApi';
import { FAST, jsonOf, params, runNode, runNodeError, TOKEN } from '../harness';

const C = 'conn_1';
const base = `/v2/retl-connections/${C}`;

beforeEach(resetNock);
afterAll(resetNock);

describe('Reverse ETL start', () => {
	it('sends {} without a sync type, with the token, JSON and user agent, then polls to the final sync (upstream 1-4, 7, 9)', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('running'));
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('succeeded'));

		const items = await runNode({ parameters: params('retl', 'start', { connectionId: C, options: FAST }) });

		expect(api.lines()).toEqual([`POST ${base}/start`, `GET ${base}/syncs/s1`, `GET ${base}/syncs/s1`]);
		expect(api.requests[0].body).toEqual({});
		for (const request of api.requests) {
			expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
			expect(request.headers['content-type']).toBe('application/json');
			expect(request.headers['user-agent']).toMatch(/^RudderN8n\/\d+\.\d+\.\d+/);
		}
		expect(api.requests[1].body).toBeUndefined();
		expect(jsonOf(items)).toEqual([{ connectionId: C, syncId: 's1', ...sync('succeeded') }]);
		expect(items[0].pairedItem).toEqual({ item: 0 });
	});

	it.each(['full', 'incremental'])('sends {"syncType":"%s"}', async (syncType) => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		await runNode({ parameters: params('retl', 'start', { connectionId: C, syncType, waitForCompletion: false }) });
		expect(api.requests[0].body).toEqual({ syncType });
	});

	it('refuses an unknown sync type and an empty connection id before any request (upstream 8)', async () => {
		const api = fakeApi();
		const badType = await runNodeError({ parameters: params('retl', 'start', { connectionId: C, syncType: 'partial' }) });
		expect(badType.message).toMatch(/^Invalid sync type: partial/);
		const noId = await runNodeError({ parameters: params('retl', 'start', { connectionId: '  ' }) });
		expect(noId.message).toContain('connection id is required');
		expect(noId.context?.itemIndex).toBe(0);
		expect(api.requests).toHaveLength(0);
	});

	it('without waiting: exactly one start request and the id out (upstream 27)', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		const items = await runNode({ parameters: params('retl', 'start', { connectionId: C, waitForCompletion: false }) });
		expect(api.lines()).toEqual([`POST ${base}/start`]);
		expect(jsonOf(items)).toEqual([{ connectionId: C, syncId: 's1', status: 'running' }]);
	});

	it('fails with the seed wording when the sync fails (upstream 11)', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('running'));
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('failed', { error: 'Destination connection failed' }));
		const error = await runNodeError({ parameters: params('retl', 'start', { connectionId: C, options: FAST }) });
		expect(error.message).toBe(`Sync for retl connection: ${C}, syncId: s1 failed with error: Destination connection failed`);
		expect(error.constructor.name).toBe('NodeOperationError');
		expect(error.context?.itemIndex).toBe(0);
		expect(api.lines().filter((l) => l.startsWith('GET'))).toHaveLength(2);
	});

	it('a failed sync without an error message still fails, and says so clearly (upstream 12)', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('failed', { error: null }));
		const error = await runNodeError({ parameters: params('retl', 'start', { connectionId: C, options: FAST }) });
		expect(error.message).toBe(`Sync for retl connection: ${C}, syncId: s1 failed with error: no error message from RudderStack`);
	});

	it('times out with the seed wording, the elapsed time and the last status, after at most 4 polls (upstream 10)', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).times(10).reply(200, sync('running'));
		const error = await runNodeError({ parameters: params('retl', 'start', { connectionId: C, options: { pollInterval: 0.1, timeout: 0.3 } }) });
		expect(error.message).toMatch(new RegExp(`^Polling for syncId: s1 for retl connection: ${C} timed out after 0\\.[3-9] s \\(timeout 0\\.3 s\\); last status: running$`));
		const polls = api.lines().filter((l) => l.startsWith('GET')).length;
		expect(polls).toBeGreaterThanOrEqual(3);
		expect(polls).toBeLessThanOrEqual(4);
	});

	it('keeps polling through unknown statuses', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('queued'));
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('warming_up'));
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('succeeded'));
		const items = await runNode({ parameters: params('retl', 'start', { connectionId: C, options: FAST }) });
		expect(items[0].json.status).toBe('succeeded');
		expect(api.requests).toHaveLength(4);
	});

	it('polls on a fixed beat from the first poll: slow answers do not push later polls back', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).times(3).delay(250).reply(200, sync('running'));
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('succeeded'));
		await runNode({ parameters: params('retl', 'start', { connectionId: C, options: { pollInterval: 0.5 } }) });
		const polls = api.requests.filter((r) => r.method === 'GET').map((r) => r.at - api.requests[1].at);
		// Polls waiting a full interval after each slow answer would come at 0, 750, 1500, 2250.
		expect(polls).toHaveLength(4);
		polls.slice(1).forEach((sinceFirst, beat) => expect(Math.abs(sinceFirst - (beat + 1) * 500)).toBeLessThan(100));
	});
});

describe('Reverse ETL failed rows', () => {
	const dropped = sync('succeeded', { metrics: { total: 120, succeeded: { total: 110 }, failed: { total: 10 } } });

	it('fails a succeeded sync over maxFailedRows, with the counts', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).reply(200, dropped);
		const error = await runNodeError({ parameters: params('retl', 'start', { connectionId: C, options: { ...FAST, maxFailedRows: 5 } }) });
		expect(error.message).toBe(`Sync for retl connection: ${C}, syncId: s1 failed with error: 10 of 120 rows failed, more than the allowed 5 (maxFailedRows)`);
	});

	it('passes at the threshold, and without one shows the counts', async () => {
		for (const options of [{ ...FAST, maxFailedRows: 10 }, FAST]) {
			const api = fakeApi();
			api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
			api.scope.get(`${base}/syncs/s1`).reply(200, dropped);
			const items = await runNode({ parameters: params('retl', 'start', { connectionId: C, options }) });
			expect(items[0].json).toMatchObject({ status: 'succeeded', metrics: { failed: { total: 10 } } });
		}
	});
});

describe('Reverse ETL get, wait, stop, getMany', () => {
	it('get returns the status response plus the ids, without failing on a failed sync', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs/s9`).reply(200, sync('failed', { id: 's9', error: 'boom' }));
		const items = await runNode({ parameters: params('retl', 'get', { connectionId: C, syncId: 's9' }) });
		expect(jsonOf(items)).toEqual([{ connectionId: C, syncId: 's9', ...sync('failed', { id: 's9', error: 'boom' }) }]);
	});

	it('wait polls an existing sync until it ends', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs/s9`).reply(200, sync('running'));
		api.scope.get(`${base}/syncs/s9`).reply(200, sync('succeeded'));
		const items = await runNode({ parameters: params('retl', 'wait', { connectionId: C, syncId: 's9', options: FAST }) });
		expect(items[0].json).toMatchObject({ connectionId: C, syncId: 's9', status: 'succeeded', error: null });
		expect(api.requests).toHaveLength(2);
	});

	it('wait refuses an empty sync id before any request', async () => {
		const api = fakeApi();
		const error = await runNodeError({ parameters: params('retl', 'wait', { connectionId: C, syncId: '' }) });
		expect(error.message).toContain('sync id is required');
		expect(api.requests).toHaveLength(0);
	});

	it('stop posts {} and reports stopped', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/stop`).reply(204);
		const items = await runNode({ parameters: params('retl', 'stop', { connectionId: C }) });
		expect(api.requests.map((r) => [r.method, r.path, r.body])).toEqual([['POST', `${base}/stop`, {}]]);
		expect(jsonOf(items)).toEqual([{ connectionId: C, stopped: true }]);
	});

	it('getMany follows every page with the filters, one item per sync', async () => {
		const api = fakeApi();
		api.scope
			.get(`${base}/syncs`)
			.query({ per_page: '100', status: 'failed', started_after: '2026-01-01T00:00:00.000Z' })
			.reply(200, { syncs: [sync('failed', { id: 'a' })], paging: { total: 2, next: `${base}/syncs?page=2&per_page=100&status=failed` } });
		// The caller's whole query goes with page 2 too, even the filter `next` left out.
		api.scope
			.get(`${base}/syncs`)
			.query({ page: '2', per_page: '100', status: 'failed', started_after: '2026-01-01T00:00:00.000Z' })
			.reply(200, { syncs: [sync('failed', { id: 'b' })], paging: { total: 2, next: '' } });
		const items = await runNode({
			parameters: params('retl', 'getMany', { connectionId: C, returnAll: true, filters: { status: 'failed', startedAfter: '2026-01-01T00:00:00Z' } }),
		});
		expect(jsonOf(items).map((j) => [j.connectionId, j.syncId, j.id])).toEqual([
			[C, 'a', 'a'],
			[C, 'b', 'b'],
		]);
		expect(items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 0 }]);
	});
});

describe('statuses the node does not know', () => {
	it('an unknown status with a real finish time has ended: a failure naming the status, at once', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('queued'));
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('aborted', { finishedAt: '2026-01-01T00:03:00Z' }));
		api.scope.get(`${base}/syncs/s1`).times(10).reply(200, sync('aborted', { finishedAt: '2026-01-01T00:03:00Z' }));
		const error = await runNodeError({ parameters: params('retl', 'start', { connectionId: C, options: { ...FAST, timeout: 5 } }) });
		expect(error.message).toBe(`Sync for retl connection: ${C}, syncId: s1 failed with error: the sync ended with status "aborted", which the node does not know as a success`);
		expect(api.lines().filter((l) => l.startsWith('GET'))).toHaveLength(2);
	});
});
