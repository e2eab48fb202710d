/** The RudderStack node and credential from source, run through n8n-core's real engine (engine.js). */
import type { IDataObject, INodeExecutionData, INodeParameters, INodeType, ICredentialDataDecryptedObject } from 'n8n-workflow';

import { RudderStackApi } from '../credentials/RudderStackApi.credentials';
import { RudderStackDataPlaneApi } from '../credentials/RudderStackDataPlaneApi.credentials';
import { RudderStack } from '../nodes/RudderStack/RudderStack.node';
import { RudderStackTrigger } from '../nodes/RudderStackTrigger/RudderStackTrigger.node';
import { listSearchInEngine, pollInEngine, runInEngine, toolInEngine } from './engine';

export const HOST = 'https://api.rudderstack.test';
export const TOKEN = 'rs_dummy_token_4f1c9d';

const credentialType = new RudderStackApi();
export const nodeType: INodeType = new RudderStack();
export const triggerType: INodeType = new RudderStackTrigger();

export interface RunOptions {
	parameters: INodeParameters;
	items?: IDataObject[];
	credentials?: ICredentialDataDecryptedObject;
	continueOnFail?: boolean;
	signal?: AbortSignal;
	tool?: boolean;
	/** What n8n saved of this execution (progress saving), read back by its id. */
	savedExecution?: object;
	/** The execution's id (default exec-1) and mode (default manual). */
	executionId?: string;
	mode?: 'manual' | 'webhook' | 'trigger' | 'retry';
	/** Which run of the node in the execution this is (a loop runs it again with 1, 2, ...). */
	runIndex?: number;
	/** The workflow's settings, such as n8n's binaryMode. */
	settings?: IDataObject;
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
	return await runInEngine({ ...options, nodeType, credentialType, credentials: options.credentials ?? { host: HOST, accessToken: TOKEN } });
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

export async function listSearch(method: string, filter?: string, paginationToken?: string) {
	return await listSearchInEngine({ nodeType, credentialType, credentials: { host: HOST, accessToken: TOKEN } }, method, filter, paginationToken);
}

/** One poll of the trigger through n8n-core's PollContext; `staticData` as n8n loaded it. */
export async function pollTrigger(options: { parameters: INodeParameters; credentials: ICredentialDataDecryptedObject; staticData?: IDataObject; mode?: 'trigger' | 'manual' }) {
	return await pollInEngine({ ...options, nodeType: triggerType, credentialType });
}

const dataPlaneCredentialType = new RudderStackDataPlaneApi();
export const WRITE_KEY = 'wk_dummy_write_key_7e2b';

/** The Event resource: the node with the data-plane credential, as a workflow would hold it. */
export async function runEvents(options: RunOptions & { dataPlaneUrl?: string; writeKey?: string }): Promise<RunResult> {
	const credentials = options.credentials ?? { dataPlaneUrl: options.dataPlaneUrl ?? '', writeKey: options.writeKey ?? WRITE_KEY };
	return await runInEngine({ ...options, nodeType, credentialType: dataPlaneCredentialType, credentials });
}

/** The node as an agent's tool, built by n8n-core from these parameters (with their $fromAI() placeholders). */
export async function asTool(parameters: INodeParameters, signal?: AbortSignal) {
	return await toolInEngine({ nodeType, credentialType, parameters, credentials: { host: HOST, accessToken: TOKEN }, signal });
}

/** Calls the tool as an agent would and returns its answer, parsed from the JSON text n8n hands back. */
export async function callTool(parameters: INodeParameters, args: IDataObject = {}): Promise<IDataObject[]> {
	const tool = await asTool(parameters);
	return JSON.parse(await tool.invoke(args)) as IDataObject[];
}
