import { RequestPacer } from '../../nodes/RudderStack/transport/pacer';
import { fakeApi, resetNock, sync } from '../fakeApi';
import { FAST, jsonOf, params, runNode, runNodeError, runNodeWithLogs, TOKEN } from '../harness';
import { mostTurnsOfAnotherWhileWaiting, type TurnEvent } from './turns';

beforeEach(resetNock);
afterAll(resetNock);

const base = (id: string) => `/v2/retl-connections/${id}`;
const byItem = { connectionId: '={{ $json.connection }}' };

/** A connection whose sync runs for `polls` status requests before ending with `final`. */
function scriptSync(api: ReturnType<typeof fakeApi>, id: string, polls: number, final = sync('succeeded', { id: `sync-${id}` })) {
	api.scope.post(`${base(id)}/start`).reply(200, { syncId: `sync-${id}` });
	if (polls > 0) api.scope.get(`${base(id)}/syncs/sync-${id}`).times(polls).reply(200, sync('running', { id: `sync-${id}` }));
	api.scope.get(`${base(id)}/syncs/sync-${id}`).reply(200, final);
}

describe('many items', () => {
	it('keeps output order and pairing when later items finish first', async () => {
		const api = fakeApi();
		scriptSync(api, 'slow', 6);
		scriptSync(api, 'fast', 0);
		scriptSync(api, 'mid', 2);
		const items = await runNode({ items: [{ connection: 'slow' }, { connection: 'fast' }, { connection: 'mid' }], parameters: params('retl', 'start', { ...byItem, options: FAST }) });
		expect(items.map((i) => [i.json.connectionId, i.json.syncId, i.pairedItem])).toEqual([
			['slow', 'sync-slow', { item: 0 }],
			['fast', 'sync-fast', { item: 1 }],
			['mid', 'sync-mid', { item: 2 }],
		]);
	});

	it('runs items concurrently: all starts go out before the first run ends', async () => {
		const api = fakeApi();
		for (const id of ['a', 'b', 'c']) scriptSync(api, id, 3);
		await runNode({ items: [{ connection: 'a' }, { connection: 'b' }, { connection: 'c' }], parameters: params('retl', 'start', { ...byItem, options: { pollInterval: 0.05 } }) });
		const lines = api.lines();
		const lastStart = Math.max(...['a', 'b', 'c'].map((id) => lines.indexOf(`POST ${base(id)}/start`)));
		expect(lastStart).toBeLessThan(lines.indexOf(`GET ${base('a')}/syncs/sync-a`) + 3);
	});

	it('concurrency 1 handles items one after another', async () => {
		const api = fakeApi();
		for (const id of ['a', 'b']) scriptSync(api, id, 2);
		await runNode({ items: [{ connection: 'a' }, { connection: 'b' }], parameters: params('retl', 'start', { ...byItem, options: { ...FAST, concurrency: 1 } }) });
		expect(api.lines()).toEqual([
			`POST ${base('a')}/start`,
			...Array(3).fill(`GET ${base('a')}/syncs/sync-a`),
			`POST ${base('b')}/start`,
			...Array(3).fill(`GET ${base('b')}/syncs/sync-b`),
		]);
	});

	it('Continue On Fail: a failed item becomes an error item with its ids, the others go on', async () => {
		const api = fakeApi();
		scriptSync(api, 'ok1', 1);
		scriptSync(api, 'bad', 0, sync('failed', { id: 'sync-bad', error: 'Destination connection failed' }));
		scriptSync(api, 'ok2', 1);
		const items = await runNode({
			continueOnFail: true,
			items: [{ connection: 'ok1' }, { connection: 'bad' }, { connection: '' }, { connection: 'ok2' }],
			parameters: params('retl', 'start', { ...byItem, options: FAST }),
		});
		expect(jsonOf(items).map((j) => j.error ?? j.status)).toEqual([
			'succeeded',
			'Sync for retl connection: bad, syncId: sync-bad failed with error: Destination connection failed',
			'The connection id is required: "connectionId" is empty',
			'succeeded',
		]);
		expect(items[1].json).toMatchObject({ connectionId: 'bad', syncId: 'sync-bad' });
		expect(items.map((i) => i.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
	});

	it('without Continue On Fail, a bad input fails the node before any request', async () => {
		const api = fakeApi();
		const error = await runNodeError({ items: [{ connection: 'a' }, { connection: '' }], parameters: params('retl', 'start', { ...byItem, options: FAST }) });
		expect(error.message).toContain('connection id is required');
		expect((error as { context?: { itemIndex?: number } }).context?.itemIndex).toBe(1);
		expect(api.requests).toHaveLength(0);
	});

	it('fails fast: the first failure stops the others polling and no new start is sent', async () => {
		const api = fakeApi();
		scriptSync(api, 'bad', 0, sync('failed', { id: 'sync-bad', error: 'boom' }));
		api.scope.post(`${base('long')}/start`).reply(200, { syncId: 'sync-long' });
		api.scope.get(`${base('long')}/syncs/sync-long`).times(100).reply(200, sync('running'));
		const began = Date.now();
		const error = await runNodeError({
			items: [{ connection: 'bad' }, { connection: 'long' }, { connection: 'never' }],
			parameters: params('retl', 'start', { ...byItem, options: { pollInterval: 0.2, concurrency: 2 } }),
		});
		expect(error.message).toBe('Sync for retl connection: bad, syncId: sync-bad failed with error: boom');
		expect(Date.now() - began).toBeLessThan(1000);
		expect(api.lines()).not.toContain(`POST ${base('never')}/start`);
		expect(api.lines().filter((l) => l.includes('sync-long')).length).toBeLessThanOrEqual(2);
	});

	it('items aimed at the same connection and sync type share one sync, and say so', async () => {
		const api = fakeApi();
		scriptSync(api, 'same', 1);
		scriptSync(api, 'other', 0);
		const items = await runNode({
			items: [{ connection: 'same' }, { connection: 'other' }, { connection: 'same' }],
			parameters: params('retl', 'start', { ...byItem, options: FAST }),
		});
		expect(api.lines().filter((l) => l.startsWith('POST'))).toEqual([`POST ${base('same')}/start`, `POST ${base('other')}/start`]);
		expect(items.map((i) => [i.json.syncId, i.json.sharedWithItems])).toEqual([
			['sync-same', [0, 2]],
			['sync-other', undefined],
			['sync-same', [0, 2]],
		]);
	});

	it('keeps all polls of one execution under the request ceiling', async () => {
		const api = fakeApi();
		const ids = Array.from({ length: 20 }, (_, i) => `c${i}`);
		for (const id of ids) scriptSync(api, id, 3);
		await runNode({ items: ids.map((connection) => ({ connection })), parameters: params('retl', 'start', { ...byItem, options: { pollInterval: 0.01, concurrency: 20 } }) });
		expect(api.requests).toHaveLength(100);
		const times = api.requests.map((r) => r.at);
		const busiestSecond = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
		expect(busiestSecond).toBeLessThanOrEqual(51);
		// 100 requests at 50 a second: the second 50 wait until the first are a second old.
		expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(1000);
	});

	it('a 429 holds back every request, also those already waiting for their turn', async () => {
		const api = fakeApi();
		// A ceiling of 2 per second: a's and b's starts go at once, c's waits for its turn; a's
		// start gets a 429 whose cool-down (1.5 s) ends after that turn would have come (1.05 s).
		api.scope.post(`${base('a')}/start`).reply(429, { error: 'slow down' }, { 'Retry-After': '1.5' });
		for (const id of ['a', 'b', 'c']) scriptSync(api, id, 0);
		await runNode({ items: ['a', 'b', 'c'].map((connection) => ({ connection })), parameters: params('retl', 'start', { ...byItem, options: { ...FAST, maxRequestsPerSecond: 2 } }) });
		const first = api.requests[0];
		const later = api.requests.filter((r) => r !== first && !(r.method === 'POST' && r.path === `${base('b')}/start`));
		expect(later).toHaveLength(5);
		expect(later.map((r) => r.at - first.at).filter((delay) => delay < 1450)).toEqual([]);
	});

	it('by default every item runs at once: all starts go out before any run ends', async () => {
		const api = fakeApi();
		const ids = Array.from({ length: 15 }, (_, i) => `c${i}`);
		for (const id of ids) scriptSync(api, id, 1);
		await runNode({ items: ids.map((connection) => ({ connection })), parameters: params('retl', 'start', { ...byItem, options: FAST }) });
		expect(api.lines().slice(0, ids.length)).toEqual(ids.map((id) => `POST ${base(id)}/start`));
	});

	// Item a polls slower than the others: every 0.3 s, or every 1.1 s, longer than the others'
	// spacing of polls over their beat (the pacer spaces a's polls too), still shorter than its share.
	it.each([
		{ slow: 0.3, fast: 0.05, running: 2 },
		{ slow: 1.1, fast: 0.01, running: 3 },
	])('shares a ceiling too low for the demand fairly: while an item waits for its turn, no other item gets two (item a every $slow s, the others every $fast s)', async ({ slow, fast, running }) => {
		// Every ask and every turn, in the order they happen, by lane (each item has its own).
		const events: TurnEvent<RequestPacer>[] = [];
		const waitForTurn = RequestPacer.prototype.waitForTurn;
		jest.spyOn(RequestPacer.prototype, 'waitForTurn').mockImplementation(async function (this: RequestPacer, ...args) {
			events.push({ lane: this, kind: 'ask' });
			const turn = await waitForTurn.apply(this, args);
			events.push({ lane: this, kind: 'turn' });
			return turn;
		});
		const api = fakeApi();
		// 12 items under a ceiling of 10 a second: each second, two of the items that ask get no
		// turn. The others poll every 0.05 s; item a every 0.3 s, so it asks again later than
		// they do, yet before the turn that is its own.
		const ids = ['a', ...Array.from({ length: 11 }, (_, i) => `i${i}`)];
		for (const id of ids) scriptSync(api, id, running);
		const items = ids.map((connection) => ({ connection, interval: connection === 'a' ? slow : fast }));
		await runNode({ items, parameters: params('retl', 'start', { ...byItem, options: { pollInterval: '={{ $json.interval }}', maxRequestsPerSecond: 10 } }) });
		jest.restoreAllMocks();
		expect(api.requests).toHaveLength(ids.length * (running + 2));
		const times = api.requests.map((r) => r.at);
		expect(Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length))).toBeLessThanOrEqual(10);
		// The demand did exceed the ceiling: some asks waited for a later second.
		expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(2000);
		expect(mostTurnsOfAnotherWhileWaiting(events)).toBe(1);
		// No start waited while a poll had its turn: every turn before a lane's first is a start.
		const firstTurns = new Set<number>();
		const seen = new Set<RequestPacer>();
		events.forEach((event, at) => {
			if (event.kind !== 'turn' || seen.has(event.lane)) return;
			firstTurns.add(at);
			seen.add(event.lane);
		});
		const lastStart = Math.max(...firstTurns);
		expect(events.slice(0, lastStart).filter((event, at) => event.kind === 'turn' && !firstTurns.has(at))).toEqual([]);
	});

	it('spreads a round of polls that the ceiling cannot give every interval over one interval, not all at one instant', async () => {
		// 10 items polling every 0.2 s under 10 requests a second: each gets a poll a second, and
		// the first round, due together when the starts' places free, goes out 20 ms apart. All at
		// once, every item would poll at the same instant of each second.
		const api = fakeApi();
		const ids = Array.from({ length: 10 }, (_, i) => `c${i}`);
		for (const id of ids) scriptSync(api, id, 1);
		await runNode({ items: ids.map((connection) => ({ connection })), parameters: params('retl', 'start', { ...byItem, options: { pollInterval: 0.2, maxRequestsPerSecond: 10 } }) });
		const firstRound = api.requests.filter((r) => r.method === 'GET').map((r) => r.at).sort((x, y) => x - y).slice(0, ids.length);
		// Spread over about 180 ms (arrival times jitter on a loaded machine; all at once is within a few ms).
		expect(firstRound[ids.length - 1] - firstRound[0]).toBeGreaterThanOrEqual(120);
		expect(firstRound[ids.length - 1] - firstRound[0]).toBeLessThan(200 + 60);
	});

	it('never lets the spacing of polls hold a poll past its Timeout: a run that ended is reported as ended', async () => {
		// 8 items polling every 0.3 s under 20 a second (each gets a poll every 0.4 s, so polls are
		// spaced 38 ms apart) with a Timeout of 0.55 s: the first polls are due at about 0.5 s, with
		// places free. Spaced, the last of them would come after the Timeout, and a run that had
		// succeeded would read as timed out.
		const api = fakeApi();
		const ids = Array.from({ length: 8 }, (_, i) => `c${i}`);
		for (const id of ids) scriptSync(api, id, 0);
		const { items } = await runNodeWithLogs({
			continueOnFail: true,
			items: ids.map((connection) => ({ connection })),
			parameters: params('retl', 'start', { ...byItem, options: { pollInterval: 0.3, timeout: 0.55, maxRequestsPerSecond: 20 } }),
		});
		expect(items.map((item) => item.json.error ?? item.json.status)).toEqual(ids.map(() => 'succeeded'));
	});

	it('the token appears in no item, error item or log', async () => {
		const api = fakeApi();
		scriptSync(api, 'ok', 0);
		api.scope.post(`${base('denied')}/start`).reply(403, { error: 'Forbidden', echoed: `Bearer ${TOKEN}` });
		const { items, logs } = await runNodeWithLogs({
			continueOnFail: true,
			items: [{ connection: 'ok' }, { connection: 'denied' }],
			parameters: params('retl', 'start', { ...byItem, options: FAST }),
		});
		expect(items[1].json.error).toBe('RudderStack answered 403: Forbidden');
		expect(JSON.stringify({ items, logs })).not.toContain(TOKEN);
	});
});
