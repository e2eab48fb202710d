import type { IDataObject } from 'n8n-workflow';

import { isObject } from '../json';
import { failureMessage, pollingSubject, type RunVerdict } from '../resources';
import { OutOfTimeError, type RequestContext, type RequestPolicy, rudderStackRequest } from '../transport/request';
import { operationError, settle } from './errors';
import { type Deadline, type RunJob, type RunTarget, runIds } from './job';
import { CancelledError, pause } from './pause';
import { cancelledByUser, stopAfterCancel, stopRun } from './stop';

/** Enough to ask for one run's status: an execution's job, or the trigger's poll. */
export type StatusJob = RunTarget & { ctx: RequestContext; itemIndex: number; settings: { request: RequestPolicy } };

export async function fetchRunStatus(job: StatusJob, runId: string, deadline?: Deadline): Promise<IDataObject> {
	const { spec, targetId } = job;
	const policy = { ...job.settings.request, notAfter: deadline?.notAfter };
	const answer = await rudderStackRequest(job.ctx, { method: 'GET', path: spec.statusPath(targetId, runId) }, policy);
	if (!isObject(answer) || typeof answer.status !== 'string') {
		const got = isObject(answer) ? `fields ${Object.keys(answer).join(', ') || 'none'}` : `${JSON.stringify(answer)?.slice(0, 200)}`;
		throw operationError(job.ctx, job.itemIndex, `RudderStack's status answer for ${pollingSubject(spec, targetId, runId)} has no "status" field (got ${got})`, runIds(job, runId));
	}
	return answer;
}

/** The final status object: the ids, `status` and `error` always present, the rest as sent. */
export function runOutput(job: RunTarget, runId: string, status: IDataObject): IDataObject {
	return { ...runIds(job, runId), ...status, status: status.status, error: status.error ?? null };
}

type PollResult = { verdict: RunVerdict; status: IDataObject } | { timedOut: true; last?: IDataObject; lastError?: Error };

/**
 * Polls right away, then on a fixed beat of one poll interval counted from the first poll, until
 * the run ends or the deadline passes. A fixed beat keeps slow answers from pushing every later
 * poll back; a beat missed while an answer was still coming is skipped, not made up.
 */
export async function pollUntilDone(job: RunJob, runId: string, deadline: Deadline): Promise<PollResult> {
	const { settings } = job;
	const firstPollAt = Date.now();
	let last: IDataObject | undefined;
	for (;;) {
		const fetched = await settle(fetchRunStatus(job, runId, deadline));
		if (!fetched.ok) {
			// The timeout ran out while a request waited to be retried: that is a timeout, not the HTTP error.
			if (fetched.error instanceof OutOfTimeError) return { timedOut: true, last, lastError: fetched.error.lastError };
			throw fetched.error;
		}
		const status = (last = fetched.value);
		const verdict = job.spec.judge(status, settings);
		if (verdict.state !== 'running') return { verdict, status };
		const remaining = deadline.remainingMs();
		if (remaining <= 0) return { timedOut: true, last: status };
		const untilNextBeat = settings.pollIntervalMs - ((Date.now() - firstPollAt) % settings.pollIntervalMs);
		await pause(Math.min(untilNextBeat, remaining), settings.request.signal);
	}
}

/** Waits for our run and turns its end into an output item or an error. */
export async function waitForRun(job: RunJob, runId: string, deadline: Deadline): Promise<IDataObject> {
	const { ctx, spec, targetId, itemIndex, settings } = job;
	const polled = await settle(pollUntilDone(job, runId, deadline));
	if (!polled.ok) {
		// Only the execution's own cancel stops the sync; another item's failure only ends this wait.
		if (polled.error instanceof CancelledError && settings.stopOnCancel && cancelledByUser(ctx)) await stopAfterCancel(job, runId);
		throw polled.error;
	}
	const result = polled.value;
	if ('verdict' in result) {
		if (result.verdict.state === 'failed') {
			throw operationError(ctx, itemIndex, failureMessage(spec, targetId, runId, result.verdict.reason), runIds(job, runId), JSON.stringify(result.status));
		}
		return runOutput(job, runId, result.status);
	}
	if (settings.onTimeout === 'returnRunning') {
		return { ...runIds(job, runId), status: 'running', timedOut: true };
	}
	const elapsed = deadline.elapsedSeconds();
	let stopped = '';
	if (settings.onTimeout === 'stopAndFail') {
		const stop = await settle(stopRun(job));
		stopped = stop.ok ? '; the sync was asked to stop' : `; the sync could not be stopped: ${(stop.error as Error).message}`;
	}
	const lastStatus = typeof result.last?.status === 'string' ? result.last.status : 'unknown';
	const lastError = result.lastError ? ` (last request: ${result.lastError.message})` : '';
	throw operationError(
		ctx,
		itemIndex,
		`Polling for ${pollingSubject(spec, targetId, runId)} timed out after ${elapsed} s (timeout ${deadline.timeoutMs / 1000} s); last status: ${lastStatus}${lastError}${stopped}`,
		runIds(job, runId),
	);
}
