// Review of the event fields read together in one expression (actions/event/build.ts): each test
// shows a value that differs from what n8n's getNodeParameter gives for the field read alone.
import type { IDataObject } from 'n8n-workflow';

import { runEvents, WRITE_KEY } from '../harness';
import { createMockDataPlane, type MockDataPlane } from '../mock/dataplane-mock';

describe('event fields read together (actions/event/build.ts)', () => {
	let mock: MockDataPlane;
	beforeAll(async () => {
		mock = createMockDataPlane({ writeKey: WRITE_KEY });
		await mock.start();
	});
	afterAll(async () => await mock.stop());
	beforeEach(() => mock.reset());
	const sent = () => mock.requests.flatMap((r) => (JSON.parse(r.body as string) as { batch: IDataObject[] }).batch);
	const send = async (parameters: IDataObject, items: IDataObject[]) =>
		await runEvents({ dataPlaneUrl: mock.url, parameters: { resource: 'event', operation: 'track', event: 'Deal Won', options: { retryDelay: 0.01 }, ...parameters } as never, items });

	it('a date inside an object field reads as getNodeParameter gives it, also when the date is invalid', async () => {
		// getNodeParameter turns a Luxon date inside an object into its toString(): an invalid date
		// is the text "Invalid DateTime". Read together, JSON.stringify calls its toJSON(): null.
		const properties = '={{ { closedAt: DateTime.fromISO($json.when) } }}';
		const alone = await send({ userId: 'fixed-user', properties }, [{ when: 'not a date' }]);
		expect(alone.error).toBeUndefined();
		const readAlone = sent()[0].properties;
		mock.reset();
		const together = await send({ userId: '={{ "fixed-user" }}', properties }, [{ when: 'not a date' }]);
		expect(together.error).toBeUndefined();
		expect(readAlone).toEqual({ closedAt: 'Invalid DateTime' });
		expect(sent()[0].properties).toEqual(readAlone);
	});

	it('a field whose expression n8n cannot parse fails the item, as read alone, however the fields around it read', async () => {
		// Alone, the User ID's code is a syntax error (n8n: "invalid syntax"); joined with the
		// Anonymous ID's, a block comment swallows the separator and both parse.
		const { items, error } = await send({ userId: '={{ "u"), ("v" /* }}', anonymousId: '={{ */ , "a" }}', properties: '={{ {} }}' }, [{}]);
		expect(sent()).toEqual([]);
		expect(error ?? items?.[0]?.json.error).toBeDefined();
	});
});
