import type {
	ICredentialDataDecryptedObject,
	Icon,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { accessTokenOf } from '../nodes/RudderStack/transport/token';

export class RudderStackApi implements ICredentialType {
	name = 'rudderStackApi';

	displayName = 'RudderStack API';

	icon: Icon = { light: 'file:../icons/rudderstack.svg', dark: 'file:../icons/rudderstack.dark.svg' };

	documentationUrl = 'https://www.rudderstack.com/docs/dashboard-guides/service-access-tokens/';

	properties: INodeProperties[] = [
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: 'https://api.rudderstack.com',
			placeholder: 'https://api.rudderstack.com',
			required: true,
			description:
				'Control-plane URL: https://api.rudderstack.com (US) or https://api.eu.rudderstack.com (EU), or your proxy. A US token does not work on the EU host.',
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'A workspace Service Access Token (recommended) or a Personal Access Token, from Settings → Workspace → Access Tokens in RudderStack',
		},
	];

	// A function rather than the generic `=Bearer {{$credentials.accessToken}}`: n8n would evaluate
	// that expression (a sandbox, a clock in the workflow's time zone) on every request, and a
	// step polling many runs sends many.
	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		return { ...requestOptions, headers: { ...requestOptions.headers, Authorization: `Bearer ${accessTokenOf(credentials)}` } };
	}

	// The test is the node's (`testedBy`, transport/credentialCheck.ts): it has to read RudderStack's
	// answer to say why a token was refused, which a declarative test cannot.
}
