// Workflows the E2E suite imports into a real n8n: every resource and operation, on the happy
// and the failure path, as a user would save them in the editor.
'use strict';

const CREDENTIAL = { id: 'rsMockCredential', name: 'RudderStack (mock)' };
const DATA_PLANE_CREDENTIAL = { id: 'rsMockDataPlane', name: 'RudderStack Data Plane (mock)' };

const locator = (value) => ({ __rl: true, mode: 'id', value });

function rudderStack(name, parameters, position, extra = {}) {
	return {
		id: name.replace(/\W+/g, '-').toLowerCase(),
		name,
		type: 'n8n-nodes-rudderstack.rudderStack',
		typeVersion: 1,
		position,
		parameters,
		credentials: { rudderStackApi: CREDENTIAL },
		...extra,
	};
}

/** Manual trigger → (optional items) → the given chain of nodes, connected in order. */
function workflow(id, name, chain, items) {
	const nodes = [{ id: 'trigger', name: 'Manual Trigger', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} }];
	if (items) {
		nodes.push({
			id: 'items',
			name: 'Items',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [200, 0],
			parameters: { jsCode: `return ${JSON.stringify(items.map((json) => ({ json })))};` },
		});
	}
	nodes.push(...chain);
	const connections = {};
	for (let i = 0; i < nodes.length - 1; i++) connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	return { id, name, active: false, settings: { executionOrder: 'v1' }, nodes, connections };
}

const fast = { pollInterval: 0.2 };

const WORKFLOWS = {
	retlManyItems: workflow('e2eRetlMany', 'RETL: several items', [
		rudderStack('Sync connections', { resource: 'retl', operation: 'start', connectionId: { ...locator(''), value: '={{ $json.connection }}' }, syncType: 'incremental', options: fast }, [400, 0]),
	], [{ connection: 'conn_a' }, { connection: 'conn_b' }, { connection: 'conn_c' }]),

	retlFails: workflow('e2eRetlFails', 'RETL: a failing sync fails the workflow', [
		rudderStack('Sync', { resource: 'retl', operation: 'start', connectionId: locator('conn_fail'), options: fast }, [200, 0]),
	]),

	retlContinueOnFail: workflow('e2eRetlCof', 'RETL: Continue On Fail', [
		rudderStack('Sync', { resource: 'retl', operation: 'start', connectionId: { ...locator(''), value: '={{ $json.connection }}' }, options: fast }, [400, 0], { onError: 'continueRegularOutput' }),
	], [{ connection: 'conn_ok' }, { connection: 'conn_fail_2' }]),

	retlStartThenWait: workflow('e2eRetlLater', 'RETL: start without waiting, then get, wait, list and stop', [
		rudderStack('Start', { resource: 'retl', operation: 'start', connectionId: locator('conn_later'), waitForCompletion: false }, [200, 0]),
		rudderStack('Get', { resource: 'retl', operation: 'get', connectionId: locator('={{ $json.connectionId }}'), syncId: '={{ $json.syncId }}' }, [400, 0]),
		rudderStack('Wait', { resource: 'retl', operation: 'wait', connectionId: locator("={{ $('Start').item.json.connectionId }}"), syncId: "={{ $('Start').item.json.syncId }}", options: fast }, [600, 0]),
		rudderStack('History', { resource: 'retl', operation: 'getMany', connectionId: locator('conn_later'), returnAll: true }, [800, 0]),
		rudderStack('Stop', { resource: 'retl', operation: 'stop', connectionId: locator('conn_later') }, [1000, 0], { executeOnce: true }),
	]),

	profilesRun: workflow('e2eProfiles', 'Profiles: run with parameters', [
		rudderStack('Run project', { resource: 'profiles', operation: 'start', profileId: locator('prof_customer360'), parameters: ['--rebase_incremental'], options: fast }, [200, 0]),
	]),

	profilesFails: workflow('e2eProfilesFails', 'Profiles: finished with an error fails', [
		rudderStack('Run project', { resource: 'profiles', operation: 'start', profileId: locator('prof_fail'), options: fast }, [200, 0]),
	]),

	profilesLater: workflow('e2eProfilesLater', 'Profiles: start without waiting, then get and wait', [
		rudderStack('Start', { resource: 'profiles', operation: 'start', profileId: locator('prof_later'), waitForCompletion: false }, [200, 0]),
		rudderStack('Get', { resource: 'profiles', operation: 'get', profileId: locator('={{ $json.profileId }}'), runId: '={{ $json.runId }}' }, [400, 0]),
		rudderStack('Wait', { resource: 'profiles', operation: 'wait', profileId: locator("={{ $('Start').item.json.profileId }}"), runId: "={{ $('Start').item.json.runId }}", options: fast }, [600, 0]),
	]),

	etlFails: workflow('e2eEtlFails', 'ETL: a failing source sync fails the workflow', [
		rudderStack('Sync source', { resource: 'etl', operation: 'start', sourceId: locator('src_fail'), options: fast }, [200, 0]),
	]),

	etlRun: workflow('e2eEtl', 'ETL: start, then wait by id', [
		rudderStack('Start', { resource: 'etl', operation: 'start', sourceId: locator('src_zendesk'), waitForCompletion: false }, [200, 0]),
		rudderStack('Wait', { resource: 'etl', operation: 'wait', sourceId: locator('={{ $json.sourceId }}'), runId: '={{ $json.runId }}', options: fast }, [400, 0]),
	]),
};

const fromAI = (key, description, type = 'string') => `={{ $fromAI('${key}', \`${description}\`, '${type}') }}`;
const connectionFromAI = locator(fromAI('connectionId', 'The ID of the Reverse ETL connection, as the user gave it or as in the connection URL in the RudderStack dashboard'));

/** A RudderStack Tool node connected to the MCP Server Trigger. */
function rudderStackTool(name, parameters, position) {
	return { ...rudderStack(name, parameters, position), type: 'n8n-nodes-rudderstack.rudderStackTool' };
}

/**
 * "RudderStack tools over MCP": the MCP Server Trigger at /mcp/rudderstack with three tools an MCP
 * client (or an agent) can call: start a sync (it answers the sync ID at once), get a sync's
 * status, and list a connection's syncs. Their arguments come from $fromAI().
 */
const MCP_PATH = 'rudderstack';
const MCP_WORKFLOW = (() => {
	const tools = [
		rudderStackTool('start_sync', { resource: 'retl', operation: 'start', connectionId: connectionFromAI }, [0, 200]),
		rudderStackTool('get_sync', { resource: 'retl', operation: 'get', connectionId: connectionFromAI, syncId: fromAI('syncId', 'The ID of the sync, from the answer of start_sync or from list_syncs') }, [200, 200]),
		rudderStackTool('list_syncs', { resource: 'retl', operation: 'getMany', connectionId: connectionFromAI, limit: 20 }, [400, 200]),
	];
	const trigger = {
		id: 'mcp-trigger',
		name: 'MCP Server Trigger',
		type: '@n8n/n8n-nodes-langchain.mcpTrigger',
		typeVersion: 2,
		position: [200, 0],
		webhookId: '5f0c6a2e-4b1d-4c8e-9a7f-2d3e4f5a6b7c',
		parameters: {
			path: MCP_PATH,
			instructions:
				'RudderStack Reverse ETL tools. start_sync answers a syncId at once while the sync runs on; check it later with get_sync. Use list_syncs to find syncs of a connection and why one failed.',
		},
	};
	const connections = Object.fromEntries(tools.map((tool) => [tool.name, { ai_tool: [[{ node: trigger.name, type: 'ai_tool', index: 0 }]] }]));
	return { id: 'sampleMcpTools', name: 'RudderStack tools over MCP', active: false, settings: { executionOrder: 'v1' }, nodes: [trigger, ...tools], connections };
})();

module.exports = { WORKFLOWS, CREDENTIAL, DATA_PLANE_CREDENTIAL, MCP_WORKFLOW, MCP_PATH, workflow, rudderStack, locator };
