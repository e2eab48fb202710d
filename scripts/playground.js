// `npm start`: a local n8n editor with this package installed the way users get it, a mock
// RudderStack (or the real one, with RUDDERSTACK_ACCESS_TOKEN), a credential and sample workflows.
'use strict';

const path = require('node:path');
const os = require('node:os');

const { createMockDataPlane } = require('../test/mock/dataplane-mock');
const { createMockRudderStack } = require('../test/mock/rudderstack-mock');
const { N8n, ownerSession } = require('../test/e2e/n8n');
const { CREDENTIAL, DATA_PLANE_CREDENTIAL, MCP_PATH, MCP_WORKFLOW, locator, rudderStack, workflow } = require('../test/e2e/workflows');

const N8N_VERSION = process.env.N8N_VERSION ?? '2.41.0';
const PORT = Number(process.env.N8N_PORT ?? 5678);
const MOCK_PORT = Number(process.env.MOCK_RUDDERSTACK_PORT ?? 4010);
const MOCK_DATA_PLANE_PORT = Number(process.env.MOCK_DATA_PLANE_PORT ?? 4020);

// A connection of the mock that RudderStack's "schedule" runs every few minutes, and that fails.
const NIGHTLY = 'conn_nightly_salesforce';
const NIGHTLY_EVERY_MS = 3 * 60_000;

/** "When a sync fails, …": the RudderStack Trigger on that connection, then a message to post. */
const WHEN_SYNC_FAILS = {
	id: 'sampleWhenSyncFails',
	name: 'Sample: when a sync fails, post the error and the failed-row count',
	active: false,
	settings: { executionOrder: 'v1' },
	nodes: [
		{
			id: 'trigger',
			name: 'When the Salesforce sync fails',
			type: 'n8n-nodes-rudderstack.rudderStackTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: { pollTimes: { item: [{ mode: 'everyMinute' }] }, connectionId: locator(NIGHTLY), events: ['failed'] },
			credentials: { rudderStackApi: CREDENTIAL },
		},
		{
			id: 'message',
			name: 'Message for Slack',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [260, 0],
			parameters: {
				mode: 'runOnceForEachItem',
				jsCode:
					"const sync = $json;\nreturn { json: { text: `RudderStack sync ${sync.syncId} of ${sync.connectionId} failed at ${sync.finishedAt}: ${sync.reason}. Failed rows: ${sync.metrics?.failed?.total ?? '?'} of ${sync.metrics?.total ?? '?'}` } };",
			},
		},
	],
	connections: { 'When the Salesforce sync fails': { main: [[{ node: 'Message for Slack', type: 'main', index: 0 }]] } },
};

const SAMPLES = [
	workflow('sampleProfilesRetl', 'Sample: Profiles run, then Reverse ETL sync', [
		rudderStack('Run Customer 360', { resource: 'profiles', operation: 'start', profileId: locator('prof_customer360'), options: { pollInterval: 1 } }, [200, 0]),
		rudderStack('Sync to Salesforce', { resource: 'retl', operation: 'start', connectionId: locator('conn_salesforce'), syncType: 'incremental', options: { pollInterval: 1 } }, [450, 0]),
	]),
	workflow('sampleThreeSyncs', 'Sample: trigger three syncs at once', [
		rudderStack('Sync each connection', { resource: 'retl', operation: 'start', connectionId: { ...locator(''), value: '={{ $json.connection }}' }, options: { pollInterval: 1 } }, [450, 0], { onError: 'continueRegularOutput' }),
	], [{ connection: 'conn_salesforce' }, { connection: 'conn_hubspot' }, { connection: 'conn_that_will_fail' }]),
	workflow('sampleFireAndWait', 'Sample: start now, wait later', [
		rudderStack('Start sync', { resource: 'retl', operation: 'start', connectionId: locator('conn_hubspot'), waitForCompletion: false }, [200, 0]),
		rudderStack('Wait for it', { resource: 'retl', operation: 'wait', connectionId: locator('={{ $json.connectionId }}'), syncId: '={{ $json.syncId }}', options: { pollInterval: 1 } }, [450, 0]),
	]),
	workflow('sampleCrmTrack', 'Sample: send a CRM change as a track event', [
		rudderStack(
			'Track deal change',
			{
				resource: 'event',
				operation: 'track',
				userId: '={{ $json.contactId }}',
				event: '={{ "Deal " + $json.stage }}',
				properties: '={{ { dealId: $json.dealId, amount: $json.amount, currency: $json.currency } }}',
				options: { timestamp: '={{ $json.changedAt }}' },
			},
			[450, 0],
			{ credentials: { rudderStackDataPlaneApi: DATA_PLANE_CREDENTIAL } },
		),
	], [
		{ contactId: 'contact_17', dealId: 'deal_4711', stage: 'Won', amount: 12000, currency: 'EUR', changedAt: '2026-12-01T09:30:00Z' },
		{ contactId: 'contact_23', dealId: 'deal_4712', stage: 'Lost', amount: 800, currency: 'EUR', changedAt: '2026-12-01T10:05:00Z' },
	]),
	MCP_WORKFLOW,
];

async function main() {
	const realToken = process.env.RUDDERSTACK_ACCESS_TOKEN;
	let mock;
	let host;
	let token;
	if (realToken) {
		host = process.env.RUDDERSTACK_HOST ?? 'https://api.rudderstack.com';
		token = realToken;
	} else {
		mock = createMockRudderStack({ token: 'playground-token', scripts: { [NIGHTLY]: { runMs: 20_000, outcome: 'failed', error: 'Salesforce: INVALID_FIELD_FOR_INSERT_UPDATE on 12 rows' } } });
		host = await mock.start(MOCK_PORT);
		mock.schedule(NIGHTLY, NIGHTLY_EVERY_MS);
		token = mock.token;
	}

	// The data plane: a mock, or yours with RUDDERSTACK_DATA_PLANE_URL and RUDDERSTACK_WRITE_KEY.
	const realWriteKey = process.env.RUDDERSTACK_WRITE_KEY;
	const dataPlaneMock = realWriteKey ? undefined : createMockDataPlane({ writeKey: 'playground-write-key' });
	const dataPlaneUrl = realWriteKey ? process.env.RUDDERSTACK_DATA_PLANE_URL : await dataPlaneMock.start(MOCK_DATA_PLANE_PORT);

	const cache = process.env.N8N_RUNTIME_CACHE ?? path.join(os.homedir(), '.cache/n8n-nodes-rudderstack');
	const n8n = new N8n(N8N_VERSION, { userFolder: path.join(cache, 'playground'), port: PORT });
	n8n.installPackage();
	await n8n.importCredential({ ...CREDENTIAL, name: realToken ? 'RudderStack' : CREDENTIAL.name, type: 'rudderStackApi', data: { host, accessToken: token } });
	await n8n.importCredential({ ...DATA_PLANE_CREDENTIAL, name: realWriteKey ? 'RudderStack Data Plane' : DATA_PLANE_CREDENTIAL.name, type: 'rudderStackDataPlaneApi', data: { dataPlaneUrl, writeKey: realWriteKey ?? dataPlaneMock.writeKey } });
	await n8n.importWorkflows(realToken ? SAMPLES : [...SAMPLES, WHEN_SYNC_FAILS]);
	// Active from the start, so that its executions appear as the mock's sync fails.
	if (!realToken) await n8n.cli(['publish:workflow', `--id=${WHEN_SYNC_FAILS.id}`]);
	await n8n.start();
	const session = await ownerSession(n8n.url);
	const { owner } = session;
	// Active, so that MCP clients can connect to it right away.
	const mcpActive = await n8n.activate(session, MCP_WORKFLOW.id).then(
		() => true,
		(error) => (console.warn(`Could not activate "${MCP_WORKFLOW.name}" (${error.message}); activate it in the editor.`), false),
	);

	const stop = async () => {
		process.stdout.write('\nStopping n8n and the mock RudderStack…\n');
		await n8n.stop();
		await mock?.stop();
		await dataPlaneMock?.stop();
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);

	console.log(`
  n8n ${N8N_VERSION} is running with n8n-nodes-rudderstack: ${n8n.url}
  Log in as ${owner.email} / ${owner.password}

  RudderStack: ${realToken ? `the real API at ${host}` : `a mock at ${host} (connections conn_salesforce, conn_hubspot; Profiles project prof_customer360;
               any id containing "fail" fails). Set RUDDERSTACK_ACCESS_TOKEN (and RUDDERSTACK_HOST) to use your workspace`}
  Data plane:  ${realWriteKey ? `yours at ${dataPlaneUrl}` : `a mock at ${dataPlaneUrl} (events it accepted: ${dataPlaneUrl}/__mock/stats). Set RUDDERSTACK_DATA_PLANE_URL and RUDDERSTACK_WRITE_KEY to use yours`}
  Workflows:   ${[...SAMPLES, ...(realToken ? [] : [WHEN_SYNC_FAILS])].map((s) => s.name).join('\n               ')}${realToken ? '' : `
               (active: ${NIGHTLY} syncs every ${NIGHTLY_EVERY_MS / 60_000} minutes and fails; each failure starts one execution)`}
  MCP server:  ${n8n.url}/mcp/${MCP_PATH} (Streamable HTTP; tools start_sync, get_sync, list_syncs)${mcpActive ? '' : ' once activated'}

  Ctrl-C stops everything.`);
}

module.exports = { SAMPLES };

if (require.main === module) {
	main().catch((error) => {
		console.error(error);
		process.exit(1);
	});
}
