import nock from 'nock';

import { later } from '../clock';
import { fakeApi, resetNock, run, sync } from '../fakeApi';
import { FAST, jsonOf, params, runNode, runNodeError, runNodeWithLogs } from '../harness';

beforeEach(resetNock);
afterAll(resetNock);

const C = 'conn_1';
const base = `/v2/retl-connections/${C}`;
const startRetl = (options: object = {}, rest: object = {}) => params('retl', 'start', { connectionId: C, options: { ...FAST, ...options }, ...rest });
const posts = (api: ReturnType<typeof fakeApi>) => api.lines().filter((line) => line.startsWith('POST'));

describe('409 already running', () => {
	it('fail: fails at once with a clear message, one start request (upstream 29)', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(409, { error: 'sync already running' });
		const error = await runNodeError({ parameters: startRetl({ ifAlreadyRunning: 'fail' }) });
		expect(error.message).toBe(`The retl connection ${C} is already running (RudderStack answered 409: sync already running); "ifAlreadyRunning" is set to fail`);
		expect(api.lines()).toEqual([`POST ${base}/start`]);
	});

	it('attach: follows the running sync and returns its result', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(409, { error: 'sync already running' });
		api.scope.get(`${base}/syncs`).query({ status: 'running' }).reply(200, { syncs: [sync('running', { id: 'old' })], paging: {} });
		api.scope.get(`${base}/syncs/old`).reply(200, sync('succeeded', { id: 'old' }));
		const items = await runNode({ parameters: startRetl({ ifAlreadyRunning: 'attach' }) });
		expect(items[0].json).toMatchObject({ connectionId: C, syncId: 'old', status: 'succeeded', attached: 'alreadyRunning' });
		expect(posts(api)).toHaveLength(1);
	});

	it('wait (RETL): follows the running sync to its end, then starts ours', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(409, { error: 'sync already running' });
		api.scope.get(`${base}/syncs`).query({ status: 'running' }).reply(200, { syncs: [sync('running', { id: 'old' })] });
		api.scope.get(`${base}/syncs/old`).reply(200, sync('running', { id: 'old' }));
		api.scope.get(`${base}/syncs/old`).reply(200, sync('failed', { id: 'old', error: 'theirs, not ours' }));
		api.scope.post(`${base}/start`).reply(200, { syncId: 'new' });
		api.scope.get(`${base}/syncs/new`).reply(200, sync('succeeded', { id: 'new' }));
		const items = await runNode({ parameters: startRetl() });
		expect(api.lines()).toEqual([
			`POST ${base}/start`,
			`GET ${base}/syncs?status=running`,
			`GET ${base}/syncs/old`,
			`GET ${base}/syncs/old`,
			`POST ${base}/start`,
			`GET ${base}/syncs/new`,
		]);
		expect(items[0].json).toMatchObject({ syncId: 'new', status: 'succeeded' });
		expect(items[0].json.attached).toBeUndefined();
	});

	it('wait (sources): tries the start again each poll interval', async () => {
		const api = fakeApi();
		const b = '/v2/sources/prof_1';
		api.scope.post(`${b}/start`).times(2).reply(409, { error: 'project is already running' });
		api.scope.post(`${b}/start`).reply(200, { runId: 'r2' });
		api.scope.get(`${b}/runs/r2/status`).reply(200, run('finished', { id: 'r2' }));
		const items = await runNode({ parameters: params('profiles', 'start', { profileId: 'prof_1', options: { pollInterval: 0.05 } }) });
		expect(posts(api)).toHaveLength(3);
		expect(api.requests[1].at - api.requests[0].at).toBeGreaterThanOrEqual(45);
		expect(items[0].json).toMatchObject({ profileId: 'prof_1', runId: 'r2', status: 'finished' });
	});

	it('wait respects the timeout and then starts nothing', async () => {
		const api = fakeApi();
		const b = '/v2/sources/src_1';
		api.scope.post(`${b}/start`).times(20).reply(409, { error: 'already running' });
		const error = await runNodeError({ parameters: params('etl', 'start', { sourceId: 'src_1', options: { pollInterval: 0.05, timeout: 0.2 } }) });
		expect(error.message).toMatch(/^Waiting for the run already in progress on source src_1 timed out after 0\.\d s; no new run was started$/);
		expect(posts(api).length).toBeLessThanOrEqual(6);
	});
});

describe('no second sync after an ambiguous start (upstream 30)', () => {
	const since = (query: Record<string, unknown>) => typeof query.started_after === 'string';

	it.each([
		['a 500', (s: ReturnType<typeof fakeApi>['scope']) => s.post(`${base}/start`).reply(500, { error: 'internal' })],
		['a timeout', (s: ReturnType<typeof fakeApi>['scope']) => s.post(`${base}/start`).delay(300).reply(200, { syncId: 'lost' })],
	])('RETL: %s, then 409 on the retry, attaches to the sync our first attempt started', async (_label, firstAnswer) => {
		const api = fakeApi();
		firstAnswer(api.scope);
		api.scope.get(`${base}/syncs`).query(since).reply(200, { syncs: [] });
		api.scope.post(`${base}/start`).reply(409, { error: 'sync already running' });
		api.scope.get(`${base}/syncs`).query({ status: 'running' }).reply(200, { syncs: [sync('running', { id: 'ours', startedAt: '2026-01-01T00:00:02Z' }), sync('running', { id: 'older', startedAt: '2026-01-01T00:00:01Z' })] });
		api.scope.get(`${base}/syncs/ours`).reply(200, sync('succeeded', { id: 'ours' }));
		// Even with "fail", a 409 that answers our own retry means our first start went through.
		const items = await runNode({ parameters: startRetl({ ifAlreadyRunning: 'fail', requestTimeout: 0.1 }) });
		expect(posts(api)).toHaveLength(2);
		expect(items[0].json).toMatchObject({ syncId: 'ours', status: 'succeeded', attached: 'ownEarlierAttempt' });
	});

	it('RETL: a timed-out start whose sync already ended is found in the sync list, not started again', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).delay(300).reply(200, { syncId: 'fast' });
		api.scope.get(`${base}/syncs`).query(since).reply(200, { syncs: [sync('succeeded', { id: 'fast' })] });
		api.scope.get(`${base}/syncs/fast`).reply(200, sync('succeeded', { id: 'fast' }));
		const items = await runNode({ parameters: startRetl({ requestTimeout: 0.1 }) });
		expect(posts(api)).toEqual([`POST ${base}/start`]);
		expect(items[0].json).toMatchObject({ syncId: 'fast', status: 'succeeded', attached: 'ownEarlierAttempt' });
	});

	it('sources: an ambiguous start is not retried, and the message says why', async () => {
		const api = fakeApi();
		const b = '/v2/sources/prof_1';
		api.scope.post(`${b}/start`).reply(502, 'Bad Gateway');
		const error = await runNodeError({ parameters: params('profiles', 'start', { profileId: 'prof_1', options: FAST }) });
		expect(error.message).toBe(
			'The start of profile prof_1 failed without a clear answer (Bad Gateway), so it may have started a run. RudderStack offers no way to look that run up, so the start was not retried: no second run was started. Check the run in RudderStack before running this step again.',
		);
		expect(posts(api)).toHaveLength(1);
	});

	it('a refused connection is not ambiguous: the start is retried', async () => {
		nock.enableNetConnect('127.0.0.1');
		const error = await runNodeError({
			credentials: { host: 'http://127.0.0.1:9', accessToken: 'x' },
			parameters: params('etl', 'start', { sourceId: 'src_1', options: { ...FAST, maxRetries: 2 } }),
		});
		expect(error.message).toMatch(/^RudderStack could not be reached: network error: /);
		expect((error as { description?: string }).description).toContain('failed after 3 attempts');
	});
});

describe('timeouts', () => {
	it('returnRunning: a non-error item with the ids, status running and timedOut', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).times(20).reply(200, sync('running'));
		const items = await runNode({ parameters: startRetl({ pollInterval: 0.05, timeout: 0.1, onTimeout: 'returnRunning' }) });
		expect(jsonOf(items)).toEqual([{ connectionId: C, syncId: 's1', status: 'running', timedOut: true }]);
	});

	it('stopAndFail: asks RudderStack to stop the sync, then fails', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).times(20).reply(200, sync('running'));
		api.scope.post(`${base}/stop`).reply(204);
		const error = await runNodeError({ parameters: startRetl({ pollInterval: 0.05, timeout: 0.1, onTimeout: 'stopAndFail' }) });
		expect(error.message).toMatch(/timed out after .*; last status: running; the sync was asked to stop$/);
		expect(posts(api)).toEqual([`POST ${base}/start`, `POST ${base}/stop`]);
	});
});

describe('malformed answers', () => {
	it('a start answer without a syncId says what is missing', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { id: 'x' });
		const error = await runNodeError({ parameters: startRetl() });
		expect(error.message).toBe(`RudderStack accepted the start of retl connection ${C} but its answer has no "syncId" (got {"id":"x"}); the run cannot be followed`);
		expect(posts(api)).toHaveLength(1);
	});

	it('a status answer that is not JSON, or has no status, says so', async () => {
		for (const [body, got] of [
			['<html>oops</html>', '"<html>oops</html>"'],
			[{ id: 's1' }, 'fields id'],
		] as const) {
			const api = fakeApi();
			api.scope.get(`${base}/syncs/s1`).reply(200, body as never);
			const error = await runNodeError({ parameters: params('retl', 'wait', { connectionId: C, syncId: 's1', options: FAST }) });
			expect(error.message).toBe(`RudderStack's status answer for syncId: s1 for retl connection: ${C} has no "status" field (got ${got})`);
		}
	});
});

describe('cancellation', () => {
	it('stops waiting within a second of the cancel, even with a 10 s poll interval', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('running'));
		const cancel = new AbortController();
		void later(300).then(() => cancel.abort());
		const began = Date.now();
		const error = await runNodeError({ parameters: startRetl({ pollInterval: 10 }), signal: cancel.signal });
		expect(Date.now() - began).toBeLessThan(1300);
		expect(error.message).toBe('The execution was cancelled while waiting for RudderStack');
		expect(api.lines()).toEqual([`POST ${base}/start`, `GET ${base}/syncs/s1`]);
	});

	it('abandons a request in flight', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs/s1`).delay(5000).reply(200, sync('running'));
		const cancel = new AbortController();
		void later(200).then(() => cancel.abort());
		const began = Date.now();
		await runNodeError({ parameters: params('retl', 'wait', { connectionId: C, syncId: 's1', options: FAST }), signal: cancel.signal });
		expect(Date.now() - began).toBeLessThan(1200);
	});

	it('stopOnCancel: stops the remote sync and logs it, without the token', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('running'));
		api.scope.post(`${base}/stop`).reply(204);
		const cancel = new AbortController();
		void later(200).then(() => cancel.abort());
		const { error, logs } = await runNodeWithLogs({ parameters: startRetl({ pollInterval: 10, stopOnCancel: true }), signal: cancel.signal });
		expect(error?.message).toBe('The execution was cancelled while waiting for RudderStack');
		expect(posts(api)).toEqual([`POST ${base}/start`, `POST ${base}/stop`]);
		expect(api.requests[2].headers.authorization).toMatch(/^Bearer /);
		expect(logs.join('\n')).toContain(`asked RudderStack to stop sync s1 of retl connection ${C}`);
	});
});
