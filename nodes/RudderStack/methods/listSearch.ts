import type { IDataObject, ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult } from 'n8n-workflow';

import { isObject } from '../json';
import { rudderStackRequest } from '../transport/request';

const PAGE_SIZE = 100;

function matches(filter: string | undefined, ...texts: unknown[]): boolean {
	if (!filter) return true;
	const needle = filter.toLowerCase();
	return texts.some((text) => typeof text === 'string' && text.toLowerCase().includes(needle));
}

export async function searchConnections(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	const page = Number(paginationToken ?? 1) || 1;
	const answer = await rudderStackRequest(this, { method: 'GET', path: '/v2/retl-connections', qs: { page, pageSize: PAGE_SIZE } });
	const connections = isObject(answer) && Array.isArray(answer.data) ? answer.data.filter(isObject) : [];
	const results: INodeListSearchItems[] = connections
		.filter((c) => matches(filter, c.id, c.name, c.sourceId, c.destinationId))
		.map((c) => ({
			name: `${String(c.name ?? c.id)}${c.sourceId ? ` (source ${String(c.sourceId)} → destination ${String(c.destinationId ?? '?')})` : ''}${c.enabled === false ? ' [disabled]' : ''}`,
			value: String(c.id),
		}));
	const paging = isObject(answer) && isObject(answer.paging) ? answer.paging : {};
	const more = typeof paging.next === 'string' ? paging.next !== '' : connections.length === PAGE_SIZE;
	return { results, paginationToken: more ? String(page + 1) : undefined };
}

async function searchSourcesOfKind(ctx: ILoadOptionsFunctions, profiles: boolean, filter?: string): Promise<INodeListSearchResult> {
	const answer = await rudderStackRequest(ctx, { method: 'GET', path: '/v2/sources' });
	const sources = isObject(answer) && Array.isArray(answer.sources) ? answer.sources.filter(isObject) : [];
	const isProfiles = (source: IDataObject) => /profile/i.test(String(source.type ?? ''));
	const ofKind = sources.filter((source) => isProfiles(source) === profiles);
	// When RudderStack's type names don't tell the kinds apart, offer every source rather than none.
	const candidates = ofKind.length ? ofKind : sources;
	return {
		results: candidates
			.filter((s) => matches(filter, s.id, s.name, s.type))
			.map((s) => ({ name: `${String(s.name ?? s.id)}${s.type ? ` (${String(s.type)})` : ''}`, value: String(s.id) })),
	};
}

export async function searchProfiles(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	return await searchSourcesOfKind(this, true, filter);
}

export async function searchSources(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	return await searchSourcesOfKind(this, false, filter);
}
