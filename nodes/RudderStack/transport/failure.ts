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

/** A response that came back with an error status. */
export function httpFailure(status: number, body: unknown, headers: Record<string, unknown> = {}): AttemptFailure {
	return {
		status,
		reason: apiReason(body) ?? `HTTP ${status}`,
		transient: status === 429 || status >= 500,
		ambiguous: status >= 500,
		retryAfterMs: parseRetryAfter(headers['retry-after']),
	};
}

/** No response at all: a reset, a refused connection, a timeout. The server may have acted. */
export function networkFailure(error: unknown): AttemptFailure {
	const { message = 'no response', code } = (error ?? {}) as { message?: string; code?: string };
	const text = `${message} ${code ?? ''}`;
	const timedOut = /timeout|ETIMEDOUT|ECONNABORTED/i.test(text);
	return {
		reason: timedOut ? `the request timed out (${message})` : `network error: ${message}`,
		transient: true,
		// A refused connection never reached RudderStack; anything else may have.
		ambiguous: !/ECONNREFUSED|refused the connection/i.test(text),
	};
}
