import type { IDataObject } from 'n8n-workflow';

import { isObject } from '../json';
import { type ApiRequest, type RequestContext, type RequestPolicy, rudderStackRequest } from './request';

/**
 * RudderStack documents `paging.next` as "<collection path>?page=2": only the page, without the
 * caller's filters or page size (its own clients fetch it as a path under the host). So every
 * page keeps the caller's query, and takes from `next` only the page and whatever else it adds.
 * Returns undefined when there is no next page or `next` points somewhere else.
 */
export function nextPageRequest(request: ApiRequest, answer: unknown): ApiRequest | undefined {
	const next = isObject(answer) && isObject(answer.paging) ? answer.paging.next : undefined;
	if (typeof next !== 'string' || !next.trim()) return undefined;
	let url: URL;
	try {
		url = new URL(next.trim(), 'http://relative.invalid');
	} catch {
		return undefined;
	}
	// A relative path, or a full URL: only the path and query count; it must be the same collection.
	if (url.pathname.replace(/\/+$/, '') !== request.path.replace(/\/+$/, '')) return undefined;
	const added: IDataObject = {};
	url.searchParams.forEach((value, key) => (added[key] = value));
	const qs: IDataObject = { ...added, ...request.qs };
	if (added.page !== undefined) qs.page = added.page;
	const samePage = JSON.stringify(qs) === JSON.stringify(request.qs ?? {});
	return samePage ? undefined : { ...request, qs };
}

export interface Pages {
	/** The answers, one per page, in order. */
	answers: unknown[];
	/** True when `maxPages` stopped the listing while RudderStack still had more. */
	cut: boolean;
	/** When cut: the request for the first page not read, to go on from there later. */
	next?: ApiRequest;
}

/** Reads a paged collection, following `paging.next`, at most `maxPages` pages. */
export async function readPages(
	ctx: RequestContext,
	request: ApiRequest,
	policy: RequestPolicy | undefined,
	{ maxPages, enough }: { maxPages: number; enough?: (answers: unknown[]) => boolean },
): Promise<Pages> {
	const answers: unknown[] = [];
	let current: ApiRequest | undefined = request;
	while (current) {
		if (answers.length >= maxPages) return { answers, cut: true, next: current };
		const answer = await rudderStackRequest(ctx, current, policy);
		answers.push(answer);
		if (enough?.(answers)) break;
		current = nextPageRequest(current, answer);
	}
	return { answers, cut: false };
}
