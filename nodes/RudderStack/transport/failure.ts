import type { IDataObject } from 'n8n-workflow';

/** What the request layer needs to know about one failed attempt. */
export interface AttemptFailure {
	/** HTTP status, or undefined when no response came back. */
	status?: number;
	/** RudderStack's own explanation (`error`, then `message`), or the network error. */
	reason: string;
	/** Worth another attempt: network errors, timeouts, 429 and 5xx. */
	transient: boolean;
	/** The server may have acted on the request even though we saw a failure. */
	ambiguous: boolean;
	/** From a Retry-After header, when there was one. */
	retryAfterMs?: number;
	/** The response body as RudderStack sent it, for the error's details. */
	body?: unknown;
}

const NETWORK_TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

interface RawHttpError {
	code?: string;
	message?: string;
	status?: number;
	statusCode?: number;
	error?: unknown;
	response?: { status?: number; headers?: Record<string, unknown>; data?: unknown };
	cause?: unknown;
}

/** n8n wraps the HTTP client's error in a NodeApiError; the facts we need sit on the original. */
function unwrap(error: unknown): RawHttpError {
	let current = error as RawHttpError;
	for (let depth = 0; depth < 3; depth++) {
		if (current?.response || current?.code || typeof current?.statusCode === 'number') return current;
		if (!current?.cause) break;
		current = current.cause as RawHttpError;
	}
	return (error ?? {}) as RawHttpError;
}

export function apiReason(body: unknown): string | undefined {
	if (typeof body === 'string') {
		const text = body.trim();
		if (!text) return undefined;
		try {
			return apiReason(JSON.parse(text));
		} catch {
			return text.slice(0, 500);
		}
	}
	if (!body || typeof body !== 'object') return undefined;
	const { error, message } = body as IDataObject;
	for (const candidate of [error, message]) {
		if (typeof candidate === 'string' && candidate.trim()) return candidate.trim();
		if (candidate && typeof candidate === 'object') {
			const nested = apiReason(candidate);
			if (nested) return nested;
		}
	}
	return undefined;
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
	const text = Array.isArray(value) ? value[0] : value;
	if (typeof text !== 'string' && typeof text !== 'number') return undefined;
	const raw = String(text).trim();
	if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
	const at = Date.parse(raw);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function describeFailure(error: unknown): AttemptFailure {
	const raw = unwrap(error);
	const status = raw.response?.status ?? raw.statusCode ?? raw.status;
	if (typeof status === 'number' && status >= 100) {
		const body = raw.response?.data ?? raw.error;
		const headers = raw.response?.headers ?? {};
		const retryAfter = headers['retry-after'] ?? headers['Retry-After'];
		return {
			status,
			reason: apiReason(body) ?? `HTTP ${status}`,
			transient: status === 429 || status >= 500,
			ambiguous: status >= 500,
			retryAfterMs: parseRetryAfter(retryAfter),
			body,
		};
	}
	const code = raw.code ?? '';
	const timedOut = NETWORK_TIMEOUT_CODES.has(code) || /timeout/i.test(raw.message ?? '');
	return {
		reason: timedOut ? 'the request timed out' : `network error${code ? ` ${code}` : ''}: ${raw.message ?? 'no response'}`,
		transient: true,
		ambiguous: true,
	};
}
