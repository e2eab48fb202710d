// pause() on each form of n8n-workflow's sleep: sleepWithAbort (1.98–2.33), sleep(ms, signal)
// (2.34 and later) and a plain sleep(ms) (older releases). Each must end the wait as soon as the
// execution is cancelled, and the abortable forms must get the signal so that their timer is cleared.
import type * as Workflow from 'n8n-workflow';

type Pause = typeof import('../../nodes/RudderStack/run/pause');

const actual = jest.requireActual<typeof Workflow>('n8n-workflow');

/** A sleep that never ends by itself and records the signal it was given. */
function recordingSleep(honoursSignal: boolean) {
	const calls: Array<{ ms: number; signal?: AbortSignal }> = [];
	const sleep = (ms: number, signal?: AbortSignal) => {
		calls.push({ ms, signal });
		return new Promise<void>((_, reject) => {
			if (honoursSignal) signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
		});
	};
	return { calls, sleep };
}

function pauseWith(workflow: Partial<typeof Workflow> & { sleepWithAbort?: unknown }): Pause {
	let loaded: Pause | undefined;
	jest.isolateModules(() => {
		jest.doMock('n8n-workflow', () => ({ ...actual, sleepWithAbort: undefined, ...workflow }));
		loaded = jest.requireActual<Pause>('../../nodes/RudderStack/run/pause');
	});
	jest.dontMock('n8n-workflow');
	return loaded!;
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<unknown> {
	return await Promise.race([promise.then(() => 'resolved', (error: unknown) => error), new Promise((resolve) => actual.sleep(ms).then(() => resolve('pending')))]);
}

describe.each([
	['n8n-workflow 1.98–2.33: sleepWithAbort(ms, signal)', 'sleepWithAbort', true],
	['n8n-workflow 2.34 and later: sleep(ms, signal)', 'sleep', true],
	['older n8n-workflow: sleep(ms) only', 'sleep', false],
] as const)('%s', (_name, exported, honoursSignal) => {
	it('waits through the form the release has, and a cancel ends the wait at once', async () => {
		const fake = recordingSleep(honoursSignal);
		const { pause, CancelledError } = pauseWith({ [exported]: fake.sleep } as Partial<typeof Workflow>);
		const controller = new AbortController();
		const waiting = pause(60_000, controller.signal);
		expect(await settlesWithin(waiting, 20)).toBe('pending');
		expect(fake.calls).toHaveLength(1);
		expect(fake.calls[0].ms).toBe(60_000);
		controller.abort();
		expect(await settlesWithin(waiting, 200)).toBeInstanceOf(CancelledError);
		// The abortable forms were handed a signal that aborted with the execution's, so they cleared their timer.
		if (honoursSignal) expect(fake.calls[0].signal?.aborted).toBe(true);
	});
});

it('on the installed n8n-workflow, a pause ends after its time when nothing cancels it', async () => {
	const { pause } = jest.requireActual<Pause>('../../nodes/RudderStack/run/pause');
	expect(await settlesWithin(pause(30, new AbortController().signal), 1000)).toBe('resolved');
});
