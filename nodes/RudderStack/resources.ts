import type { IDataObject } from 'n8n-workflow';

import { pathSegment } from './transport/host';

export type ResourceName = 'retl' | 'profiles' | 'etl';

export type OnTimeout = 'fail' | 'returnRunning' | 'stopAndFail';
export type IfAlreadyRunning = 'wait' | 'attach' | 'fail';

export type RunVerdict = { state: 'running' } | { state: 'succeeded' } | { state: 'failed'; reason: string };

export interface JudgeLimits {
	maxFailedRows?: number;
}

/**
 * Everything that differs between Reverse ETL connections, Profiles projects and ETL sources.
 * The poller, the start logic and the request layer are shared and read only this table.
 */
export interface ResourceSpec {
	name: ResourceName;
	/** The node parameter and output field that hold the target's id. */
	idField: 'connectionId' | 'profileId' | 'sourceId';
	/** The output field (and start-response field) that holds the run's id. */
	runIdField: 'syncId' | 'runId';
	/** How messages name the target, in the Airflow provider's words. */
	targetNoun: string;
	/** How messages name one run: "Sync", "Profile run", "Sync run". */
	runNoun: string;
	idLabel: string;
	startPath(targetId: string): string;
	statusPath(targetId: string, runId: string): string;
	/** Only Reverse ETL can list its runs and stop one. */
	syncsPath?(targetId: string): string;
	stopPath?(targetId: string): string;
	judge(status: IDataObject, limits: JudgeLimits): RunVerdict;
	/**
	 * What the options of this resource offer: the editor shows only these choices and the checks
	 * accept only these. Attaching to a running sync and stopping one need RETL's sync list and stop.
	 */
	offers: {
		onTimeout: readonly OnTimeout[];
		ifAlreadyRunning: readonly IfAlreadyRunning[];
		/** Max Failed Rows and Stop Sync on Cancel. */
		retlOptions: boolean;
	};
}

const NO_REASON = 'no error message from RudderStack';

function errorText(error: unknown): string | undefined {
	if (error === null || error === undefined) return undefined;
	if (typeof error === 'string') return error.trim() || undefined;
	if (typeof error === 'object') {
		const { message } = error as IDataObject;
		if (typeof message === 'string' && message.trim()) return message.trim();
		return Object.keys(error).length ? JSON.stringify(error) : undefined;
	}
	return String(error);
}

function failedRows(status: IDataObject): number | undefined {
	const failed = (status.metrics as IDataObject | undefined)?.failed as IDataObject | undefined;
	return typeof failed?.total === 'number' ? failed.total : undefined;
}

/** A real finish time (ms since the epoch); RudderStack writes a zero time while a run goes on. */
export function finishedAtMs(status: IDataObject): number | undefined {
	const raw = status.finishedAt ?? status.finished_at;
	const at = typeof raw === 'string' ? Date.parse(raw) : NaN;
	return at > 0 ? at : undefined;
}

/**
 * A status the node does not know: still going without a finish time (`queued`, `processing`),
 * ended with one (a stopped sync may read `aborted`), and then not a success.
 */
function judgeUnknown(status: IDataObject, noun: string): RunVerdict {
	if (finishedAtMs(status) === undefined) return { state: 'running' };
	const error = errorText(status.error);
	return { state: 'failed', reason: `the ${noun} ended with status ${JSON.stringify(status.status)}, which the node does not know as a success${error ? `: ${error}` : ''}` };
}

/** RETL: `succeeded` or `failed`; a success that dropped more rows than allowed is a failure too. */
function judgeSync(status: IDataObject, { maxFailedRows }: JudgeLimits): RunVerdict {
	if (status.status === 'failed') return { state: 'failed', reason: errorText(status.error) ?? NO_REASON };
	if (status.status === 'running') return { state: 'running' };
	if (status.status !== 'succeeded') return judgeUnknown(status, 'sync');
	const failed = failedRows(status);
	if (maxFailedRows !== undefined && failed !== undefined && failed > maxFailedRows) {
		const total = (status.metrics as IDataObject).total;
		return {
			state: 'failed',
			reason: `${failed} of ${typeof total === 'number' ? total : '?'} rows failed, more than the allowed ${maxFailedRows} (maxFailedRows)`,
		};
	}
	return { state: 'succeeded' };
}

/** Sources: `finished` is a success only without an error (the provider's PRO-4785); `failed` fails. */
function judgeSourceRun(status: IDataObject): RunVerdict {
	const error = errorText(status.error);
	if (status.status === 'failed') return { state: 'failed', reason: error ?? NO_REASON };
	if (status.status === 'running') return { state: 'running' };
	if (status.status !== 'finished') return judgeUnknown(status, 'run');
	return error ? { state: 'failed', reason: error } : { state: 'succeeded' };
}

const retlPath = (id: string) => `/v2/retl-connections/${pathSegment(id)}`;
const sourcePath = (id: string) => `/v2/sources/${pathSegment(id)}`;

const sourceEndpoints = {
	startPath: (id: string) => `${sourcePath(id)}/start`,
	statusPath: (id: string, runId: string) => `${sourcePath(id)}/runs/${pathSegment(runId)}/status`,
	judge: judgeSourceRun,
	offers: { onTimeout: ['fail', 'returnRunning'], ifAlreadyRunning: ['wait', 'fail'], retlOptions: false },
} as const;

export const RESOURCES: Record<ResourceName, ResourceSpec> = {
	retl: {
		name: 'retl',
		idField: 'connectionId',
		runIdField: 'syncId',
		targetNoun: 'retl connection',
		runNoun: 'Sync',
		idLabel: 'Connection ID',
		startPath: (id) => `${retlPath(id)}/start`,
		statusPath: (id, syncId) => `${retlPath(id)}/syncs/${pathSegment(syncId)}`,
		syncsPath: (id) => `${retlPath(id)}/syncs`,
		stopPath: (id) => `${retlPath(id)}/stop`,
		judge: judgeSync,
		offers: { onTimeout: ['fail', 'returnRunning', 'stopAndFail'], ifAlreadyRunning: ['wait', 'attach', 'fail'], retlOptions: true },
	},
	profiles: {
		name: 'profiles',
		idField: 'profileId',
		runIdField: 'runId',
		targetNoun: 'profile',
		runNoun: 'Profile run',
		idLabel: 'Profile ID',
		...sourceEndpoints,
	},
	etl: {
		name: 'etl',
		idField: 'sourceId',
		runIdField: 'runId',
		targetNoun: 'source',
		runNoun: 'Sync run',
		idLabel: 'Source ID',
		...sourceEndpoints,
	},
};

export function failureMessage(spec: ResourceSpec, targetId: string, runId: string, reason: string): string {
	return `${spec.runNoun} for ${spec.targetNoun}: ${targetId}, ${spec.runIdField}: ${runId} failed with error: ${reason}`;
}

export function pollingSubject(spec: ResourceSpec, targetId: string, runId: string): string {
	return `${spec.runIdField}: ${runId} for ${spec.targetNoun}: ${targetId}`;
}
