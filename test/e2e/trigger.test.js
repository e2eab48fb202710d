// End-to-end: the RudderStack Trigger activated in a real n8n, polling the mock RudderStack.
// n8n polls at most once a minute through "Poll Times". n8n 2.8 checks only that the seconds field
// of a custom cron has no "*", so a list of seconds polls it every 5 s; newer n8n (isSubMinuteCron)
// takes a single second only, so there the suite polls once a minute, n8n's shortest.
'use strict';

const assert = require('node:assert/strict');
const { after, before, describe, it } = require('node:test');

const { createMockRudderStack } = require('../mock/rudderstack-mock');
const { N8n, ownerSession, PORT_BASE } = require('./n8n');
const { CREDENTIAL, locator } = require('./workflows');

const VERSIONS = (process.env.N8N_VERSIONS ?? '2.41.0,2.8.4').split(',').filter(Boolean);
const TOKEN = 'e2e-trigger-token';
const EVERY_5_S = '0,5,10,15,20,25,30,35,40,45,50,55 * * * * *';
const EVERY_MINUTE = '* * * * *';

/** The shortest polling the given n8n accepts, found with its own cron check. */
function pollCron(n8nDir) {
	const workflow = require(require.resolve('n8n-workflow', { paths: [require.resolve('n8n-core', { paths: [`${n8nDir}/node_modules/n8n`] })] }));
	return typeof workflow.isSubMinuteCron === 'function' && workflow.isSubMinuteCron(EVERY_5_S) ? EVERY_MINUTE : EVERY_5_S;
}

const workflowPolling = (cronExpression) => ({
	...WORKFLOW,
	nodes: WORKFLOW.nodes.map((node) => (node.id === 'trigger' ? { ...node, parameters: { ...node.parameters, pollTimes: { item: [{ mode: 'custom', cronExpression }] } } } : node)),
});

const WORKFLOW = {
	id: 'e2eTrigger',
	name: 'Trigger: when a sync ends',
	active: false,
	settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
	nodes: [
		{
			id: 'trigger',
			name: 'RudderStack Trigger',
			type: 'n8n-nodes-rudderstack.rudderStackTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: { connectionId: locator('conn_nightly'), events: ['succeeded', 'failed'] },
			credentials: { rudderStackApi: CREDENTIAL },
		},
		{ id: 'noop', name: 'Done', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
	],
	connections: { 'RudderStack Trigger': { main: [[{ node: 'Done', type: 'main', index: 0 }]] } },
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

for (const [index, version] of VERSIONS.entries()) {
	describe(`RudderStack Trigger in n8n ${version}`, () => {
		const mock = createMockRudderStack({ token: TOKEN, scripts: { conn_nightly: { runMs: 3_600_000, outcome: 'failed', error: 'Salesforce rejected 12 rows' } } });
		let n8n;
		let rest;

		const start = async () => await fetch(`${mock.url}/v2/retl-connections/conn_nightly/start`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body: '{}' }).then((r) => r.json());
		const lists = () => mock.requests.filter((r) => r.path.startsWith('/v2/retl-connections/conn_nightly/syncs')).length;
		const executions = async () => {
			const answer = await rest(`/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId: WORKFLOW.id }))}`);
			return answer.results ?? answer;
		};
		async function until(what, test, ms = 150_000) {
			const deadline = Date.now() + ms;
			for (;;) {
				const value = await test();
				if (value) return value;
				if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${n8n.serverLog.slice(-3000)}`);
				await sleep(500);
			}
		}

		before(async () => {
			await mock.start();
			n8n = new N8n(version, { port: PORT_BASE + 70 + index * 10 });
			n8n.installPackage();
			await n8n.importCredential({ ...CREDENTIAL, type: 'rudderStackApi', data: { host: mock.url, accessToken: TOKEN } });
			await n8n.importWorkflows([workflowPolling(pollCron(n8n.dir))]);
			await n8n.cli(['publish:workflow', `--id=${WORKFLOW.id}`]);
		});
		after(async () => {
			await n8n?.stop();
			await mock.stop();
		});

		it('one sync that ends after activation starts exactly one execution, with the sync as its item', async () => {
			const over = await start();
			mock.end('conn_nightly'); // over before activation: never emitted
			const spanning = await start(); // running at activation
			await n8n.start();
			const { cookie } = await ownerSession(n8n.url);
			rest = async (route) => {
				const response = await fetch(`${n8n.url}/rest${route}`, { headers: { cookie, 'browser-id': 'e2e' } });
				assert.equal(response.status, 200, await response.clone().text());
				return (await response.json()).data;
			};
			// Activation polls once (the recent list and the running list).
			await until('the activation poll', () => lists() >= 2);
			assert.equal((await executions()).length, 0, 'a sync already over at activation started the workflow');
			mock.end('conn_nightly');
			const [execution] = await until('the execution', async () => (await executions()).length > 0 && (await executions()));
			const polled = lists();
			await until('another poll', () => lists() >= polled + 1);
			const all = await executions();
			assert.equal(all.length, 1, JSON.stringify(all));
			assert.equal(execution.status ?? (execution.finished ? 'success' : 'error'), 'success');
			// The run data as n8n stores it (flatted), read with n8n's own copy of flatted.
			const { parse } = require(require.resolve('flatted', { paths: [n8n.dir] }));
			const run = parse((await rest(`/executions/${execution.id}`)).data);
			const items = run.resultData.runData['RudderStack Trigger'][0].data.main[0].map((item) => item.json);
			assert.deepEqual(
				items.map(({ connectionId, syncId, status, error, event }) => ({ connectionId, syncId, status, error, event })),
				[{ connectionId: 'conn_nightly', syncId: spanning.syncId, status: 'failed', error: 'Salesforce rejected 12 rows', event: 'failed' }],
			);
			assert.notEqual(spanning.syncId, over.syncId);
		});
	});
}
