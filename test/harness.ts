/**
 * Runs the RudderStack node through n8n-core's real ExecuteContext, with a credentials helper
 * that applies the credential's own `authenticate` the way n8n's CLI does. Only RudderStack's
 * HTTP API is faked (with nock, in the tests).
 */
import { ExecuteContext } from 'n8n-core';
import type {
	IAuthenticateGeneric,
	ICredentialDataDecryptedObject,
	IDataObject,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	IWorkflowExecuteAdditionalData,
	Workflow as WorkflowType,
} from 'n8n-workflow';
import { ICredentialsHelper, isExpression, Workflow } from 'n8n-workflow';

import { RudderStackApi } from '../credentials/RudderStackApi.credentials';
import { RudderStack } from '../nodes/RudderStack/RudderStack.node';

export const HOST = 'https://api.rudderstack.test';
export const TOKEN = 'rs_dummy_token_4f1c9d';

const credentialType = new RudderStackApi();
export const nodeType: INodeType = new RudderStack();

class RudderStackCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly data: ICredentialDataDecryptedObject) {
		super();
	}

	getParentTypes() {
		return [];
	}

	async authenticate(credentials: ICredentialDataDecryptedObject, _typeName: string, requestOptions: IHttpRequestOptions, workflow: WorkflowType, node: INode) {
		const { properties } = credentialType.authenticate as IAuthenticateGeneric;
		const resolve = (value: string) =>
			isExpression(value) ? workflow.expression.getSimpleParameterValue(node, value, 'internal', { $credentials: credentials }, undefined, '') : value;
		for (const [location, values] of Object.entries(properties)) {
			const target = ((requestOptions as unknown as IDataObject)[location] ??= {}) as IDataObject;
			for (const [key, value] of Object.entries(values as IDataObject)) target[String(resolve(key))] = resolve(String(value)) as string;
		}
		return requestOptions;
	}

	async preAuthentication() {
		return undefined;
	}

	async getCredentials(): Promise<never> {
		throw new Error('not used by the node');
	}

	async getDecrypted() {
		return { ...this.data };
	}

	async updateCredentials() {}

	async updateCredentialsOauthTokenData() {}

	getCredentialsProperties() {
		return credentialType.properties;
	}
}

export interface RunOptions {
	parameters: INodeParameters;
	items?: IDataObject[];
	credentials?: ICredentialDataDecryptedObject;
	continueOnFail?: boolean;
	signal?: AbortSignal;
}

export interface RunResult {
	items: INodeExecutionData[];
	logs: string[];
	error?: Error;
}

/** The parameters as a saved workflow would hold them for the given resource and operation. */
export function params(resource: string, operation: string, rest: IDataObject = {}): INodeParameters {
	const locator = (value: unknown) => (typeof value === 'string' ? { __rl: true, mode: 'id', value } : value);
	const out: IDataObject = { resource, operation, ...rest };
	for (const field of ['connectionId', 'profileId', 'sourceId']) if (field in out) out[field] = locator(out[field]) as IDataObject;
	return out as INodeParameters;
}

export async function runNodeWithLogs(options: RunOptions): Promise<RunResult> {
	const node: INode = {
		id: 'node-1',
		name: 'RudderStack',
		type: 'n8n-nodes-rudderstack.rudderStack',
		typeVersion: 1,
		position: [0, 0],
		parameters: options.parameters,
		credentials: { rudderStackApi: { id: 'cred-1', name: 'RudderStack account' } },
		...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
	};
	const nodeTypes = {
		getByName: () => nodeType,
		getByNameAndVersion: () => nodeType,
		getKnownTypes: () => ({}),
	};
	const workflow = new Workflow({ id: 'wf-1', nodes: [node], connections: {}, active: false, nodeTypes });
	const additionalData = {
		credentialsHelper: new RudderStackCredentialsHelper(options.credentials ?? { host: HOST, accessToken: TOKEN }),
		executionId: 'exec-1',
		restApiUrl: '',
		instanceBaseUrl: '',
		webhookBaseUrl: '',
		webhookWaitingBaseUrl: '',
		webhookTestBaseUrl: '',
		variables: {},
	} as unknown as IWorkflowExecuteAdditionalData;
	const inputItems = (options.items ?? [{}]).map((json) => ({ json }));
	const inputData = { main: [inputItems] };
	const runExecutionData = { resultData: { runData: {} } } as never;
	const context = new ExecuteContext(
		workflow,
		node,
		additionalData,
		'manual',
		runExecutionData,
		0,
		inputItems,
		inputData,
		{ node, data: inputData, source: null },
		[],
		options.signal,
	);
	const logs: string[] = [];
	for (const level of ['debug', 'info', 'warn', 'error'] as const) {
		jest.spyOn(context.logger, level).mockImplementation((message: string, meta?: object) => {
			logs.push(`${level}: ${message} ${meta ? JSON.stringify(meta) : ''}`);
		});
	}
	try {
		const output = await nodeType.execute!.call(context);
		return { items: (output as INodeExecutionData[][])[0], logs };
	} catch (error) {
		return { items: [], logs, error: error as Error };
	}
}

export async function runNode(options: RunOptions): Promise<INodeExecutionData[]> {
	const { items, error } = await runNodeWithLogs(options);
	if (error) throw error;
	return items;
}

/** Runs the node and returns the error it failed with; fails the test if it did not fail. */
export async function runNodeError(options: RunOptions): Promise<Error & { description?: string; httpCode?: string; context?: IDataObject }> {
	const { error } = await runNodeWithLogs(options);
	if (!error) throw new Error('expected the node to fail, but it succeeded');
	return error;
}

export const jsonOf = (items: INodeExecutionData[]) => items.map((item) => item.json);

/** Fast settings so that tests never sleep for real seconds. */
export const FAST = { pollInterval: 0.01, retryDelay: 0.01 };
