// Review of the request ceiling (transport/pacer.ts): a request that asks while the dispatcher
// already sleeps is not seen until that sleep ends.
import { sleep } from 'n8n-workflow';

import { NoTurnBeforeDeadlineError, RequestPacer } from '../../nodes/RudderStack/transport/pacer';

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
