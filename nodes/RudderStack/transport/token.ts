import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

/**
 * The access token as it is sent, and as error texts are scrubbed of it: without the spaces or
 * line break a paste often brings, which would make the header invalid.
 */
export function accessTokenOf(credentials: ICredentialDataDecryptedObject): string {
	return typeof credentials.accessToken === 'string' ? credentials.accessToken.trim() : '';
}

/** The data plane's write key, cleaned the same way; it is sent as the Basic auth user name. */
export function writeKeyOf(credentials: ICredentialDataDecryptedObject): string {
	return typeof credentials.writeKey === 'string' ? credentials.writeKey.trim() : '';
}
