/**
 * Many items' joined fields in one n8n evaluation (manyItems.ts) against an oracle. A review wrote
 * these to break it; the faults they found are fixed, and each test is red without its fix.
 *
 * Each case runs the same items twice through n8n-core's real ExecuteContext:
 * - the node as it is;
 * - an oracle: the same node whose joined fields are all read with getNodeParameter, item by
 *   item (manyItemsReader mocked to read nothing), i.e. what n8n gives each item read alone.
 * What is sent (userId, event, properties, messageId) and what each item reports must be equal.
 */
import type { IDataObject, INodeType } from 'n8n-workflow';
import { DateTime } from 'luxon';

import { RudderStackDataPlaneApi } from '../../credentials/RudderStackDataPlaneApi.credentials';
import { jsonOf, runEvents } from '../harness';
import { DATA_PLANE_KEY, mock, track } from './dataPlaneSetup';
import { runInEngine } from '../engine';

const MANY = '../../nodes/RudderStack/actions/event/manyItems';
let Oracle: new () => INodeType;
jest.isolateModules(() => {
	jest.doMock(MANY, () => ({ ...jest.requireActual(MANY), manyItemsReader: () => () => undefined }));
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	Oracle = (require('../../nodes/RudderStack/RudderStack.node') as { RudderStack: new () => INodeType }).RudderStack;
});

const sentEvents = () => mock.events.map(({ userId, anonymousId, event, properties, messageId }) => ({ userId, anonymousId, event, properties, messageId }));

async function outcome(run: () => Promise<{ items: { json: IDataObject }[]; error?: Error }>) {
	mock.reset();
	const { items, error } = await run();
	return { error: error?.message, items: jsonOf(items as never), sent: sentEvents() };
}

/** The node and the oracle on fresh copies of the same items (code may change the items). */
async function both(parameters: IDataObject, makeItems: () => IDataObject[], extra: object = {}) {
	const node = await outcome(() => runEvents({ dataPlaneUrl: mock.url, writeKey: DATA_PLANE_KEY, parameters: parameters as never, items: makeItems(), ...extra }) as never);
	const n8n = await outcome(
		() =>
			runInEngine({
				nodeType: new Oracle(),
				credentialType: new RudderStackDataPlaneApi(),
				credentials: { dataPlaneUrl: mock.url, writeKey: DATA_PLANE_KEY },
				parameters: parameters as never,
				items: makeItems(),
				...extra,
			}) as never,
	);
	return { node, n8n };
}

const deals = (n: number, extra: (i: number) => IDataObject = () => ({})) =>
	Array.from({ length: n }, (_, i) => ({ user: `u${i}`, amount: i * 10, lines: [] as unknown[], ...extra(i) }));

describe('values: the node must send what n8n gives each item read alone', () => {
	// tournament leaves a name unrewritten where its parent is an arrow's expression body, a spread
	// or a computed key: read alone, `$json`/`$itemIndex` there is no name at all (n8n: undefined);
	// in the chunk it is the arrow parameter. The check only sees the chunk's first and last items.
	it.each([
		['an arrow whose body is $itemIndex', '={{ { amount: $json.amount, lines: $json.lines.map(() => $itemIndex) } }}'],
		['an arrow whose body is $json', '={{ { amount: $json.amount, lines: $json.lines.map((line) => $json).length } }}'],
		['a spread of $json', '={{ $json.lines.length ? { ...$json } : { amount: $json.amount } }}'],
		['a computed key [$itemIndex]', '={{ $json.lines.length ? { [$itemIndex]: $json.amount } : { amount: $json.amount } }}'],
	])('a name tournament leaves unbound (%s), in a middle item only, reads as n8n reads it alone', async (_, properties) => {
		const items = () => deals(6, (i) => ({ lines: i === 2 ? ['x'] : [] }));
		const { node, n8n } = await both(track({ userId: '={{ $json.user }}', properties }), items);
		expect(node).toEqual(n8n);
	});

	it('a name left unbound in the User ID fails the item as in n8n (item 2), not a user n8n does not give', async () => {
		const userId = '={{ $json.lines.length ? $json.lines.map(() => $itemIndex).join() : $json.user }}';
		const items = () => deals(5, (i) => ({ lines: i === 2 ? ['x'] : [] }));
		const { node, n8n } = await both(track({ userId, properties: '{}' }), items, { continueOnFail: true });
		expect(n8n.items[2].accepted).toBe(false); // n8n: undefined, so no user at all
		expect(node).toEqual(n8n);
	});

	// Writes the guard once let through (`<<=`, `>>=`, `>>>=`, `['push'](`): the chunk read each
	// item, the check read the first again, differed, and then every item was read a second time.
	it.each([
		['>>=', '={{ ($json.amount >>= 1, $json.user + ":" + $json.amount) }}'],
		["['push']", "={{ ($json.lines['push']('seen'), $json.user + ':' + $json.lines.length) }}"],
		['Object[\'assign\']', "={{ Object['assign']($json, { n: ($json.n ?? 0) + 1 }).user + ':' + $json.n }}"],
	])('code that writes (%s) runs once per item, as in n8n', async (_, userId) => {
		const { node, n8n } = await both(track({ userId, properties: '{}' }), () => deals(6, () => ({ amount: 64 })));
		expect(n8n.sent.map((e) => e.userId)).toEqual(n8n.sent.map((_, i) => expect.stringMatching(new RegExp(`^u${i}:`)))); // n8n: each item once
		expect(node.sent.map((e) => e.userId)).toEqual(n8n.sent.map((e) => e.userId));
	});

	// The clean-up (a Luxon date in an object made text) once changed the items themselves when a
	// field is `$json`; the check then read the first item again, on the changed item.
	it('items holding a Luxon date, with properties = $json, are not changed by the clean-up before they are read again', async () => {
		const items = () => deals(5, (i) => ({ at: DateTime.fromISO(`2026-01-0${i + 1}T10:00:00Z`, { zone: 'utc' }) }));
		const parameters = track({ userId: '={{ $json.user }}', event: "={{ 'Deal ' + $json.at.toFormat('yyyy-MM-dd') }}", properties: '={{ $json }}' });
		const { node, n8n } = await both(parameters, items, { continueOnFail: true });
		expect(n8n.items.every((item) => item.accepted === true)).toBe(true);
		expect(node).toEqual(n8n);
	});
});

describe('errors: each item fails or not as it does in n8n, with n8n\'s error', () => {
	// The chunk's clean-up runs on every row outside any try: a value whose clean-up throws (here
	// a circular item, as a Code node can hand on; n8n's own clean-up overflows the same way) in a
	// middle item throws out of the reading that the chunk's FIRST item asked for, so item 0 fails.
	const circular = () => {
		const items = deals(5);
		(items[2] as IDataObject).self = items[2];
		return items;
	};
	const parameters = track({ userId: '={{ $json.user }}', properties: '={{ $itemIndex === 2 ? $json : { amount: $json.amount } }}' });

	it('a middle item\'s value that n8n\'s clean-up cannot take (a cycle) fails that item only (Continue On Fail)', async () => {
		const { node, n8n } = await both(parameters, circular, { continueOnFail: true });
		expect(n8n.items.map((item) => item.accepted)).toEqual([true, true, false, true, true]);
		expect(node).toEqual(n8n);
	});

	it('the same without Continue On Fail fails with the same message', async () => {
		const node = await runEvents({ dataPlaneUrl: mock.url, writeKey: DATA_PLANE_KEY, parameters: parameters as never, items: circular() });
		const n8n = await runInEngine({ nodeType: new Oracle(), credentialType: new RudderStackDataPlaneApi(), credentials: { dataPlaneUrl: mock.url, writeKey: DATA_PLANE_KEY }, parameters: parameters as never, items: circular() });
		expect(n8n.error).toBeDefined();
		expect(node.error?.message).toBe(n8n.error?.message);
	});

	it('a BigInt in the chunk\'s last item (n8n makes it text)', async () => {
		const properties = '={{ { amount: $itemIndex === 4 ? BigInt($json.amount) : $json.amount } }}';
		const { node, n8n } = await both(track({ userId: '={{ $json.user }}', properties }), () => deals(5), { continueOnFail: true });
		expect(node).toEqual(n8n);
	});
});

describe('equal to n8n read alone', () => {
	const code = {
		userId: '={{ $json.user }}',
		event: '={{ "Deal " + ($itemIndex % 3 ? "won" : "lost") }}',
		properties:
			'={{ { amount: $json.amount, row: $itemIndex, up: $json.user.toUpperCase(), t: `${$json.user}-${$itemIndex}`, f: [1, 2].map(($itemIndex) => $itemIndex * 2), own: (({ amount }) => amount)($json), s: { $json }.$json.user, n: -0, nan: NaN, u: undefined, d: new Date(Date.UTC(2026, 0, 1)), when: DateTime.fromMillis(0, { zone: "utc" }), ret: (() => { return $itemIndex })() } }}',
	};
	it.each([4, 5, 499, 500, 501, 503, 504, 1001])('%i items', async (n) => {
		const { node, n8n } = await both(track(code), () => deals(n));
		expect(node.error).toBeUndefined();
		expect(node).toEqual(n8n);
	});

	it('combined binary mode', async () => {
		const { node, n8n } = await both(track(code), () => deals(7), { settings: { binaryMode: 'combined' } });
		expect(node).toEqual(n8n);
	});

	it.each([
		['Math.random', '={{ $json.user + Math.random() }}'],
		['a throw in a middle item', '={{ $json.user ?? "x".toNumber() }}'],
		['a top-level Luxon date', '={{ DateTime.fromMillis($itemIndex, { zone: "utc" }) }}'],
		['a function value in a middle item', '={{ $itemIndex === 2 ? (() => 1) : $json.user }}'],
		['globalThis', '={{ String(typeof globalThis) + $json.user }}'],
		['arguments', '={{ typeof arguments + $json.user }}'],
		['a line comment with a backtick pair', '={{ $json.user // `x` }}'],
		['a regex literal', '={{ /u\\d/.test($json.user) ? $json.user : "none" }}'],
	])('userId: %s', async (_, userId) => {
		const items = () => deals(6, (i) => (i === 3 ? { user: undefined } : {}));
		const { node, n8n } = await both(track({ userId, properties: '{}' }), items, { continueOnFail: true });
		if (userId.includes('random')) {
			expect(node.items.map((i) => i.accepted)).toEqual(n8n.items.map((i) => i.accepted));
			return;
		}
		expect(node).toEqual(n8n);
	});
});
