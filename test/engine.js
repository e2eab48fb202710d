// Runs a node through n8n-core's real ExecuteContext, with a credentials helper that applies the
// credential's own `authenticate` function the way n8n's CLI does. Shared by the Jest suites
// (which pass the TypeScript sources) and the benchmark (which passes the built files). Only
// RudderStack's HTTP API is ever faked.
'use strict';

const { ExecuteContext, LoadOptionsContext } = require('n8n-core');
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

function setUp({ nodeType, credentialType, parameters, credentials, continueOnFail, savedRunData }) {
	const node = {
		id: 'node-1',
		name: 'RudderStack',
		type: 'n8n-nodes-rudderstack.rudderStack',
		typeVersion: 1,
		position: [0, 0],
		parameters,
		credentials: { [credentialType.name]: { id: 'cred-1', name: 'RudderStack account' } },
		...(continueOnFail ? { onError: 'continueRegularOutput' } : {}),
	};
	const nodeTypes = { getByName: () => nodeType, getByNameAndVersion: () => nodeType, getKnownTypes: () => ({}) };
	const workflow = new Workflow({ id: 'wf-1', nodes: [node], connections: {}, active: false, nodeTypes });
	const additionalData = {
		credentialsHelper: new FunctionCredentialsHelper(credentialType, credentials),
		executionId: 'exec-1',
		restApiUrl: '',
		instanceBaseUrl: '',
		webhookBaseUrl: '',
		webhookWaitingBaseUrl: '',
		webhookTestBaseUrl: '',
		variables: {},
		// What n8n saved of this execution, read back by id (progress saving, a re-run).
		...(savedRunData ? { getRunExecutionData: async (id) => (id === 'exec-1' ? { resultData: { runData: savedRunData } } : undefined) } : {}),
	};
	return { node, workflow, additionalData };
}

/**
 * @returns {Promise<{ items: object[], logs: string[], error?: Error }>}
 */
async function runInEngine(options) {
	const { items = [{}], signal } = options;
	const { node, workflow, additionalData } = setUp(options);
	const { nodeType } = options;
	const inputItems = items.map((json) => ({ json }));
	const inputData = { main: [inputItems] };
	const context = new ExecuteContext(workflow, node, additionalData, 'manual', { resultData: { runData: {} } }, 0, inputItems, inputData, { node, data: inputData, source: null }, [], signal);
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

module.exports = { runInEngine, listSearchInEngine, shutdownEngine };
