import type { IDataObject } from 'n8n-workflow';

import { isObject } from '../json';
import { finishedAtMs } from '../resources';
import { type ApiRequest, OutOfTimeError, pauseBeforeRetry, type RequestPolicy, RudderStackApiError, rudderStackRequest } from '../transport/request';
import { operationError, settle, withIds } from './errors';
import { type Deadline, type RunJob, runIds } from './job';
import { CancelledError, pause } from './pause';
import { pollUntilDone } from './poll';
import { cancelledByUser, detachedContext, stopAfterCancel, withinStopBudget } from './stop';
import { earlierRunBegan, type EarlierRun } from './rerun';

export interface StartedRun {
	runId: string;
	/** Set when we did not start this run ourselves but took over one already running. */
	attached?: 'alreadyRunning' | 'ownEarlierAttempt';
}

/** How much earlier than our clock RudderStack's may stamp a sync that our attempt started. */
const CLOCK_SKEW_MS = 10_000;

/**
 * The starts of one step. An item whose start failed ambiguously looks for the sync it may have
 * started; a sync a sibling item started is never that one, so every start's answer is noted here,
 * and the search waits for the starts still in flight.
 */
export class StepStarts {
	private readonly started = new Set<string>();
	private readonly inFlight = new Set<Promise<unknown>>();

	track(runIdField: string, start: Promise<unknown>): Promise<unknown> {
		const noted = start.then((answer) => {
			const runId = isObject(answer) ? answer[runIdField] : undefined;
			if (typeof runId === 'string' && runId) this.started.add(runId);
			return answer;
		});
		const settled = noted.then(
			() => undefined,
			() => undefined,
		);
		this.inFlight.add(settled);
		void settled.then(() => this.inFlight.delete(settled));
		return noted;
	}

	/** A sync an item took as its own without starting it (on a re-run): no other item may take it too. */
	claim(runId: string): void {
		this.started.add(runId);
	}

	/** The sync ids this step's starts got, once every start in flight has its answer. */
	async startedIds(): Promise<ReadonlySet<string>> {
		await Promise.all([...this.inFlight]);
		return this.started;
	}
}

/** A start's job: the item's, and what the step's other starts got. */
export type StartJob = RunJob & { starts: StepStarts };

function isAlreadyRunning(error: unknown): error is RudderStackApiError {
	return error instanceof RudderStackApiError && error.status === 409;
}

/**
 * Starts one run, and never two. A start that failed ambiguously (timeout, reset, 5xx) may have
 * started a run: RETL looks for it in the sync list and attaches to it before trying again;
 * sources have no such list, but a retry is safe, since RudderStack answers 409 while a run of
 * the source goes on. A 409 follows `ifAlreadyRunning`, except after an ambiguous attempt: then
 * the run going on is most likely ours, so RETL attaches (if that sync can be ours: else the 409
 * is someone else's and `ifAlreadyRunning` decides) and sources say that it cannot be followed.
 */
export async function startRun(job: StartJob, body: IDataObject | undefined, deadline: Deadline): Promise<StartedRun> {
	const { ctx, spec, targetId, itemIndex, settings } = job;
	const request: ApiRequest = { method: 'POST', path: spec.startPath(targetId), body };
	const policy: RequestPolicy = { ...settings.request, retryAmbiguous: false, notAfter: deadline.notAfter };
	let firstAmbiguous: { at: number; error: RudderStackApiError } | undefined;
	let waitedForOther = false;
	// n8n running the execution again (run/rerun.ts): the sync the earlier run started, running or ended.
	const earlierRun = spec.syncsPath ? await earlierRunBegan(ctx) : undefined;
	const ownEarlier = earlierRun === undefined ? undefined : await findSyncSince(job, earlierRun.began, earlierRun);
	if (ownEarlier) {
		ctx.logger.info(`RudderStack: following sync ${ownEarlier} of ${spec.targetNoun} ${targetId}, started by the earlier run of this execution; no second sync is started`);
		return { runId: ownEarlier, attached: 'ownEarlierAttempt' };
	}
	for (let ambiguousFailures = 0; ; ) {
		const attemptedAt = Date.now();
		const started = await settle(sendStart(job, request, policy));
		if (started.ok) {
			const answer = started.value;
			const runId = isObject(answer) ? answer[spec.runIdField] : undefined;
			if (typeof runId !== 'string' || !runId) {
				throw operationError(
					ctx,
					itemIndex,
					`RudderStack accepted the start of ${spec.targetNoun} ${targetId} but its answer has no "${spec.runIdField}" (got ${JSON.stringify(answer)?.slice(0, 200)}); the run cannot be followed`,
					runIds(job),
				);
			}
			return { runId };
		}
		const { error } = started;
		if (error instanceof OutOfTimeError) {
			// The time ran out while waiting for the other run to end: say so, whichever request noticed.
			throw waitedForOther ? idleTimedOut(job, deadline) : startOutOfTime(job, deadline, error, firstAmbiguous !== undefined);
		}
		if (error instanceof RudderStackApiError && error.ambiguous) {
			firstAmbiguous ??= { at: attemptedAt, error };
			const ours = spec.syncsPath ? await findSyncSince(job, firstAmbiguous.at) : undefined;
			if (ours) return { runId: ours, attached: 'ownEarlierAttempt' };
			if (++ambiguousFailures > settings.request.maxRetries) throw startGaveUp(job, request, error, ambiguousFailures);
			const paused = await settle(pauseBeforeRetry(ctx, request, policy, ambiguousFailures - 1, error));
			if (!paused.ok) throw paused.error instanceof OutOfTimeError ? startOutOfTime(job, deadline, paused.error, true) : paused.error;
			continue;
		}
		if (!isAlreadyRunning(error)) throw error;
		if (firstAmbiguous !== undefined) {
			if (!spec.syncsPath) throw unfollowable(job, firstAmbiguous.error, error);
			const ours = await findOwnEarlierRun(job, firstAmbiguous.at);
			if (ours) return { runId: ours, attached: 'ownEarlierAttempt' };
			// What runs began before our first attempt: someone else's sync, as on a plain 409.
		}
		if (settings.ifAlreadyRunning === 'fail') {
			throw operationError(
				ctx,
				itemIndex,
				`The ${spec.targetNoun} ${targetId} is already running (RudderStack answered 409: ${error.reason}); "ifAlreadyRunning" is set to fail`,
				runIds(job),
			);
		}
		if (settings.ifAlreadyRunning === 'attach') {
			return { runId: await findRunningSync(job, 'attach'), attached: 'alreadyRunning' };
		}
		waitedForOther = true;
		await waitUntilIdle(job, deadline);
	}
}

/**
 * One start request. With Stop Sync on Cancel, a cancel must not lose the start's answer: the
 * request goes out on a context n8n does not abort, and when the execution is cancelled while it
 * is in flight, a sync id that still comes back (within the stop budget) is stopped.
 */
async function sendStart(job: StartJob, request: ApiRequest, policy: RequestPolicy): Promise<unknown> {
	const { starts, spec } = job;
	if (!job.settings.stopOnCancel) return await starts.track(spec.runIdField, rudderStackRequest(job.ctx, request, policy));
	let abandoned: Promise<unknown> | undefined;
	const sent = await settle(
		starts.track(spec.runIdField, rudderStackRequest(detachedContext(job.ctx), request, { ...policy, onAbandoned: (answer) => (abandoned = answer) })),
	);
	if (sent.ok) return sent.value;
	// Not every abandoned answer is awaited (another item's failure is no cancel): none may go unhandled.
	abandoned?.catch(() => undefined);
	if (sent.error instanceof CancelledError && abandoned && cancelledByUser(job.ctx)) {
		const late = await settle(withinStopBudget(abandoned));
		const runId = late.ok && isObject(late.value) ? late.value[job.spec.runIdField] : undefined;
		if (typeof runId === 'string' && runId) await stopAfterCancel(job, runId);
	}
	throw sent.error;
}

/** Retries used up without a run of ours: the last answer, with its status and RudderStack's text. */
function startGaveUp(job: RunJob, request: ApiRequest, error: RudderStackApiError, attempts: number): RudderStackApiError {
	const listed = job.spec.syncsPath ? ' The sync list of the connection shows no sync started by these attempts.' : '';
	error.description = `${request.method} ${request.path} failed after ${attempts} attempts. ${error.reason}.${listed}`;
	return withIds(error, runIds(job));
}

function startOutOfTime(job: RunJob, deadline: Deadline, error: OutOfTimeError, afterAmbiguous: boolean) {
	const { spec, targetId } = job;
	const last = error.lastError ? `: ${error.lastError.message}` : '';
	const outcome = afterAmbiguous ? '' : '; no run was started';
	return operationError(
		job.ctx,
		job.itemIndex,
		`The start of ${spec.targetNoun} ${targetId} did not get through before the timeout (timed out after ${deadline.elapsedSeconds()} s, timeout ${deadline.timeoutMs / 1000} s)${last}${outcome}`,
		runIds(job),
	);
}

/** Sources: the retry of an ambiguous start was told a run is going; it is most likely ours, without an id. */
function unfollowable(job: RunJob, first: RudderStackApiError, conflict: RudderStackApiError) {
	const { spec, targetId } = job;
	return operationError(
		job.ctx,
		job.itemIndex,
		`The start of ${spec.targetNoun} ${targetId} failed without a clear answer (${first.message}), and the retry was told a run is already going (409: ${conflict.reason}), so the first attempt most likely started it. ` +
			'No second run was started. That run cannot be followed: RudderStack gave no run id for it. Check it in RudderStack.',
		runIds(job),
	);
}

async function listSyncs(job: RunJob, qs: IDataObject): Promise<IDataObject[]> {
	const { spec, targetId } = job;
	if (!spec.syncsPath) return [];
	const answer = await rudderStackRequest(job.ctx, { method: 'GET', path: spec.syncsPath(targetId), qs }, job.settings.request);
	const syncs = isObject(answer) && Array.isArray(answer.syncs) ? answer.syncs : [];
	return syncs.filter((sync): sync is IDataObject => isObject(sync) && typeof sync.id === 'string');
}

function newest(syncs: IDataObject[]): IDataObject | undefined {
	return [...syncs].sort((a, b) => String(b.startedAt ?? '').localeCompare(String(a.startedAt ?? '')))[0];
}

async function findRunningSync(job: RunJob, why: 'attach' | 'wait'): Promise<string>;
async function findRunningSync(job: RunJob, why: 'probe'): Promise<string | undefined>;
async function findRunningSync(job: RunJob, why: 'attach' | 'wait' | 'probe'): Promise<string | undefined> {
	const running = newest(await listSyncs(job, { status: 'running' }));
	if (running) return running.id as string;
	if (why === 'probe') return undefined;
	throw operationError(
		job.ctx,
		job.itemIndex,
		`RudderStack says retl connection ${job.targetId} is already running, but lists no running sync to ${why === 'attach' ? 'attach to' : 'wait for'}`,
		runIds(job),
	);
}

/**
 * A sync our ambiguous attempt may have started: it began after the attempt, allowing for clock
 * skew, and was still running at the attempt or began after it. A sync that had already ended
 * before the attempt is someone else's, however recent.
 */
function couldBeOurs(sync: IDataObject, attemptedAt: number): boolean {
	const startedAt = typeof sync.startedAt === 'string' ? Date.parse(sync.startedAt) : NaN;
	if (!(startedAt >= attemptedAt - CLOCK_SKEW_MS)) return false;
	const finishedAt = finishedAtMs(sync);
	return startedAt >= attemptedAt || finishedAt === undefined || finishedAt >= attemptedAt;
}

/** Of the listed syncs, the newest our attempt can have started: none that another item of this step started. */
async function newestOurs(job: StartJob, syncs: IDataObject[], attemptedAt: number, rerun?: EarlierRun): Promise<string | undefined> {
	const siblings = await job.starts.startedIds();
	const notOurs = (id: string) => siblings.has(id) || !!rerun?.followed.has(id);
	const found = newest(syncs.filter((sync) => couldBeOurs(sync, attemptedAt) && !notOurs(sync.id as string)))?.id as string | undefined;
	// Claimed in the same turn it is chosen, before another item's choice: one item per sync.
	if (found && rerun) job.starts.claim(found);
	return found;
}

/** `rerun`: on a re-run, what the saved state says (the syncs earlier steps followed are not ours). */
async function findSyncSince(job: StartJob, attemptedAt: number, rerun?: EarlierRun): Promise<string | undefined> {
	const since = new Date(attemptedAt - CLOCK_SKEW_MS).toISOString();
	return await newestOurs(job, await listSyncs(job, { started_after: since }), attemptedAt, rerun);
}

/**
 * Our ambiguous start was retried and told "already running": the running sync is most likely
 * ours, if it can be (see couldBeOurs). Undefined when what runs is someone else's.
 */
async function findOwnEarlierRun(job: StartJob, attemptedAt: number): Promise<string | undefined> {
	const running = await listSyncs(job, { status: 'running' });
	// A sync runs: the connection runs one at a time, so ours is that one or none.
	if (running.length) return await newestOurs(job, running, attemptedAt);
	const ours = await findSyncSince(job, attemptedAt);
	if (ours) return ours;
	throw operationError(
		job.ctx,
		job.itemIndex,
		`The start of ${job.spec.targetNoun} ${job.targetId} failed without a clear answer and the retry was told it is already running, but RudderStack lists no such sync; no second sync was started`,
		runIds(job),
	);
}

function idleTimedOut(job: RunJob, deadline: Deadline) {
	return operationError(
		job.ctx,
		job.itemIndex,
		`Waiting for the run already in progress on ${job.spec.targetNoun} ${job.targetId} timed out after ${deadline.elapsedSeconds()} s; no new run was started`,
		runIds(job),
	);
}

/**
 * An item's own Timeout over a start it shares with items that may wait longer (ifAlreadyRunning
 * "wait" can keep a start waiting for another run): this item gives up at its own deadline, and
 * the start goes on for the others.
 */
export async function withinOwnTimeout<T>(job: RunJob, work: Promise<T>, deadline: Deadline, sharedTimeoutMs: number): Promise<T> {
	// The start's own timeout is this item's (the item is the most patient): it reports it itself.
	const shorter = deadline.timeoutMs > 0 && (sharedTimeoutMs === 0 || deadline.timeoutMs < sharedTimeoutMs);
	if (!shorter) return await work;
	const giveUp = new AbortController();
	const ownTimeout = pause(deadline.remainingMs(), giveUp.signal).then(
		() => true,
		() => false,
	);
	try {
		const first = await Promise.race([work.then((value) => ({ value })), ownTimeout]);
		if (first === true) {
			throw operationError(
				job.ctx,
				job.itemIndex,
				`Waiting for the run already in progress on ${job.spec.targetNoun} ${job.targetId} timed out after ${deadline.elapsedSeconds()} s (timeout ${deadline.timeoutMs / 1000} s); this item started no run`,
				runIds(job),
			);
		}
		return (first as { value: T }).value;
	} finally {
		giveUp.abort();
	}
}

/** ifAlreadyRunning "wait": RETL follows the running sync; sources can only try again later. */
async function waitUntilIdle(job: RunJob, deadline: Deadline): Promise<void> {
	const { settings, spec, targetId } = job;
	const timedOut = () => idleTimedOut(job, deadline);
	const remaining = deadline.remainingMs();
	if (remaining <= 0) throw timedOut();
	const otherSync = spec.syncsPath ? await findRunningSync(job, 'probe') : undefined;
	job.ctx.logger.info(`RudderStack: ${spec.targetNoun} ${targetId} is already running${otherSync ? ` (sync ${otherSync})` : ''}; waiting for it to end before starting`);
	if (otherSync) {
		const result = await pollUntilDone(job, otherSync, deadline);
		if ('timedOut' in result) throw timedOut();
	} else {
		// A pause cut to the time left ends at the deadline, even when the timer fires a millisecond
		// before the clock says so: no start may follow it.
		const endsAtDeadline = remaining <= settings.pollIntervalMs;
		await pause(Math.min(settings.pollIntervalMs, remaining), settings.request.signal);
		if (endsAtDeadline || deadline.remainingMs() <= 0) throw timedOut();
	}
}
