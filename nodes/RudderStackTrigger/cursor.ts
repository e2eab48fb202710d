import type { IDataObject } from 'n8n-workflow';

import type { RunVerdict } from '../RudderStack/resources';

/**
 * What the trigger remembers between polls, in the workflow's static data. It does not grow with
 * the syncs seen: every sync that started before `since - WINDOW_MS` is settled, except the few in
 * `watch`; only the ids of settled syncs that started inside the window are kept, to tell them from
 * new ones. All times compared are RudderStack's own `startedAt` values; this machine's clock only
 * gives the first poll's lower bound and caps how far ahead a stamp is believed (FUTURE_SKEW_MS).
 */
export interface Cursor {
	connectionId: string;
	/** The latest `startedAt` seen (ISO), or the first poll's lower bound when there was none. */
	since: string;
	/**
	 * Syncs that were running at the last poll: [id, startedAt ISO], plus how many polls in a row
	 * RudderStack has not shown it (404 on its fetch) when it has not; absent means 0.
	 */
	watch: Array<Watched>;
	/** Ended syncs already handled (emitted or left out) that started inside the window: [id, startedAt ISO]. */
	done: Array<[string, string]>;
	/**
	 * Set when more than MAX_DONE syncs started inside the window: `done` keeps the newest, and a
	 * sync that started before this time (ISO) no longer counts as new, so none comes twice.
	 */
	floor?: string;
}

/**
 * How far before `since` a sync may show up late and still count: RudderStack's list is filtered by
 * its own notion of `started_after` (inclusive or not, rounded or not), and an id written a moment
 * after another may carry an earlier `startedAt`.
 */
export const WINDOW_MS = 10 * 60_000;
/** Bounds on the cursor, whatever RudderStack lists. */
export const MAX_WATCH = 50;
export const MAX_DONE = 200;
/**
 * A watched sync RudderStack does not show (a 404 on its fetch: a deployment, a lagging replica) stays
 * watched; only after this many polls in a row without it is it given up, with a warning.
 */
export const MAX_MISSES = 5;
/**
 * How far after this machine's clock a `startedAt` may lie and still move `since`. A sync stamped
 * later (a replica's clock, a stamp without its time zone) is still emitted once, but `since` does
 * not jump ahead with it, or the list would skip every correctly stamped sync until then. If this
 * machine's clock is behind RudderStack's, `since` lags and polls list a little more; none is lost.
 */
export const FUTURE_SKEW_MS = 5 * 60_000;

export type Watched = [id: string, startedAt: string, misses?: number];

export interface SeenSync {
	id: string;
	startedAtMs: number;
	startedAt: string;
	sync: IDataObject;
	verdict: RunVerdict;
}

const byStart = (a: SeenSync, b: SeenSync) => a.startedAtMs - b.startedAtMs || a.id.localeCompare(b.id);
const pairOf = (sync: SeenSync): [string, string] => [sync.id, sync.startedAt];
const newestFirst = (a: readonly [string, string, ...unknown[]], b: readonly [string, string, ...unknown[]]) => Date.parse(b[1]) - Date.parse(a[1]);
const uniqueById = (syncs: SeenSync[]) => [...new Map(syncs.map((sync) => [sync.id, sync])).values()];

/** The latest start that `since` may take: not beyond this machine's clock plus FUTURE_SKEW_MS. */
const latestTrusted = (sinceMs: number, syncs: SeenSync[], nowMs: number) =>
	Math.max(sinceMs, ...syncs.map((sync) => sync.startedAtMs).filter((startedAtMs) => startedAtMs <= nowMs + FUTURE_SKEW_MS));

/** The cursor of a newly activated trigger: everything listed is settled; what runs is watched. */
export function firstCursor(connectionId: string, lowerBoundMs: number, listed: SeenSync[], nowMs: number): Cursor {
	const unique = uniqueById(listed);
	return settle(connectionId, latestTrusted(lowerBoundMs, unique, nowMs), unique, []);
}

/**
 * One poll: which syncs ended since the cursor (oldest first), and the cursor after them. `seen` is
 * what RudderStack listed from `since - WINDOW_MS` on, plus the watched syncs it fetched one by one.
 * `missing`: watched syncs RudderStack did not show this time, still watched; `lost`: given up.
 */
export function advance(cursor: Cursor, seen: SeenSync[], nowMs: number): { ended: SeenSync[]; cursor: Cursor; missing: Watched[]; lost: string[] } {
	const sinceMs = Date.parse(cursor.since);
	const windowStart = Math.max(sinceMs - WINDOW_MS, floorOf(cursor));
	const watched = new Set(cursor.watch.map(([id]) => id));
	const done = new Set(cursor.done.map(([id]) => id));
	const unique = uniqueById(seen);
	const fresh = unique.filter((sync) => watched.has(sync.id) || (sync.startedAtMs >= windowStart && !done.has(sync.id)));
	const ended = fresh.filter((sync) => sync.verdict.state !== 'running').sort(byStart);
	const since = latestTrusted(sinceMs, fresh, nowMs);
	const shown = new Set(unique.map((sync) => sync.id));
	const unseen = cursor.watch.filter(([id]) => !shown.has(id)).map(([id, startedAt, misses = 0]): Watched => [id, startedAt, misses + 1]);
	const missing = unseen.filter(([, , misses = 0]) => misses < MAX_MISSES);
	const lost = unseen.filter(([, , misses = 0]) => misses >= MAX_MISSES).map(([id]) => id);
	const next = settle(cursor.connectionId, since, fresh, cursor.done, floorOf(cursor), missing);
	return { ended, cursor: next, missing, lost };
}

const floorOf = (cursor: Cursor) => (cursor.floor ? Date.parse(cursor.floor) : -Infinity);

function settle(connectionId: string, sinceMs: number, syncs: SeenSync[], keptDone: Array<[string, string]>, keptFloor = -Infinity, missing: Watched[] = []): Cursor {
	let floor = Math.max(sinceMs - WINDOW_MS, keptFloor);
	const inWindow = ([, startedAt]: [string, string]) => Date.parse(startedAt) >= floor;
	const doneNow = syncs.filter((sync) => sync.verdict.state !== 'running').map(pairOf);
	let done = [...new Map([...keptDone, ...doneNow].filter(inWindow)).entries()].sort(newestFirst);
	if (done.length > MAX_DONE) {
		// Keep the newest; all that started at the cut-off time stay, so the floor excludes only dropped ones.
		floor = Date.parse(done[MAX_DONE - 1][1]);
		done = done.filter(inWindow);
	}
	const watch: Watched[] = [...syncs.filter((sync) => sync.verdict.state === 'running').map(pairOf), ...missing];
	return {
		connectionId,
		since: new Date(sinceMs).toISOString(),
		watch: watch.sort(newestFirst).slice(0, MAX_WATCH),
		done,
		...(floor > sinceMs - WINDOW_MS ? { floor: new Date(floor).toISOString() } : {}),
	};
}

export function isCursor(value: unknown, connectionId: string): value is Cursor {
	const cursor = value as Cursor | undefined;
	return (
		typeof cursor === 'object' &&
		cursor !== null &&
		cursor.connectionId === connectionId &&
		!Number.isNaN(Date.parse(cursor.since)) &&
		Array.isArray(cursor.watch) &&
		Array.isArray(cursor.done)
	);
}
