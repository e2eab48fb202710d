/**
 * The Event resource through n8n-core's real execution context, against the mock data plane over
 * real HTTP: the six calls, batching (order, the 4 MB split), retries with the same messageIds,
 * per-item validation before anything is sent, and the write-key rules.
 */
import { createHash } from 'node:crypto';

import { CredentialTestContext } from 'n8n-core';
import type { IDataObject } from 'n8n-workflow';

import { wholeExpressionCode } from '../../nodes/RudderStack/actions/event/build';
import { RudderStack } from '../../nodes/RudderStack/RudderStack.node';
import { createMockDataPlane, MAX_REQUEST_BYTES, type MockDataPlane } from '../mock/dataplane-mock';
import { jsonOf, runEvents, WRITE_KEY } from '../harness';
import { counting } from './counting';

const FAST = { retryDelay: 0.01 };
let mock: MockDataPlane;

beforeAll(async () => {
	mock = createMockDataPlane({ writeKey: WRITE_KEY });
	await mock.start();
});
afterAll(async () => await mock.stop());
beforeEach(() => mock.reset());

const event = (operation: string, rest: IDataObject = {}) => ({ resource: 'event', operation, ...rest });
const track = (rest: IDataObject = {}) => event('track', { userId: '={{ $json.user }}', event: 'Deal Won', properties: '={{ $json.props ?? {} }}', options: FAST, ...rest });
const send = async (parameters: IDataObject, items?: IDataObject[], extra: object = {}) => await runEvents({ dataPlaneUrl: mock.url, parameters: parameters as never, items, ...extra });
const bodies = () => mock.requests.map((r) => JSON.parse(r.body as string) as { batch: IDataObject[] });
const users = (n: number, props: IDataObject = {}) => Array.from({ length: n }, (_, i) => ({ user: `u${i}`, props: { i, ...props } }));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('event operations', () => {
	it('track: one POST /v1/batch with Basic auth (write key, empty password), one accepted item per input item', async () => {
		const { items, error } = await send(track(), [{ user: 'u1', props: { amount: 5 } }]);
		expect(error).toBeUndefined();
		expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/batch']);
		expect(mock.requests[0].headers.authorization).toBe(`Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`);
		const [sent] = bodies()[0].batch;
		expect(sent).toMatchObject({ type: 'track', userId: 'u1', event: 'Deal Won', properties: { amount: 5 }, context: { library: { name: 'n8n-nodes-rudderstack' } } });
		expect(jsonOf(items)).toEqual([{ type: 'track', messageId: sent.messageId, accepted: true }]);
		expect(sent.messageId).toMatch(UUID);
		expect(items[0].pairedItem).toEqual({ item: 0 });
	});

	it.each([
		['identify', { traits: '{"plan":"pro"}' }, { type: 'identify', userId: 'u1', context: { traits: { plan: 'pro' } } }],
		['page', { name: 'Pricing', properties: '{"path":"/pricing"}' }, { type: 'page', name: 'Pricing', properties: { path: '/pricing' } }],
		['screen', { name: 'Home', properties: '{"tab":1}' }, { type: 'screen', name: 'Home', properties: { tab: 1 } }],
		['group', { groupId: 'acme', traits: '{"employees":40}' }, { type: 'group', groupId: 'acme', traits: { employees: 40 } }],
		['alias', { previousId: 'anon-9' }, { type: 'alias', userId: 'u1', previousId: 'anon-9' }],
	])('%s sends its own fields', async (operation, fields, expected) => {
		const { items, error } = await send(event(operation, { userId: 'u1', ...fields }));
		expect(error).toBeUndefined();
		expect(bodies()[0].batch[0]).toMatchObject(expected);
		expect(items[0].json).toMatchObject({ type: operation, accepted: true });
	});

	it('properties, traits and context take JSON or key/value pairs (pairs win); options timestamp, messageId, integrations', async () => {
		const { error } = await send(
			track({
				properties: '{"plan":"free","seats":2}',
				propertyPairs: { pair: [{ key: 'plan', value: 'pro' }, { key: 'source', value: 'crm' }] },
				options: { ...FAST, context: { ip: '10.0.0.1' }, contextPairs: { pair: [{ key: 'locale', value: 'de-DE' }] }, timestamp: '2026-01-02T03:04:05Z', messageId: 'my-id-1', integrations: '{"All":false,"Amplitude":true}' },
			}),
			[{ user: 'u1' }],
		);
		expect(error).toBeUndefined();
		expect(bodies()[0].batch[0]).toMatchObject({
			properties: { plan: 'pro', seats: 2, source: 'crm' },
			context: { ip: '10.0.0.1', locale: 'de-DE', library: { name: 'n8n-nodes-rudderstack' } },
			timestamp: '2026-01-02T03:04:05.000Z',
			messageId: 'my-id-1',
			integrations: { All: false, Amplitude: true },
		});
	});

	it('messageId: derived per item before the first send, the same for the same execution and input, different between items', async () => {
		const first = await send(track(), users(3));
		const again = await send(track(), users(3));
		const ids = jsonOf(first.items).map((j) => j.messageId);
		expect(new Set(ids).size).toBe(3);
		expect(jsonOf(again.items).map((j) => j.messageId)).toEqual(ids);
		const other = await send(track({ event: 'Deal Lost' }), users(3));
		expect(jsonOf(other.items).map((j) => j.messageId)).not.toContain(ids[0]);
	});

	it('messageId: the derivation stays what earlier versions sent, so a re-run after an upgrade is still deduplicated', async () => {
		const { error } = await send(track(), users(2), { runIndex: 1 });
		expect(error).toBeUndefined();
		expect(mock.requests).toHaveLength(1);
		const sent = JSON.parse(mock.requests[0].body as string) as { batch: IDataObject[] };
		sent.batch.forEach((arrived, itemIndex) => {
			const { messageId, ...withoutId } = arrived;
			// sha256 of JSON.stringify([executionId, nodeId, runIndex, itemIndex, event]), shaped as a version-5 UUID.
			const hex = createHash('sha256').update(JSON.stringify(['exec-1', 'node-1', 1, itemIndex, withoutId])).digest('hex');
			const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
			expect(messageId).toBe(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`);
			expect(Object.keys(arrived).pop()).toBe('messageId');
		});
	});

	it('messageId: a second run of the node in the same execution (a loop, another tool call) gets other ids for the same input', async () => {
		const first = await send(track(), users(2));
		const second = await send(track(), users(2), { runIndex: 1 });
		const secondAgain = await send(track(), users(2), { runIndex: 1 });
		const ids = jsonOf(first.items).map((j) => j.messageId);
		const secondIds = jsonOf(second.items).map((j) => j.messageId);
		expect(secondIds.filter((id) => ids.includes(id))).toEqual([]);
		expect(jsonOf(secondAgain.items).map((j) => j.messageId)).toEqual(secondIds);
	});
});

describe('batching', () => {
	it('many items go out in one request, in input order, with one output item each in the same order', async () => {
		const { items, error } = await send(track(), users(500));
		expect(error).toBeUndefined();
		expect(mock.requests).toHaveLength(1);
		expect(bodies()[0].batch.map((e) => e.userId)).toEqual(users(500).map((u) => u.user));
		expect(jsonOf(items).map((j) => j.messageId)).toEqual(bodies()[0].batch.map((e) => e.messageId));
		expect(items.map((i) => i.pairedItem)).toEqual(users(500).map((_, item) => ({ item })));
	});

	it('splits at 4 MB: every request under the limit, as few as fit, all events once and in order', async () => {
		const filler = 'x'.repeat(30 * 1024); // about 30 KB per event, under the 32 KB limit
		const { items, error } = await send(track(), users(300, { filler }));
		expect(error).toBeUndefined();
		const sizes = mock.requests.map((r) => r.bytes);
		const total = sizes.reduce((a, b) => a + b, 0);
		expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
		expect(mock.requests.length).toBe(Math.ceil(total / MAX_REQUEST_BYTES));
		expect(mock.requests.every((r) => r.accepted > 0)).toBe(true);
		expect(mock.events.map((e) => e.userId)).toEqual(users(300).map((u) => u.user));
		expect(items.every((i) => i.json.accepted === true)).toBe(true);
	});

	it('429 and 5xx are retried with the same body (the same messageIds), and Retry-After is waited for', async () => {
		mock.fault({ status: 503 }, { status: 429, retryAfter: 2 });
		const { items, error } = await send(track(), users(20));
		expect(error).toBeUndefined();
		expect(mock.requests).toHaveLength(3);
		expect(new Set(mock.requests.map((r) => r.body)).size).toBe(1);
		// The backoff alone would be about 20 ms (retryDelay 0.01 s); only Retry-After makes it 2 s.
		expect(mock.requests[2].at - mock.requests[1].at).toBeGreaterThanOrEqual(1950);
		expect(items.every((i) => i.json.accepted === true)).toBe(true);
		expect(mock.events).toHaveLength(20);
	});

	it.each([400, 401, 404, 413])('never retries a %i; the step fails with the status and the plain-text answer', async (status) => {
		mock.fault({ status, body: `nope ${status}` });
		const { error } = await send(track(), users(2));
		expect(mock.requests).toHaveLength(1);
		expect(error?.message).toBe(`RudderStack answered ${status}: nope ${status}`);
	});

	it('gives up after maxRetries and says which items the failed batch held and what was accepted before', async () => {
		mock.fault(...Array(4).fill({ status: 502 }));
		const { error } = await send(track(), users(3));
		expect(mock.requests).toHaveLength(4);
		expect(error?.message).toBe('RudderStack answered 502: Internal Server Error');
		expect((error as { description?: string }).description).toContain('The batch held items 0–2; 0 earlier events were accepted.');
	});

	it('with Continue On Fail, the items of a refused batch become error items (accepted: false)', async () => {
		const { items, error } = await send(track(), users(2), { continueOnFail: true, writeKey: 'wrong-key-123' });
		expect(error).toBeUndefined();
		expect(jsonOf(items).map((j) => [j.accepted, j.error])).toEqual([
			[false, 'RudderStack answered 401: Invalid Write Key'],
			[false, 'RudderStack answered 401: Invalid Write Key'],
		]);
	});
});

describe('per-item validation, before anything is sent', () => {
	const BAD: Array<[string, IDataObject, RegExp]> = [
		['an event over 32 KB', { user: 'u1', props: { filler: 'x'.repeat(33 * 1024) } }, /^Item 1: the event is 34 KB; RudderStack accepts at most 32 KB per event$/],
		['no userId and no anonymousId', { user: '' }, /^Item 1: the event has neither a User ID nor an Anonymous ID/],
		['properties that are not an object', { user: 'u1', props: [1, 2] }, /^Item 1: "properties" must be a JSON object/],
		['properties that are not JSON', { user: 'u1', props: '{plan' }, /^Item 1: "properties" is not valid JSON/],
	];

	it.each(BAD)('%s: without Continue On Fail nothing is sent and the step fails naming the item', async (_, bad, message) => {
		const { error } = await send(track(), [{ user: 'u0' }, bad, { user: 'u2' }]);
		expect(error?.message).toMatch(message);
		expect(mock.requests).toHaveLength(0);
	});

	it.each(BAD)('%s: with Continue On Fail that item is an error item and the others are sent', async (_, bad, message) => {
		const { items, error } = await send(track(), [{ user: 'u0' }, bad, { user: 'u2' }], { continueOnFail: true });
		expect(error).toBeUndefined();
		expect(items[1].json).toMatchObject({ accepted: false, error: expect.stringMatching(message) });
		expect(items[1].json.messageId).toBeUndefined();
		expect(mock.events.map((e) => e.userId)).toEqual(['u0', 'u2']);
		expect(items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	it('an empty event name, an empty group id, alias without user id', async () => {
		expect((await send(track({ event: ' ' }), [{ user: 'u1' }])).error?.message).toBe('Item 0: the event name ("event") is empty');
		expect((await send(event('group', { userId: 'u1', groupId: '' }))).error?.message).toBe('Item 0: "groupId" is empty');
		expect((await send(event('alias', { anonymousId: 'a1', previousId: 'p1' }))).error?.message).toBe('Item 0: Alias needs a User ID (the new identity)');
		expect(mock.requests).toHaveLength(0);
	});

	it('items sharing a Message ID: without Continue On Fail nothing is sent and the step names the items', async () => {
		const { error } = await send(track({ options: { ...FAST, messageId: 'same-id' } }), users(3));
		expect(error?.message).toBe(
			'Item 1: items 0, 1, 2 share the Message ID "same-id"; RudderStack keeps one event per Message ID and would drop the others. Give each item its own Message ID (an expression), or leave it empty for a derived one',
		);
		expect(mock.requests).toHaveLength(0);
	});

	it('items sharing a Message ID by expression: with Continue On Fail the first is sent, the later ones are error items', async () => {
		const items = [{ user: 'u0', id: 'a' }, { user: 'u1', id: 'b' }, { user: 'u2', id: 'a' }];
		const run = await send(track({ options: { ...FAST, messageId: '={{ $json.id }}' } }), items, { continueOnFail: true });
		expect(run.error).toBeUndefined();
		expect(jsonOf(run.items).map((j) => j.accepted)).toEqual([true, true, false]);
		expect(run.items[2].json.error).toMatch(/^Item 2: items 0, 2 share the Message ID "a"/);
		expect(mock.events.map((e) => e.userId)).toEqual(['u0', 'u1']);
	});

	it('an anonymousId alone is enough', async () => {
		const { error } = await send(event('page', { anonymousId: 'anon-1' }));
		expect(error).toBeUndefined();
		expect(bodies()[0].batch[0]).toMatchObject({ anonymousId: 'anon-1' });
		expect(bodies()[0].batch[0].userId).toBeUndefined();
	});
});

describe('reading the fields: n8n evaluates as few expressions per item as it can', () => {
	const crm = [
		{ user: 'u0', stage: 'won', amount: 5, ip: '10.0.0.1' },
		{ user: 'u1', stage: 'lost', amount: 7, ip: '10.0.0.2' },
		{ user: 'u2', stage: 'won', amount: 9, ip: '10.0.0.3' },
	];

	it('fields that are each one whole expression are evaluated together, once per item; fixed fields once per step', async () => {
		const count = counting();
		try {
			const { error } = await send(track({ userId: '={{ $json.user }}', event: '={{ "Deal " + $json.stage }}', properties: '={{ { amount: $json.amount } }}', anonymousId: 'crm' }), crm);
			expect(error).toBeUndefined();
			expect(count.evaluations()).toBe(3);
			expect(['userId', 'event', 'properties'].map(count.readsOf)).toEqual([0, 0, 0]);
			expect(count.readsOf('anonymousId')).toBe(1);
			expect(count.readsOf('options')).toBeLessThanOrEqual(2); // once for the item reader, once for the request policy
		} finally {
			count.restore();
		}
		expect(mock.events.map(({ userId, anonymousId, event: name, properties }) => ({ userId, anonymousId, name, properties }))).toEqual([
			{ userId: 'u0', anonymousId: 'crm', name: 'Deal won', properties: { amount: 5 } },
			{ userId: 'u1', anonymousId: 'crm', name: 'Deal lost', properties: { amount: 7 } },
			{ userId: 'u2', anonymousId: 'crm', name: 'Deal won', properties: { amount: 9 } },
		]);
	});

	it('a mix of whole expressions, text around an expression, fixed fields and expressions inside collections gives the values n8n gives', async () => {
		const parameters = track({
			userId: '={{ $json.user }}',
			anonymousId: '=anon-{{ $json.user }}-{{ $itemIndex }}',
			event: 'Deal Won',
			properties: '={{ { amount: $json.amount, nested: { stage: $json.stage } } }}',
			propertyPairs: { pair: [{ key: 'stage', value: '={{ $json.stage }}' }, { key: 'fixed', value: 'yes' }] },
			options: { ...FAST, context: '={{ { ip: $json.ip } }}', contextPairs: { pair: [{ key: 'row', value: '={{ $itemIndex }}' }] }, timestamp: '={{ "2026-01-0" + ($itemIndex + 1) + "T00:00:00Z" }}' },
		});
		const count = counting();
		try {
			const { error } = await send(parameters, crm);
			expect(error).toBeUndefined();
			expect(count.evaluations()).toBe(3); // userId and properties, together
			expect(count.readsOf('anonymousId')).toBe(3); // text around the expression: n8n's own reading, per item
		} finally {
			count.restore();
		}
		expect(mock.events.map(({ userId, anonymousId, event: name, properties, context, timestamp }) => ({ userId, anonymousId, name, properties, ip: (context as IDataObject).ip, row: (context as IDataObject).row, timestamp }))).toEqual(
			crm.map((item, i) => ({
				userId: item.user,
				anonymousId: `anon-${item.user}-${i}`,
				name: 'Deal Won',
				properties: { amount: item.amount, nested: { stage: item.stage }, stage: item.stage, fixed: 'yes' },
				ip: item.ip,
				row: i,
				timestamp: `2026-01-0${i + 1}T00:00:00.000Z`,
			})),
		);
	});

	it('an expression that fails for one item fails it with the message n8n gives when the field is read alone', async () => {
		const items = [{ user: { id: 'u0' } }, { props: {} }, { user: { id: 'u2' } }];
		const failing = '={{ $json.user ? $json.user.id : $("No Such Node").item.json.id }}';
		const together = await send(track({ userId: failing, properties: '={{ $json.props ?? {} }}' }), items, { continueOnFail: true });
		const alone = await send(track({ userId: failing, properties: '{}' }), items, { continueOnFail: true });
		expect(together.error).toBeUndefined();
		expect(jsonOf(together.items).map((j) => j.accepted)).toEqual([true, false, true]);
		expect(together.items[1].json.error).toBe(alone.items[1].json.error);
		expect(together.items[1].json.error).toBe("Referenced node doesn't exist");
		const stopped = await send(track({ userId: failing, properties: '={{ $json.props ?? {} }}' }), items);
		const stoppedAlone = await send(track({ userId: failing, properties: '{}' }), items);
		expect(stopped.error?.message).toBe(stoppedAlone.error?.message);
		expect((stopped.error as { context?: IDataObject })?.context?.parameter).toBe('userId');
	});

	it.each([
		['={{ $json.user }}', ' $json.user '],
		['={{$json.a + 1}}', '$json.a + 1'],
		['={{ { a: $json.a } }}', ' { a: $json.a } '],
		['={{ $json.a // a comment }}', ' $json.a // a comment '],
		['=x {{ $json.a }}', undefined],
		['={{ $json.a }} ', undefined],
		['={{ $json.a }}{{ $json.b }}', undefined],
		['={{ {a: {b: 1}} }}', undefined],
		['={{ {a:1}}}', undefined],
		['={{ "}}" }}', undefined],
		['={{ "\\}}" }}', undefined],
		['={{ }}', undefined],
		['{{ $json.a }}', undefined],
		[5, undefined],
	])('%p is one whole expression: %p', (value, code) => {
		expect(wholeExpressionCode(value)).toBe(code);
	});

	it('fields that cannot be evaluated together still give what n8n gives for each alone: an escaped }}, a comment', async () => {
		const escaped = await send(track({ userId: '={{ "id\\}}" + $json.user }}', properties: '={{ { a: { b: $json.amount } } }}' }), crm);
		expect(escaped.error).toBeUndefined();
		expect(mock.events.map((e) => [e.userId, e.properties])).toEqual(crm.map((item) => [`id}}${item.user}`, { a: { b: item.amount } }]));
		// n8n allows a field to end in a line comment; read together, it must not swallow the next field.
		const count = counting();
		try {
			mock.reset();
			const comment = await send(track({ userId: '={{ $json.user // the CRM id }}', properties: '={{ { amount: $json.amount } // from the deal }}' }), crm);
			expect(comment.error).toBeUndefined();
			expect(count.evaluations()).toBe(3);
		} finally {
			count.restore();
		}
		expect(mock.events.map((e) => [e.userId, e.properties])).toEqual(crm.map((item) => [item.user, { amount: item.amount }]));
	});
});

describe('the write key', () => {
	it('never appears in output, errors or logs, even when the data plane echoes it', async () => {
		mock.fault({ status: 500, body: `bad key ${WRITE_KEY}` }, { status: 500, body: `bad key ${WRITE_KEY}` });
		const run = await send(track({ options: { ...FAST, maxRetries: 1 } }), users(2));
		expect(run.error?.message).toBe('RudderStack answered 500: bad key ***');
		const seen = JSON.stringify([run.items, run.logs, run.error?.message, (run.error as { description?: string }).description, run.error]);
		expect(seen).not.toContain(WRITE_KEY);
		const cof = await send(track({ options: { ...FAST, maxRetries: 0 } }), users(1), { continueOnFail: true });
		expect(JSON.stringify(cof)).not.toContain(WRITE_KEY);
	});

	it.each(['ftp://dataplane.example.com', 'javascript:alert(1)', '', '127.0.0.1:4000'])('nothing is sent to a data plane URL that is not http(s): %j', async (dataPlaneUrl) => {
		const { error } = await runEvents({ parameters: track() as never, items: users(1), dataPlaneUrl });
		expect(error?.message).toContain('must be an http:// or https:// URL');
		expect(mock.requests).toHaveLength(0);
	});

	it('a trailing /v1 or / in the data plane URL is fine', async () => {
		const { error } = await runEvents({ parameters: track() as never, items: users(1), dataPlaneUrl: `${mock.url}/v1/` });
		expect(error).toBeUndefined();
		expect(mock.requests.map((r) => r.path)).toEqual(['/v1/batch']);
	});
});

describe('the credential test (n8n-core CredentialTestContext)', () => {
	const test = async (data: IDataObject) => {
		const fn = new RudderStack().methods.credentialTest.rudderStackDataPlaneTest;
		return await fn.call(new CredentialTestContext(), { id: 'c', name: 'c', type: 'rudderStackDataPlaneApi', data } as never);
	};

	it('OK for the right key, a clear error for a wrong one, and nothing lands in the data', async () => {
		expect(await test({ dataPlaneUrl: mock.url, writeKey: WRITE_KEY })).toEqual({ status: 'OK', message: 'Connection successful!' });
		const wrong = await test({ dataPlaneUrl: mock.url, writeKey: 'wrong-key-123' });
		expect(wrong).toEqual({ status: 'Error', message: 'RudderStack refused the write key (401: Invalid Write Key)' });
		expect(mock.events).toHaveLength(0);
		expect(mock.requests.map((r) => [r.path, r.body])).toEqual([
			['/v1/batch', '{"batch":[]}'],
			['/v1/batch', '{"batch":[]}'],
		]);
	});

	it('accepts rudder-server\'s empty-batch refusal in either case, and no other 400', async () => {
		mock.fault({ status: 400, body: 'empty batch payload\n' });
		expect(await test({ dataPlaneUrl: mock.url, writeKey: WRITE_KEY })).toEqual({ status: 'OK', message: 'Connection successful!' });
		mock.fault({ status: 400, body: `Invalid JSON; Authorization: Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` });
		expect(await test({ dataPlaneUrl: mock.url, writeKey: WRITE_KEY })).toEqual({ status: 'Error', message: 'RudderStack answered 400: Invalid JSON; Authorization: Basic ***' });
	});

	it('refuses a URL that is not http(s) and reports an unreachable host', async () => {
		expect((await test({ dataPlaneUrl: 'ftp://x', writeKey: WRITE_KEY })).message).toContain('must be an http:// or https:// URL');
		const unreachable = await test({ dataPlaneUrl: 'http://127.0.0.1:9', writeKey: WRITE_KEY });
		expect(unreachable.status).toBe('Error');
		expect(unreachable.message).toMatch(/could not be reached.*ECONNREFUSED/);
		expect(mock.requests).toHaveLength(0);
	});
});

describe('fields read together read as each read alone', () => {
	it('a date inside an object field reads as getNodeParameter gives it, also when the date is invalid', async () => {
		// getNodeParameter turns a Luxon date inside an object into its toString(): an invalid date
		// is the text "Invalid DateTime". Read together, JSON.stringify calls its toJSON(): null.
		const properties = '={{ { closedAt: DateTime.fromISO($json.when) } }}';
		const alone = await send(track({ userId: 'fixed-user', properties }), [{ when: 'not a date' }]);
		expect(alone.error).toBeUndefined();
		const readAlone = bodies()[0].batch[0].properties;
		mock.reset();
		const together = await send(track({ userId: '={{ "fixed-user" }}', properties }), [{ when: 'not a date' }]);
		expect(together.error).toBeUndefined();
		expect(readAlone).toEqual({ closedAt: 'Invalid DateTime' });
		expect(bodies()[0].batch[0].properties).toEqual(readAlone);
	});

	it('a field whose expression n8n cannot parse fails the item, as read alone, however the fields around it read', async () => {
		// Alone, the User ID's code is a syntax error (n8n: "invalid syntax"); joined with the
		// Anonymous ID's, a block comment swallows the separator and both parse.
		const { items, error } = await send(track({ userId: '={{ "u"), ("v" /* }}', anonymousId: '={{ */ , "a" }}', properties: '={{ {} }}' }), [{}]);
		expect(mock.requests).toEqual([]);
		expect(error ?? items?.[0]?.json.error).toBeDefined();
	});

	it('a field whose expression gives a function (parentheses forgotten) fails with n8n\'s own error, as read alone', async () => {
		const alone = await send(track({ userId: '={{ $json.user.toUpperCase }}', properties: {} }), [{ user: 'u1' }]);
		const together = await send(track({ userId: '={{ $json.user.toUpperCase }}' }), [{ user: 'u1', props: {} }]);
		expect(alone.error?.message).toMatch(/function/);
		expect(together.error?.message).toBe(alone.error?.message);
		expect(mock.requests).toEqual([]);
	});
});

