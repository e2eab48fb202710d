import type { IDataObject, INodeExecutionData, IPollFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { RESOURCES } from '../RudderStack/resources';
import { runOutput } from '../RudderStack/run/poll';
import { checkTargetId, readMaxFailedRows } from '../RudderStack/run/settings';
import { advance, firstCursor, isCursor, MAX_MISSES, type SeenSync, WINDOW_MS } from './cursor';
import { eventFields, eventOf, readEvents, type SyncEvent } from './events';
import { fetchSync, listSyncs, type Watcher } from './syncs';

/** On activation, syncs that started up to this long ago are looked at (and left out as over). */
export const ACTIVATION_LOOKBACK_MS = 24 * 3600_000;
/** "Fetch test event" looks for the latest ended sync this far back first. */
const MANUAL_LOOKBACK_MS = 7 * 24 * 3600_000;

const iso = (ms: number) => new Date(ms).toISOString();

// Polls of one trigger that are under way in this process. A poll slowed by retries can outlast
// the poll interval; a second poll on the same cursor would emit the same syncs again.
const inFlight = new Set<string>();

function readWatcher(ctx: IPollFunctions): { watcher: Watcher; events: SyncEvent[] } {
	const connectionId = checkTargetId(ctx, RESOURCES.retl, ctx.getNodeParameter('connectionId', '', { extractValue: true }));
	const events = readEvents(ctx);
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	return { watcher: { ctx, connectionId, limits: { maxFailedRows: readMaxFailedRows(ctx, options) } }, events };
}

function item(watcher: Watcher, sync: SeenSync): INodeExecutionData {
	return { json: { ...runOutput({ spec: RESOURCES.retl, targetId: watcher.connectionId }, sync.id, sync.sync), ...eventFields(sync) } };
}

/** "Fetch test event": the latest ended sync of the chosen events, so that there are fields to map; no cursor moves. */
async function latestEnded(watcher: Watcher, events: SyncEvent[]): Promise<INodeExecutionData[][]> {
	const wanted = (syncs: SeenSync[]) => syncs.filter((sync) => events.includes(eventOf(sync) as SyncEvent));
	const recent = wanted(await listSyncs(watcher, { started_after: iso(Date.now() - MANUAL_LOOKBACK_MS) }, { allowCut: true }));
	const candidates = recent.length ? recent : wanted(await listSyncs(watcher, {}, { allowCut: true }));
	const latest = candidates.sort((a, b) => a.startedAtMs - b.startedAtMs).at(-1);
	if (!latest) {
		throw new NodeOperationError(
			watcher.ctx.getNode(),
			`RudderStack lists no ${events.length === 1 ? `${events[0]} ` : 'ended '}sync of retl connection ${watcher.connectionId} yet; once one has ended, it shows here`,
		);
	}
	return [[item(watcher, latest)]];
}

async function pollCursor(watcher: Watcher, events: SyncEvent[]): Promise<INodeExecutionData[][] | null> {
	const { ctx, connectionId } = watcher;
	const staticData = ctx.getWorkflowStaticData('node');
	const kept = staticData.cursor;
	if (!isCursor(kept, connectionId)) {
		// Activation (or another connection): what is over is left out, what runs is watched.
		const lowerBound = Date.now() - ACTIVATION_LOOKBACK_MS;
		const recent = await listSyncs(watcher, { started_after: iso(lowerBound - WINDOW_MS) });
		const running = await listSyncs(watcher, { status: 'running' });
		staticData.cursor = firstCursor(connectionId, lowerBound, [...recent, ...running], Date.now()) as unknown as IDataObject;
		return null;
	}
	const from = Date.parse(kept.since) - WINDOW_MS;
	const listed = await listSyncs(watcher, { started_after: iso(from) });
	const seen = new Set(listed.map((sync) => sync.id));
	const fetched: SeenSync[] = [];
	for (const [syncId] of kept.watch) {
		if (seen.has(syncId)) continue;
		const sync = await fetchSync(watcher, syncId);
		if (sync) fetched.push(sync);
	}
	const { ended, cursor, missing, lost } = advance(kept, [...listed, ...fetched], Date.now());
	for (const [syncId, , misses] of missing) {
		ctx.logger.warn(`RudderStack Trigger: sync ${syncId} of retl connection ${connectionId} was running and RudderStack does not find it (${misses} of ${MAX_MISSES} polls in a row); it is still watched`);
	}
	for (const syncId of lost) {
		ctx.logger.warn(`RudderStack Trigger: sync ${syncId} of retl connection ${connectionId} was running and RudderStack has not found it in ${MAX_MISSES} polls in a row; it is no longer watched`);
	}
	// Only now, with every request answered: a failed poll leaves the cursor as it was.
	staticData.cursor = cursor as unknown as IDataObject;
	const items = ended.filter((sync) => events.includes(eventOf(sync) as SyncEvent)).map((sync) => item(watcher, sync));
	return items.length ? [items] : null;
}

export async function pollSyncs(ctx: IPollFunctions): Promise<INodeExecutionData[][] | null> {
	const { watcher, events } = readWatcher(ctx);
	if (ctx.getMode() === 'manual') return await latestEnded(watcher, events);
	const key = `${ctx.getWorkflow().id ?? ''}/${ctx.getNode().id}`;
	if (inFlight.has(key)) {
		ctx.logger.info(`RudderStack Trigger: the previous poll of retl connection ${watcher.connectionId} is still running; this one is skipped`);
		return null;
	}
	inFlight.add(key);
	try {
		return await pollCursor(watcher, events);
	} finally {
		inFlight.delete(key);
	}
}
