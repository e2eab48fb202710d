import { sleep } from 'n8n-workflow';

import { NoTurnBeforeDeadlineError, RequestPacer } from '../../nodes/RudderStack/transport/pacer';
import { mostTurnsOfAnotherWhileWaiting, type TurnEvent } from './turns';

describe('the request pacer', () => {
	it('gives the next slot to the lane that has gone longest without one, whenever it asked', async () => {
		// 3 a second: a, b and c go at once, then the next slots come when that second is over.
		// Lanes b and c ask again at once; a asks again only after 150 ms, after them, but still
		// before the slot that is its turn.
		const pacer = new RequestPacer(3);
		const [a, b, c] = [pacer.lane(), pacer.lane(), pacer.lane()];
		const order: string[] = [];
		const twice = async (name: string, lane: RequestPacer, pauseMs: number) => {
			(await lane.waitForTurn()).finished();
			order.push(name);
			if (pauseMs) await sleep(pauseMs);
			(await lane.waitForTurn()).finished();
			order.push(name);
		};
		await Promise.all([twice('a', a, 150), twice('b', b, 0), twice('c', c, 0)]);
		expect(order).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
	});

	it('after a cool-down, lets nothing go before it ends, also requests already waiting', async () => {
		// One a second: the two others wait for their turn when the 429 comes.
		const pacer = new RequestPacer(1);
		const began = Date.now();
		(await pacer.waitForTurn()).finished();
		const waiting = [pacer.lane().waitForTurn().then((turn) => (turn.finished(), Date.now() - began)), pacer.lane().waitForTurn().then((turn) => (turn.finished(), Date.now() - began))];
		pacer.coolDown(1500);
		for (const at of await Promise.all(waiting)) expect(at).toBeGreaterThanOrEqual(1495);
	});

	it('rejects promptly a turn that a cool-down puts past its notAfter; a cancel rejects with CancelledError', async () => {
		const pacer = new RequestPacer(10);
		pacer.coolDown(10_000);
		const began = Date.now();
		await expect(pacer.waitForTurn(undefined, Date.now() + 1000)).rejects.toBeInstanceOf(NoTurnBeforeDeadlineError);
		expect(Date.now() - began).toBeLessThan(100);
		const doomed = expect(pacer.lane().waitForTurn(undefined, Date.now() + 20_000)).rejects.toBeInstanceOf(NoTurnBeforeDeadlineError);
		pacer.coolDown(30_000);
		await doomed;
		const cancel = new AbortController();
		const cancelled = pacer.waitForTurn(cancel.signal).catch((error: Error) => error.name);
		cancel.abort();
		expect(await cancelled).toBe('CancelledError');
	});
});

describe('the request ceiling, counted over any one second', () => {
	it('lets as many requests as the ceiling go at once, then none until the oldest of them is a second old', async () => {
		const pacer = new RequestPacer(10);
		const began = Date.now();
		const at = await Promise.all(Array.from({ length: 15 }, () => pacer.lane().waitForTurn().then((turn) => (turn.finished(), Date.now() - began))));
		const atOnce = at.filter((ms) => ms < 100);
		expect(atOnce).toHaveLength(10);
		// The eleventh waits out the window of the first (one second, plus the arrival allowance).
		for (const ms of at.filter((t) => t >= 100)) expect(ms).toBeGreaterThanOrEqual(1000);
		expect(Math.max(...at)).toBeLessThan(1400);
	});

	it('never lets more than the ceiling go in any one second, however the requests come', async () => {
		const pacer = new RequestPacer(5);
		const lanes = Array.from({ length: 4 }, () => pacer.lane());
		const times: number[] = [];
		const began = Date.now();
		await Promise.all(
			lanes.map(async (lane, i) => {
				while (Date.now() - began < 2500) {
					const turn = await lane.waitForTurn();
					// The request arrives between its turn and its answer.
					times.push(Date.now());
					turn.finished();
					await sleep(30 * (i + 1));
				}
			}),
		);
		const busiestSecond = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
		expect(busiestSecond).toBeLessThanOrEqual(5);
		expect(times.length).toBeGreaterThanOrEqual(10);
	});

	it('a fractional ceiling counts its whole part per second, never more than the ceiling', async () => {
		const pacer = new RequestPacer(2.5);
		const began = Date.now();
		const at = await Promise.all(Array.from({ length: 3 }, () => pacer.lane().waitForTurn().then((turn) => (turn.finished(), Date.now() - began))));
		// 2.5 a second: two per window (never more than the ceiling in a second), the third after it.
		expect(at.filter((ms) => ms < 100)).toHaveLength(2);
		expect(Math.max(...at)).toBeGreaterThanOrEqual(1000);
	});

	it('counts a request from its answer: one still in flight keeps its place, and frees it a second after it ends', async () => {
		const pacer = new RequestPacer(1);
		const began = Date.now();
		const slow = await pacer.waitForTurn();
		const next = pacer.lane().waitForTurn().then((turn) => (turn.finished(), Date.now() - began));
		await sleep(1300);
		slow.finished();
		// Counted from the start it would have gone at 1000 ms; its answer came at 1300.
		expect(await next).toBeGreaterThanOrEqual(2290);
	});

	it('gives a few items polling fast their share evenly, not a whole second at once and then none', async () => {
		// 10 a second between 2 items: a turn each every 200 ms, not 5 each at once and then a
		// second of nothing.
		const pacer = new RequestPacer(10);
		const began = Date.now();
		const gaps = await Promise.all(
			[pacer.lane(), pacer.lane()].map(async (lane) => {
				const at: number[] = [];
				while (Date.now() - began < 2500) {
					const turn = await lane.waitForTurn();
					at.push(Date.now());
					turn.finished();
				}
				return at.slice(1).map((t, k) => t - at[k]);
			}),
		);
		const all = gaps.flat();
		expect(Math.max(...all)).toBeLessThan(400);
		expect(Math.min(...all.slice(2))).toBeGreaterThanOrEqual(150);
	});

	/** When each of 10 lanes under a ceiling of 10 a second, polling every `beatMs`, has its second turn (ms from the first asks), in order. */
	async function secondTurns(beatMs: number): Promise<number[]> {
		const pacer = new RequestPacer(10);
		const began = Date.now();
		const at = await Promise.all(
			Array.from({ length: 10 }, async () => {
				const lane = pacer.lane().keepsBeat(beatMs);
				(await lane.waitForTurn()).finished();
				(await lane.waitForTurn()).finished();
				return Date.now() - began;
			}),
		);
		return at.sort((x, y) => x - y);
	}

	it('spreads a round of polls it cannot give every beat over one beat, not all at one instant', async () => {
		// Polling every 200 ms, each lane gets a turn a second, and the ten second turns, due
		// together when the first turns' places free, go 20 ms apart over one beat. All at once,
		// every lane would poll at the same instant each second, and a run ending just after it
		// would wait a whole second to be noticed, wherever in the beat the runs end.
		const polledAt = await secondTurns(200);
		// Spread over about 180 ms (single gaps jitter on a loaded machine; all at once is within a few ms).
		expect(polledAt[0]).toBeGreaterThanOrEqual(990);
		expect(polledAt[9] - polledAt[0]).toBeGreaterThanOrEqual(120);
		expect(polledAt[9] - polledAt[0]).toBeLessThan(200 + 60);
	});

	it('never spaces a start: one that asks during a spaced round goes when a place is free', async () => {
		// 4 a second for two lanes polling every 480 ms: each gets a turn per 500 ms, so their polls
		// are spaced 240 ms apart (a at 500 ms, b at 740). A third lane's start at 550 ms has a place
		// (two starts and a's poll hold three): spaced like a poll it would wait until about 660 ms.
		const pacer = new RequestPacer(4);
		const [a, b, c] = [pacer.lane().keepsBeat(480), pacer.lane().keepsBeat(480), pacer.lane().keepsBeat(480)];
		const twice = async (lane: RequestPacer) => {
			(await lane.waitForTurn()).finished();
			(await lane.waitForTurn()).finished();
		};
		const startWaited = (async () => {
			await sleep(550);
			const asked = Date.now();
			(await c.waitForTurn()).finished();
			return Date.now() - asked;
		})();
		const [waited] = await Promise.all([startWaited, twice(a), twice(b)]);
		expect(waited).toBeLessThan(60);
	});

	it('lets a round of polls go at once when every lane can have each of its beats', async () => {
		// Polling every second: the ceiling meets the demand.
		const polledAt = await secondTurns(1000);
		expect(polledAt[9] - polledAt[0]).toBeLessThan(50);
	});

	it('holds a lane to its share when the share is longer than a second, also while it polls between the two', async () => {
		// 3 a second among 5 lanes: a turn each per 1.67 s. Lane a asks 1.1 s after each of its
		// turns, the others 50 ms after theirs. Forgotten a second after its turn (before it asks
		// again), a went at 1.1 s and 2.2 s while lanes that had asked at 1.05 s waited until 3 s.
		const pacer = new RequestPacer(3);
		const events: (TurnEvent<number> & { at: number })[] = [];
		const began = Date.now();
		await Promise.all(
			[1100, 50, 50, 50, 50].map(async (pauseMs, lane) => {
				const pacing = pacer.lane();
				for (let round = 0; round < 3; round++) {
					if (round > 0) await sleep(pauseMs);
					events.push({ lane, kind: 'ask', at: Date.now() - began });
					(await pacing.waitForTurn()).finished();
					events.push({ lane, kind: 'turn', at: Date.now() - began });
				}
			}),
		);
		const turnsOfA = events.filter((event) => event.lane === 0 && event.kind === 'turn').map(({ at }) => at);
		expect(turnsOfA[1] - turnsOfA[0]).toBeGreaterThanOrEqual(1600);
		expect(mostTurnsOfAnotherWhileWaiting(events)).toBe(1);
	});
});

describe('a request that asks while the dispatcher sleeps', () => {
	it('is rejected at its deadline while every place is in flight, not when the dispatcher wakes up (up to 60 s later)', async () => {
		const pacer = new RequestPacer(1);
		const inFlight = await pacer.waitForTurn();
		// Another waits without a deadline: the dispatcher now sleeps until a place frees (at most 60 s).
		const patient = pacer.lane().waitForTurn();
		await sleep(50);
		const began = Date.now();
		const outcome = await Promise.race([
			pacer
				.lane()
				.waitForTurn(undefined, Date.now() + 300)
				.then(
					() => 'granted',
					(error: unknown) => (error instanceof NoTurnBeforeDeadlineError ? 'rejected' : String(error)),
				),
			sleep(3000).then(() => 'still waiting 3 s later'),
		]);
		inFlight.finished();
		(await patient).finished();
		expect(outcome).toBe('rejected');
		expect(Date.now() - began).toBeLessThan(1500);
	}, 10_000);
});
