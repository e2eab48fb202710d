import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IPollFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { settle } from '../run/errors';
import { CancelledError, pause, throwIfCancelled, unlessCancelled } from '../run/pause';
import { type AttemptFailure, httpFailure, networkFailure } from './failure';
import { toBaseUrl } from './host';
import { accessTokenOf } from './token';
import { NoTurnBeforeDeadlineError, type RequestPacer, type Turn } from './pacer';
import { USER_AGENT } from './userAgent';

export type RequestContext = IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;

export interface ApiRequest {
	method: IHttpRequestMethods;
	/** Path with ids already encoded, e.g. /v2/retl-connections/abc/start. */
	path: string;
	/** An object, or JSON already serialized by the caller (who had to measure it). */
	body?: IDataObject | string;
	qs?: IDataObject;
}

export interface RequestPolicy {
	timeoutMs: number;
	maxRetries: number;
	retryDelayMs: number;
	signal?: AbortSignal;
	pacer?: RequestPacer;
	/** False for starts: a failure that may have reached RudderStack is the caller's to judge. */
	retryAmbiguous?: boolean;
	/**
	 * The wait's deadline (ms since the epoch): no retry pause, Retry-After or pacer wait runs past
	 * it, and no retry starts after it; the request then ends in an OutOfTimeError.
	 */
	notAfter?: number;
	/** Receives the answer of a request that a cancel abandoned while it was in flight. */
	onAbandoned?: (answer: Promise<unknown>) => void;
}

interface FullResponse {
	statusCode: number;
	body: unknown;
	headers: Record<string, unknown>;
}

export const DEFAULT_REQUEST_POLICY: RequestPolicy = { timeoutMs: 30_000, maxRetries: 3, retryDelayMs: 1_000 };

const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** The error every failed RudderStack request ends in: an n8n NodeApiError with what happened. */
export class RudderStackApiError extends NodeApiError {
	readonly status?: number;

	/** RudderStack's own explanation, or the network failure. */
	readonly reason: string;

	/** RudderStack may have acted on the request even though it failed (timeout, reset, 5xx). */
	readonly ambiguous: boolean;

	/** From a Retry-After header, when there was one. */
	readonly retryAfterMs?: number;

	constructor(ctx: RequestContext, request: ApiRequest, failure: AttemptFailure, attempts: number) {
		const where = `${request.method} ${request.path}`;
		const what = failure.status ? `RudderStack answered ${failure.status}: ${failure.reason}` : `RudderStack could not be reached: ${failure.reason}`;
		// Only the sanitized facts go in: the HTTP client's own error carries the request headers.
		const response: JsonObject = { message: what, httpCode: failure.status ? String(failure.status) : null };
		super(ctx.getNode(), response, {
			message: what,
			description: `${where} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}. ${failure.reason}`,
			httpCode: failure.status ? String(failure.status) : undefined,
		});
		// n8n swaps a message that names a system error code (ECONNREFUSED, ENOTFOUND…) for its own
		// generic sentence; ours already says what happened, with the code.
		this.message = what;
		this.status = failure.status;
		this.reason = failure.reason;
		this.ambiguous = failure.ambiguous;
		this.retryAfterMs = failure.retryAfterMs;
	}
}

/** The wait's deadline came before the request could get (another) answer. */
export class OutOfTimeError extends Error {
	constructor(readonly lastError?: RudderStackApiError) {
		super(lastError ? `the timeout came before a retry (${lastError.message})` : 'the timeout came before the request could go out');
		this.name = 'OutOfTimeError';
	}
}

/** Who a request is sent as: the credential n8n signs it with, and where it goes. */
export interface Account {
	credentialType: string;
	baseURL: string;
	/** The credential's secret, kept only to scrub it from anything echoed back into an error. */
	token: string;
	/** Other forms in which the secret goes out (a Basic header's base64), scrubbed as well. */
	sentAs?: string[];
}

const accounts = new WeakMap<object, Promise<Account>>();

async function accountOf(ctx: RequestContext): Promise<Account> {
	let account = accounts.get(ctx);
	if (!account) {
		account = ctx.getCredentials('rudderStackApi').then((credentials) => ({
			credentialType: 'rudderStackApi',
			baseURL: toBaseUrl(credentials.host),
			token: accessTokenOf(credentials),
		}));
		accounts.set(ctx, account);
	}
	return await account;
}

/** `text` without any of `secrets` (each at least 4 characters long, so as not to mangle the text). */
export function redact(text: string, ...secrets: string[]): string {
	return secrets.reduce((scrubbed, secret) => (secret.length >= 4 ? scrubbed.split(secret).join('***') : scrubbed), text);
}

export function backoffMs(retryDelayMs: number, retryNumber: number): number {
	const exponential = retryDelayMs * 2 ** retryNumber;
	return Math.round(exponential * (1 + Math.random() * 0.25));
}

/**
 * The pause before retry `retryNumber` (0 for the first) after `error`: exponential backoff, or
 * RudderStack's Retry-After, which also cools down every request of the step after a 429. The
 * policy's deadline caps it: past the deadline, or when Retry-After asks for longer than is left,
 * there is no retry (OutOfTimeError, at the deadline); a backoff is cut short to end at it.
 */
export async function pauseBeforeRetry(ctx: RequestContext, request: ApiRequest, policy: RequestPolicy, retryNumber: number, error: RudderStackApiError): Promise<void> {
	let delay = Math.min(error.retryAfterMs ?? backoffMs(policy.retryDelayMs, retryNumber), MAX_RETRY_AFTER_MS);
	if (error.status === 429) policy.pacer?.coolDown(delay);
	if (policy.notAfter !== undefined) {
		const left = policy.notAfter - Date.now();
		if (left <= 0) throw new OutOfTimeError(error);
		if (error.retryAfterMs !== undefined && delay > left) {
			await pause(left, policy.signal);
			throw new OutOfTimeError(error);
		}
		delay = Math.min(delay, left);
	}
	ctx.logger.debug(`RudderStack ${request.method} ${request.path}: ${error.reason}; retry ${retryNumber + 1} of ${policy.maxRetries} in ${delay} ms`);
	await pause(delay, policy.signal);
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
	return await requestAs<T>(ctx, await accountOf(ctx), request, policy);
}

/**
 * The pacer's turn, within the deadline: a turn that is due now is still taken at the deadline
 * (the last poll of a wait); when none comes before it, the request ends there as out of time.
 */
async function waitForTurn(policy: RequestPolicy): Promise<Turn | undefined> {
	const notAfter = policy.notAfter === undefined ? undefined : Math.max(policy.notAfter, Date.now());
	const turn = await settle(policy.pacer?.waitForTurn(policy.signal, notAfter) ?? Promise.resolve(undefined));
	if (turn.ok) return turn.value;
	if (!(turn.error instanceof NoTurnBeforeDeadlineError)) throw turn.error;
	// The pacer knows early that no turn comes in time; the wait still ends at its timeout, so that
	// "timed out after N s" tells the time the user gave it.
	await pause(turn.error.notAfter - Date.now(), policy.signal);
	throw new OutOfTimeError();
}

/** The same rules for any of the package's credentials (the control plane's, the data plane's). */
export async function requestAs<T = unknown>(
	ctx: RequestContext,
	{ credentialType, baseURL, token, sentAs = [] }: Account,
	request: ApiRequest,
	policy: RequestPolicy = DEFAULT_REQUEST_POLICY,
): Promise<T> {
	const options: IHttpRequestOptions = {
		method: request.method,
		baseURL,
		url: request.path,
		qs: request.qs,
		// Serialized here because n8n drops an empty object body, and RETL start/stop expect `{}`.
		body: request.body === undefined || typeof request.body === 'string' ? request.body : JSON.stringify(request.body),
		json: true,
		timeout: policy.timeoutMs,
		headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': USER_AGENT },
		// The token must never follow a redirect to another host.
		sendCredentialsOnCrossOriginRedirect: false,
		// Statuses are judged here, with the headers (Retry-After) that n8n's errors do not keep.
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	};
	for (let attempt = 0; ; attempt++) {
		throwIfCancelled(policy.signal);
		const turn = await waitForTurn(policy);
		const sent = ctx.helpers.httpRequestWithAuthentication.call(ctx, credentialType, { ...options });
		// The request holds its place under the ceiling until its answer is in, also when abandoned.
		void sent.then(() => turn?.finished(), () => turn?.finished());
		const outcome = await settle(unlessCancelled(sent, policy.signal));
		if (policy.signal?.aborted || (!outcome.ok && outcome.error instanceof CancelledError)) {
			policy.onAbandoned?.(sent.then((response) => answerOf(response as FullResponse)));
			throw new CancelledError();
		}
		let failure: AttemptFailure;
		if (outcome.ok) {
			const response = outcome.value as FullResponse;
			if (response.statusCode < 300) return response.body as T;
			failure = httpFailure(response.statusCode, response.body, response.headers);
		} else {
			failure = networkFailure(outcome.error, policy.timeoutMs);
		}
		failure.reason = redact(failure.reason, token, ...sentAs);
		const error = new RudderStackApiError(ctx, request, failure, attempt + 1);
		if (!failure.transient || attempt >= policy.maxRetries || (failure.ambiguous && policy.retryAmbiguous === false)) throw error;
		await pauseBeforeRetry(ctx, request, policy, attempt, error);
	}
}

/** A success's body; anything else rejects. */
async function answerOf(response: FullResponse): Promise<unknown> {
	if (response.statusCode >= 300) throw new Error(`HTTP ${response.statusCode}`);
	return response.body;
}
