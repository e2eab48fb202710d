import type { IDataObject } from 'n8n-workflow';

import type { RunVerdict } from '../RudderStack/resources';

/**
 * What the trigger remembers between polls, in the workflow's static data. It does not grow with
 * the syncs seen: every sync that started before `since - WINDOW_MS` is settled, except the few in
 * `watch`; only the ids of settled syncs that started inside the window are kept, to tell them from
 * new ones. All times are RudderStack's own `startedAt` values, never this machine's clock (but for
 * the first poll's lower bound), so a skewed clock here moves nothing.
 */
export interface Cursor {
	connectionId: string;
	/** The latest `startedAt` seen (ISO), or the first poll's lower bound when there was none. */
	since: string;
	/** Syncs that were running at the last poll: [id, startedAt ISO]. */
	watch: Array<[string, string]>;
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

export interface SeenSync {
	id: string;
	startedAtMs: number;
	startedAt: string;
	sync: IDataObject;
	verdict: RunVerdict;
}

const byStart = (a: SeenSync, b: SeenSync) => a.startedAtMs - b.startedAtMs || a.id.localeCompare(b.id);
const pairOf = (sync: SeenSync): [string, string] => [sync.id, sync.startedAt];
const newestFirst = (a: [string, string], b: [string, string]) => Date.parse(b[1]) - Date.parse(a[1]);

/** The cursor of a newly activated trigger: everything listed is settled; what runs is watched. */
export function firstCursor(connectionId: string, lowerBoundMs: number, listed: SeenSync[]): Cursor {
	const since = Math.max(lowerBoundMs, ...listed.map((sync) => sync.startedAtMs));
	return settle(connectionId, since, listed, []);
}

/**
 * One poll: which syncs ended since the cursor (oldest first), and the cursor after them. `seen` is
 * what RudderStack listed from `since - WINDOW_MS` on, plus the watched syncs it fetched one by one.
 */
export function advance(cursor: Cursor, seen: SeenSync[]): { ended: SeenSync[]; cursor: Cursor; lost: string[] } {
	const sinceMs = Date.parse(cursor.since);
	const windowStart = Math.max(sinceMs - WINDOW_MS, floorOf(cursor));
	const watched = new Set(cursor.watch.map(([id]) => id));
	const done = new Set(cursor.done.map(([id]) => id));
	const unique = [...new Map(seen.map((sync) => [sync.id, sync])).values()];
	const fresh = unique.filter((sync) => watched.has(sync.id) || (sync.startedAtMs >= windowStart && !done.has(sync.id)));
	const ended = fresh.filter((sync) => sync.verdict.state !== 'running').sort(byStart);
	const since = Math.max(sinceMs, ...fresh.map((sync) => sync.startedAtMs));
	const next = settle(cursor.connectionId, since, fresh, cursor.done, floorOf(cursor));
	const lost = cursor.watch.map(([id]) => id).filter((id) => !unique.some((sync) => sync.id === id));
	return { ended, cursor: next, lost };
}

const floorOf = (cursor: Cursor) => (cursor.floor ? Date.parse(cursor.floor) : -Infinity);

function settle(connectionId: string, sinceMs: number, syncs: SeenSync[], keptDone: Array<[string, string]>, keptFloor = -Infinity): Cursor {
	let floor = Math.max(sinceMs - WINDOW_MS, keptFloor);
	const inWindow = ([, startedAt]: [string, string]) => Date.parse(startedAt) >= floor;
	const doneNow = syncs.filter((sync) => sync.verdict.state !== 'running').map(pairOf);
	let done = [...new Map([...keptDone, ...doneNow].filter(inWindow)).entries()].sort(newestFirst);
	if (done.length > MAX_DONE) {
		// Keep the newest; all that started at the cut-off time stay, so the floor excludes only dropped ones.
		floor = Date.parse(done[MAX_DONE - 1][1]);
		done = done.filter(inWindow);
	}
	const watch = syncs.filter((sync) => sync.verdict.state === 'running').map(pairOf);
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
