/**
 * Many items' fields read in one n8n evaluation (actions/event/manyItems.ts), through n8n-core's
 * real execution context: the values are those n8n gives each item read alone, and code that
 * could read otherwise is read item by item.
 */
import { DateTime } from 'luxon';
import type { IDataObject } from 'n8n-workflow';

import { CHUNKS, ITEMS_PER_EVALUATION, readsAlike } from '../../nodes/RudderStack/actions/event/manyItems';
import { jsonOf, runEvents } from '../harness';
import { DATA_PLANE_KEY, mock, track } from './dataPlaneSetup';
import { counting } from './counting';

const send = async (parameters: IDataObject, items: IDataObject[], extra: object = {}) =>
	await runEvents({ dataPlaneUrl: mock.url, writeKey: DATA_PLANE_KEY, parameters: parameters as never, items, ...extra });
const deals = (n: number) => Array.from({ length: n }, (_, i) => ({ user: `u${i}`, stage: i % 3 ? 'won' : 'lost', amount: i * 10, at: `2026-01-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z`, tags: ['b', 'a'] }));
const sent = () => mock.events.map(({ userId, event, properties }) => ({ userId, event, properties }));

async function evaluationsFor(parameters: IDataObject, items: IDataObject[], extra: object = {}) {
	const count = counting();
	try {
		const result = await send(parameters, items, extra);
		return { ...result, evaluations: count.evaluations() };
	} finally {
		count.restore();
	}
}

describe('many items in one evaluation', () => {
	it(`reads up to ${ITEMS_PER_EVALUATION} items per evaluation, plus each chunk's first and last item alone, with the values n8n gives each item`, async () => {
		const items = deals(1200);
		const { error, evaluations } = await evaluationsFor(track({ userId: '={{ $json.user }}', event: '={{ "Deal " + $json.stage }}', properties: '={{ { amount: $json.amount, row: $itemIndex } }}' }), items);
		expect(error).toBeUndefined();
		expect(evaluations).toBe(3 * 3); // chunks of 500, 500 and 200
		expect(sent()).toEqual(items.map((item, i) => ({ userId: item.user, event: `Deal ${item.stage}`, properties: { amount: item.amount, row: i } })));
	});

	it(`with many items the chunks grow, so that a step takes at most ${CHUNKS} evaluations of all its items`, async () => {
		const items = deals(12_000);
		const { error, evaluations } = await evaluationsFor(track({ userId: '={{ $json.user }}', properties: '={{ { row: $itemIndex } }}' }), items);
		expect(error).toBeUndefined();
		expect(evaluations).toBe(CHUNKS * 3); // chunks of 1,200
		expect(mock.events.map((e) => [e.userId, (e.properties as IDataObject).row])).toEqual(items.map((item, i) => [item.user, i]));
	});

	it('gives the values n8n gives for code that binds, shadows and calls: nested arrows, destructuring, templates, n8n extensions, Luxon', async () => {
		const items = deals(9);
		const properties =
			'={{ { up: $json.user.toUpperCase(), first: $json.tags.first(), kinds: [1, 2].map(($itemIndex) => 2 * $itemIndex), ' +
			'own: (({ amount }) => amount)($json), text: `${$json.user}-${$itemIndex}`, day: DateTime.fromISO($json.at).toUTC().toISODate(), ' +
			'when: DateTime.fromISO($json.at).toUTC(), short: { $json }.$json.stage, even: $itemIndex % 2 === 0, none: $json.missing?.deep ?? null } }}';
		const { error, evaluations } = await evaluationsFor(track({ userId: '={{ $json.user }}', properties }), items);
		expect(error).toBeUndefined();
		expect(evaluations).toBe(3);
		expect(mock.events.map((e) => e.properties)).toEqual(
			items.map((item, i) => ({
				up: item.user.toUpperCase(),
				first: 'b',
				kinds: [2, 4],
				own: item.amount,
				text: `${item.user}-${i}`,
				day: item.at.slice(0, 10),
				when: item.at.replace('Z', '.000Z'), // a Luxon date in an object: its toString(), as n8n gives it
				short: item.stage,
				even: i % 2 === 0,
				none: null,
			})),
		);
	});

	it('an item whose code throws fails with n8n\'s own error, and the other items of its chunk are sent', async () => {
		const items: IDataObject[] = deals(10);
		items[6] = { stage: 'won' };
		const userId = '={{ $json.user ?? "x".toNumber() }}';
		const { items: out, error } = await send(track({ userId, properties: '={{ { amount: $json.amount } }}' }), items, { continueOnFail: true });
		expect(error).toBeUndefined();
		expect(jsonOf(out).map((j) => j.accepted)).toEqual(items.map((_, i) => i !== 6));
		const alone = await send(track({ userId, properties: '{}' }), [items[6]], { continueOnFail: true });
		expect(out[6].json.error).toBe(alone.items[0].json.error);
		expect(out[6].json.error).toBe('cannot convert to number');
		expect(mock.events.map((e) => e.userId)).toEqual(items.filter((_, i) => i !== 6).map((item) => item.user));
	});

	it('code naming other $ words (here $input.item) is read item by item, even where the first and last items would agree', async () => {
		const items = deals(10);
		const { error, evaluations } = await evaluationsFor(track({ userId: '={{ $itemIndex === 5 ? $input.item.json.user : $json.user }}', properties: '={{ { amount: $json.amount } }}' }), items);
		expect(error).toBeUndefined();
		expect(evaluations).toBe(10);
		expect(mock.events.map((e) => e.userId)).toEqual(items.map((item) => item.user));
	});

	it('code that writes is read once per item, as n8n reads it', async () => {
		const items = deals(10);
		const userId = '={{ ($json.reads = ($json.reads ?? 0) + 1, $json.user + ":" + $json.reads) }}';
		const { error } = await send(track({ userId, properties: '={{ { amount: $json.amount } }}' }), items);
		expect(error).toBeUndefined();
		expect(mock.events.map((e) => e.userId)).toEqual(items.map((item) => `${item.user}:1`));
	});

	it('a chunk whose first or last item reads otherwise alone is read item by item (code that is not the same twice)', async () => {
		const items = deals(10);
		const { error, evaluations } = await evaluationsFor(track({ userId: '={{ $json.user + ":" + Math.random() }}', properties: '={{ { amount: $json.amount } }}' }), items);
		expect(error).toBeUndefined();
		expect(evaluations).toBe(3 + 10);
		expect(new Set(mock.events.map((e) => e.userId)).size).toBe(10);
	});

	it("a chunk read again item by item reads the items as they came: n8n's clean-up of a Luxon date in a value does not change the item", async () => {
		const items = deals(6).map((item, i) => ({ ...item, at: DateTime.fromISO(`2026-01-0${i + 1}T10:00:00Z`, { zone: 'utc' }) }));
		const parameters = track({ userId: '={{ $json.user }}', anonymousId: '={{ "a" + Math.random() }}', event: '={{ "Deal " + $json.at.toFormat("yyyy-MM-dd") }}', properties: '={{ $json }}' });
		const { error, evaluations } = await evaluationsFor(parameters, items);
		expect(error).toBeUndefined();
		expect(evaluations).toBe(3 + 6); // the chunk could not be trusted (Math.random), so each item was read alone
		expect(mock.events.map((e) => [e.event, (e.properties as IDataObject).at])).toEqual(items.map((_, i) => [`Deal 2026-01-0${i + 1}`, `2026-01-0${i + 1}T10:00:00.000Z`]));
	});

	it("n8n's combined binary mode, where $input.all() gives each item's JSON, reads in one evaluation too", async () => {
		const items = deals(10);
		const { error, evaluations } = await evaluationsFor(track({ userId: '={{ $json.user }}', properties: '={{ { amount: $json.amount } }}' }), items, { settings: { binaryMode: 'combined' } });
		expect(error).toBeUndefined();
		expect(evaluations).toBe(3);
		expect(sent()).toEqual(items.map((item) => ({ userId: item.user, event: 'Deal Won', properties: { amount: item.amount } })));
	});

	it('a single field that is an expression is read many items at a time too', async () => {
		const items = deals(10);
		const { error, evaluations } = await evaluationsFor(track({ userId: '={{ $json.user }}', properties: '{}' }), items);
		expect(error).toBeUndefined();
		expect(evaluations).toBe(3);
		expect(mock.events.map((e) => e.userId)).toEqual(items.map((item) => item.user));
	});

	it.each([
		['$json.user', true],
		['$json.a === 1 ? $itemIndex : -$itemIndex', true],
		['[1].map((x) => x >= 1 && x <= 2 && x !== 3)', true],
		['$input.item.json.user', false],
		['$("CRM").item.json.id', false],
		['$binary.data', false],
		['$now.toISO()', false],
		['$jsonx', false],
		['"costs $5"', false],
		['`${$json.user}-${$itemIndex}`', true],
		['this.$json', false],
		['\\u0024json.user', false],
		['___n8n_data.$json.user', false],
		['$json.n = 1', false],
		['$json.n += 1', false],
		['$json.n++', false],
		['delete $json.n', false],
		['$json.tags.sort()', false],
		['$json.tags.push(1)', false],
		['Object.assign($json, {})', false],
		['$json.n <<= 1', false],
		['$json.n ??= 1', false],
		["$json.tags['push'](1)", false],
		['$json.tags[name]', false],
		['$json["first name"] + $json.tags[0]', true],
		['"https://example.com/" + $json.user', true],
		['$json.user // the CRM id', false],
		// Where tournament leaves a name unbound when read alone (n8n gives null there).
		['$json.tags.map(() => $itemIndex)', false],
		['$json.tags.map((t) => ($json))', false],
		['{ ...$json }', false],
		['{ [$itemIndex]: 1 }', false],
		['[...$json.tags, $itemIndex]', true],
		['$json.tags.map((t) => t + $itemIndex)', true],
	])('%s reads alike for many items: %p', (code, alike) => {
		expect(readsAlike([code])).toBe(alike);
	});
});
