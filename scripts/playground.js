// `npm start`: a local n8n editor with this package installed the way users get it, a mock
// RudderStack (or the real one, with RUDDERSTACK_ACCESS_TOKEN), a credential and sample workflows.
'use strict';

const path = require('node:path');
const os = require('node:os');

const { createMockRudderStack } = require('../test/mock/rudderstack-mock');
const { N8n, ownerSession } = require('../test/e2e/n8n');
const { CREDENTIAL, MCP_PATH, MCP_WORKFLOW, locator, rudderStack, workflow } = require('../test/e2e/workflows');

const N8N_VERSION = process.env.N8N_VERSION ?? '2.41.0';
const PORT = Number(process.env.N8N_PORT ?? 5678);
const MOCK_PORT = Number(process.env.MOCK_RUDDERSTACK_PORT ?? 4010);

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
		mock = createMockRudderStack({ token: 'playground-token' });
		host = await mock.start(MOCK_PORT);
		token = mock.token;
	}

	const cache = process.env.N8N_RUNTIME_CACHE ?? path.join(os.homedir(), '.cache/n8n-nodes-rudderstack');
	const n8n = new N8n(N8N_VERSION, { userFolder: path.join(cache, 'playground'), port: PORT });
	n8n.installPackage();
	await n8n.importCredential({ ...CREDENTIAL, name: realToken ? 'RudderStack' : CREDENTIAL.name, type: 'rudderStackApi', data: { host, accessToken: token } });
	await n8n.importWorkflows(SAMPLES);
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
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);

	console.log(`
  n8n ${N8N_VERSION} is running with n8n-nodes-rudderstack: ${n8n.url}
  Log in as ${owner.email} / ${owner.password}

  RudderStack: ${realToken ? `the real API at ${host}` : `a mock at ${host} (connections conn_salesforce, conn_hubspot; Profiles project prof_customer360;
               any id containing "fail" fails). Set RUDDERSTACK_ACCESS_TOKEN (and RUDDERSTACK_HOST) to use your workspace`}
  Workflows:   ${SAMPLES.map((s) => s.name).join('\n               ')}
  MCP server:  ${n8n.url}/mcp/${MCP_PATH} (Streamable HTTP; tools start_sync, get_sync, list_syncs)${mcpActive ? '' : ' once activated'}

  Ctrl-C stops everything.`);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
