/** The RudderStack node and credential from source, run through n8n-core's real engine (engine.js). */
import type { IDataObject, INodeExecutionData, INodeParameters, INodeType, ICredentialDataDecryptedObject } from 'n8n-workflow';

import { RudderStackApi } from '../credentials/RudderStackApi.credentials';
import { RudderStack } from '../nodes/RudderStack/RudderStack.node';
import { listSearchInEngine, runInEngine } from './engine';

export const HOST = 'https://api.rudderstack.test';
export const TOKEN = 'rs_dummy_token_4f1c9d';

const credentialType = new RudderStackApi();
export const nodeType: INodeType = new RudderStack();

export interface RunOptions {
	parameters: INodeParameters;
	items?: IDataObject[];
	credentials?: ICredentialDataDecryptedObject;
	continueOnFail?: boolean;
	signal?: AbortSignal;
	/** Run data n8n saved for this execution earlier (progress saving; read back on a re-run). */
	savedRunData?: IDataObject;
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
