import { toDataPlaneUrl } from './host';
import { type Account, type RequestContext, type RequestPolicy, requestAs } from './request';
import { writeKeyOf } from './token';

export const DATA_PLANE_CREDENTIAL = 'rudderStackDataPlaneApi';

/** The data plane of the node's `rudderStackDataPlaneApi` credential; refuses a URL that is not http(s). */
export async function dataPlaneAccount(ctx: RequestContext): Promise<Account> {
	const credentials = await ctx.getCredentials(DATA_PLANE_CREDENTIAL);
	const writeKey = writeKeyOf(credentials);
	return { credentialType: DATA_PLANE_CREDENTIAL, baseURL: toDataPlaneUrl(credentials.dataPlaneUrl), token: writeKey, sentAs: [basicAuthOf(writeKey)] };
}

/**
 * The write key as it is sent: the Basic header's credentials, base64 of `key:`. A data plane or
 * proxy that echoes the request's headers in an error would otherwise show the key, barely hidden.
 */
export function basicAuthOf(writeKey: string): string {
	return Buffer.from(`${writeKey}:`).toString('base64');
}

/**
 * One `POST /v1/batch` of serialized events, with the request layer's rules: 429 and 5xx are
 * retried with backoff and Retry-After (the body, and so every messageId, stays the same),
 * other 4xx are not, and the write key is scrubbed from every error. Answers are plain text.
 */
export async function sendBatch(ctx: RequestContext, account: Account, events: string[], policy: RequestPolicy): Promise<void> {
	await requestAs(ctx, account, { method: 'POST', path: '/v1/batch', body: batchBody(events) }, policy);
}

export const BATCH_OVERHEAD_BYTES = '{"batch":[]}'.length;

export function batchBody(events: string[]): string {
	return `{"batch":[${events.join(',')}]}`;
}
