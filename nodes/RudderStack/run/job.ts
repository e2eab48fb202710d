import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { ResourceSpec } from '../resources';
import type { RunSettings } from './settings';

/** One item's work against one RudderStack target. */
export interface RunJob {
	ctx: IExecuteFunctions;
	spec: ResourceSpec;
	itemIndex: number;
	targetId: string;
	settings: RunSettings;
}

/** The timeout runs from the moment the step starts waiting; 0 means none. */
export class Deadline {
	readonly startedAt = Date.now();

	constructor(readonly timeoutMs: number) {}

	/** When the wait must end (ms since the epoch), for the request layer; undefined without a timeout. */
	get notAfter(): number | undefined {
		return this.timeoutMs > 0 ? this.startedAt + this.timeoutMs : undefined;
	}

	remainingMs(): number {
		return this.timeoutMs > 0 ? this.startedAt + this.timeoutMs - Date.now() : Infinity;
	}

	elapsedSeconds(): string {
		return ((Date.now() - this.startedAt) / 1000).toFixed(1);
	}
}

/** What an item's wait depends on besides the run: items that share a run share its wait only when these match. */
export function waitKey(settings: RunSettings): string {
	const { request, ...wait } = settings;
	return JSON.stringify([wait, request.timeoutMs, request.maxRetries, request.retryDelayMs]);
}

/**
 * What an item's start depends on besides the target and body: items share one start only when
 * these match, since they decide what the start does (a 409's outcome, stopping on cancel). The
 * Timeout and On Timeout are each item's own over a shared start (start.operation.ts).
 */
export function startKey(settings: RunSettings): string {
	const { ifAlreadyRunning, stopOnCancel } = settings;
	return JSON.stringify([ifAlreadyRunning, stopOnCancel]);
}

/** What names a run: the resource and its target (the trigger has these without an execution). */
export type RunTarget = Pick<RunJob, 'spec' | 'targetId'>;

export function runIds(job: RunTarget, runId?: string): IDataObject {
	const ids: IDataObject = { [job.spec.idField]: job.targetId };
	if (runId) ids[job.spec.runIdField] = runId;
	return ids;
}
