import { settle } from '../run/errors';
import { CancelledError, pause, unlessCancelled } from '../run/pause';

/**
 * The key of a lane's first request (an item's start): before every lane that has had a turn, so
 * that starts are never held back behind polls. Under a window that hands out many slots at once,
 * "the slot after the one it asked at" would put a start behind polls of items that started in the
 * same instant.
 */
const FIRST_REQUEST = -1;

/** How long the dispatcher sleeps at most while every counted request is still in flight. */
const IN_FLIGHT_RECHECK_MS = 60_000;

/** Thrown by `waitForTurn` when the ceiling or a cool-down leaves no turn before its `notAfter`. */
export class NoTurnBeforeDeadlineError extends Error {
	constructor(readonly notAfter: number) {
		super('The request ceiling left no turn for this request before its deadline');
		this.name = 'NoTurnBeforeDeadlineError';
	}
}

/** A request's place under the ceiling; `finished()` when its answer (or failure) is in. */
export interface Turn {
	finished(): void;
}

interface Waiter {
	/** Whose request it is: one lane per item. */
	lane: object;
	/** Lower goes first: the first slot its lane could have had after its last, or FIRST_REQUEST. */
	key: number;
	/** Order of asking, for equal keys. */
	asked: number;
	notAfter?: number;
	/** The lane's poll interval, when it polls on a beat (see `keepsBeat`). */
	beatMs?: number;
	/** Called with the number of the slot handed out, and its turn. */
	resolve(granted: { slot: number; turn: Turn }): void;
	reject(error: Error): void;
}

/**
 * What every lane of one step shares: the ceiling, the cool-down, and the line of waiters.
 *
 * The ceiling is counted over any one second, as RudderStack would count arrivals: up to its
 * number of requests may go at once, and each of them holds its place until a second after its
 * answer came. A request arrives after it is let go and before its answer, so two requests that
 * share a place arrive at least a second apart, however late either arrives. So 50 items under the
 * default of 50 start together, as a hand-built loop would start them, polls that ask for less
 * than the ceiling are never held back, and only demand above it waits.
 */
export class SharedCeiling {
	/** Places under the ceiling: its whole part, at least one. */
	private readonly places: number;

	private readonly windowMs: number;

	/** When each counted request's answer came (Infinity while it is in flight). */
	private readonly counted: { endedAt: number }[] = [];

	/** When each lane last had a turn. */
	private readonly lastTurnAt = new Map<object, number>();

	/** When the last poll (any turn but a lane's first) was let go. */
	private lastPollTurnAt = Number.NEGATIVE_INFINITY;

	/** Lanes with a request in the line, and how many. */
	private readonly waiting = new Map<object, number>();

	coolDownUntil = 0;

	/** Slots handed out so far. */
	served = 0;

	private asked = 0;

	private readonly line = new Set<Waiter>();

	private dispatching = false;

	private wake?: AbortController;

	constructor(requestsPerSecond: number) {
		this.places = Math.max(1, Math.floor(requestsPerSecond));
		// A ceiling below one a second: one request per its period.
		this.windowMs = requestsPerSecond < 1 ? 1000 / requestsPerSecond : 1000;
	}

	/** The earliest time a place is free by the window alone; Infinity while all are in flight. */
	private placeFreeAt(now: number): number {
		for (let i = this.counted.length - 1; i >= 0; i--) {
			if (this.counted[i].endedAt + this.windowMs <= now) this.counted.splice(i, 1);
		}
		if (this.counted.length < this.places) return Number.NEGATIVE_INFINITY;
		return Math.min(...this.counted.map(({ endedAt }) => endedAt)) + this.windowMs;
	}

	/**
	 * How long a lane waits between its turns: its share of the ceiling among the lanes in use
	 * (those waiting, and those that had a turn within the last window). Without it, a few items
	 * polling fast would spend a whole second's requests at once and then wait out the rest of the
	 * second with none; with it each polls at one turn per (lanes ÷ ceiling) seconds, evenly.
	 */
	private lanesInUse(now: number): { gapMs: number; lanes: number } {
		let inUse = 0;
		// A lane is forgotten (so the map stays small over long runs) only once no share could still
		// hold it back: when the share is longer than the window, a lane that polls between the two
		// must keep its last turn, or its next ask would go at once, ahead of lanes still owed theirs.
		const longestGapMs = this.shareMs(this.lastTurnAt.size + this.waiting.size);
		for (const [lane, at] of this.lastTurnAt) {
			if (at > now - this.windowMs) inUse++;
			else if (!this.waiting.has(lane) && at <= now - longestGapMs) this.lastTurnAt.delete(lane);
		}
		for (const lane of this.waiting.keys()) if (!this.lastTurnAt.has(lane) || (this.lastTurnAt.get(lane) as number) <= now - this.windowMs) inUse++;
		return { gapMs: this.shareMs(inUse), lanes: inUse };
	}

	/** How long each of `lanes` lanes waits between its turns for all of them to fit under the ceiling. */
	private shareMs(lanes: number): number {
		return (lanes * this.windowMs) / this.places;
	}

	/**
	 * When the poll the rotation chose may go: a round of polls that the ceiling cannot give every
	 * beat (the lane's share is longer than its beat) is spread evenly over one beat, beat ÷ lanes
	 * apart. All at once, every lane would poll at the same instant of each ceiling-stretched
	 * interval, so runs that end just after it would all wait the whole interval to be noticed.
	 * Within the ceiling's means nothing is spaced, nor is a start. The spacing only delays the
	 * lane whose turn it is, so it never changes the order of turns (lanes of other beats would
	 * otherwise overtake it), and never holds a poll past its deadline: a turn due by the rotation
	 * is still taken then.
	 */
	private spacedUntil(waiter: Waiter, share: { gapMs: number; lanes: number }): number {
		if (waiter.key === FIRST_REQUEST || waiter.beatMs === undefined || share.gapMs <= waiter.beatMs) return Number.NEGATIVE_INFINITY;
		const at = this.lastPollTurnAt + waiter.beatMs / share.lanes;
		return waiter.notAfter !== undefined && at > waiter.notAfter ? Number.NEGATIVE_INFINITY : at;
	}

	join(lane: object, key: number, notAfter: number | undefined, beatMs?: number): { waiter: Waiter; granted: Promise<{ slot: number; turn: Turn }> } {
		let waiter!: Waiter;
		const granted = new Promise<{ slot: number; turn: Turn }>((resolve, reject) => {
			waiter = { lane, key, asked: this.asked++, notAfter, beatMs, resolve, reject };
		});
		this.line.add(waiter);
		this.waiting.set(lane, (this.waiting.get(lane) ?? 0) + 1);
		// A dispatcher asleep (up to IN_FLIGHT_RECHECK_MS while every place is in flight, or to the
		// end of a cool-down) looks again: this waiter's deadline may come first, or it may be a start.
		if (this.dispatching) this.wake?.abort();
		else void this.dispatch();
		return { waiter, granted };
	}

	leave(waiter: Waiter): void {
		if (this.remove(waiter) && this.line.size === 0) this.wake?.abort();
	}

	private remove(waiter: Waiter): boolean {
		if (!this.line.delete(waiter)) return false;
		const left = (this.waiting.get(waiter.lane) ?? 1) - 1;
		if (left > 0) this.waiting.set(waiter.lane, left);
		else this.waiting.delete(waiter.lane);
		return true;
	}

	/**
	 * Rejects the waiters whose deadline comes before the next slot that could be theirs. While
	 * every place is in flight the next slot is unknown: only deadlines already past are.
	 */
	expire(): void {
		const now = Date.now();
		const freeAt = this.placeFreeAt(now);
		const slotAt = Math.max(freeAt === Number.POSITIVE_INFINITY ? now : freeAt, this.coolDownUntil, now);
		for (const waiter of this.line) {
			if (waiter.notAfter !== undefined && waiter.notAfter < slotAt) {
				this.leave(waiter);
				waiter.reject(new NoTurnBeforeDeadlineError(waiter.notAfter));
			}
		}
	}

	/**
	 * Sleeps until `at`, or the first deadline in the line (to reject it on time), or at most
	 * IN_FLIGHT_RECHECK_MS while every place is in flight. Woken early when an answer frees a place
	 * or the line empties (a cancel), so no timer outlives the step.
	 */
	private async sleepUntil(at: number, now: number): Promise<void> {
		const deadlines = [...this.line].flatMap(({ notAfter }) => (notAfter === undefined ? [] : [notAfter + 1]));
		const until = Math.min(at, now + IN_FLIGHT_RECHECK_MS, ...deadlines);
		this.wake = new AbortController();
		await pause(until - now, this.wake.signal).catch((error: unknown) => {
			if (!(error instanceof CancelledError)) throw error;
		});
	}

	/**
	 * Hands out one slot at a time, each when a place under the ceiling is free (and no earlier
	 * than the end of a cool-down), to the waiter whose lane has gone longest without one. Deciding
	 * at the slot, not when a request asks, is what lets a later cool-down hold back the requests
	 * already waiting.
	 */
	private async dispatch(): Promise<void> {
		if (this.dispatching) return;
		this.dispatching = true;
		try {
			for (;;) {
				this.expire();
				if (this.line.size === 0) return;
				const now = Date.now();
				const slotAt = Math.max(this.placeFreeAt(now), this.coolDownUntil);
				if (slotAt > now) {
					await this.sleepUntil(slotAt, now);
					continue;
				}
				let next: Waiter | undefined;
				let laneFreeAt = Number.POSITIVE_INFINITY;
				const share = this.lanesInUse(now);
				for (const waiter of this.line) {
					const freeAt = (this.lastTurnAt.get(waiter.lane) ?? Number.NEGATIVE_INFINITY) + share.gapMs;
					if (freeAt > now) {
						laneFreeAt = Math.min(laneFreeAt, freeAt);
						continue;
					}
					if (!next || waiter.key < next.key || (waiter.key === next.key && waiter.asked < next.asked)) next = waiter;
				}
				if (!next) {
					// Every waiting lane has had its share for now: until the first may go again.
					await this.sleepUntil(laneFreeAt, now);
					continue;
				}
				const spacedUntil = this.spacedUntil(next, share);
				if (spacedUntil > now) {
					// Woken early by a new waiter (a start goes before polls) or a cancel.
					await this.sleepUntil(spacedUntil, now);
					continue;
				}
				this.remove(next);
				this.lastTurnAt.set(next.lane, now);
				if (next.key !== FIRST_REQUEST) this.lastPollTurnAt = now;
				const place = { endedAt: Number.POSITIVE_INFINITY };
				this.counted.push(place);
				const turn: Turn = {
					finished: () => {
						if (place.endedAt !== Number.POSITIVE_INFINITY) return;
						place.endedAt = Date.now();
						this.wake?.abort();
					},
				};
				next.resolve({ slot: this.served++, turn });
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
 * When the items ask for more than the ceiling allows, an item's first request (its start) goes
 * before any poll, and the polls take turns (each item is a lane, from `lane()`): the next slot
 * goes to the lane that has gone longest without one. So no item's polls fall behind another's,
 * however their poll beats fall, and no start waits behind polls.
 */
export class RequestPacer {
	private readonly ceiling: SharedCeiling;

	/** The number of the first slot after this lane's last one. */
	private eligibleFrom?: number;

	constructor(requestsPerSecond: number | SharedCeiling) {
		this.ceiling = typeof requestsPerSecond === 'number' ? new SharedCeiling(requestsPerSecond) : requestsPerSecond;
	}

	/** The poll interval of this lane's item, when it polls on a beat. */
	private beatMs?: number;

	/** A pacer for one item: the same ceiling and cool-down, its own place in the rotation. */
	lane(): RequestPacer {
		return new RequestPacer(this.ceiling);
	}

	/** Tells the ceiling this lane polls every `ms`, so that, when overloaded, it spreads the polls over a beat. */
	keepsBeat(ms: number): this {
		this.beatMs = ms;
		return this;
	}

	/**
	 * Resolves when this request may go out, with its Turn: call `finished()` once its answer or
	 * failure is in. With `notAfter` (epoch ms), rejects with NoTurnBeforeDeadlineError as soon as
	 * the next slot that could be its own (the ceiling, a cool-down) comes after `notAfter`. A
	 * cancel of `signal` rejects with CancelledError.
	 */
	async waitForTurn(signal?: AbortSignal, notAfter?: number): Promise<Turn> {
		const { ceiling } = this;
		const { waiter, granted } = ceiling.join(this, this.eligibleFrom ?? FIRST_REQUEST, notAfter, this.beatMs);
		const outcome = await settle(unlessCancelled(granted, signal));
		ceiling.leave(waiter);
		if (!outcome.ok) {
			// A turn handed out as the cancel came is given back, or its place would stay taken.
			void granted.then(({ turn }) => turn.finished(), () => undefined);
			throw outcome.error;
		}
		this.eligibleFrom = outcome.value.slot + 1;
		return outcome.value.turn;
	}

	/** After a 429: nothing goes out before `ms` from now, including requests already waiting. */
	coolDown(ms: number): void {
		this.ceiling.coolDownUntil = Math.max(this.ceiling.coolDownUntil, Date.now() + ms);
		this.ceiling.expire();
	}
}
