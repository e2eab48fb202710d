import type { IExecuteFunctions } from 'n8n-workflow';

import { rudderStackRequest } from '../transport/request';
import type { RunJob } from './job';

const STOP_ON_CANCEL_BUDGET_MS = 5_000;

export async function stopRun(job: RunJob, ctx: IExecuteFunctions = job.ctx, policy = job.settings.request): Promise<void> {
	const { spec, targetId } = job;
	if (!spec.stopPath) throw new Error(`${spec.name} runs cannot be stopped`);
	await rudderStackRequest(ctx, { method: 'POST', path: spec.stopPath(targetId), body: {} }, policy);
}

/**
 * After a cancel, n8n aborts every request made through the execution's context; the stop has to
 * go out on a context whose cancel signal is its own short deadline instead.
 */
export async function stopAfterCancel(job: RunJob, runId: string): Promise<void> {
	const budget = AbortSignal.timeout(STOP_ON_CANCEL_BUDGET_MS);
	const detached = Object.create(job.ctx, { getExecutionCancelSignal: { value: () => budget } }) as IExecuteFunctions;
	const what = `sync ${runId} of retl connection ${job.targetId}`;
	try {
		await stopRun(job, detached, { timeoutMs: STOP_ON_CANCEL_BUDGET_MS, maxRetries: 1, retryDelayMs: 200, signal: budget });
		job.ctx.logger.info(`RudderStack: execution cancelled, asked RudderStack to stop ${what}`);
	} catch (error) {
		job.ctx.logger.warn(`RudderStack: execution cancelled, but could not stop ${what}: ${(error as Error).message}`);
	}
}
