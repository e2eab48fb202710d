import type { IDataObject } from 'n8n-workflow';

import { RudderStackApiError, rudderStackRequest } from '../transport/request';
import { operationError, settle } from './errors';
import { type Deadline, type RunJob, runIds } from './job';
import { pause } from './pause';
import { isObject, pollUntilDone } from './poll';

export interface StartedRun {
	runId: string;
	/** Set when we did not start this run ourselves but took over one already running. */
	attached?: 'alreadyRunning' | 'ownEarlierAttempt';
}

/** How far back a sync may have started and still be our own earlier, unanswered attempt. */
const OWN_ATTEMPT_SLACK_MS = 60_000;

function isAlreadyRunning(error: unknown): error is RudderStackApiError {
	return error instanceof RudderStackApiError && error.status === 409;
}

/**
 * Starts one run. A 409 ("already running") follows `ifAlreadyRunning`, except when it answers a
 * retry of our own start: then the first attempt most likely went through, and we attach to it
 * rather than ever start a second run.
 */
export async function startRun(job: RunJob, body: IDataObject | undefined, deadline: Deadline): Promise<StartedRun> {
	const { ctx, spec, targetId, itemIndex, settings } = job;
	for (;;) {
		const attemptedAt = Date.now();
		const started = await settle(rudderStackRequest(ctx, { method: 'POST', path: spec.startPath(targetId), body }, settings.request));
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
		if (!isAlreadyRunning(error)) throw error;
		if (error.afterAmbiguousAttempt) {
			return { runId: await findOwnEarlierRun(job, attemptedAt), attached: 'ownEarlierAttempt' };
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

/** Our first start attempt timed out or failed with 5xx, and the retry got 409: find that run. */
async function findOwnEarlierRun(job: RunJob, lastAttemptAt: number): Promise<string> {
	const { spec, targetId, ctx, itemIndex } = job;
	if (spec.syncsPath) {
		const running = await findRunningSync(job, 'probe');
		if (running) return running;
		const since = new Date(lastAttemptAt - job.settings.request.timeoutMs * (job.settings.request.maxRetries + 1) - OWN_ATTEMPT_SLACK_MS);
		const recent = newest(await listSyncs(job, { started_after: since.toISOString() }));
		if (recent) return recent.id as string;
	}
	throw operationError(
		ctx,
		itemIndex,
		`The start of ${spec.targetNoun} ${targetId} failed without a clear answer, and the retry was told it is already running: our first start most likely went through. ` +
			(spec.syncsPath
				? 'RudderStack lists no such sync, so none was attached.'
				: `RudderStack offers no way to look up that run's id, so it cannot be followed; no second run was started. Check the run in RudderStack.`),
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
