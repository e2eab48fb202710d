import type { INodeListSearchResult, ICredentialDataDecryptedObject, ICredentialType, IDataObject, INodeExecutionData, INodeParameters, INodeType } from 'n8n-workflow';

export declare function runInEngine(options: {
	nodeType: INodeType;
	credentialType: ICredentialType;
	parameters: INodeParameters;
	items?: IDataObject[];
	credentials: ICredentialDataDecryptedObject;
	continueOnFail?: boolean;
	signal?: AbortSignal;
	/** Run the `<name>Tool` type through a plain ExecuteContext, as n8n 2.x's agent runs a tool it asked the engine for. */
	tool?: boolean;
	savedExecution?: object;
	executionId?: string;
	mode?: string;
	/** Which run of the node in the execution this is (a loop runs it again with 1, 2, ...). */
	runIndex?: number;
	/** The workflow's settings, such as n8n's binaryMode. */
	settings?: IDataObject;
}): Promise<{ items: INodeExecutionData[]; logs: string[]; error?: Error }>;

export declare function listSearchInEngine(
	options: { nodeType: INodeType; credentialType: ICredentialType; credentials: ICredentialDataDecryptedObject },
	method: string,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult>;

export declare function pollInEngine(options: {
	nodeType: INodeType;
	credentialType: ICredentialType;
	parameters: INodeParameters;
	credentials: ICredentialDataDecryptedObject;
	staticData?: IDataObject;
	mode?: 'trigger' | 'manual';
	activation?: 'activate' | 'init' | 'update' | 'manual' | 'leadershipChange';
}): Promise<{ output: INodeExecutionData[][] | null; staticData: IDataObject; changed: boolean; logs: string[]; error?: Error }>;

export declare function toolInEngine(options: {
	nodeType: INodeType;
	credentialType: ICredentialType;
	parameters: INodeParameters;
	credentials: ICredentialDataDecryptedObject;
	name?: string;
	signal?: AbortSignal;
}): Promise<{ name: string; description: string; schema: unknown; invoke(args: IDataObject): Promise<string> }>;
