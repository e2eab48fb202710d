import type { IExecuteFunctions } from 'n8n-workflow';

import { rudderStackRequest } from '../transport/request';
import type { RunJob } from './job';
import { unlessCancelled } from './pause';

const STOP_ON_CANCEL_BUDGET_MS = 5_000;

export async function stopRun(job: RunJob, ctx: IExecuteFunctions = job.ctx, policy = job.settings.request): Promise<void> {
	const { spec, targetId } = job;
	if (!spec.stopPath) throw new Error(`${spec.name} runs cannot be stopped`);
	await rudderStackRequest(ctx, { method: 'POST', path: spec.stopPath(targetId), body: {} }, policy);
}

/** The n8n execution itself was cancelled (Stop, workflow timeout, shutdown), not just this step's work. */
export function cancelledByUser(ctx: IExecuteFunctions): boolean {
	return typeof ctx.getExecutionCancelSignal === 'function' && ctx.getExecutionCancelSignal()?.aborted === true;
}

/**
 * The execution's context with another cancel signal: n8n aborts every request made through the
 * execution's own context when it is cancelled, so work that must outlive a cancel uses this.
 */
export function detachedContext(ctx: IExecuteFunctions, signal?: AbortSignal): IExecuteFunctions {
	return Object.create(ctx, { getExecutionCancelSignal: { value: () => signal } }) as IExecuteFunctions;
}

/** Waits at most the stop-on-cancel budget for the answer of a start that a cancel abandoned. */
export function withinStopBudget<T>(answer: Promise<T>): Promise<T> {
	return unlessCancelled(answer, AbortSignal.timeout(STOP_ON_CANCEL_BUDGET_MS));
}

/** After a cancel, the stop goes out on a context whose cancel signal is its own short deadline. */
export async function stopAfterCancel(job: RunJob, runId: string): Promise<void> {
	const budget = AbortSignal.timeout(STOP_ON_CANCEL_BUDGET_MS);
	const detached = detachedContext(job.ctx, budget);
	const what = `sync ${runId} of retl connection ${job.targetId}`;
	try {
		await stopRun(job, detached, { timeoutMs: STOP_ON_CANCEL_BUDGET_MS, maxRetries: 1, retryDelayMs: 200, signal: budget });
		job.ctx.logger.info(`RudderStack: execution cancelled, asked RudderStack to stop ${what}`);
	} catch (error) {
		job.ctx.logger.warn(`RudderStack: execution cancelled, but could not stop ${what}: ${(error as Error).message}`);
	}
}
