import type { IDataObject, IPollFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { isObject } from '../RudderStack/json';
import { RESOURCES, type JudgeLimits } from '../RudderStack/resources';
import { settle } from '../RudderStack/run/errors';
import { fetchRunStatus } from '../RudderStack/run/poll';
import { readPages } from '../RudderStack/transport/paging';
import { DEFAULT_REQUEST_POLICY, RudderStackApiError } from '../RudderStack/transport/request';
import type { SeenSync } from './cursor';

const spec = RESOURCES.retl;
const PAGE_SIZE = 100;
/** A poll reads at most this many pages; RudderStack's order is undocumented, so all are needed. */
export const MAX_PAGES = 50;

export interface Watcher {
	ctx: IPollFunctions;
	connectionId: string;
	limits: JudgeLimits;
}

const failure = (watcher: Watcher, message: string) => new NodeOperationError(watcher.ctx.getNode(), message);

/** One listed or fetched sync, checked: without an id or a start time it cannot be placed. */
export function seenSync(watcher: Watcher, sync: IDataObject): SeenSync {
	const id = typeof sync.id === 'string' && sync.id ? sync.id : undefined;
	const startedAtMs = typeof sync.startedAt === 'string' ? Date.parse(sync.startedAt) : NaN;
	if (!id || Number.isNaN(startedAtMs) || typeof sync.status !== 'string') {
		throw failure(watcher, `RudderStack listed a sync of retl connection ${watcher.connectionId} without an id, a "startedAt" time or a "status": ${JSON.stringify(sync).slice(0, 300)}`);
	}
	return { id, startedAtMs, startedAt: new Date(startedAtMs).toISOString(), sync, verdict: spec.judge(sync, watcher.limits) };
}

/** Every sync of the connection the list filter lets through, from all pages. */
export async function listSyncs(watcher: Watcher, filter: IDataObject, { allowCut = false } = {}): Promise<SeenSync[]> {
	const { connectionId } = watcher;
	const request = { method: 'GET' as const, path: spec.syncsPath!(connectionId), qs: { ...filter, per_page: PAGE_SIZE } };
	const { answers, cut } = await readPages(watcher.ctx, request, DEFAULT_REQUEST_POLICY, { maxPages: MAX_PAGES });
	if (cut && !allowCut) {
		throw failure(watcher, `RudderStack lists more than ${MAX_PAGES * PAGE_SIZE} syncs of retl connection ${connectionId} for one poll; the trigger cannot tell which ended last`);
	}
	return answers.flatMap((answer) => {
		if (!isObject(answer) || !Array.isArray(answer.syncs)) {
			throw failure(watcher, `RudderStack's sync list for retl connection ${connectionId} has no "syncs" array`);
		}
		return answer.syncs.map((sync) => seenSync(watcher, isObject(sync) ? sync : { sync }));
	});
}

/** A watched sync that the list no longer shows (it started long ago): fetched by id, as Get does. */
export async function fetchSync(watcher: Watcher, syncId: string): Promise<SeenSync | undefined> {
	const job = { ctx: watcher.ctx, spec, targetId: watcher.connectionId, itemIndex: 0, settings: { request: DEFAULT_REQUEST_POLICY } };
	const fetched = await settle(fetchRunStatus(job, syncId));
	if (fetched.ok) return seenSync(watcher, { id: syncId, ...fetched.value });
	if (fetched.error instanceof RudderStackApiError && fetched.error.status === 404) return undefined;
	throw fetched.error;
}
