import { CancelledError, pause, unlessCancelled } from '../run/pause';

// Requests reach RudderStack a little later than they are let go, and not all equally late (a
// garbage collection, a busy event loop). Spacing them as if a second lasted this much longer
// keeps the ceiling as RudderStack counts it, at the cost of 5% of the rate.
const ARRIVAL_JITTER_ALLOWANCE_MS = 50;

/** Thrown by `waitForTurn` when the ceiling or a cool-down leaves no turn before its `notAfter`. */
export class NoTurnBeforeDeadlineError extends Error {
	constructor(readonly notAfter: number) {
		super('The request ceiling left no turn for this request before its deadline');
		this.name = 'NoTurnBeforeDeadlineError';
	}
}

interface Waiter {
	/** Lower goes first: the first slot its lane could have had (the one after its last, or the next when it first asked). */
	key: number;
	/** Order of asking, for equal keys. */
	asked: number;
	notAfter?: number;
	/** Called with the number of the slot handed out. */
	resolve(slot: number): void;
	reject(error: Error): void;
}

/** What every lane of one step shares: the ceiling, the cool-down, and the line of waiters. */
export class SharedCeiling {
	readonly spacingMs: number;

	private nextSlotAt = 0;

	coolDownUntil = 0;

	/** Slots handed out so far. */
	served = 0;

	private asked = 0;

	private readonly line = new Set<Waiter>();

	private dispatching = false;

	private wake?: AbortController;

	constructor(requestsPerSecond: number) {
		this.spacingMs = (1000 + ARRIVAL_JITTER_ALLOWANCE_MS) / requestsPerSecond;
	}

	join(key: number, notAfter: number | undefined): { waiter: Waiter; turn: Promise<number> } {
		let waiter!: Waiter;
		const turn = new Promise<number>((resolve, reject) => {
			waiter = { key, asked: this.asked++, notAfter, resolve, reject };
		});
		this.line.add(waiter);
		void this.dispatch();
		return { waiter, turn };
	}

	leave(waiter: Waiter): void {
		if (this.line.delete(waiter) && this.line.size === 0) this.wake?.abort();
	}

	/** Rejects the waiters whose deadline comes before the next slot that could be theirs. */
	expire(): void {
		const slotAt = Math.max(this.nextSlotAt, this.coolDownUntil, Date.now());
		for (const waiter of this.line) {
			if (waiter.notAfter !== undefined && waiter.notAfter < slotAt) {
				this.leave(waiter);
				waiter.reject(new NoTurnBeforeDeadlineError(waiter.notAfter));
			}
		}
	}

	/**
	 * Hands out one slot at a time, each when it is due (the ceiling's spacing, and no earlier
	 * than the end of a cool-down), to the waiter whose lane has gone longest without a turn.
	 * Deciding at the slot, not when a request asks, is what lets a later cool-down hold back the
	 * requests already waiting.
	 */
	private async dispatch(): Promise<void> {
		if (this.dispatching) return;
		this.dispatching = true;
		try {
			for (;;) {
				this.expire();
				if (this.line.size === 0) return;
				const now = Date.now();
				const slotAt = Math.max(this.nextSlotAt, this.coolDownUntil);
				if (slotAt > now) {
					// Woken early when the line empties (a cancel), so no timer outlives the step.
					this.wake = new AbortController();
					await pause(slotAt - now, this.wake.signal).catch((error: unknown) => {
						if (!(error instanceof CancelledError)) throw error;
					});
					continue;
				}
				let next: Waiter | undefined;
				for (const waiter of this.line) {
					if (!next || waiter.key < next.key || (waiter.key === next.key && waiter.asked < next.asked)) next = waiter;
				}
				this.line.delete(next as Waiter);
				// On the grid of slots when the timer woke a little late, so that its lateness does
				// not add up over a long line; from now when the line had been empty.
				this.nextSlotAt = (now - slotAt < this.spacingMs ? slotAt : now) + this.spacingMs;
				(next as Waiter).resolve(this.served++);
			}
		} finally {
			this.dispatching = false;
		}
	}
}

/**
 * Shared by every request of one node execution, so that many items polling at once stay under
 * one requests-per-second ceiling, and a 429 slows all of them down rather than only the one
 * request that received it.
 *
 * When the items ask for more than the ceiling allows, each item (a lane, from `lane()`) gets its
 * turn in rotation: the next slot goes to the lane that has gone longest without one, a lane's
 * first request counting from when it asked. So no item's polls fall behind another's by more
 * than one slot, however their poll beats fall, and a start waits at most one round of the items
 * polling, never behind all of their polls.
 */
export class RequestPacer {
	private readonly ceiling: SharedCeiling;

	/** The number of the first slot after this lane's last one. */
	private eligibleFrom?: number;

	constructor(requestsPerSecond: number | SharedCeiling) {
		this.ceiling = typeof requestsPerSecond === 'number' ? new SharedCeiling(requestsPerSecond) : requestsPerSecond;
	}

	/** A pacer for one item: the same ceiling and cool-down, its own place in the rotation. */
	lane(): RequestPacer {
		return new RequestPacer(this.ceiling);
	}

	/**
	 * Resolves when this request may go out. With `notAfter` (epoch ms), rejects with
	 * NoTurnBeforeDeadlineError as soon as the next slot that could be its own (the ceiling's
	 * spacing, a cool-down) comes after `notAfter`: at once when that is already so, else at most
	 * one slot after it becomes so. A cancel of `signal` rejects with CancelledError.
	 */
	async waitForTurn(signal?: AbortSignal, notAfter?: number): Promise<void> {
		const { ceiling } = this;
		const { waiter, turn } = ceiling.join(this.eligibleFrom ?? ceiling.served, notAfter);
		try {
			this.eligibleFrom = (await unlessCancelled(turn, signal)) + 1;
		} finally {
			ceiling.leave(waiter);
		}
	}

	/** After a 429: nothing goes out before `ms` from now, including requests already waiting. */
	coolDown(ms: number): void {
		this.ceiling.coolDownUntil = Math.max(this.ceiling.coolDownUntil, Date.now() + ms);
		this.ceiling.expire();
	}
}
