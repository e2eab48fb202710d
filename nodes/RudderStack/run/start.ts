import type { IDataObject } from 'n8n-workflow';

import { isObject } from '../json';
import { backoffMs, RudderStackApiError, rudderStackRequest } from '../transport/request';
import { operationError, settle } from './errors';
import { type Deadline, type RunJob, runIds } from './job';
import { pause } from './pause';
import { pollUntilDone } from './poll';
import { savedExecutionStart } from './rerun';

export interface StartedRun {
	runId: string;
	/** Set when we did not start this run ourselves but took over one already running. */
	attached?: 'alreadyRunning' | 'ownEarlierAttempt';
}

/** How much earlier than our clock RudderStack's may stamp a sync that our attempt started. */
const CLOCK_SKEW_MS = 10_000;

function isAlreadyRunning(error: unknown): error is RudderStackApiError {
	return error instanceof RudderStackApiError && error.status === 409;
}

/**
 * Starts one run, and never two. A start that failed ambiguously (timeout, reset, 5xx) may have
 * started a run: RETL looks for it in the sync list and attaches to it before trying again;
 * sources have no such list, so they stop there and say so. A 409 follows `ifAlreadyRunning`,
 * except after an ambiguous attempt: then the run going on is most likely ours, so we attach.
 */
export async function startRun(job: RunJob, body: IDataObject | undefined, deadline: Deadline): Promise<StartedRun> {
	const { ctx, spec, targetId, itemIndex, settings } = job;
	let firstAmbiguousAt: number | undefined;
	for (let ambiguousFailures = 0; ; ) {
		const attemptedAt = Date.now();
		const started = await settle(rudderStackRequest(ctx, { method: 'POST', path: spec.startPath(targetId), body }, { ...settings.request, retryAmbiguous: false }));
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
		if (error instanceof RudderStackApiError && error.ambiguous) {
			firstAmbiguousAt ??= attemptedAt;
			const ours = spec.syncsPath ? await findSyncSince(job, firstAmbiguousAt) : undefined;
			if (ours) return { runId: ours, attached: 'ownEarlierAttempt' };
			if (!spec.syncsPath || ++ambiguousFailures > settings.request.maxRetries) {
				throw operationError(
					ctx,
					itemIndex,
					`The start of ${spec.targetNoun} ${targetId} failed without a clear answer (${error.reason}), so it may have started a run. ` +
						(spec.syncsPath
							? 'RudderStack lists no run of ours and the retries are used up.'
							: 'RudderStack offers no way to look that run up, so the start was not retried: no second run was started. Check the run in RudderStack before running this step again.'),
					runIds(job),
				);
			}
			await pause(backoffMs(settings.request.retryDelayMs, ambiguousFailures - 1), settings.request.signal);
			continue;
		}
		if (!isAlreadyRunning(error)) throw error;
		if (firstAmbiguousAt !== undefined) {
			return { runId: await findOwnEarlierRun(job, firstAmbiguousAt), attached: 'ownEarlierAttempt' };
		}
		const began = spec.syncsPath ? await savedExecutionStart(ctx) : undefined;
		const earlierRun = began === undefined ? undefined : await findSyncSince(job, began);
		if (earlierRun) return { runId: earlierRun, attached: 'ownEarlierAttempt' };
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
		await waitUntilIdle(job, deadline);
	}
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

/** A sync of this connection that started since our ambiguous attempt (allowing for clock skew). */
async function findSyncSince(job: RunJob, attemptedAt: number): Promise<string | undefined> {
	const since = new Date(attemptedAt - CLOCK_SKEW_MS).toISOString();
	return newest(await listSyncs(job, { started_after: since }))?.id as string | undefined;
}

/** Our ambiguous start was retried and told "already running": that run is most likely ours. */
async function findOwnEarlierRun(job: RunJob, attemptedAt: number): Promise<string> {
	const ours = (await findRunningSync(job, 'probe')) ?? (await findSyncSince(job, attemptedAt));
	if (ours) return ours;
	throw operationError(
		job.ctx,
		job.itemIndex,
		`The start of ${job.spec.targetNoun} ${job.targetId} failed without a clear answer and the retry was told it is already running, but RudderStack lists no such sync; no second sync was started`,
		runIds(job),
	);
}

/** ifAlreadyRunning "wait": RETL follows the running sync; sources can only try again later. */
async function waitUntilIdle(job: RunJob, deadline: Deadline): Promise<void> {
	const { settings, spec, targetId } = job;
	const timedOut = () =>
		operationError(
			job.ctx,
			job.itemIndex,
			`Waiting for the run already in progress on ${spec.targetNoun} ${targetId} timed out after ${deadline.elapsedSeconds()} s; no new run was started`,
			runIds(job),
		);
	const remaining = deadline.remainingMs();
	if (remaining <= 0) throw timedOut();
	const otherSync = spec.syncsPath ? await findRunningSync(job, 'probe') : undefined;
	job.ctx.logger.info(`RudderStack: ${spec.targetNoun} ${targetId} is already running${otherSync ? ` (sync ${otherSync})` : ''}; waiting for it to end before starting`);
	if (otherSync) {
		const result = await pollUntilDone(job, otherSync, deadline);
		if ('timedOut' in result) throw timedOut();
	} else {
		await pause(Math.min(settings.pollIntervalMs, remaining), settings.request.signal);
	}
}
