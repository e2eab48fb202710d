import type { INodeListSearchResult, ICredentialDataDecryptedObject, ICredentialType, IDataObject, INodeExecutionData, INodeParameters, INodeType } from 'n8n-workflow';

export declare function runInEngine(options: {
	nodeType: INodeType;
	credentialType: ICredentialType;
	parameters: INodeParameters;
	items?: IDataObject[];
	credentials: ICredentialDataDecryptedObject;
	continueOnFail?: boolean;
	signal?: AbortSignal;
	savedRunData?: IDataObject;
}): Promise<{ items: INodeExecutionData[]; logs: string[]; error?: Error }>;

export declare function listSearchInEngine(
	options: { nodeType: INodeType; credentialType: ICredentialType; credentials: ICredentialDataDecryptedObject },
	method: string,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult>;
