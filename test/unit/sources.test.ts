import { fakeApi, resetNock, run } from '../fakeApi';
import { FAST, jsonOf, params, runNode, runNodeError } from '../harness';

beforeEach(resetNock);
afterAll(resetNock);

const cases = [
	{ resource: 'profiles', field: 'profileId', id: 'prof_1', noun: 'profile', failure: 'Profile run for profile' },
	{ resource: 'etl', field: 'sourceId', id: 'src_1', noun: 'source', failure: 'Sync run for source' },
] as const;

describe.each(cases)('$resource', ({ resource, field, id, noun, failure }) => {
	const base = `/v2/sources/${id}`;

	it('start sends no body and returns the runId without waiting (upstream 13, 21, 27)', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { runId: 'r1' });
		const items = await runNode({ parameters: params(resource, 'start', { [field]: id, waitForCompletion: false }) });
		expect(api.lines()).toEqual([`POST ${base}/start`]);
		expect(api.requests[0].body).toBeUndefined();
		expect(jsonOf(items)).toEqual([{ [field]: id, runId: 'r1', status: 'running' }]);
	});

	it('polls running then finished and returns the final object with error null (upstream 16, 19, 23, 26, 28)', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { runId: 'r1' });
		api.scope.get(`${base}/runs/r1/status`).reply(200, run('running'));
		api.scope.get(`${base}/runs/r1/status`).reply(200, run('finished'));
		const items = await runNode({ parameters: params(resource, 'start', { [field]: id, options: FAST }) });
		expect(api.lines()).toEqual([`POST ${base}/start`, `GET ${base}/runs/r1/status`, `GET ${base}/runs/r1/status`]);
		expect(jsonOf(items)).toEqual([{ [field]: id, runId: 'r1', ...run('finished') }]);
		expect(items[0].json.error).toBeNull();
	});

	it('finished with an error fails with the seed wording (upstream 18, 25)', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { runId: 'r1' });
		api.scope.get(`${base}/runs/r1/status`).reply(200, run('finished', { error: 'Configuration error: Invalid warehouse credentials' }));
		const error = await runNodeError({ parameters: params(resource, 'start', { [field]: id, options: FAST }) });
		expect(error.message).toBe(`${failure}: ${id}, runId: r1 failed with error: Configuration error: Invalid warehouse credentials`);
	});

	it('failed fails too, and does not poll forever (upstream 20)', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { runId: 'r1' });
		api.scope.get(`${base}/runs/r1/status`).reply(200, run('failed', { error: null }));
		const error = await runNodeError({ parameters: params(resource, 'start', { [field]: id, options: FAST }) });
		expect(error.message).toBe(`${failure}: ${id}, runId: r1 failed with error: no error message from RudderStack`);
		expect(api.requests).toHaveLength(2);
	});

	it('accepts the snake_case variant of the run object', async () => {
		const api = fakeApi();
		const snake = { id: 'r1', job_id: 'j', status: 'finished', started_at: 'a', finished_at: 'b', error: null };
		api.scope.get(`${base}/runs/r1/status`).reply(200, snake);
		const items = await runNode({ parameters: params(resource, 'wait', { [field]: id, runId: 'r1', options: FAST }) });
		expect(jsonOf(items)).toEqual([{ [field]: id, runId: 'r1', ...snake }]);
	});

	it(`times out with "Polling for runId: R for ${noun}: X timed out" (upstream 17, 24)`, async () => {
		const api = fakeApi();
		api.scope.get(`${base}/runs/r1/status`).times(10).reply(200, run('running'));
		const error = await runNodeError({ parameters: params(resource, 'wait', { [field]: id, runId: 'r1', options: { pollInterval: 0.1, timeout: 0.3 } }) });
		expect(error.message).toContain(`Polling for runId: r1 for ${noun}: ${id} timed out`);
		expect(error.message).toContain('last status: running');
		expect(api.requests.length).toBeLessThanOrEqual(4);
	});

	it('get returns the status plus the ids', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/runs/r1/status`).reply(200, run('running'));
		const items = await runNode({ parameters: params(resource, 'get', { [field]: id, runId: 'r1' }) });
		expect(jsonOf(items)).toEqual([{ [field]: id, runId: 'r1', ...run('running') }]);
	});

	it('refuses an empty id or run id before any request (upstream 15, 22)', async () => {
		const api = fakeApi();
		const noId = await runNodeError({ parameters: params(resource, 'start', { [field]: '' }) });
		expect(noId.message).toContain(`${noun} id is required`);
		const noRun = await runNodeError({ parameters: params(resource, 'get', { [field]: id, runId: ' ' }) });
		expect(noRun.message).toContain('run id is required');
		expect(api.requests).toHaveLength(0);
	});

	it('refuses options that only Reverse ETL has', async () => {
		const api = fakeApi();
		const error = await runNodeError({ parameters: params(resource, 'start', { [field]: id, options: { onTimeout: 'stopAndFail' } }) });
		expect(error.message).toContain('Option "onTimeout" must be one of fail, returnRunning');
		expect(api.requests).toHaveLength(0);
	});
});

describe('profiles parameters', () => {
	const base = '/v2/sources/prof_1';

	it('sends {"parameters": [...]} when parameters are given (upstream 14)', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { runId: 'r1' });
		await runNode({
			parameters: params('profiles', 'start', { profileId: 'prof_1', parameters: ['--rebase_incremental', '--begin_time 2026-01-01T00:00:00Z'], waitForCompletion: false }),
		});
		expect(api.requests[0].body).toEqual({ parameters: ['--rebase_incremental', '--begin_time 2026-01-01T00:00:00Z'] });
	});

	it('takes an expression that yields a string array', async () => {
		const api = fakeApi();
		api.scope.post(`${base}/start`).reply(200, { runId: 'r1' });
		await runNode({
			items: [{ flags: ['--model_refs models/a'] }],
			parameters: params('profiles', 'start', { profileId: 'prof_1', parameters: '={{ $json.flags }}', waitForCompletion: false }),
		});
		expect(api.requests[0].body).toEqual({ parameters: ['--model_refs models/a'] });
	});

	it('refuses parameters that are not strings, naming the field, before any request', async () => {
		const api = fakeApi();
		const error = await runNodeError({
			items: [{ flags: ['--rebase_incremental', 42] }],
			parameters: params('profiles', 'start', { profileId: 'prof_1', parameters: '={{ $json.flags }}' }),
		});
		expect(error.message).toBe('"parameters" must be a list of strings such as "--rebase_incremental"; entry 2 is 42');
		expect(api.requests).toHaveLength(0);
	});
});
