import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { settle } from '../run/errors';
import { CancelledError, pause, throwIfCancelled, unlessCancelled } from '../run/pause';
import { describeFailure, type AttemptFailure } from './failure';
import { toBaseUrl } from './host';
import type { RequestPacer } from './pacer';
import { USER_AGENT } from './userAgent';

export type RequestContext = IExecuteFunctions | ILoadOptionsFunctions;

export interface ApiRequest {
	method: IHttpRequestMethods;
	/** Path with ids already encoded, e.g. /v2/retl-connections/abc/start. */
	path: string;
	body?: IDataObject;
	qs?: IDataObject;
}

export interface RequestPolicy {
	timeoutMs: number;
	maxRetries: number;
	retryDelayMs: number;
	signal?: AbortSignal;
	pacer?: RequestPacer;
}

export const DEFAULT_REQUEST_POLICY: RequestPolicy = { timeoutMs: 30_000, maxRetries: 3, retryDelayMs: 1_000 };

const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** The error every failed RudderStack request ends in: an n8n NodeApiError with what happened. */
export class RudderStackApiError extends NodeApiError {
	readonly status?: number;

	/** An earlier attempt of this request failed in a way that may have reached RudderStack. */
	readonly afterAmbiguousAttempt: boolean;

	constructor(ctx: RequestContext, request: ApiRequest, failure: AttemptFailure, attempts: number, afterAmbiguousAttempt: boolean) {
		const where = `${request.method} ${request.path}`;
		const what = failure.status ? `RudderStack answered ${failure.status}: ${failure.reason}` : `RudderStack could not be reached: ${failure.reason}`;
		// Only the sanitized facts go in: the HTTP client's own error carries the request headers.
		const response: JsonObject = { message: what, httpCode: failure.status ? String(failure.status) : null };
		super(ctx.getNode(), response, {
			message: what,
			description: `${where} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}. ${failure.reason}`,
			httpCode: failure.status ? String(failure.status) : undefined,
		});
		this.status = failure.status;
		this.afterAmbiguousAttempt = afterAmbiguousAttempt;
	}
}

const baseUrls = new WeakMap<object, Promise<string>>();

async function baseUrlOf(ctx: RequestContext): Promise<string> {
	let url = baseUrls.get(ctx);
	if (!url) {
		url = ctx.getCredentials('rudderStackApi').then((credentials) => toBaseUrl(credentials.host));
		baseUrls.set(ctx, url);
	}
	return await url;
}

export function backoffMs(retryDelayMs: number, retryNumber: number): number {
	const exponential = retryDelayMs * 2 ** retryNumber;
	return Math.round(exponential * (1 + Math.random() * 0.25));
}

/**
 * The only place that talks HTTP. Retries transient failures (network, timeout, 429, 5xx) with
 * exponential backoff and Retry-After; never retries other 4xx. The final error keeps the status
 * and RudderStack's own message.
 */
export async function rudderStackRequest<T = unknown>(
	ctx: RequestContext,
	request: ApiRequest,
	policy: RequestPolicy = DEFAULT_REQUEST_POLICY,
): Promise<T> {
	const baseURL = await baseUrlOf(ctx);
	const options: IHttpRequestOptions = {
		method: request.method,
		baseURL,
		url: request.path,
		qs: request.qs,
		// Serialized here because n8n drops an empty object body, and RETL start/stop expect `{}`.
		body: request.body === undefined ? undefined : JSON.stringify(request.body),
		json: true,
		timeout: policy.timeoutMs,
		headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': USER_AGENT },
		// The token must never follow a redirect to another host.
		sendCredentialsOnCrossOriginRedirect: false,
	};
	let afterAmbiguousAttempt = false;
	for (let attempt = 0; ; attempt++) {
		throwIfCancelled(policy.signal);
		await policy.pacer?.waitForTurn(policy.signal);
		const sent = ctx.helpers.httpRequestWithAuthentication.call(ctx, 'rudderStackApi', { ...options });
		const outcome = await settle(unlessCancelled(sent, policy.signal));
		if (outcome.ok) return outcome.value as T;
		if (outcome.error instanceof CancelledError || policy.signal?.aborted) throw new CancelledError();
		const failure = describeFailure(outcome.error);
		if (!failure.transient || attempt >= policy.maxRetries) {
			throw new RudderStackApiError(ctx, request, failure, attempt + 1, afterAmbiguousAttempt);
		}
		afterAmbiguousAttempt ||= failure.ambiguous;
		const delay = Math.min(failure.retryAfterMs ?? backoffMs(policy.retryDelayMs, attempt), MAX_RETRY_AFTER_MS);
		if (failure.status === 429) policy.pacer?.coolDown(delay);
		ctx.logger.debug(`RudderStack ${request.method} ${request.path}: ${failure.reason}; retry ${attempt + 1} of ${policy.maxRetries} in ${delay} ms`);
		await pause(delay, policy.signal);
	}
}
