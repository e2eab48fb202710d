import type { IExecuteFunctions, IRunExecutionData } from 'n8n-workflow';

/**
 * n8n can run an execution again from its saved state: in queue mode, n8n 1.x hands the job of a
 * worker that died to another worker (the whole execution runs again). The execution keeps its
 * id, and what n8n saved of it is read back by id. A sync that our earlier run started is then
 * still running, and the new start gets 409: that sync is ours, and must be followed, not waited
 * out and started a second time.
 *
 * What n8n saves of a running execution is its run data as of the last saved step. With
 * progress saving (EXECUTIONS_DATA_SAVE_ON_PROGRESS or the workflow's "Save execution progress")
 * that holds the steps that ran before this one, with their start times; without it n8n saves
 * nothing of the earlier run, and there is no trace to tell our sync from another.
 *
 * So after a 409, a Reverse ETL sync that started since this execution's first saved step is
 * taken as ours (run/start.ts), and attached to.
 */

type WithSavedData = IExecuteFunctions & { getExecutionDataById?: (id: string) => Promise<IRunExecutionData | undefined> };

/** The earliest start of a step of this execution in the run data n8n saved for it. */
export async function savedExecutionStart(ctx: IExecuteFunctions): Promise<number | undefined> {
	const { getExecutionDataById } = ctx as WithSavedData;
	const executionId = ctx.getExecutionId?.();
	if (typeof getExecutionDataById !== 'function' || !executionId) return undefined;
	let saved: IRunExecutionData | undefined;
	try {
		saved = await getExecutionDataById.call(ctx, executionId);
	} catch {
		return undefined;
	}
	const starts = Object.values(saved?.resultData?.runData ?? {})
		.flat()
		.map((task) => task?.startTime)
		.filter((time): time is number => typeof time === 'number' && Number.isFinite(time));
	return starts.length ? Math.min(...starts) : undefined;
}
