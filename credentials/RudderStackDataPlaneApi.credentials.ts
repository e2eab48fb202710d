import type { ICredentialDataDecryptedObject, Icon, ICredentialType, IHttpRequestOptions, INodeProperties } from 'n8n-workflow';

import { writeKeyOf } from '../nodes/RudderStack/transport/token';

/**
 * A source's write key on a workspace's data plane, for the Event resource. The credential test
 * is the node's `rudderStackDataPlaneTest` (methods/credentialTest.ts): the gateway has no route
 * that only checks a write key, and the test must not send anything that lands in the user's data.
 */
export class RudderStackDataPlaneApi implements ICredentialType {
	name = 'rudderStackDataPlaneApi';

	// The public contract names it so (saved credentials do not store it, users read it).
	// eslint-disable-next-line n8n-nodes-base/cred-class-field-display-name-missing-api
	displayName = 'RudderStack Data Plane';

	icon: Icon = { light: 'file:../icons/rudderstack.svg', dark: 'file:../icons/rudderstack.dark.svg' };

	documentationUrl = 'https://www.rudderstack.com/docs/api/http-api/';

	properties: INodeProperties[] = [
		{
			displayName: 'Data Plane URL',
			name: 'dataPlaneUrl',
			type: 'string',
			default: '',
			placeholder: 'https://yourdataplane.dataplane.rudderstack.com',
			required: true,
			description: 'Your workspace\'s data plane URL, shown at the top of the Connections page in the RudderStack dashboard',
		},
		// The write key is the source's secret: whoever has it can send events as that source.
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Write Key',
			name: 'writeKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The write key of the source the events belong to (for example an HTTP source), from the source\'s Setup tab',
		},
	];

	// HTTP Basic with the write key as user name and an empty password, as RudderStack documents.
	// A function, like the control-plane credential, so that no expression is evaluated per request.
	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		return { ...requestOptions, auth: { username: writeKeyOf(credentials), password: '' } };
	}
}
