import type { IExecuteFunctions, IRunExecutionData } from 'n8n-workflow';

/**
 * n8n can run an execution again: in queue mode, n8n 1.x hands the job of a worker that died to
 * another worker once the job counts as stalled, and the execution runs again under the same id.
 * The sync that the earlier run started must then be followed (running or ended), not started a
 * second time; and a first run must never take someone else's sync for its own.
 *
 * What the node can see, measured on n8n 1.123.81 in queue mode (one main, two workers):
 * - n8n saves an execution's state to the database, read back by id (getExecutionDataById). With
 *   progress saving (EXECUTIONS_DATA_SAVE_ON_PROGRESS or the workflow's "Save execution progress")
 *   it is saved after every step: the steps that ran (startTime, executionTime, source) and the
 *   stack of what runs next. The re-run resumes from it, at this step: the steps before are not
 *   run again and keep their first run's times. On the first run this step read a state saved
 *   24 ms after the step before ended; on the re-run, the same state 8.5 s later (kill 1 s into the
 *   wait, the suite's 6 s worker lock); with n8n's default 30 s lock, at least about 15 s.
 * - Without progress saving the saved state is the one written when the execution was created
 *   (no steps, the trigger next), on the first run and on the re-run alike, and the re-run runs
 *   every step again: there is no trace of the earlier run. The execution's startedAt is set anew
 *   by the worker that re-runs it, and the node cannot read it anyway; in-memory run data,
 *   `$execution`, `$prevNode` and the input's source are the same on both runs.
 *
 * So the rule: the saved state says that this step runs next, and its last step ended at least
 * RERUN_GAP_MS before this step began. Then the earlier run began this step when that step ended,
 * and a sync it started began after that (run/start.ts looks for it). Not in manual or retry
 * mode, where the saved steps come from an earlier execution, and not when this process already
 * ran this step of this execution (Retry On Fail runs it again at once: it means a new start).
 */

/** Far more than n8n takes between saving one step and starting the next (24 ms measured), less than any re-run. */
export const RERUN_GAP_MS = 5_000;

type WithSavedData = IExecuteFunctions & { getExecutionDataById?: (id: string) => Promise<IRunExecutionData | undefined> };

/** Steps of an execution this process has begun: execution id and step name, bounded. */
const begunHere = new Set<string>();
const BEGUN_KEPT = 1_000;
const signals = new WeakMap<object, Promise<EarlierRun | undefined>>();

/** What the saved state tells of the earlier run that reached this step. */
export interface EarlierRun {
	/** When it began this step: the end of the last step n8n saved. */
	began: number;
	/**
	 * The run ids (syncId, runId) that the saved steps output: runs other steps of the execution
	 * (or this step's earlier runs in a loop) followed, so never the one this step started.
	 */
	followed: ReadonlySet<string>;
}

/**
 * When this step is n8n running the execution again after an earlier run had reached it: the time
 * the earlier run began it, and the runs earlier steps followed. Once per step.
 */
export async function earlierRunBegan(ctx: IExecuteFunctions): Promise<EarlierRun | undefined> {
	let signal = signals.get(ctx);
	if (!signal) {
		signal = readSignal(ctx, Date.now());
		signals.set(ctx, signal);
	}
	return await signal;
}

async function readSignal(ctx: IExecuteFunctions, stepBegan: number): Promise<EarlierRun | undefined> {
	const { getExecutionDataById } = ctx as WithSavedData;
	const executionId = ctx.getExecutionId?.();
	const mode = ctx.getMode();
	if (typeof getExecutionDataById !== 'function' || !executionId || mode === 'manual' || mode === 'retry') return undefined;
	const step = ctx.getNode().name;
	const key = `${executionId}\u0000${step}`;
	if (begunHere.has(key)) return undefined;
	begunHere.add(key);
	if (begunHere.size > BEGUN_KEPT) begunHere.delete(begunHere.values().next().value as string);
	let saved: IRunExecutionData | undefined;
	try {
		saved = await getExecutionDataById.call(ctx, executionId);
	} catch {
		return undefined;
	}
	if (saved?.executionData?.nodeExecutionStack?.[0]?.node?.name !== step) return undefined;
	const tasks = Object.values(saved.resultData?.runData ?? {}).flat();
	const ends = tasks
		.map((task) => (task?.startTime ?? NaN) + (task?.executionTime ?? NaN))
		.filter((end) => Number.isFinite(end));
	if (!ends.length) return undefined;
	const lastEnd = Math.max(...ends);
	if (stepBegan - lastEnd < RERUN_GAP_MS) return undefined;
	ctx.logger.info(
		`RudderStack: execution ${executionId} is being run again: n8n saved it up to the step before "${step}" ${Math.round((stepBegan - lastEnd) / 1000)} s ago, so an earlier run reached this step; looking for the sync it started`,
	);
	return { began: lastEnd, followed: runIdsOutput(tasks) };
}

/** The syncId and runId values of the items that saved steps output. */
function runIdsOutput(tasks: Array<{ data?: { main?: unknown } } | undefined>): Set<string> {
	const ids = new Set<string>();
	for (const task of tasks) {
		const outputs = Array.isArray(task?.data?.main) ? (task.data.main as unknown[]) : [];
		for (const output of outputs) {
			for (const item of Array.isArray(output) ? (output as Array<{ json?: Record<string, unknown> }>) : []) {
				for (const field of ['syncId', 'runId']) {
					const id = item?.json?.[field];
					if (typeof id === 'string' && id) ids.add(id);
				}
			}
		}
	}
	return ids;
}
