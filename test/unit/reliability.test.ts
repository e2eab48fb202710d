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

	it('wait: a Timeout that runs out during the pause before the next start says it was waiting, not that the start did not get through', async () => {
		const api = fakeApi();
		api.scope.post('/v2/sources/src_1/start').times(5).reply(409, { error: 'already running' });
		// The pause (one poll interval, cut to the time left) ends at the deadline, so the next start is never sent.
		const error = await runNodeError({ parameters: params('etl', 'start', { sourceId: 'src_1', options: { pollInterval: 5, timeout: 0.2 } }) });
		expect(error.message).toMatch(/^Waiting for the run already in progress on source src_1 timed out after 0\.\d s; no new run was started$/);
		expect(posts(api)).toHaveLength(1);
	});

	it('wait: the same when the pause\'s timer fires before the clock reaches the deadline (as Node\'s timers may by a millisecond)', async () => {
		const api = fakeApi();
		const realNow = Date.now.bind(Date);
		let lag = 0;
		const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() - lag);
		try {
			api.scope
				.post('/v2/sources/src_1/start')
				.times(5)
				.reply(() => {
					void later(50).then(() => (lag = 5)); // during the pause the clock falls 5 ms behind the timers
					return [409, { error: 'already running' }];
				});
			const error = await runNodeError({ parameters: params('etl', 'start', { sourceId: 'src_1', options: { pollInterval: 5, timeout: 0.2 } }) });
			expect(error.message).toMatch(/^Waiting for the run already in progress on source src_1 timed out after 0\.\d s; no new run was started$/);
			expect(posts(api)).toHaveLength(1);
		} finally {
			clock.mockRestore();
		}
	});
});

describe('no second sync after an ambiguous start (upstream 30)', () => {
	// A request timeout of 0.5 s, not 0.1 s: on a busy machine a prompt answer can take 100 ms, which
	// made the 409 of the retry look like another ambiguous failure.
	const since = (query: Record<string, unknown>) => typeof query.started_after === 'string';

	it.each([
		['a 500', (s: ReturnType<typeof fakeApi>['scope']) => s.post(`${base}/start`).reply(500, { error: 'internal' })],
		['a timeout', (s: ReturnType<typeof fakeApi>['scope']) => s.post(`${base}/start`).delay(1500).reply(200, { syncId: 'lost' })],
	])('RETL: %s, then 409 on the retry, attaches to the sync our first attempt started', async (_label, firstAnswer) => {
		const api = fakeApi();
		firstAnswer(api.scope);
		api.scope.get(`${base}/syncs`).query(since).reply(200, { syncs: [] });
		api.scope.post(`${base}/start`).reply(409, { error: 'sync already running' });
		// RudderStack lists the sync our first attempt started (it began after the attempt) and an older one.
		const running = () => [sync('running', { id: 'ours', startedAt: new Date().toISOString() }), sync('running', { id: 'older', startedAt: new Date(Date.now() - 2000).toISOString() })];
		api.scope.get(`${base}/syncs`).query({ status: 'running' }).reply(200, () => ({ syncs: running() }));
		api.scope.get(`${base}/syncs/ours`).reply(200, sync('succeeded', { id: 'ours' }));
		// Even with "fail", a 409 that answers our own retry means our first start went through.
		const items = await runNode({ parameters: startRetl({ ifAlreadyRunning: 'fail', requestTimeout: 0.5 }) });
		expect(posts(api)).toHaveLength(2);
		expect(items[0].json).toMatchObject({ syncId: 'ours', status: 'succeeded', attached: 'ownEarlierAttempt' });
	});

	it('RETL: a timed-out start whose sync already ended is found in the sync list, not started again', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).delay(1500).reply(200, { syncId: 'fast' });
		// It began after the attempt, by RudderStack's clock, and has already ended.
		const fast = () => sync('succeeded', { id: 'fast', startedAt: new Date(Date.now() - 50).toISOString(), finishedAt: new Date().toISOString() });
		api.scope.get(`${base}/syncs`).query(since).reply(200, () => ({ syncs: [fast()] }));
		api.scope.get(`${base}/syncs/fast`).reply(200, sync('succeeded', { id: 'fast' }));
		const items = await runNode({ parameters: startRetl({ requestTimeout: 0.5 }) });
		expect(posts(api)).toEqual([`POST ${base}/start`]);
		expect(items[0].json).toMatchObject({ syncId: 'fast', status: 'succeeded', attached: 'ownEarlierAttempt' });
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

describe('issue 10: never a wrong outcome', () => {
	const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

	it('an ambiguous start does not adopt a sync that had already ended before the attempt: it starts again', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(502, 'Bad Gateway');
		// The previous sync of the connection: began 5 s ago, within the clock-skew allowance, ended 1 s ago.
		const old = sync('succeeded', { id: 'old', startedAt: iso(5000), finishedAt: iso(1000) });
		api.scope.get(`${base}/syncs`).query(true).reply(200, { syncs: [old] });
		api.scope.post(`${base}/start`).reply(200, { syncId: 'new' });
		api.scope.get(`${base}/syncs/new`).reply(200, sync('succeeded', { id: 'new' }));
		const items = await runNode({ parameters: startRetl() });
		expect(posts(api)).toHaveLength(2);
		expect(items[0].json).toMatchObject({ syncId: 'new', status: 'succeeded' });
		expect(items[0].json.attached).toBeUndefined();
	});

	it('an ambiguous start adopts a sync that was still running at the attempt, even one stamped a little earlier', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(502, 'Bad Gateway');
		const skewed = sync('succeeded', { id: 'ours', startedAt: iso(3000), finishedAt: new Date(Date.now() + 1000).toISOString() });
		api.scope.get(`${base}/syncs`).query(true).reply(200, { syncs: [skewed] });
		api.scope.get(`${base}/syncs/ours`).reply(200, sync('succeeded', { id: 'ours' }));
		const items = await runNode({ parameters: startRetl() });
		expect(posts(api)).toHaveLength(1);
		expect(items[0].json).toMatchObject({ syncId: 'ours', attached: 'ownEarlierAttempt' });
	});

	it('sources: a start that got a 503 is retried, and the run of the retry is followed', async () => {
		const api = fakeApi();
		const b = '/v2/sources/prof_1';
		api.scope.post(`${b}/start`).reply(503, { error: 'temporarily unavailable' });
		api.scope.post(`${b}/start`).reply(200, { runId: 'r2' });
		api.scope.get(`${b}/runs/r2/status`).reply(200, run('finished', { id: 'r2' }));
		const items = await runNode({ parameters: params('profiles', 'start', { profileId: 'prof_1', options: FAST }) });
		expect(posts(api)).toHaveLength(2);
		expect(items[0].json).toMatchObject({ runId: 'r2', status: 'finished' });
	});

	it('sources: a 409 on the retry of an ambiguous start fails, saying no second run was started and it cannot be followed', async () => {
		const api = fakeApi();
		const b = '/v2/sources/prof_1';
		api.scope.post(`${b}/start`).reply(502, 'Bad Gateway');
		api.scope.post(`${b}/start`).reply(409, { error: 'The project is already running' });
		const error = await runNodeError({ parameters: params('profiles', 'start', { profileId: 'prof_1', options: { ...FAST, ifAlreadyRunning: 'wait' } }) });
		expect(error.message).toMatch(/RudderStack answered 502: Bad Gateway/);
		expect(error.message).toMatch(/409: The project is already running/);
		expect(error.message).toMatch(/no second run was started/i);
		expect(error.message).toMatch(/cannot be followed/);
		expect(posts(api)).toHaveLength(2);
	});

	it('sources: a 500 on every attempt (an unknown source id) is a plain error with the status and RudderStack\'s text', async () => {
		const api = fakeApi();
		const b = '/v2/sources/src_nope';
		api.scope.post(`${b}/start`).times(3).reply(500, { error: 'source not found' });
		const error = await runNodeError({ parameters: params('etl', 'start', { sourceId: 'src_nope', options: { ...FAST, maxRetries: 2 } }) });
		expect(error.message).toBe('RudderStack answered 500: source not found');
		expect(error.httpCode).toBe('500');
		expect(posts(api)).toHaveLength(3);
	});

	it('RETL: a 5xx start with no sync of ours in the list keeps the status and RudderStack\'s text once retries are used up', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).times(2).reply(500, { error: 'internal' });
		api.scope.get(`${base}/syncs`).query(true).times(2).reply(200, { syncs: [] });
		const error = await runNodeError({ parameters: startRetl({ maxRetries: 1 }) });
		expect(error.message).toBe('RudderStack answered 500: internal');
		expect(error.httpCode).toBe('500');
		expect(posts(api)).toHaveLength(2);
	});

	it('a host that does not resolve is a plain error, never "may have started"', async () => {
		nock.enableNetConnect('nonexistent.invalid');
		const error = await runNodeError({
			credentials: { host: 'http://nonexistent.invalid', accessToken: 'x' },
			parameters: params('profiles', 'start', { profileId: 'prof_1', options: { ...FAST, maxRetries: 1 } }),
		});
		expect(error.message).toMatch(/^RudderStack could not be reached: the host does not resolve \(.*ENOTFOUND/);
		expect(`${error.message} ${error.description}`).not.toMatch(/may have/);
	});

	it('Stop and Fail: a stop that fails does not hide the timeout; the message has both', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).times(20).reply(200, sync('running'));
		api.scope.post(`${base}/stop`).times(4).reply(500, { error: 'stop exploded' });
		const error = await runNodeError({ parameters: startRetl({ pollInterval: 0.05, timeout: 0.1, onTimeout: 'stopAndFail' }) });
		expect(error.message).toMatch(/timed out after .*; last status: running/);
		expect(error.message).toMatch(/could not be stopped: RudderStack answered 500: stop exploded/);
	});

	it('Stop Sync on Cancel does not stop the other items\' syncs when one item fails', async () => {
		const api = fakeApi();
		const other = '/v2/retl-connections/healthy';
		api.scope.post(`${base}/start`).reply(200, { syncId: 'bad' });
		api.scope.get(`${base}/syncs/bad`).delay(100).reply(200, sync('failed', { id: 'bad', error: 'boom' }));
		api.scope.post(`${other}/start`).reply(200, { syncId: 'good' });
		api.scope.get(`${other}/syncs/good`).times(50).reply(200, sync('running', { id: 'good' }));
		api.scope.post(`${other}/stop`).reply(204);
		api.scope.post(`${base}/stop`).reply(204);
		const { error, logs } = await runNodeWithLogs({
			items: [{ connection: C }, { connection: 'healthy' }],
			parameters: params('retl', 'start', { connectionId: '={{ $json.connection }}', options: { ...FAST, pollInterval: 0.05, stopOnCancel: true } }),
		});
		expect(error?.message).toBe(`Sync for retl connection: ${C}, syncId: bad failed with error: boom`);
		expect(posts(api).filter((line) => line.endsWith('/stop'))).toEqual([]);
		expect(logs.join('\n')).not.toContain('execution cancelled');
	});

	it('Stop Sync on Cancel: a cancel while the start is in flight stops the sync the start then answers with', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).delay(400).reply(200, { syncId: 's1' });
		api.scope.post(`${base}/stop`).reply(204);
		const cancel = new AbortController();
		void later(100).then(() => cancel.abort());
		const { error, logs } = await runNodeWithLogs({ parameters: startRetl({ stopOnCancel: true }), signal: cancel.signal });
		expect(error?.message).toBe('The execution was cancelled while waiting for RudderStack');
		expect(posts(api)).toEqual([`POST ${base}/start`, `POST ${base}/stop`]);
		expect(logs.join('\n')).toContain(`asked RudderStack to stop sync s1 of retl connection ${C}`);
	});

	it('the Timeout bounds a Retry-After: a 429 asking for 4 s does not keep a 1.5 s wait going for 4 s', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).reply(429, { error: 'slow down' }, { 'Retry-After': '4' });
		api.scope.get(`${base}/syncs/s1`).times(5).reply(200, sync('running'));
		const began = Date.now();
		const error = await runNodeError({ parameters: startRetl({ timeout: 1.5 }) });
		expect(Date.now() - began).toBeLessThan(3500);
		expect(error.message).toMatch(/timed out after \d\.\d s \(timeout 1\.5 s\)/);
		expect(error.message).toContain('RudderStack answered 429: slow down');
	});

	it('the Timeout bounds a retry backoff: a 2 s backoff after a 503 ends at the 0.5 s timeout, reported as a timeout', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('running'));
		api.scope.get(`${base}/syncs/s1`).times(5).reply(503, { error: 'unavailable' });
		const began = Date.now();
		const error = await runNodeError({ parameters: startRetl({ timeout: 0.5, pollInterval: 0.05, retryDelay: 2 }) });
		expect(Date.now() - began).toBeLessThan(1500);
		expect(error.message).toMatch(/timed out after 0\.\d s \(timeout 0\.5 s\); last status: running \(last request: RudderStack answered 503: unavailable\)$/);
	});

	it('the Timeout bounds the wait for the pacer: another item\'s 429 cool-down does not keep this item past its timeout', async () => {
		const api = fakeApi();
		const slow = '/v2/retl-connections/slowed';
		let coolingDown!: () => void;
		const cooling = new Promise<void>((resolve) => (coolingDown = resolve));
		api.scope.post(`${slow}/start`).reply(200, { syncId: 'x' });
		api.scope.get(`${slow}/syncs/x`).reply(() => {
			coolingDown();
			return [429, { error: 'slow down' }, { 'Retry-After': '3' }];
		});
		api.scope.get(`${slow}/syncs/x`).reply(200, sync('succeeded', { id: 'x' }));
		// This item's start answers only once the other item's 429 is out, so its polls come during the cool-down.
		api.scope
			.post(`${base}/start`)
			.reply(200, async (_uri: string, _body: unknown, callback: (error: null, body: object) => void) => {
				await cooling;
				await later(150);
				callback(null, { syncId: 's1' });
			});
		api.scope.get(`${base}/syncs/s1`).times(50).reply(200, sync('running'));
		const items = await runNode({
			continueOnFail: true,
			items: [
				{ connection: 'slowed', timeout: 0 },
				{ connection: C, timeout: 1 },
			],
			parameters: params('retl', 'start', { connectionId: '={{ $json.connection }}', options: { ...FAST, pollInterval: 0.05, timeout: '={{ $json.timeout }}' } }),
		});
		expect(items[0].json.status).toBe('succeeded');
		// Waiting out the cool-down would take 3 s.
		expect(items[1].json.error).toMatch(/timed out after 1\.\d s \(timeout 1 s\)/);
	});

	it('items sharing one sync are each judged by their own Max Failed Rows and Timeout', async () => {
		const api = fakeApi();
		const dropped = sync('succeeded', { metrics: { total: 120, succeeded: { total: 80 }, failed: { total: 40 } } });
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).times(8).reply(200, sync('running'));
		api.scope.get(`${base}/syncs/s1`).times(20).reply(200, dropped);
		const items = await runNode({
			continueOnFail: true,
			items: [{ rows: 100, timeout: 0 }, { rows: 1, timeout: 0 }, { rows: 100, timeout: 0.05 }],
			parameters: startRetl({ pollInterval: 0.05, maxFailedRows: '={{ $json.rows }}', timeout: '={{ $json.timeout }}', onTimeout: 'returnRunning' }),
		});
		expect(posts(api)).toHaveLength(1);
		expect(jsonOf(items).map((json) => json.error ?? (json.timedOut ? 'timedOut' : json.status))).toEqual([
			'succeeded',
			`Sync for retl connection: ${C}, syncId: s1 failed with error: 40 of 120 rows failed, more than the allowed 1 (maxFailedRows)`,
			'timedOut',
		]);
		expect(items[0].json.sharedWithItems).toEqual([0, 1, 2]);
	});

	it('items that differ in Timeout share one start; each gives up at its own Timeout while the start waits for another sync', async () => {
		// A sync of someone else's runs for a while; "wait" then start. Item 0 may wait 0.3 s, item 1 without limit.
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(409, { error: 'A sync is already running for this connection' });
		api.scope.get(`${base}/syncs`).query(true).reply(200, { syncs: [sync('running', { id: 'other' })], paging: { next: '' } });
		api.scope.get(`${base}/syncs/other`).times(12).reply(200, sync('running', { id: 'other' }));
		api.scope.get(`${base}/syncs/other`).reply(200, sync('succeeded', { id: 'other' }));
		api.scope.post(`${base}/start`).reply(200, { syncId: 's1' });
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('succeeded', { id: 's1' }));
		const items = await runNode({ continueOnFail: true, items: [{ timeout: 0.3 }, { timeout: 0 }], parameters: startRetl({ pollInterval: 0.05, timeout: '={{ $json.timeout }}' }) });
		expect(jsonOf(items).map((json) => json.error ?? json.syncId)).toEqual([
			expect.stringMatching(/^Waiting for the run already in progress on retl connection .* timed out after 0\.\d s \(timeout 0\.3 s\); this item started no run$/),
			's1',
		]);
		// One start for both: the second start is the one item 1 waited for, not a second sync.
		expect(posts(api)).toHaveLength(2);
	});

	it('Wait: items waiting for one sync are each judged by their own Max Failed Rows', async () => {
		const api = fakeApi();
		const dropped = sync('succeeded', { metrics: { total: 120, succeeded: { total: 80 }, failed: { total: 40 } } });
		api.scope.get(`${base}/syncs/s1`).times(2).reply(200, dropped);
		const items = await runNode({
			continueOnFail: true,
			items: [{ rows: 100 }, { rows: 1 }],
			parameters: params('retl', 'wait', { connectionId: C, syncId: 's1', options: { ...FAST, maxFailedRows: '={{ $json.rows }}' } }),
		});
		expect(jsonOf(items).map((json) => json.error ?? json.status)).toEqual([
			'succeeded',
			`Sync for retl connection: ${C}, syncId: s1 failed with error: 40 of 120 rows failed, more than the allowed 1 (maxFailedRows)`,
		]);
	});
});
