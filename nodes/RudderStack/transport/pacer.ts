import { pause } from '../run/pause';

// Requests reach RudderStack a little later than they are let go, and not all equally late (a
// garbage collection, a busy event loop). Spacing them as if a second lasted this much longer
// keeps the ceiling as RudderStack counts it, at the cost of 5% of the rate.
const ARRIVAL_JITTER_ALLOWANCE_MS = 50;

/**
 * Shared by every request of one node execution, so that many items polling at once stay under
 * one requests-per-second ceiling, and a 429 slows all of them down rather than only the one
 * request that received it.
 */
export class RequestPacer {
	private nextSlotAt = 0;

	private coolDownUntil = 0;

	constructor(private readonly requestsPerSecond: number) {}

	/**
	 * Waits for this request's turn. With `notAfter` (ms since the epoch), never waits past it: a
	 * turn that would come later is not taken, and the wait ends at `notAfter` with `false`. A turn
	 * that is due now is taken even after `notAfter`.
	 */
	async waitForTurn(signal?: AbortSignal, notAfter?: number): Promise<boolean> {
		const now = Date.now();
		const slot = Math.max(now, this.nextSlotAt, this.coolDownUntil);
		if (notAfter !== undefined && slot > Math.max(now, notAfter)) {
			await pause(notAfter - now, signal);
			return false;
		}
		this.nextSlotAt = slot + (1000 + ARRIVAL_JITTER_ALLOWANCE_MS) / this.requestsPerSecond;
		await pause(slot - now, signal);
		return true;
	}

	coolDown(ms: number): void {
		this.coolDownUntil = Math.max(this.coolDownUntil, Date.now() + ms);
	}
}
