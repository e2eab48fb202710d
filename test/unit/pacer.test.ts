import { sleep } from 'n8n-workflow';

import { NoTurnBeforeDeadlineError, RequestPacer } from '../../nodes/RudderStack/transport/pacer';

describe('the request pacer', () => {
	it('gives the next slot to the lane that has gone longest without one, whenever it asked', async () => {
		// 10 a second: a slot every 105 ms. Lanes b and c ask again at once; a asks again only
		// after 150 ms, after them, but still before the slot that is its turn.
		const pacer = new RequestPacer(10);
		const [a, b, c] = [pacer.lane(), pacer.lane(), pacer.lane()];
		const order: string[] = [];
		const twice = async (name: string, lane: RequestPacer, pauseMs: number) => {
			await lane.waitForTurn();
			order.push(name);
			if (pauseMs) await sleep(pauseMs);
			await lane.waitForTurn();
			order.push(name);
		};
		await Promise.all([twice('a', a, 150), twice('b', b, 0), twice('c', c, 0)]);
		expect(order).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
	});

	it('after a cool-down, lets nothing go before it ends, also requests already waiting', async () => {
		const pacer = new RequestPacer(10);
		const began = Date.now();
		await pacer.waitForTurn();
		const waiting = [pacer.lane().waitForTurn().then(() => Date.now() - began), pacer.lane().waitForTurn().then(() => Date.now() - began)];
		pacer.coolDown(500);
		for (const at of await Promise.all(waiting)) expect(at).toBeGreaterThanOrEqual(495);
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
