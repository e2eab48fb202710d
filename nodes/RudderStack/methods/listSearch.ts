import type { IDataObject, ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult } from 'n8n-workflow';

import { isObject } from '../json';
import { readPages } from '../transport/paging';
import type { ApiRequest } from '../transport/request';

const PAGE_SIZE = 100;
/** Pages read per search: a search reads the whole of a normal workspace, and stops in a huge one. */
const MAX_SEARCH_PAGES = 10;

function matches(filter: string | undefined, ...texts: unknown[]): boolean {
	if (!filter) return true;
	const needle = filter.toLowerCase();
	return texts.some((text) => typeof text === 'string' && text.toLowerCase().includes(needle));
}

/** A line in the list that is not a choice: it tells why something is missing. Picking it picks nothing. */
function note(text: string): INodeListSearchItems {
	return { name: text, value: '' };
}

/**
 * Reads pages of one collection from where the last search stopped (`paginationToken` is the next
 * page), filters every page, and says in the list when the bound cut the reading short. n8n asks
 * for the next pages with the returned token when the user scrolls on.
 */
async function searchPages(
	ctx: ILoadOptionsFunctions,
	request: ApiRequest,
	paginationToken: string | undefined,
	itemsOf: (answer: unknown) => INodeListSearchItems[],
	noun: string,
): Promise<INodeListSearchResult> {
	const first = paginationToken ? { ...request, qs: { ...request.qs, page: paginationToken } } : request;
	const { answers, cut, next } = await readPages(ctx, first, undefined, { maxPages: MAX_SEARCH_PAGES });
	const results = answers.flatMap(itemsOf);
	if (!cut) return { results };
	results.push(note(`Searched ${MAX_SEARCH_PAGES} pages of ${noun} so far: scroll for more, type to narrow the search, or paste the ID under "By ID"`));
	return { results, paginationToken: next?.qs?.page === undefined ? undefined : String(next.qs.page) };
}

const listOf = (answer: unknown, key: string): IDataObject[] =>
	isObject(answer) && Array.isArray(answer[key]) ? (answer[key] as unknown[]).filter(isObject) : [];

export async function searchConnections(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	const request: ApiRequest = { method: 'GET', path: '/v2/retl-connections', qs: { pageSize: PAGE_SIZE } };
	return await searchPages(
		this,
		request,
		paginationToken,
		(answer) =>
			listOf(answer, 'data')
				.filter((c) => matches(filter, c.id, c.name, c.sourceId, c.destinationId))
				.map((c) => ({
					name: `${String(c.name ?? c.id)}${c.sourceId ? ` (source ${String(c.sourceId)} → destination ${String(c.destinationId ?? '?')})` : ''}${c.enabled === false ? ' [disabled]' : ''}`,
					value: String(c.id),
				})),
		'connections',
	);
}

/**
 * How a Profiles project shows in `GET /v2/sources` is not documented; the one signal is a type
 * that names Profiles. Nothing else is offered as a Profiles project: without a match the list
 * says to paste the id.
 */
const isProfiles = (source: IDataObject) => /profile/i.test(String(source.type ?? ''));

async function searchSourcesOfKind(ctx: ILoadOptionsFunctions, profiles: boolean, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	let seen = false;
	const found = await searchPages(
		ctx,
		{ method: 'GET', path: '/v2/sources' },
		paginationToken,
		(answer) => {
			const ofKind = listOf(answer, 'sources').filter((source) => isProfiles(source) === profiles);
			if (ofKind.length) seen = true;
			return ofKind
				.filter((s) => matches(filter, s.id, s.name, s.type))
				.map((s) => ({ name: `${String(s.name ?? s.id)}${s.type ? ` (${String(s.type)})` : ''}`, value: String(s.id) }));
		},
		'sources',
	);
	if (profiles && !seen && !paginationToken && !found.paginationToken) {
		found.results.push(
			note('No source of this workspace is marked as a Profiles project: choose "By ID" and paste the project ID from its URL in the RudderStack dashboard'),
		);
	}
	return found;
}

export async function searchProfiles(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	return await searchSourcesOfKind(this, true, filter, paginationToken);
}

export async function searchSources(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	return await searchSourcesOfKind(this, false, filter, paginationToken);
}
