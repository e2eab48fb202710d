// End-to-end: the packed package inside a real n8n, on each supported n8n version, against the
// project's mock RudderStack. Run with `npm run test:e2e` (N8N_VERSIONS picks versions).
'use strict';

const assert = require('node:assert/strict');
const { after, before, describe, it } = require('node:test');

const { createMockRudderStack } = require('../mock/rudderstack-mock');
const { N8n, nodeItems, ownerSession, PORT_BASE } = require('./n8n');
const { CREDENTIAL, WORKFLOWS } = require('./workflows');

const VERSIONS = (process.env.N8N_VERSIONS ?? '2.41.0,2.8.4,1.123.81').split(',').filter(Boolean);
const TOKEN = 'e2e-access-token';
const RETL_TOKEN = 'e2e-retl-only-token';

for (const [index, version] of VERSIONS.entries()) {
	describe(`n8n ${version}`, () => {
		const mock = createMockRudderStack({ token: TOKEN, retlOnlyToken: RETL_TOKEN, scripts: {} });
		let n8n;

		before(async () => {
			await mock.start();
			n8n = new N8n(version, { port: PORT_BASE + index * 10 });
			n8n.installPackage();
			await n8n.importCredential({ ...CREDENTIAL, type: 'rudderStackApi', data: { host: mock.url, accessToken: TOKEN } });
			await n8n.importWorkflows(Object.values(WORKFLOWS));
		});
		after(async () => {
			await n8n?.stop();
			await mock.stop();
		});

		const requestsFor = (fragment) => mock.requests.filter((r) => r.path.includes(fragment)).map((r) => `${r.method} ${r.path.split('?')[0]}`);
		const assertNoTokenIn = (result) => assert.ok(!JSON.stringify(result.run ?? {}).includes(TOKEN), 'the token leaked into the run data');

		it('RETL: several items start concurrently, in order, with the sync type', async () => {
			const result = await n8n.execute(WORKFLOWS.retlManyItems.id);
			assert.ok(result.ok, result.stdout);
			const items = nodeItems(result.resultData, 'Sync connections');
			assert.deepEqual(items.map((i) => [i.connectionId, i.status, i.error]), [
				['conn_a', 'succeeded', null],
				['conn_b', 'succeeded', null],
				['conn_c', 'succeeded', null],
			]);
			const starts = mock.requests.filter((r) => r.method === 'POST' && /conn_[abc]\/start/.test(r.path));
			assert.deepEqual(starts.map((r) => r.body), [{ syncType: 'incremental' }, { syncType: 'incremental' }, { syncType: 'incremental' }]);
			assert.ok(Math.max(...starts.map((r) => r.at)) - Math.min(...starts.map((r) => r.at)) < 900, 'the starts went out one after another');
			assert.match(starts[0].headers['user-agent'], /^RudderN8n\//);
			assertNoTokenIn(result);
		});

		it('RETL: a failing sync fails the workflow with the seed message', async () => {
			const result = await n8n.execute(WORKFLOWS.retlFails.id);
			assert.equal(result.ok, false);
			assert.match(result.error.message, /^Sync for retl connection: conn_fail, syncId: sync_\d+ failed with error: Destination connection failed$/);
			assertNoTokenIn(result);
		});

		it('RETL: Continue On Fail turns the failure into an item and keeps the other', async () => {
			const result = await n8n.execute(WORKFLOWS.retlContinueOnFail.id);
			assert.ok(result.ok, result.stdout);
			const items = nodeItems(result.resultData, 'Sync');
			assert.equal(items[0].status, 'succeeded');
			assert.equal(items[0].connectionId, 'conn_ok');
			assert.match(items[1].error, /^Sync for retl connection: conn_fail_2, syncId: sync_\d+ failed with error: Destination connection failed$/);
			assert.equal(items[1].connectionId, 'conn_fail_2');
		});

		it('RETL: start without waiting, then get, wait (ids from earlier nodes), getMany and stop', async () => {
			const result = await n8n.execute(WORKFLOWS.retlStartThenWait.id);
			assert.ok(result.ok, result.stdout);
			const [started] = nodeItems(result.resultData, 'Start');
			assert.deepEqual(started, { connectionId: 'conn_later', syncId: started.syncId, status: 'running' });
			assert.equal(nodeItems(result.resultData, 'Get')[0].status, 'running');
			assert.deepEqual(
				(({ connectionId, syncId, status, error }) => ({ connectionId, syncId, status, error }))(nodeItems(result.resultData, 'Wait')[0]),
				{ connectionId: 'conn_later', syncId: started.syncId, status: 'succeeded', error: null },
			);
			assert.deepEqual(nodeItems(result.resultData, 'History').map((i) => i.syncId), [started.syncId]);
			assert.deepEqual(nodeItems(result.resultData, 'Stop'), [{ connectionId: 'conn_later', stopped: true }]);
			assert.deepEqual(requestsFor('conn_later').filter((line) => line.startsWith('POST')), ['POST /v2/retl-connections/conn_later/start', 'POST /v2/retl-connections/conn_later/stop']);
		});

		it('Profiles: a run with parameters succeeds with error null', async () => {
			const result = await n8n.execute(WORKFLOWS.profilesRun.id);
			assert.ok(result.ok, result.stdout);
			const [item] = nodeItems(result.resultData, 'Run project');
			assert.equal(item.profileId, 'prof_customer360');
			assert.equal(item.status, 'finished');
			assert.equal(item.error, null);
			const start = mock.requests.find((r) => r.path === '/v2/sources/prof_customer360/start');
			assert.deepEqual(start.body, { parameters: ['--rebase_incremental'] });
		});

		it('Profiles: finished with an error fails the workflow with the seed message', async () => {
			const result = await n8n.execute(WORKFLOWS.profilesFails.id);
			assert.equal(result.ok, false);
			assert.match(result.error.message, /^Profile run for profile: prof_fail, runId: run_\d+ failed with error: Configuration error: Invalid warehouse credentials$/);
		});

		it('the credential test in a started n8n: OK for the right token, a clear failure otherwise', async () => {
			await n8n.start();
			const { cookie } = await ownerSession(n8n.url);
			const headers = { 'Content-Type': 'application/json', cookie, 'browser-id': 'e2e' };
			const rest = async (method, route, body) => {
				const response = await fetch(`${n8n.url}/rest${route}`, { method, headers, body: JSON.stringify(body) });
				const json = await response.json();
				assert.equal(response.status, 200, JSON.stringify(json));
				return json.data ?? json;
			};
			const created = await rest('POST', '/credentials', { name: 'RudderStack', type: 'rudderStackApi', data: { host: mock.url, accessToken: TOKEN } });
			const test = async (data) => await rest('POST', '/credentials/test', { credentials: { id: created.id, name: 'RudderStack', type: 'rudderStackApi', data } });
			const before = mock.requests.length;
			assert.deepEqual(await test({ host: `${mock.url}/v2/`, accessToken: TOKEN }), { status: 'OK', message: 'Connection successful!' });
			// A token that may read only Reverse ETL is refused /v2/sources, and is still valid.
			assert.deepEqual(await test({ host: mock.url, accessToken: RETL_TOKEN }), { status: 'OK', message: 'Connection successful!' });
			assert.deepEqual(mock.requests.slice(before).map((r) => `${r.method} ${r.path}`), ['GET /v2/workspace', 'GET /v2/workspace']);
			const wrongToken = await test({ host: mock.url, accessToken: 'wrong-token' });
			assert.deepEqual(wrongToken, { status: 'Error', message: 'RudderStack refused the access token (401: Invalid access token): it is invalid or has expired.' });
			const unreachable = await test({ host: 'http://127.0.0.1:9', accessToken: TOKEN });
			assert.equal(unreachable.status, 'Error');
			assert.match(unreachable.message, /^Could not reach RudderStack at http:\/\/127\.0\.0\.1:9: .*(ECONNREFUSED|refused the connection)/);
		});

		it('Profiles: start without waiting, then get and wait by the ids from earlier nodes', async () => {
			const result = await n8n.execute(WORKFLOWS.profilesLater.id);
			assert.ok(result.ok, result.stdout);
			const [started] = nodeItems(result.resultData, 'Start');
			assert.deepEqual(started, { profileId: 'prof_later', runId: started.runId, status: 'running' });
			assert.equal(nodeItems(result.resultData, 'Get')[0].status, 'running');
			const [done] = nodeItems(result.resultData, 'Wait');
			assert.deepEqual([done.profileId, done.runId, done.status, done.error], ['prof_later', started.runId, 'finished', null]);
		});

		it('ETL: a failing source sync fails the workflow with the seed message', async () => {
			const result = await n8n.execute(WORKFLOWS.etlFails.id);
			assert.equal(result.ok, false);
			assert.match(result.error.message, /^Sync run for source: src_fail, runId: run_\d+ failed with error: Configuration error: Invalid warehouse credentials$/);
		});

		it('ETL: start without waiting, then wait by the id from the previous node', async () => {
			const result = await n8n.execute(WORKFLOWS.etlRun.id);
			assert.ok(result.ok, result.stdout);
			const [started] = nodeItems(result.resultData, 'Start');
			const [done] = nodeItems(result.resultData, 'Wait');
			assert.equal(done.runId, started.runId);
			assert.equal(done.status, 'finished');
			assert.equal(mock.requests.find((r) => r.path === '/v2/sources/src_zendesk/start').body, undefined);
		});
	});
}
