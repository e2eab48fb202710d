import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';

import { apiReason } from './failure';
import { toBaseUrl } from './host';
import { accessTokenOf } from './token';
import { USER_AGENT } from './userAgent';

/** RudderStack's own control planes; a token works only on the one of its region. */
const REGIONS = [
	{ name: 'US', host: 'https://api.rudderstack.com' },
	{ name: 'EU', host: 'https://api.eu.rudderstack.com' },
];

const CHECK_TIMEOUT_MS = 30_000;

interface FullResponse {
	statusCode: number;
	body: unknown;
}

function regionHint(baseURL: string): string {
	const region = REGIONS.find((candidate) => candidate.host === baseURL.toLowerCase());
	if (!region) return '';
	const other = REGIONS.find((candidate) => candidate !== region)!;
	return ` It may also belong to the other region: this credential uses the ${region.name} host, and a token of an ${other.name} workspace works only on ${other.host}.`;
}

/**
 * The credential test. `GET /v2/workspace` is what RudderStack's own CLI checks a token with:
 * every valid token may read it, whatever it is scoped to (a token for Reverse ETL only may be
 * refused `/v2/sources`). A refusal says what it means, with RudderStack's own words.
 */
export async function checkAccessToken(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	const token = accessTokenOf(data);
	const scrub = (text: string) => (token.length >= 4 ? text.split(token).join('***') : text);
	let baseURL: string;
	try {
		baseURL = toBaseUrl(data.host);
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
	if (!token) return { status: 'Error', message: 'The Access Token is empty' };
	let response: FullResponse;
	try {
		// A credential test gets only `request` from n8n (ICredentialTestFunctions has no httpRequest).
		// eslint-disable-next-line @n8n/community-nodes/no-deprecated-workflow-functions
		response = (await this.helpers.request({
			method: 'GET',
			uri: `${baseURL}/v2/workspace`,
			headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', 'User-Agent': USER_AGENT },
			json: true,
			simple: false,
			resolveWithFullResponse: true,
			followRedirect: false,
			timeout: CHECK_TIMEOUT_MS,
		})) as FullResponse;
	} catch (error) {
		const { message = 'no response', code } = error as { message?: string; code?: string };
		return { status: 'Error', message: scrub(`Could not reach RudderStack at ${baseURL}: ${message}${code && !message.includes(code) ? ` (${code})` : ''}`) };
	}
	const { statusCode, body } = response;
	const reason = scrub(apiReason(body) ?? `HTTP ${statusCode}`);
	if (statusCode >= 200 && statusCode < 300) return { status: 'OK', message: 'Connection successful!' };
	if (statusCode === 401) {
		return { status: 'Error', message: `RudderStack refused the access token (401: ${reason}): it is invalid or has expired.${regionHint(baseURL)}` };
	}
	if (statusCode === 403) {
		return {
			status: 'Error',
			message: `The access token is valid, but it lacks a permission RudderStack asks for to read the workspace (403: ${reason}). Give the token that permission in RudderStack's access token settings.`,
		};
	}
	if (statusCode === 404) {
		return { status: 'Error', message: `No RudderStack API answered GET /v2/workspace at ${baseURL} (404: ${reason}): check the Host` };
	}
	return { status: 'Error', message: `RudderStack answered ${statusCode} to GET /v2/workspace: ${reason}` };
}
