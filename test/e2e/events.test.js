// End-to-end for the Event resource: the packed package in a real n8n sends a batch of track
// events to the mock data plane; the test checks what arrived, and the credential test.
'use strict';

const assert = require('node:assert/strict');
const { after, before, describe, it } = require('node:test');

const { createMockDataPlane } = require('../mock/dataplane-mock');
const { N8n, nodeItems, ownerSession, PORT_BASE } = require('./n8n');
const { DATA_PLANE_CREDENTIAL, rudderStack, workflow } = require('./workflows');
const { SAMPLES } = require('../../scripts/playground');

const VERSION = process.env.N8N_EVENTS_VERSION ?? '2.41.0';
const WRITE_KEY = 'e2e-write-key-5d1a';
const CHANGES = Array.from({ length: 40 }, (_, i) => ({ contactId: `c${i}`, stage: i % 2 ? 'won' : 'lost', amount: i * 10 }));

const crmTrack = workflow(
	'e2eEventsTrack',
	'Events: CRM changes as track events',
	[
		rudderStack(
			'Send events',
			{
				resource: 'event',
				operation: 'track',
				userId: '={{ $json.contactId }}',
				event: '={{ "Deal " + $json.stage }}',
				properties: '={{ { amount: $json.amount } }}',
				options: { retryDelay: 0.05 },
			},
			[400, 0],
			{ credentials: { rudderStackDataPlaneApi: DATA_PLANE_CREDENTIAL } },
		),
	],
	[...CHANGES, { contactId: '', stage: 'won', amount: 1 }],
);

// The fields of an item are evaluated together where each is one whole expression; in n8n's
// default "vm" engine too, an error must be n8n's own, as when the field is read alone.
const FAILING_PROPERTIES = '={{ $json.amount > 100 ? $("No Such Node").item.json.x : { amount: $json.amount } }}';
const mixedFields = (id, userId) =>
	workflow(
		id,
		`Events: fields read together (${id})`,
		[
			rudderStack(
				'Send events',
				{ resource: 'event', operation: 'track', userId, event: '=Deal {{ $json.stage }}', properties: FAILING_PROPERTIES, options: { context: '={{ { row: $itemIndex } }}' } },
				[400, 0],
				{ credentials: { rudderStackDataPlaneApi: DATA_PLANE_CREDENTIAL }, onError: 'continueRegularOutput' },
			),
		],
		[
			{ contactId: 'c0', stage: 'won', amount: 5 },
			{ contactId: 'c1', stage: 'lost', amount: 500 },
			{ contactId: 'c2', stage: 'won', amount: 7 },
		],
	);
const together = mixedFields('e2eEventsTogether', '={{ $json.contactId // the CRM id }}');
const alone = mixedFields('e2eEventsAlone', 'c-fixed');

// Many items' fields are read in one evaluation, 500 items at a time (actions/event/manyItems.ts).
// The reference reads the same code item by item: one `$` word more (`$input`) turns that off and
// changes no value. Item 777 fails with an n8n expression error, in the middle of a chunk.
const MANY = 1203;
const manyItemsCode = `return Array.from({ length: ${MANY} }, (_, i) => ({ json: { contactId: 'c' + i, stage: i % 3 ? 'won' : 'lost', amount: i === 777 ? 'n/a' : i, tags: ['x', 'y'] } }));`;
const manyItems = (id, off) =>
	workflow(id, `Events: many items (${id})`, [
		{ id: 'items', name: 'Items', type: 'n8n-nodes-base.code', typeVersion: 2, position: [200, 0], parameters: { jsCode: manyItemsCode } },
		rudderStack(
			'Send events',
			{
				resource: 'event',
				operation: 'track',
				userId: `={{ \`\${$json.contactId}-\${$itemIndex}\`${off} }}`,
				event: '={{ "Deal " + $json.stage.toUpperCase() }}',
				properties: '={{ { amount: typeof $json.amount === "number" ? $json.amount : $json.amount.toNumber(), first: $json.tags.first(), row: $itemIndex } }}',
			},
			[400, 0],
			{ credentials: { rudderStackDataPlaneApi: DATA_PLANE_CREDENTIAL }, onError: 'continueRegularOutput' },
		),
	]);
const manyTogether = manyItems('e2eEventsMany', '');
const manyAlone = manyItems('e2eEventsManyAlone', ' + ($input ? "" : "")');

describe(`Event resource in n8n ${VERSION}`, () => {
	const mock = createMockDataPlane({ writeKey: WRITE_KEY });
	let n8n;

	before(async () => {
		await mock.start();
		n8n = new N8n(VERSION, { port: PORT_BASE + 40 });
		n8n.installPackage();
		await n8n.importCredential({ ...DATA_PLANE_CREDENTIAL, type: 'rudderStackDataPlaneApi', data: { dataPlaneUrl: mock.url, writeKey: WRITE_KEY } });
		// Continue On Fail: the last item has no user and must become an error item, the rest sent.
		crmTrack.nodes.find((node) => node.name === 'Send events').onError = 'continueRegularOutput';
		await n8n.importWorkflows([crmTrack, together, alone, manyTogether, manyAlone, ...SAMPLES.filter((sample) => sample.id === 'sampleCrmTrack')]);
	});
	after(async () => {
		await n8n?.stop();
		await mock.stop();
	});

	it('a batch of track events arrives in one request, in order, with the messageIds the node output', async () => {
		mock.fault({ status: 503 }); // the first attempt fails; the retry must carry the same events
		const result = await n8n.execute(crmTrack.id);
		assert.ok(result.ok, result.stdout);
		const items = nodeItems(result.resultData, 'Send events');
		assert.equal(items.length, CHANGES.length + 1);
		assert.deepEqual(items.slice(0, -1).map((i) => i.accepted), CHANGES.map(() => true));
		assert.equal(items.at(-1).accepted, false);
		assert.match(items.at(-1).error, /^Item 40: the event has neither a User ID nor an Anonymous ID/);
		assert.equal(mock.requests.length, 2);
		assert.equal(mock.requests[0].body, mock.requests[1].body);
		assert.deepEqual(
			mock.events.map((e) => [e.type, e.userId, e.event, e.properties.amount]),
			CHANGES.map((c) => ['track', c.contactId, `Deal ${c.stage}`, c.amount]),
		);
		assert.deepEqual(mock.events.map((e) => e.messageId), items.slice(0, -1).map((i) => i.messageId));
		assert.equal(mock.requests[0].headers.authorization, `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`);
		assert.ok(!JSON.stringify(result.run ?? {}).includes(WRITE_KEY), 'the write key leaked into the run data');
		assert.ok(!result.stdout.includes(WRITE_KEY) && !result.stderr.includes(WRITE_KEY), 'the write key leaked into the log');
	});

	it('fields read together: the values of each field as n8n gives them, and an expression error as n8n gives it for the field alone', async () => {
		mock.reset();
		const result = await n8n.execute(together.id);
		assert.ok(result.ok, result.stdout);
		const items = nodeItems(result.resultData, 'Send events');
		assert.deepEqual(items.map((i) => i.accepted), [true, false, true]);
		assert.deepEqual(
			mock.events.map((e) => [e.userId, e.event, e.properties, e.context.row]),
			[
				['c0', 'Deal won', { amount: 5 }, 0],
				['c2', 'Deal won', { amount: 7 }, 2],
			],
		);
		mock.reset();
		const reference = await n8n.execute(alone.id);
		assert.ok(reference.ok, reference.stdout);
		const referenceItems = nodeItems(reference.resultData, 'Send events');
		assert.equal(referenceItems[1].accepted, false);
		assert.ok(referenceItems[1].error, 'the failing field read alone gives an error');
		assert.equal(items[1].error, referenceItems[1].error);
	});

	it(`${MANY} items read 500 at a time give what each reads alone, with n8n's own error for an item in the middle of a chunk`, async () => {
		const sent = async (wf) => {
			mock.reset();
			const result = await n8n.execute(wf.id);
			assert.ok(result.ok, result.stdout);
			return { items: nodeItems(result.resultData, 'Send events'), events: mock.events.map((e) => [e.userId, e.event, e.properties]) };
		};
		const many = await sent(manyTogether);
		const reference = await sent(manyAlone);
		assert.equal(many.events.length, MANY - 1);
		assert.deepEqual(many.events[778], ['c779-779', 'Deal WON', { amount: 779, first: 'x', row: 779 }]);
		assert.deepEqual(many.events, reference.events);
		assert.equal(many.items[777].accepted, false);
		assert.ok(many.items[777].error, 'item 777 fails');
		assert.equal(many.items[777].error, reference.items[777].error);
	});

	it('the playground sample "send a CRM change as a track event" works as saved', async () => {
		mock.reset();
		const result = await n8n.execute('sampleCrmTrack');
		assert.ok(result.ok, result.stdout);
		assert.deepEqual(nodeItems(result.resultData, 'Track deal change').map((i) => i.accepted), [true, true]);
		assert.deepEqual(
			mock.events.map((e) => [e.userId, e.event, e.properties.dealId, e.timestamp]),
			[
				['contact_17', 'Deal Won', 'deal_4711', '2026-12-01T09:30:00.000Z'],
				['contact_23', 'Deal Lost', 'deal_4712', '2026-12-01T10:05:00.000Z'],
			],
		);
	});

	it('the credential test: OK for the right key, a clear failure for a wrong one, no event stored', async () => {
		mock.reset();
		await n8n.start();
		const { cookie } = await ownerSession(n8n.url);
		const headers = { 'Content-Type': 'application/json', cookie, 'browser-id': 'e2e' };
		const test = async (data) => {
			const response = await fetch(`${n8n.url}/rest/credentials/test`, {
				method: 'POST',
				headers,
				body: JSON.stringify({ credentials: { id: DATA_PLANE_CREDENTIAL.id, name: 'Data plane', type: 'rudderStackDataPlaneApi', data } }),
			});
			const json = await response.json();
			assert.equal(response.status, 200, JSON.stringify(json));
			return json.data ?? json;
		};
		assert.deepEqual(await test({ dataPlaneUrl: mock.url, writeKey: WRITE_KEY }), { status: 'OK', message: 'Connection successful!' });
		const wrong = await test({ dataPlaneUrl: mock.url, writeKey: 'wrong-key-0000' });
		assert.equal(wrong.status, 'Error');
		assert.match(wrong.message, /refused the write key \(401: Invalid Write Key\)/);
		assert.equal(mock.events.length, 0);
		assert.deepEqual(mock.requests.map((r) => r.body), ['{"batch":[]}', '{"batch":[]}']);
	});
});
