/**
 * The mock data plane for a test file, started once and emptied before each test, and a Track
 * node's parameters. Importing this registers the hooks; `mock` is read live.
 */
import type { IDataObject } from 'n8n-workflow';

import { createMockDataPlane, type MockDataPlane } from '../mock/dataplane-mock';

export const DATA_PLANE_KEY = 'wk';
export let mock: MockDataPlane;
beforeAll(async () => {
	mock = createMockDataPlane({ writeKey: DATA_PLANE_KEY });
	await mock.start();
});
afterAll(async () => await mock.stop());
beforeEach(() => mock.reset());

export const track = (rest: IDataObject) => ({ resource: 'event', operation: 'track', event: 'Deal Won', options: { retryDelay: 0.01 }, ...rest });
