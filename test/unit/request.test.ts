import { NodeApiError } from 'n8n-workflow';
import nock from 'nock';

import { fakeApi, resetNock, sync } from '../fakeApi';
import { FAST, HOST, params, runNode, runNodeError, runNodeWithLogs, TOKEN } from '../harness';

beforeEach(resetNock);
afterAll(resetNock);

const C = 'conn_1';
const base = `/v2/retl-connections/${C}`;
// `wait` carries the request options; it returns at once on a finished sync.
const getSync = (options: object = {}) => params('retl', 'wait', { connectionId: C, syncId: 's1', options: { pollInterval: 0.01, ...options } });

describe('request layer', () => {
	it('a successful GET makes exactly one request with no body and returns the parsed JSON (upstream 4)', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('succeeded'));
		const items = await runNode({ parameters: getSync() });
		expect(api.requests).toHaveLength(1);
		expect(api.requests[0].body).toBeUndefined();
		expect(items[0].json.status).toBe('succeeded');
	});

	it('uses the credential host, and tolerates a trailing / or /v2 (upstream 2)', async () => {
		for (const host of ['https://eu.rudder.test/', 'https://eu.rudder.test/v2', 'https://eu.rudder.test/v2/']) {
			const api = fakeApi('https://eu.rudder.test');
			api.scope.get(`${base}/syncs/s1`).reply(200, sync('succeeded'));
			await runNode({ parameters: getSync(), credentials: { host, accessToken: TOKEN } });
			expect(api.lines()).toEqual([`GET ${base}/syncs/s1`]);
		}
	});

	it('refuses a host that is not http(s) before sending the token anywhere', async () => {
		const error = await runNodeError({ parameters: getSync(), credentials: { host: 'ftp://api.rudderstack.com', accessToken: TOKEN } });
		expect(error.message).toContain('must be an http:// or https:// URL');
	});

	it('gives up after maxRetries retries of a 5xx, keeping the status and the API message (upstream 5, 30)', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs/s1`).times(4).reply(503, { error: 'upstream unavailable' });
		const error = await runNodeError({ parameters: getSync(), items: [{}] });
		expect(api.requests).toHaveLength(4);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('RudderStack answered 503: upstream unavailable');
		expect(error.httpCode).toBe('503');
		expect(error.description).toContain(`GET ${base}/syncs/s1 failed after 4 attempts`);
	}, 20000);

	it('two timeouts, then success: the result after 3 attempts (upstream 6)', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs/s1`).times(2).delay(300).reply(200, sync('succeeded'));
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('succeeded'));
		const items = await runNode({ parameters: params('retl', 'wait', { connectionId: C, syncId: 's1', options: { ...FAST, requestTimeout: 0.1 } }) });
		expect(api.requests).toHaveLength(3);
		expect(items[0].json.status).toBe('succeeded');
	});

	it.each([400, 401, 403, 404, 409])('never retries a %i, and reports its status and message', async (status) => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs/s1`).reply(status, { message: `nope ${status}` });
		const error = await runNodeError({ parameters: getSync(FAST) });
		expect(api.requests).toHaveLength(1);
		expect(error.message).toBe(`RudderStack answered ${status}: nope ${status}`);
		expect(error.httpCode).toBe(String(status));
	});

	it('prefers "error" over "message" in error bodies', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs/s1`).reply(403, { error: 'feature not enabled', message: 'Forbidden', code: 'x' });
		const error = await runNodeError({ parameters: getSync() });
		expect(error.message).toBe('RudderStack answered 403: feature not enabled');
	});

	it('a request that timed out says so, with the request timeout', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs/s1`).times(2).delay(400).reply(200, sync('succeeded'));
		const error = await runNodeError({ parameters: getSync({ ...FAST, requestTimeout: 0.1, maxRetries: 1 }) });
		expect(error.message).toBe('RudderStack could not be reached: the request timed out after 0.1 s');
		expect(error.description).toContain('failed after 2 attempts');
	});

	it('retries timeouts and 429s', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs/s1`).delay(300).reply(200, {});
		api.scope.get(`${base}/syncs/s1`).reply(429, { error: 'slow down' });
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('succeeded'));
		const items = await runNode({ parameters: getSync({ ...FAST, requestTimeout: 0.1 }) });
		expect(api.requests).toHaveLength(3);
		expect(items[0].json.status).toBe('succeeded');
	});

	it('honours Retry-After in seconds and as an HTTP date', async () => {
		// An HTTP date has whole seconds, so "2.5 s from now" means 1.5 to 2.5 s.
		for (const [retryAfter, min, max] of [
			[() => '1', 950, 2000],
			[() => new Date(Date.now() + 2500).toUTCString(), 1450, 3000],
		] as const) {
			const api = fakeApi();
			api.scope.get(`${base}/syncs/s1`).reply(429, { error: 'slow down' }, { 'Retry-After': retryAfter() });
			api.scope.get(`${base}/syncs/s1`).reply(200, sync('succeeded'));
			await runNode({ parameters: getSync(FAST) });
			const gap = api.requests[1].at - api.requests[0].at;
			expect(gap).toBeGreaterThanOrEqual(min);
			expect(gap).toBeLessThan(max);
		}
	});

	it('backs off exponentially from retryDelay', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs/s1`).times(3).reply(500, {});
		api.scope.get(`${base}/syncs/s1`).reply(200, sync('succeeded'));
		await runNode({ parameters: getSync({ retryDelay: 0.1 }) });
		const gaps = api.requests.slice(1).map((r, i) => r.at - api.requests[i].at);
		expect(gaps[0]).toBeGreaterThanOrEqual(95);
		expect(gaps[1]).toBeGreaterThanOrEqual(195);
		expect(gaps[2]).toBeGreaterThanOrEqual(395);
		expect(gaps[2]).toBeLessThan(700);
	});

	it('encodes ids into one path segment', async () => {
		const api = fakeApi();
		const id = '../../v2/sources?x=1&y=%2F';
		const encoded = '..%2F..%2Fv2%2Fsources%3Fx%3D1%26y%3D%252F';
		api.scope.get(`/v2/retl-connections/${encoded}/syncs/a%2Fb`).reply(200, sync('succeeded'));
		await runNode({ parameters: params('retl', 'get', { connectionId: id, syncId: 'a/b' }) });
		expect(api.lines()).toEqual([`GET /v2/retl-connections/${encoded}/syncs/a%2Fb`]);
	});

	it('refuses "." and ".." as ids, which URL parsers would resolve', async () => {
		const api = fakeApi();
		const error = await runNodeError({ parameters: params('retl', 'get', { connectionId: '..', syncId: 's1' }) });
		expect(error.message).toContain('".." is not a valid connection id');
		expect(api.requests).toHaveLength(0);
	});

	it('does not carry the token across a redirect to another host', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs/s1`).reply(302, '', { Location: 'https://elsewhere.test/collect' });
		const other = fakeApi('https://elsewhere.test');
		other.scope.get('/collect').reply(200, sync('succeeded'));
		await runNode({ parameters: getSync() });
		expect(other.requests).toHaveLength(1);
		expect(other.requests[0].headers.authorization).toBeUndefined();
	});

	it('never shows the token, even when RudderStack echoes it', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs/s1`).reply(401, { error: `invalid token ${TOKEN}` });
		expect(api.requests).toHaveLength(0);
		const { error, logs } = await runNodeWithLogs({ parameters: getSync() });
		const seen = JSON.stringify({ message: error?.message, description: (error as { description?: string }).description, logs });
		expect(error?.message).toBe('RudderStack answered 401: invalid token ***');
		expect(seen).not.toContain(TOKEN);
	});

	it('sends a pasted token without its surrounding spaces, and scrubs it from errors all the same', async () => {
		const api = fakeApi();
		api.scope.get(`${base}/syncs/s1`).reply(401, { error: `invalid token ${TOKEN}` });
		const error = await runNodeError({ parameters: getSync(), credentials: { host: HOST, accessToken: ` ${TOKEN}\n` } });
		expect(api.requests[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
		expect(error.message).toBe('RudderStack answered 401: invalid token ***');
	});

	it('reports an unreachable host clearly', async () => {
		nock.enableNetConnect('127.0.0.1');
		const error = await runNodeError({ parameters: getSync({ ...FAST, maxRetries: 1 }), credentials: { host: 'http://127.0.0.1:9', accessToken: TOKEN } });
		expect(error.message).toMatch(/^RudderStack could not be reached: network error: /);
		expect(error.description).toContain('failed after 2 attempts');
	});
});
