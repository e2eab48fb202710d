/**
 * The node against RudderStack's documented forms, over real HTTP to the project's mock: paging
 * as documented (`paging.next` with only the page) and with the full query, list searches through
 * n8n-core's LoadOptionsContext, and the credential test through n8n-core's CredentialTestContext
 * the way n8n's credential tester calls a node's `testedBy` function.
 */
import { CredentialTestContext } from 'n8n-core';
import type { ICredentialTestFunction, INodeParameters, INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';
import nock from 'nock';

import { RudderStackApi } from '../../credentials/RudderStackApi.credentials';
import { listSearchInEngine } from '../engine';
import { createMockRudderStack, type MockRudderStack } from '../mock/rudderstack-mock';
import { jsonOf, nodeType, params, runNodeWithLogs } from '../harness';

const TOKEN = 'faithful-suite-dummy-token';
const RETL_TOKEN = 'faithful-suite-retl-only-token';
const credentialType = new RudderStackApi();

const mocks: MockRudderStack[] = [];
async function startMock(options: Parameters<typeof createMockRudderStack>[0] = {}) {
	const mock = createMockRudderStack({ token: TOKEN, retlOnlyToken: RETL_TOKEN, ...options });
	await mock.start();
	mocks.push(mock);
	return mock;
}

beforeAll(() => {
	nock.cleanAll();
	nock.enableNetConnect('127.0.0.1');
});
afterAll(async () => {
	await Promise.all(mocks.map(async (mock) => await mock.stop()));
	nock.cleanAll();
	nock.disableNetConnect();
});

/** `count` ended syncs of a connection, oldest first; those `failed(i)` picks failed. */
function seedSyncs(mock: MockRudderStack, connectionId: string, count: number, failed: (i: number) => boolean) {
	const t0 = Date.parse('2026-03-01T00:00:00Z');
	const runs = Array.from({ length: count }, (_, i) => ({
		kind: 'retl',
		targetId: connectionId,
		id: `sync_${i + 1}`,
		startedAt: t0 + i * 60_000,
		...(failed(i) ? { stoppedAt: t0 + i * 60_000 + 1000 } : {}),
	}));
	mock.script(connectionId, { runMs: 1000, outcome: 'succeeded' });
	mock.runs.set(connectionId, runs);
}

const run = async (mock: MockRudderStack, rest: object, token = TOKEN) =>
	await runNodeWithLogs({ parameters: params('retl', 'getMany', { connectionId: 'conn_paged', ...rest }), credentials: { host: mock.url, accessToken: token } });

const syncRequests = (mock: MockRudderStack) => mock.requests.filter((r) => r.path.startsWith('/v2/retl-connections/conn_paged/syncs'));

describe.each(['page', 'full'] as const)('Get Many over real HTTP, paging.next in the %s form', (nextForm) => {
	let mock: MockRudderStack;
	beforeAll(async () => {
		mock = await startMock({ nextForm });
		// 300 syncs, 200 of them failed: the failed ones fill two pages of 100.
		seedSyncs(mock, 'conn_paged', 300, (i) => i % 3 !== 0);
	});
	beforeEach(() => mock.requests.splice(0));

	it('keeps the filters and the page size on every page (Return All)', async () => {
		const { items, error } = await run(mock, { returnAll: true, filters: { status: 'failed', startedAfter: '2026-03-01T00:00:00Z' } });
		expect(error).toBeUndefined();
		const syncs = jsonOf(items);
		expect(syncs).toHaveLength(200);
		expect(new Set(syncs.map((s) => s.status))).toEqual(new Set(['failed']));
		expect(new Set(syncs.map((s) => s.syncId)).size).toBe(200);
		const queries = syncRequests(mock).map((r) => Object.fromEntries(new URL(r.path, 'http://x').searchParams));
		expect(queries).toEqual([
			{ per_page: '100', status: 'failed', started_after: '2026-03-01T00:00:00.000Z' },
			{ page: '2', per_page: '100', status: 'failed', started_after: '2026-03-01T00:00:00.000Z' },
		]);
	});

	it('with Return All off stops at Limit, reading no page past it', async () => {
		const { items, error } = await run(mock, { returnAll: false, limit: 150, filters: { status: 'failed' } });
		expect(error).toBeUndefined();
		expect(jsonOf(items).map((s) => s.status)).toEqual(Array(150).fill('failed'));
		expect(syncRequests(mock)).toHaveLength(2);
	});

	it('a Limit below one page asks for only that many', async () => {
		const { items } = await run(mock, { returnAll: false, limit: 5 });
		expect(items).toHaveLength(5);
		expect(syncRequests(mock).map((r) => new URL(r.path, 'http://x').searchParams.get('per_page'))).toEqual(['5']);
	});
});

describe('Get Many checks its input before any request', () => {
	let mock: MockRudderStack;
	beforeAll(async () => (mock = await startMock()));

	it.each([
		['an invalid date', { returnAll: true, filters: { startedBefore: 'next Monday-ish' } }, /Filter "startedBefore" is not a valid date: next Monday-ish/],
		['a Limit of 0', { returnAll: false, limit: 0 }, /"limit" must be a whole number of 1 or more; got 0/],
	])('%s', async (_name, rest, message) => {
		const { error } = await run(mock, rest);
		expect(error?.message).toMatch(message);
		expect(mock.requests).toHaveLength(0);
	});
});

describe('pickers read every page, within a bound, through LoadOptionsContext', () => {
	const search = async (mock: MockRudderStack, method: string, filter?: string, token?: string, accessToken = TOKEN) =>
		await listSearchInEngine({ nodeType, credentialType, credentials: { host: mock.url, accessToken } }, method, filter, token);

	it('finds a connection that is on page 3', async () => {
		const connections = Array.from({ length: 250 }, (_, i) => ({ id: `conn_${i}`, sourceId: 'src_wh', destinationId: i === 230 ? 'dst_needle' : 'dst_x', enabled: true }));
		const mock = await startMock({ connections });
		expect(await search(mock, 'searchConnections', 'needle')).toEqual({ results: [{ name: 'conn_230 (source src_wh → destination dst_needle)', value: 'conn_230' }] });
		const queries = mock.requests.map((r) => [new URL(r.path, 'http://x').pathname, Object.fromEntries(new URL(r.path, 'http://x').searchParams)]);
		expect(queries).toEqual([1, 2, 3].map((page) => ['/v2/retl-connections', page === 1 ? { pageSize: '100' } : { page: String(page), pageSize: '100' }]));
	});

	it('says in the list when the bound cut the search, and goes on from there', async () => {
		const connections = Array.from({ length: 1150 }, (_, i) => ({ id: `conn_${i}`, enabled: true }));
		const mock = await startMock({ connections, nextForm: 'full' });
		const first = await search(mock, 'searchConnections');
		expect(first.results).toHaveLength(1001);
		expect(first.results[1000]).toEqual({ name: expect.stringMatching(/^Searched 10 pages of connections so far: scroll for more/), value: '' });
		expect(first.paginationToken).toBe('11');
		const rest = await search(mock, 'searchConnections', undefined, '11');
		expect(rest.results.map((r) => r.value)).toEqual(connections.slice(1000).map((c) => c.id));
		expect(rest.paginationToken).toBeUndefined();
	});

	it('lists Profiles projects from every page of /v2/sources, and nothing else as Profiles', async () => {
		const sources = [
			...Array.from({ length: 150 }, (_, i) => ({ id: `src_${i}`, name: `Stream ${i}`, type: 'javascript', enabled: true })),
			{ id: 'prof_late', name: 'Customer 360', type: 'profiles', enabled: true },
		];
		const mock = await startMock({ sources });
		expect((await search(mock, 'searchProfiles')).results).toEqual([{ name: 'Customer 360 (profiles)', value: 'prof_late' }]);
		expect((await search(mock, 'searchSources', 'stream 14')).results.map((r) => r.value)).toEqual(['src_14', ...Array.from({ length: 10 }, (_, i) => `src_${140 + i}`)]);
	});

	it('offers no event stream as a Profiles project: an empty list with a hint to paste the id', async () => {
		const mock = await startMock({ sources: [{ id: 'src_js', name: 'Website', type: 'javascript', enabled: true }] });
		expect(await search(mock, 'searchProfiles')).toEqual({
			results: [{ name: expect.stringMatching(/No source of this workspace is marked as a Profiles project: choose "By ID" and paste/), value: '' }],
		});
	});

	it('a token scoped to Reverse ETL lists connections', async () => {
		const mock = await startMock();
		expect((await search(mock, 'searchConnections', undefined, undefined, RETL_TOKEN)).results.map((r) => r.value)).toEqual(['conn_salesforce', 'conn_hubspot']);
	});
});

describe('the credential test, as n8n runs a node-tested credential', () => {
	// What n8n's CredentialsTester does for `testedBy`: the node's function on a CredentialTestContext.
	const testedBy = nodeType.description.credentials?.find((c) => c.name === 'rudderStackApi')?.testedBy as string;
	const credentialTest = async (host: string, accessToken: string) => {
		const fn = nodeType.methods?.credentialTest?.[testedBy] as ICredentialTestFunction;
		return await fn.call(new CredentialTestContext(), { id: 'c1', name: 'RudderStack', type: 'rudderStackApi', data: { host, accessToken } });
	};
	let mock: MockRudderStack;
	beforeAll(async () => (mock = await startMock()));
	beforeEach(() => mock.requests.splice(0));

	it('is the node\'s, and the credential has no request test that n8n would prefer', () => {
		expect(typeof testedBy).toBe('string');
		expect((credentialType as { test?: unknown }).test).toBeUndefined();
	});

	it('passes for a full token and for one scoped to Reverse ETL, checking GET /v2/workspace', async () => {
		expect(await credentialTest(`${mock.url}/v2/`, TOKEN)).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(await credentialTest(mock.url, RETL_TOKEN)).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(mock.requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
			['GET', '/v2/workspace', `Bearer ${TOKEN}`],
			['GET', '/v2/workspace', `Bearer ${RETL_TOKEN}`],
		]);
	});

	it('a 401 says the token is invalid or expired', async () => {
		expect(await credentialTest(mock.url, 'wrong-token')).toEqual({
			status: 'Error',
			message: 'RudderStack refused the access token (401: Invalid access token): it is invalid or has expired.',
		});
	});

	it('a 401 on RudderStack\'s EU host names the other region', async () => {
		nock('https://api.eu.rudderstack.com').get('/v2/workspace').reply(401, { message: 'Unauthorized' });
		const result = await credentialTest('https://api.eu.rudderstack.com', 'us-token-1234');
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^RudderStack refused the access token \(401: Unauthorized\): it is invalid or has expired\. It may also belong to the other region: this credential uses the EU host, and a token of an US workspace works only on https:\/\/api\.rudderstack\.com\.$/);
	});

	it('a 403 says the token is valid but lacks a permission, in RudderStack\'s words, without the token', async () => {
		nock('https://api.rudderstack.com').get('/v2/workspace').reply(403, { error: 'missing permission workspace:read for token secret-token-42' });
		const result = await credentialTest('https://api.rudderstack.com', 'secret-token-42');
		expect(result).toEqual({
			status: 'Error',
			message: "The access token is valid, but it lacks a permission RudderStack asks for to read the workspace (403: missing permission workspace:read for token ***). Give the token that permission in RudderStack's access token settings.",
		});
	});

	it('an unreachable host and a host that is not http(s) say so', async () => {
		expect((await credentialTest('http://127.0.0.1:9', TOKEN)).message).toMatch(/^Could not reach RudderStack at http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/);
		expect((await credentialTest('ftp://api.rudderstack.com', TOKEN)).message).toMatch(/must be an http:\/\/ or https:\/\/ URL/);
	});
});

describe('the editor offers per resource only what works', () => {
	const { properties } = nodeType.description;
	const shown = (p: INodeProperties, resource: string, operation: string) => {
		const show = p.displayOptions?.show ?? {};
		return (!show.resource || show.resource.includes(resource)) && (!show.operation || show.operation.includes(operation));
	};
	const optionsOf = (resource: string, operation: string) => {
		const collections = properties.filter((p) => p.name === 'options' && shown(p, resource, operation));
		expect(collections).toHaveLength(1);
		return Object.fromEntries((collections[0].options as INodeProperties[]).map((o) => [o.name, o]));
	};
	const values = (p?: INodeProperties) => ((p?.options ?? []) as INodePropertyOptions[]).map((o) => o.value);
	const names = (p?: INodeProperties) => ((p?.options ?? []) as INodePropertyOptions[]).map((o) => o.name);

	it.each(['start', 'wait'])('%s: Attach, Stop and Fail and the RETL-only options only on Reverse ETL', (operation) => {
		const retl = optionsOf('retl', operation);
		expect(values(retl.onTimeout)).toEqual(['fail', 'returnRunning', 'stopAndFail']);
		expect(names(retl.onTimeout)).toEqual(['Fail', 'Return Running', 'Stop and Fail']);
		expect(values(retl.ifAlreadyRunning)).toEqual(['wait', 'attach', 'fail']);
		expect(Object.keys(retl)).toEqual(expect.arrayContaining(['maxFailedRows', 'stopOnCancel']));
		for (const resource of ['profiles', 'etl']) {
			const source = optionsOf(resource, operation);
			expect(values(source.onTimeout)).toEqual(['fail', 'returnRunning']);
			expect(values(source.ifAlreadyRunning)).toEqual(['wait', 'fail']);
			expect(Object.keys(source)).not.toEqual(expect.arrayContaining(['maxFailedRows']));
			expect(Object.keys(source)).not.toContain('stopOnCancel');
		}
	});

	it.each([
		['retl', 'get'],
		['profiles', 'get'],
		['retl', 'stop'],
		['retl', 'getMany'],
	])('%s %s has the request options', (resource, operation) => {
		expect(Object.keys(optionsOf(resource, operation)).sort()).toEqual(['maxRetries', 'requestTimeout', 'retryDelay']);
	});

	it('says that Concurrency and Max Requests per Second apply to the whole step', () => {
		const options = optionsOf('retl', 'start');
		for (const name of ['concurrency', 'maxRequestsPerSecond']) expect(options[name].description).toMatch(/Applies to the whole step/);
	});

	it('the Sync Type hint claims nothing undocumented', () => {
		const syncType = properties.find((p) => p.name === 'syncType');
		expect(syncType?.description).not.toMatch(/full sync/i);
		expect(syncType?.description).toMatch(/RudderStack decides/);
	});

	it('the subtitle reads like words', () => {
		// As the editor does: n8n's expression engine, with the node's parameters as $parameter.
		const evaluate = (parameters: INodeParameters) => {
			const node = { id: 'n', name: 'RudderStack', type: 'n8n-nodes-rudderstack.rudderStack', typeVersion: 1, position: [0, 0] as [number, number], parameters };
			const nodeTypes = { getByName: () => nodeType, getByNameAndVersion: () => nodeType, getKnownTypes: () => ({}) };
			const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
			return workflow.expression.getSimpleParameterValue(node, nodeType.description.subtitle!, 'internal', {});
		};
		expect(evaluate({ operation: 'start', resource: 'retl' })).toBe('Start: Reverse ETL');
		expect(evaluate({ operation: 'getMany', resource: 'retl' })).toBe('Get Many: Reverse ETL');
		expect(evaluate({ operation: 'wait', resource: 'profiles' })).toBe('Wait: Profiles');
	});
});

describe('step-wide options', () => {
	let mock: MockRudderStack;
	beforeAll(async () => (mock = await startMock({ runMs: 10 })));
	beforeEach(() => mock.requests.splice(0));
	const start = async (options: object) =>
		await runNodeWithLogs({
			parameters: params('retl', 'start', { connectionId: '={{ $json.c }}', waitForCompletion: false, options }),
			items: [{ c: 'conn_step_a', n: 2 }, { c: 'conn_step_b', n: 3 }],
			credentials: { host: mock.url, accessToken: TOKEN },
		});

	it.each(['concurrency', 'maxRequestsPerSecond'])('%s: different values per item fail the step before any request', async (name) => {
		const { error } = await start({ [name]: '={{ $json.n }}' });
		expect(error?.message).toBe(`Option "${name}" applies to the whole step, but its expression gives different values per item (item 0: 2, item 1: 3). Give it one value for all items.`);
		expect(mock.requests).toHaveLength(0);
	});

	it('one value for every item, from an expression, is fine', async () => {
		const { error, items } = await start({ concurrency: '={{ $json.n - $json.n + 1 }}' });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(2);
	});
});
