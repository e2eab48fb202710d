import * as workflow from 'n8n-workflow';

type AbortableSleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Thrown when the n8n execution is cancelled (Stop, workflow timeout) while we wait. */
export class CancelledError extends Error {
	constructor() {
		super('The execution was cancelled');
		this.name = 'CancelledError';
	}
}

export function throwIfCancelled(signal?: AbortSignal): void {
	if (signal?.aborted) throw new CancelledError();
}

// Community nodes may not call setTimeout themselves, so waits go through n8n-workflow, whose
// sleep differs by release (feature-detected): 1.98 to 2.33 export sleepWithAbort(ms, signal);
// 2.34 and later drop it and give sleep(ms, signal) the signal instead; older ones have only
// sleep(ms), which ignores a second argument and runs its timer out after an abort, so the wait
// also races the signal.
const sleepWithAbort = (workflow as { sleepWithAbort?: AbortableSleep }).sleepWithAbort;
const sleep = workflow.sleep as AbortableSleep;

// Hundreds of items may wait on one step's signal at once. Each signal gets a single listener
// that calls the current waiters, so the listener count stays at one (no MaxListeners warning)
// and nothing is left behind when a wait ends.
const waitersOf = new WeakMap<AbortSignal, Set<() => void>>();

function whenAborted(signal: AbortSignal | undefined, callback: () => void): () => boolean {
	if (!signal) return () => false;
	let waiters = waitersOf.get(signal);
	if (!waiters) {
		const current = new Set<() => void>();
		waiters = current;
		waitersOf.set(signal, current);
		signal.addEventListener('abort', () => current.forEach((waiter) => waiter()), { once: true });
	}
	waiters.add(callback);
	return () => waiters.delete(callback);
}

/** Waits `ms`, or less if `signal` aborts, then throws CancelledError. */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
	throwIfCancelled(signal);
	if (ms <= 0) return;
	// A relay, so that the sleep's own abort listener sits on a signal of its own.
	const relay = new AbortController();
	const forget = whenAborted(signal, () => relay.abort());
	try {
		// Either way the only rejection is the abort, which the check below reports.
		const sleeping = sleepWithAbort ? sleepWithAbort(ms, relay.signal) : Promise.race([sleep(ms, relay.signal), cancellation(relay.signal).cancelled]);
		await sleeping.catch(() => undefined);
	} finally {
		forget();
	}
	throwIfCancelled(signal);
}

/** Settles `work`, or rejects with CancelledError as soon as `signal` aborts. */
export async function unlessCancelled<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
	if (!signal) return await work;
	throwIfCancelled(signal);
	const { cancelled, forget } = cancellation(signal);
	try {
		return await Promise.race([work, cancelled]);
	} finally {
		forget();
	}
}

// Plain callbacks rather than an AbortController per request: aborting a controller builds a
// DOMException with a stack trace, a cost paid on every request and poll of every item.
function cancellation(signal: AbortSignal): { cancelled: Promise<never>; forget: () => void } {
	let forget = () => false;
	const cancelled = new Promise<never>((_, reject) => {
		forget = whenAborted(signal, () => reject(new CancelledError()));
	});
	return { cancelled, forget };
}
