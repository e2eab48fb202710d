// Runs a node through n8n-core's real ExecuteContext, with a credentials helper that applies the
// credential's own `authenticate` function the way n8n's CLI does. Shared by the Jest suites
// (which pass the TypeScript sources) and the benchmark (which passes the built files). Only
// RudderStack's HTTP API is ever faked.
'use strict';

const { ExecuteContext, LoadOptionsContext, PollContext } = require('n8n-core');
const { ICredentialsHelper, Workflow } = require('n8n-workflow');

class FunctionCredentialsHelper extends ICredentialsHelper {
	constructor(credentialType, data) {
		super();
		this.credentialType = credentialType;
		this.data = data;
	}

	getParentTypes() {
		return [];
	}

	// n8n calls a function-form `authenticate` as is; ours is one (see the credential for why).
	async authenticate(credentials, _typeName, requestOptions) {
		return await this.credentialType.authenticate(credentials, requestOptions);
	}

	async preAuthentication() {
		return undefined;
	}

	async getCredentials() {
		throw new Error('not used by the node');
	}

	async getDecrypted() {
		return { ...this.data };
	}

	async updateCredentials() {}

	async updateCredentialsOauthTokenData() {}

	getCredentialsProperties() {
		return this.credentialType.properties;
	}
}

function setUp({ nodeType, credentialType, parameters, credentials, continueOnFail, staticData, savedExecution, executionId = 'exec-1', tool = false, settings }) {
	// The node's name as the editor gives it: its display name (a tool keeps the plain node's).
	const name = nodeType.description.displayName;
	if (tool) nodeType = asTool(nodeType);
	const node = {
		id: 'node-1',
		name,
		type: `n8n-nodes-rudderstack.${nodeType.description.name}`,
		typeVersion: 1,
		position: [0, 0],
		parameters,
		credentials: { [credentialType.name]: { id: 'cred-1', name: 'RudderStack account' } },
		...(continueOnFail ? { onError: 'continueRegularOutput' } : {}),
	};
	const nodeTypes = { getByName: () => nodeType, getByNameAndVersion: () => nodeType, getKnownTypes: () => ({}) };
	const workflow = new Workflow({ id: 'wf-1', nodes: [node], connections: {}, active: false, nodeTypes, staticData, settings });
	const additionalData = {
		credentialsHelper: new FunctionCredentialsHelper(credentialType, credentials),
		executionId,
		restApiUrl: '',
		instanceBaseUrl: '',
		webhookBaseUrl: '',
		webhookWaitingBaseUrl: '',
		webhookTestBaseUrl: '',
		variables: {},
		// What n8n saved of this execution, read back by id (progress saving, a re-run).
		...(savedExecution ? { getRunExecutionData: async (id) => (id === executionId ? savedExecution : undefined) } : {}),
	};
	return { node, workflow, additionalData, nodeType };
}

/**
 * @returns {Promise<{ items: object[], logs: string[], error?: Error }>}
 */
async function runInEngine(options) {
	const { items = [{}], signal, runIndex = 0, mode = 'manual' } = options;
	const { node, workflow, additionalData, nodeType } = setUp(options);
	const inputItems = items.map((json) => ({ json }));
	const inputData = { main: [inputItems] };
	const context = new ExecuteContext(workflow, node, additionalData, mode, { resultData: { runData: {} } }, runIndex, inputItems, inputData, { node, data: inputData, source: null }, [], signal);
	const logs = [];
	const record = (level) => (message, meta) => logs.push(`${level}: ${message} ${meta ? JSON.stringify(meta) : ''}`);
	// A logger of this context only, so that what the node logs can be inspected.
	Object.defineProperty(context, 'logger', { value: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') } });
	try {
		const output = await nodeType.execute.call(context);
		return { items: output[0], logs };
	} catch (error) {
		return { items: [], logs, error };
	}
}

/** The node as n8n's loader offers it to agents: `<name>Tool`, no main input, an `ai_tool` output. */
function asTool(nodeType) {
	const description = { ...nodeType.description, name: `${nodeType.description.name}Tool`, displayName: `${nodeType.description.displayName} Tool`, inputs: [], outputs: ['ai_tool'] };
	delete description.usableAsTool;
	return Object.assign(Object.create(nodeType), { description });
}

// What calls a tool: an agent or the MCP Server Trigger, here only its `ai_tool` input.
const toolCaller = {
	description: { name: 'toolCaller', displayName: 'Tool Caller', group: ['transform'], version: 1, defaults: { name: 'Tool Caller' }, inputs: [{ type: 'ai_tool', displayName: 'Tools' }], outputs: [], properties: [] },
};

/**
 * Connects the node as a tool to a caller and returns the tool n8n-core builds for it (its name,
 * description and $fromAI() schema); `tool.invoke(args)` runs the node the way an agent's call does.
 * @returns {Promise<import('@langchain/core/tools').DynamicStructuredTool>}
 */
async function toolInEngine(options) {
	const { nodeType, credentialType, parameters, signal } = options;
	const tool = asTool(nodeType);
	const node = {
		id: 'node-1',
		name: options.name ?? 'RudderStack',
		type: 'n8n-nodes-rudderstack.rudderStackTool',
		typeVersion: 1,
		position: [0, 0],
		parameters,
		credentials: { [credentialType.name]: { id: 'cred-1', name: 'RudderStack account' } },
	};
	const caller = { id: 'caller-1', name: 'Caller', type: 'test.toolCaller', typeVersion: 1, position: [200, 0], parameters: {} };
	const types = { [node.type]: tool, [caller.type]: toolCaller };
	const nodeTypes = { getByName: (type) => types[type], getByNameAndVersion: (type) => types[type], getKnownTypes: () => ({}) };
	const workflow = new Workflow({
		id: 'wf-1',
		nodes: [node, caller],
		connections: { [node.name]: { ai_tool: [[{ node: caller.name, type: 'ai_tool', index: 0 }]] } },
		active: false,
		nodeTypes,
	});
	const { additionalData } = setUp({ ...options, parameters });
	additionalData.currentNodeExecutionIndex = 0;
	const inputItems = [{ json: {} }];
	const inputData = { main: [inputItems] };
	const runExecutionData = { resultData: { runData: {} } };
	const context = new ExecuteContext(workflow, caller, additionalData, 'manual', runExecutionData, 0, inputItems, inputData, { node: caller, data: inputData, source: null }, [], signal);
	const [connected] = await context.getInputConnectionData('ai_tool', 0);
	return connected;
}

/**
 * n8n-core's SSH client cache starts a cleanup interval the first time an execution context is
 * built; n8n stops it on shutdown, and so do we, so that the process can exit on its own.
 * n8n-core may carry its own copy of @n8n/di, so the container is resolved from n8n-core's side.
 */
function shutdownEngine() {
	const coreDir = require('node:path').dirname(require.resolve('n8n-core'));
	const { Container } = require(require.resolve('@n8n/di', { paths: [coreDir] }));
	const { SSHClientsManager } = require(require.resolve('n8n-core/dist/execution-engine/ssh-clients-manager'));
	if (Container.has(SSHClientsManager)) Container.get(SSHClientsManager).onShutdown();
}

/** Calls one of the node's listSearch methods the way the editor does, through LoadOptionsContext. */
async function listSearchInEngine(options, method, filter, paginationToken) {
	const { node, workflow, additionalData } = setUp({ ...options, parameters: options.parameters ?? {} });
	const context = new LoadOptionsContext(workflow, node, additionalData, 'parameters.connectionId');
	return await options.nodeType.methods.listSearch[method].call(context, filter, paginationToken);
}

/**
 * One poll of a polling trigger through n8n-core's PollContext, as n8n's ActiveWorkflows runs it.
 * `staticData` is the workflow's static data as n8n would load it (a copy is used); the result
 * carries the static data after the poll as n8n would save it, and whether the poll changed it.
 * @returns {Promise<{ output: object[][] | null, staticData: object, changed: boolean, logs: string[], error?: Error }>}
 */
async function pollInEngine(options) {
	const { mode = 'trigger' } = options;
	// As n8n-core's WorkflowExecute.executePollNode (manual) and ActiveWorkflows (activation) build it.
	const activation = options.activation ?? (mode === 'manual' ? 'manual' : 'activate');
	const staticData = JSON.parse(JSON.stringify(options.staticData ?? {}));
	const { node, workflow, additionalData } = setUp({ ...options, staticData });
	const context = new PollContext(workflow, node, additionalData, mode, activation);
	const logs = [];
	const record = (level) => (message) => logs.push(`${level}: ${message}`);
	Object.defineProperty(context, 'logger', { value: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') } });
	const saved = () => JSON.parse(JSON.stringify(workflow.staticData));
	try {
		const output = await options.nodeType.poll.call(context);
		return { output, staticData: saved(), changed: workflow.staticData.__dataChanged === true, logs };
	} catch (error) {
		return { output: null, staticData: saved(), changed: workflow.staticData.__dataChanged === true, logs, error };
	}
}

module.exports = { runInEngine, listSearchInEngine, pollInEngine, toolInEngine, shutdownEngine };
