import { fakeApi, resetNock } from '../fakeApi';
import { listSearch, TOKEN } from '../harness';

beforeEach(resetNock);
afterAll(resetNock);

const sources = {
	sources: [
		{ id: 'prof_1', name: 'Customer 360', type: 'profiles', enabled: true },
		{ id: 'src_zd', name: 'Zendesk', type: 'zendesk', enabled: true },
	],
};

describe('From List', () => {
	it('lists Reverse ETL connections, searchable, across pages', async () => {
		const api = fakeApi();
		const page = Array.from({ length: 100 }, (_, i) => ({ id: `c${i}`, sourceId: 'src_wh', destinationId: i === 7 ? 'dst_salesforce' : 'dst_x', enabled: i !== 3 }));
		api.scope.get('/v2/retl-connections').query({ pageSize: '100' }).reply(200, { data: page, paging: { next: '/v2/retl-connections?page=2' } });
		api.scope.get('/v2/retl-connections').query({ page: '2', pageSize: '100' }).reply(200, { data: [{ id: 'last', enabled: false, destinationId: 'dst_salesforce_eu' }], paging: { next: '' } });
		const found = await listSearch('searchConnections', 'salesforce');
		expect(found).toEqual({
			results: [
				{ name: 'c7 (source src_wh → destination dst_salesforce)', value: 'c7' },
				{ name: 'last [disabled]', value: 'last' },
			],
		});
		expect(api.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
	});

	it('offers Profiles projects for Profiles and the other sources for ETL', async () => {
		const api = fakeApi();
		api.scope.get('/v2/sources').twice().reply(200, sources);
		expect((await listSearch('searchProfiles')).results).toEqual([{ name: 'Customer 360 (profiles)', value: 'prof_1' }]);
		expect((await listSearch('searchSources', 'zen')).results).toEqual([{ name: 'Zendesk (zendesk)', value: 'src_zd' }]);
	});
});
