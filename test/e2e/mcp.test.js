// End-to-end: the RudderStack Tool exposed by n8n's MCP Server Trigger, used by a real MCP client
// (@modelcontextprotocol/sdk over Streamable HTTP), with no language model: list the tools, start a
// sync without waiting, get it, list syncs, and see a failing sync answered with RudderStack's reason.
'use strict';

const assert = require('node:assert/strict');
const { after, before, describe, it } = require('node:test');

const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');

const { createMockRudderStack } = require('../mock/rudderstack-mock');
const { N8n, ownerSession, PORT_BASE } = require('./n8n');
const { CREDENTIAL, MCP_PATH, MCP_WORKFLOW } = require('./workflows');

// The MCP Server Trigger's Streamable HTTP endpoint (version 2) is from the n8n line we test on 2.41.
const VERSION = '2.41.0';
const SELECTED = (process.env.N8N_VERSIONS ?? VERSION).split(',').includes(VERSION);
const TOKEN = 'e2e-mcp-access-token';
// Long enough that the first get_sync (a tool call is a new execution, a few hundred ms) still sees it running.
const RUN_MS = 3000;

describe(`RudderStack tools over MCP in n8n ${VERSION}`, { skip: !SELECTED && `N8N_VERSIONS does not include ${VERSION}` }, () => {
	const mock = createMockRudderStack({ token: TOKEN, runMs: RUN_MS });
	let n8n;
	let client;
	const startedAt = Date.now();

	before(async () => {
		await mock.start();
		n8n = new N8n(VERSION, { port: PORT_BASE + 50 });
		n8n.installPackage();
		await n8n.importCredential({ ...CREDENTIAL, type: 'rudderStackApi', data: { host: mock.url, accessToken: TOKEN } });
		await n8n.importWorkflows([MCP_WORKFLOW]);
		await n8n.start();
		await n8n.activate(await ownerSession(n8n.url), MCP_WORKFLOW.id);
		client = new Client({ name: 'rudderstack-e2e', version: '1.0.0' });
		// Activation takes a moment to register the endpoint: connect until it answers.
		const deadline = Date.now() + 20_000;
		for (;;) {
			try {
				await client.connect(new StreamableHTTPClientTransport(new URL(`${n8n.url}/mcp/${MCP_PATH}`)));
				break;
			} catch (error) {
				if (Date.now() > deadline) throw error;
				await new Promise((resolve) => setTimeout(resolve, 500));
			}
		}
	});
	after(async () => {
		await client?.close();
		await n8n?.stop();
		await mock.stop();
		console.log(`mcp e2e: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
	});

	/** Calls a tool; returns the parsed answer (n8n hands back the step's items as one JSON text). */
	const call = async (name, args) => {
		const result = await client.callTool({ name, arguments: args });
		assert.equal(result.isError ?? false, false, JSON.stringify(result));
		assert.equal(result.content.length, 1);
		return JSON.parse(result.content[0].text);
	};
	/** Until the mock's last sync of the connection has ended. */
	const ended = (connectionId) => new Promise((resolve) => setTimeout(resolve, Math.max(0, mock.runs.get(connectionId).at(-1).startedAt + RUN_MS + 100 - Date.now())));

	it('lists the tools with what they do, the ids they need, and their $fromAI() input schemas', async () => {
		const { tools } = await client.listTools();
		const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
		assert.deepEqual(Object.keys(byName).sort(), ['get_sync', 'list_syncs', 'start_sync']);
		assert.match(byName.start_sync.description, /needs connectionId.*Answers at once with the new syncId/s);
		assert.match(byName.get_sync.description, /Needs connectionId and syncId.*Get Many/s);
		assert.match(byName.list_syncs.description, /List the syncs of one Reverse ETL connection/);
		assert.deepEqual(byName.get_sync.inputSchema.required.sort(), ['connectionId', 'syncId']);
		assert.equal(byName.get_sync.inputSchema.properties.syncId.type, 'string');
		assert.match(byName.get_sync.inputSchema.properties.syncId.description, /from the answer of start_sync or from list_syncs/);
		assert.deepEqual(byName.start_sync.inputSchema.required, ['connectionId']);
	});

	it('start_sync answers the sync id at once; get_sync and list_syncs follow it to its end', async () => {
		const before = Date.now();
		const [started] = await call('start_sync', { connectionId: 'conn_mcp' });
		assert.ok(Date.now() - before < RUN_MS, 'start_sync waited for the sync');
		assert.match(started.syncId, /^sync_\d+$/);
		assert.deepEqual(started, { connectionId: 'conn_mcp', syncId: started.syncId, status: 'running', hint: started.hint });
		assert.match(started.hint, /Get \(or Wait\)/);
		assert.equal(mock.requests.filter((r) => r.path.startsWith('/v2/retl-connections/conn_mcp/syncs/')).length, 0, 'start_sync polled');

		const [running] = await call('get_sync', { connectionId: 'conn_mcp', syncId: started.syncId });
		assert.equal(running.status, 'running');

		await ended('conn_mcp');
		const [done] = await call('get_sync', { connectionId: 'conn_mcp', syncId: started.syncId });
		assert.deepEqual(Object.keys(done).sort(), ['connectionId', 'error', 'finishedAt', 'metrics', 'startedAt', 'status', 'syncId']);
		assert.deepEqual([done.status, done.error, done.metrics.failed.total], ['succeeded', null, 0]);

		const listed = await call('list_syncs', { connectionId: 'conn_mcp' });
		assert.deepEqual(listed.map((sync) => [sync.syncId, sync.status]), [[started.syncId, 'succeeded']]);
		assert.equal(listed[0].id, undefined, 'the answer repeats the raw sync');
	});

	it('a failing sync is answered with RudderStack\'s reason, and so is an unknown sync', async () => {
		const [started] = await call('start_sync', { connectionId: 'conn_fail_mcp' });
		assert.equal(started.status, 'running');
		await ended('conn_fail_mcp');
		const [failed] = await call('get_sync', { connectionId: 'conn_fail_mcp', syncId: started.syncId });
		assert.deepEqual([failed.status, failed.error], ['failed', 'Destination connection failed']);

		const [unknown] = await call('get_sync', { connectionId: 'conn_fail_mcp', syncId: 'sync_nope' });
		assert.deepEqual(unknown, { connectionId: 'conn_fail_mcp', syncId: 'sync_nope', error: 'RudderStack answered 404: unknown sync sync_nope' });
	});

	it('never shows the access token to the client', async () => {
		const answers = await Promise.all([call('list_syncs', { connectionId: 'conn_mcp' }), client.listTools()]);
		assert.ok(!JSON.stringify(answers).includes(TOKEN));
	});
});
