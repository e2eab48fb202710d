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

/**
 * The codes and texts of a network error. n8n-core wraps the HTTP client's error in a NodeApiError
 * whose message is n8n's own ("The connection was aborted, perhaps the server is offline"); the
 * client's code survives in `httpCode` (or `code`), its message in `messages`, and some releases
 * keep the whole client error as `cause`.
 */
function networkFacts(error: unknown): { codes: string[]; texts: string[] } {
	const codes: string[] = [];
	const texts: string[] = [];
	const visit = (value: unknown, depth: number) => {
		if (!value || typeof value !== 'object' || depth > 3) return;
		const { code, httpCode, message, messages, cause } = value as IDataObject;
		visit(cause, depth + 1);
		for (const candidate of [code, httpCode]) if (typeof candidate === 'string' && /^E[A-Z_]+$/.test(candidate)) codes.push(candidate);
		if (Array.isArray(messages)) texts.push(...messages.filter((text): text is string => typeof text === 'string'));
		if (typeof message === 'string') texts.push(message);
	};
	visit(error, 0);
	return { codes, texts: texts.length ? texts : ['no response'] };
}

/** No response at all: a reset, a refused connection, a host that does not resolve, a timeout. */
export function networkFailure(error: unknown, requestTimeoutMs: number): AttemptFailure {
	const { codes, texts } = networkFacts(error);
	const has = (...wanted: string[]) => wanted.some((code) => codes.includes(code) || texts.some((text) => text.includes(code)));
	const original = texts[0];
	if (has('ECONNABORTED', 'ETIMEDOUT') || texts.some((text) => /timeout of \d+ms exceeded/i.test(text))) {
		return { reason: `the request timed out after ${requestTimeoutMs / 1000} s`, transient: true, ambiguous: true };
	}
	// Neither reached RudderStack, so neither can have started anything.
	if (has('ENOTFOUND', 'EAI_AGAIN')) return { reason: `the host does not resolve (${original})`, transient: true, ambiguous: false };
	if (has('ECONNREFUSED')) return { reason: `network error: ${original}`, transient: true, ambiguous: false };
	return { reason: `network error: ${original}`, transient: true, ambiguous: true };
}
