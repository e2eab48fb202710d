import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';

import { basicAuthOf } from '../transport/dataPlane';
import { toDataPlaneUrl } from '../transport/host';
import { redact } from '../transport/request';
import { writeKeyOf } from '../transport/token';

/**
 * Checks a data-plane write key without sending an event. rudder-server's gateway has no route
 * that only checks a write key (`/health` and `/version` take none), but every /v1 route checks
 * it before it reads the body: an unknown key answers 401 "Invalid Write Key", a disabled source
 * 404, and a known key gets as far as the body, where an empty batch is refused with 400
 * "Empty batch payload" (lower case in newer releases). So `{"batch":[]}` tells the key apart and
 * stores nothing. Any other 400 comes from something that never checked the key (a proxy, another API).
 */
export async function rudderStackDataPlaneTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	let baseURL: string;
	try {
		baseURL = toDataPlaneUrl(data.dataPlaneUrl);
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
	const writeKey = writeKeyOf(data);
	if (!writeKey) return { status: 'Error', message: 'The write key is empty' };
	const scrub = (text: string) => redact(text, writeKey, basicAuthOf(writeKey));
	let response: { statusCode: number; body: unknown };
	try {
		// A credential test gets only `request` from n8n (ICredentialTestFunctions has no httpRequest).
		// eslint-disable-next-line @n8n/community-nodes/no-deprecated-workflow-functions
		response = await this.helpers.request({
			method: 'POST',
			uri: `${baseURL}/v1/batch`,
			auth: { user: writeKey, pass: '' },
			body: '{"batch":[]}',
			headers: { 'Content-Type': 'application/json' },
			resolveWithFullResponse: true,
			simple: false,
			timeout: 15_000,
		});
	} catch (error) {
		const message = scrub(String((error as Error).message ?? error));
		return { status: 'Error', message: `The data plane could not be reached: ${message}` };
	}
	const body = String(response.body ?? '').trim();
	const text = scrub(body).slice(0, 200);
	if (response.statusCode === 401) return { status: 'Error', message: `RudderStack refused the write key (401${text ? `: ${text}` : ''})` };
	if (response.statusCode === 404) return { status: 'Error', message: `RudderStack answered 404${text ? `: ${text}` : ''}: the source is disabled, or this is not a data plane URL` };
	// A known key: the empty batch reached rudder-server's body check, or a gateway that accepts it (2xx).
	if (response.statusCode === 400 && /^empty batch payload$/i.test(body)) return { status: 'OK', message: 'Connection successful!' };
	if (response.statusCode < 300) return { status: 'OK', message: 'Connection successful!' };
	return { status: 'Error', message: `RudderStack answered ${response.statusCode}${text ? `: ${text}` : ''}` };
}
