/**
 * The RudderStack Trigger: poll() through n8n-core's real PollContext against the mock RudderStack
 * over real HTTP. Syncs are started the way RudderStack's own schedule would (not by n8n), and
 * their times are set on the mock's runs, so no verdict depends on the machine's speed.
 */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { later } from '../clock';
import { pollTrigger } from '../harness';
import { createMockRudderStack, type MockRudderStack } from '../mock/rudderstack-mock';

const TOKEN = 'trigger-test-token';
const HOUR = 3_600_000;
const LONG = { runMs: 100 * HOUR };

let mock: MockRudderStack;
beforeAll(async () => {
	mock = createMockRudderStack({ token: TOKEN, syncOrder: 'newestFirst' });
	await mock.start();
});
afterAll(async () => await mock.stop());
beforeEach(() => mock.reset());

const params = (connectionId: string, rest: IDataObject = {}): INodeParameters => ({ connectionId: { __rl: true, mode: 'id', value: connectionId }, events: ['succeeded', 'failed'], ...rest });

async function poll(connectionId: string, staticData?: IDataObject, rest: IDataObject = {}, mode: 'trigger' | 'manual' = 'trigger') {
	return await pollTrigger({ parameters: params(connectionId, rest), credentials: { host: mock.url, accessToken: TOKEN }, staticData, mode });
}

/** A sync in RudderStack started `agoMs` ago; `endedAgoMs` ends it, else it keeps running. */
function addSync(connectionId: string, id: string, agoMs: number, endedAgoMs?: number) {
	const now = Date.now();
	const list = mock.runs.get(connectionId) ?? [];
	const run = { kind: 'retl', targetId: connectionId, id, startedAt: now - agoMs, ...(endedAgoMs === undefined ? {} : { endsAt: now - endedAgoMs }) };
	list.push(run);
	list.sort((a, b) => a.startedAt - b.startedAt);
	mock.runs.set(connectionId, list);
	return run;
}

/** Starts a sync over HTTP, as RudderStack's schedule or dashboard would. */
async function scheduledStart(connectionId: string): Promise<string> {
	const answer = await fetch(`${mock.url}/v2/retl-connections/${connectionId}/start`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: '{}' });
	return ((await answer.json()) as { syncId: string }).syncId;
}

const ids = (output: { json: IDataObject }[][] | null) => (output ?? []).flat().map((item) => item.json.syncId);
const listRequests = (connectionId: string) => mock.requests.filter((r) => r.path.startsWith(`/v2/retl-connections/${connectionId}/syncs`)).map((r) => r.path);

/** Activation: the first poll, which sets the cursor and emits nothing. */
async function activate(connectionId: string, rest: IDataObject = {}) {
	const first = await poll(connectionId, undefined, rest);
	expect(first.error).toBeUndefined();
	expect(first.output).toBeNull();
	return first.staticData;
}

describe('RudderStack Trigger', () => {
	it('the first poll after activation emits nothing and leaves out the syncs already over', async () => {
		mock.script('c1', LONG);
		addSync('c1', 'old_ok', 3 * HOUR, 2 * HOUR);
		addSync('c1', 'old_failed', 2 * HOUR, HOUR);
		const data = await activate('c1');
		const after = await poll('c1', data);
		expect(after.error).toBeUndefined();
		expect(after.output).toBeNull();
	});

	it('emits each sync that ended since the last poll once, oldest first, with the fields of Get', async () => {
		mock.script('c2', LONG);
		let data = await activate('c2');
		addSync('c2', 'a', 5000, 4000);
		addSync('c2', 'b', 3000, 2000);
		const second = await poll('c2', data);
		expect(second.error).toBeUndefined();
		expect(ids(second.output)).toEqual(['a', 'b']);
		const [a] = second.output![0].map((item) => item.json);
		expect(a).toEqual({
			connectionId: 'c2',
			syncId: 'a',
			id: 'a',
			status: 'succeeded',
			error: null,
			startedAt: expect.any(String),
			finishedAt: expect.any(String),
			metrics: { total: 100, succeeded: { total: 100 }, failed: { total: 0 }, changed: { total: 5 } },
			event: 'succeeded',
			reason: null,
		});
		data = second.staticData;
		expect((await poll('c2', data)).output).toBeNull();
		// A sync that starts and ends between two polls.
		const syncId = await scheduledStart('c2');
		mock.end('c2');
		const third = await poll('c2', data);
		expect(ids(third.output)).toEqual([syncId]);
		expect((await poll('c2', third.staticData)).output).toBeNull();
	});

	it('a sync running at activation is emitted when it ends, also one that started long before (fetched by id)', async () => {
		mock.script('c3', LONG);
		addSync('c3', 'ancient', 30 * HOUR);
		addSync('c3', 'older_done', 2 * HOUR, HOUR);
		let data = await activate('c3');
		expect(listRequests('c3').some((path) => path.includes('status=running'))).toBe(true);
		const still = await poll('c3', data);
		expect(still.output).toBeNull();
		data = still.staticData;
		mock.end('c3');
		const ended = await poll('c3', data);
		expect(ids(ended.output)).toEqual(['ancient']);
		expect(ended.output![0][0].json.status).toBe('succeeded');
		expect(listRequests('c3')).toContain('/v2/retl-connections/c3/syncs/ancient');
		expect((await poll('c3', ended.staticData)).output).toBeNull();
	});

	it('a sync running at the last poll is watched: it ends before a newer one, and both come once, in order', async () => {
		mock.script('c4', LONG);
		let data = await activate('c4');
		const first = addSync('c4', 'first', 60_000);
		const seen = await poll('c4', data);
		expect(seen.output).toBeNull();
		data = seen.staticData;
		expect((data['node:RudderStack Trigger'] as IDataObject).cursor).toMatchObject({ watch: [['first', new Date(first.startedAt).toISOString()]] });
		first.endsAt = Date.now() - 30_000;
		addSync('c4', 'second', 20_000, 10_000);
		const both = await poll('c4', data);
		expect(ids(both.output)).toEqual(['first', 'second']);
		expect((await poll('c4', both.staticData)).output).toBeNull();
	});

	it('reads every page of the list, keeping its filter, and the cursor stays small', async () => {
		mock.script('c5', LONG);
		const data = await activate('c5');
		// Hours ago (the activation cursor reaches 24 h back), so that a later sync can start well after them and not in the future.
		for (let i = 0; i < 250; i++) addSync('c5', `s${String(i).padStart(3, '0')}`, 2 * HOUR + (300 - i) * 1000, 2 * HOUR + (299 - i) * 1000);
		mock.requests.length = 0;
		const all = await poll('c5', data);
		expect(all.error).toBeUndefined();
		expect(ids(all.output)).toEqual(Array.from({ length: 250 }, (_, i) => `s${String(i).padStart(3, '0')}`));
		const pages = listRequests('c5');
		expect(pages).toHaveLength(3);
		for (const path of pages) expect(path).toMatch(/started_after=.*per_page=100/);
		expect(pages.map((path) => new URL(path, 'http://x').searchParams.get('page'))).toEqual([null, '2', '3']);
		expect(JSON.stringify(all.staticData).length).toBeLessThan(12_000);
		for (let i = 0; i < 250; i++) addSync('c5', `t${String(i).padStart(3, '0')}`, HOUR + 40_000 - i * 100, HOUR + 40_000 - i * 100 - 50);
		const more = await poll('c5', all.staticData);
		expect(ids(more.output)).toHaveLength(250);
		// Bounded by the syncs inside the window, not by all seen (500 here).
		expect(((more.staticData['node:RudderStack Trigger'] as IDataObject).cursor as IDataObject).done).toHaveLength(200);
		expect((await poll('c5', more.staticData)).output).toBeNull();
		// A sync that starts well after them leaves them all outside the window: the cursor shrinks again.
		addSync('c5', 'later', 60_000, 1);
		const later = await poll('c5', more.staticData);
		expect(ids(later.output)).toEqual(['later']);
		const cursor = (later.staticData['node:RudderStack Trigger'] as IDataObject).cursor as IDataObject;
		expect(cursor).toEqual({ connectionId: 'c5', since: expect.any(String), watch: [], done: [['later', expect.any(String)]] });
	});

	it('a poll that fails leaves the cursor as it was: the sync comes once, on the next poll', async () => {
		mock.script('c6', LONG);
		const data = await activate('c6');
		addSync('c6', 'x', 5000, 4000);
		mock.script('c6', { ...LONG, faults: { syncs: Array(4).fill({ status: 503, retryAfter: 0 }) } });
		const failed = await poll('c6', data);
		expect(failed.error?.message).toBe('RudderStack answered 503: mock fault 503');
		expect(failed.output).toBeNull();
		expect(failed.staticData).toEqual(data);
		const retried = await poll('c6', data);
		expect(ids(retried.output)).toEqual(['x']);
		expect((await poll('c6', retried.staticData)).output).toBeNull();
	});

	it('a 429 or 5xx inside one poll is retried; the sync comes once', async () => {
		mock.script('c7', LONG);
		const data = await activate('c7');
		addSync('c7', 'y', 5000, 4000);
		mock.script('c7', { ...LONG, faults: { syncs: [{ status: 429, retryAfter: 0 }, { status: 502, retryAfter: 0 }] } });
		const polled = await poll('c7', data);
		expect(polled.error).toBeUndefined();
		expect(ids(polled.output)).toEqual(['y']);
		expect(listRequests('c7').length).toBe(3 + 2);
	});

	it('bad input fails before any request, and a wrong token fails activation clearly', async () => {
		const empty = await poll('  ');
		expect(empty.error?.message).toBe('The connection id is required: "connectionId" is empty');
		const noEvents = await poll('c8', undefined, { events: [] });
		expect(noEvents.error?.message).toMatch(/^Choose at least one event/);
		const rows = await poll('c8', undefined, { options: { maxFailedRows: -1 } });
		expect(rows.error?.message).toMatch(/^Option "maxFailedRows" must be a whole number 0 or more/);
		expect(mock.requests).toHaveLength(0);
		const denied = await pollTrigger({ parameters: params('c8'), credentials: { host: mock.url, accessToken: 'wrong' } });
		expect(denied.error?.message).toBe('RudderStack answered 401: Invalid access token');
	});

	it('after a restart with the static data n8n kept, nothing is lost or repeated', async () => {
		mock.script('c9', LONG);
		const saved = await activate('c9'); // n8n saves static data after activation
		addSync('c9', 'during', 10_000);
		const running = await poll('c9', saved);
		expect(running.output).toBeNull(); // returns null: n8n does not save, so `saved` is what a restart loads
		mock.end('c9');
		addSync('c9', 'while_down', 5000, 4000);
		const restarted = await poll('c9', saved);
		expect(ids(restarted.output)).toEqual(['during', 'while_down']);
		const again = await poll('c9', restarted.staticData); // saved on emit; a second restart
		expect(again.output).toBeNull();
	});

	it('counts a success above Max Failed Rows as failed, and emits only the chosen events', async () => {
		mock.script('c10', { ...LONG, outcome: 'failedRows', failedRows: 7 });
		const onlyFailed = { events: ['failed'], options: { maxFailedRows: 5 } };
		const data = await activate('c10', onlyFailed);
		addSync('c10', 'rows', 5000, 4000);
		const failed = await poll('c10', data, onlyFailed);
		expect(failed.output![0].map((item) => item.json)).toEqual([
			expect.objectContaining({ syncId: 'rows', status: 'succeeded', event: 'failed', reason: '7 of 100 rows failed, more than the allowed 5 (maxFailedRows)' }),
		]);
		const onlySucceeded = await poll('c10', data, { events: ['succeeded'], options: { maxFailedRows: 5 } });
		expect(onlySucceeded.output).toBeNull();
		const withoutLimit = await poll('c10', data, { events: ['succeeded'] });
		expect(ids(withoutLimit.output)).toEqual(['rows']);
	});

	it('manual mode ("Fetch test event") emits the latest ended sync and moves no cursor', async () => {
		mock.script('c11', LONG);
		const none = await poll('c11', undefined, {}, 'manual');
		expect(none.error?.message).toBe('RudderStack lists no ended sync of retl connection c11 yet; once one has ended, it shows here');
		addSync('c11', 'older', 3 * HOUR, 2 * HOUR);
		addSync('c11', 'latest', 2 * HOUR, HOUR);
		addSync('c11', 'running', 1000);
		const data = await activate('c11');
		const manual = await poll('c11', data, {}, 'manual');
		expect(ids(manual.output)).toEqual(['latest']);
		expect(manual.changed).toBe(false);
		expect(manual.staticData).toEqual(data);
		expect(await poll('c11', undefined, {}, 'manual')).toMatchObject({ staticData: {}, changed: false });
	});

	it('a second poll while the first still waits for RudderStack is skipped, so nothing is emitted twice', async () => {
		mock.script('c12', LONG);
		const data = await activate('c12');
		addSync('c12', 'z', 5000, 4000);
		mock.script('c12', { ...LONG, faults: { syncs: [{ delayMs: 400 }] } });
		const [one, two] = await Promise.all([poll('c12', data), later(100).then(() => poll('c12', data))]);
		expect([...ids(one.output), ...ids(two.output)]).toEqual(['z']);
	});

	it('RudderStack\'s clock hours ahead of this one loses and repeats nothing', async () => {
		mock.script('c13', LONG);
		addSync('c13', 'future_done', -2 * HOUR, 1); // RudderStack says it started in 2 h; it is over
		const data = await activate('c13');
		addSync('c13', 'future_new', -3 * HOUR, 1);
		const next = await poll('c13', data);
		expect(ids(next.output)).toEqual(['future_new']);
		expect((await poll('c13', next.staticData)).output).toBeNull();
	});
});
