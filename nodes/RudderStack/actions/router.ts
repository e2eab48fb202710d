import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { RESOURCES, type ResourceName } from '../resources';
import { idsOf } from '../run/errors';
import { CancelledError } from '../run/pause';
import { readStepSettings } from '../run/settings';
import { StepStarts } from '../run/start';
import { runsAsTool } from '../run/tool';
import { RequestPacer } from '../transport/pacer';
import { sendEvents } from './event/send';
import { get } from './get.operation';
import { getMany } from './getMany.operation';
import type { Operation, PreparedItem, SharedState } from './operation';
import { start } from './start.operation';
import { stop } from './stop.operation';
import { wait } from './wait.operation';

export const OPERATIONS: Record<string, Operation> = { start, get, wait, stop, getMany };

type Outcome = { json: IDataObject[] } | { error: Error };

function asItemError(ctx: IExecuteFunctions, error: unknown, itemIndex: number): Error {
	if (error instanceof CancelledError) {
		return new NodeOperationError(ctx.getNode(), 'The execution was cancelled while waiting for RudderStack', { itemIndex });
	}
	if (error instanceof NodeOperationError || (error instanceof Error && 'context' in error)) {
		const context = (error as { context: IDataObject }).context;
		if (context && context.itemIndex === undefined) context.itemIndex = itemIndex;
		return error;
	}
	return new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
}

/** Runs `work` for every index, at most `limit` at a time, until `stopped()` says otherwise. */
async function inPool(count: number, limit: number, stopped: () => boolean, work: (index: number) => Promise<void>): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < count && !stopped()) await work(next++);
	};
	await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	// The data plane takes events in batches, not one run per item: its own path.
	if (this.getNodeParameter('resource', 0) === 'event') return await sendEvents(this);
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as ResourceName;
	const operationName = this.getNodeParameter('operation', 0) as string;
	const spec = RESOURCES[resource];
	const operation = OPERATIONS[operationName];
	if (!spec || !operation?.resources.includes(resource)) {
		throw new NodeOperationError(this.getNode(), `The operation "${operationName}" is not supported for resource "${resource}"`);
	}
	// A tool call answers a failure instead of failing: the agent reads RudderStack's reason.
	const continueOnFail = this.continueOnFail() || runsAsTool(this);
	const step = readStepSettings(this);

	// Our own signal: the execution's cancel, or the first failure when not continuing on fail.
	const stopAll = new AbortController();
	const executionSignal = typeof this.getExecutionCancelSignal === 'function' ? this.getExecutionCancelSignal() : undefined;
	const relayCancel = () => stopAll.abort();
	executionSignal?.addEventListener('abort', relayCancel, { once: true });
	if (executionSignal?.aborted) stopAll.abort();
	const sharedWork = new Map<string, Promise<unknown>>();
	const patienceOf = new Map<string, number>();
	const shared: SharedState = {
		signal: stopAll.signal,
		pacer: new RequestPacer(step.maxRequestsPerSecond),
		starts: new StepStarts(),
		once<T>(key: string, work: () => Promise<T>): Promise<T> {
			let promise = sharedWork.get(key) as Promise<T> | undefined;
			if (!promise) {
				promise = work();
				sharedWork.set(key, promise);
			}
			return promise;
		},
		patience(key: string, timeoutMs: number): () => number {
			patienceOf.set(key, Math.max(patienceOf.get(key) ?? 0, timeoutMs > 0 ? timeoutMs : Infinity));
			return () => {
				const longest = patienceOf.get(key) as number;
				return longest === Infinity ? 0 : longest;
			};
		},
	};

	const outcomes: Outcome[] = new Array(items.length);
	let firstFailure: Error | undefined;
	const fail = (itemIndex: number, error: unknown) => {
		outcomes[itemIndex] = { error: asItemError(this, error, itemIndex) };
		if (!continueOnFail && !firstFailure && !(error instanceof CancelledError)) {
			firstFailure = outcomes[itemIndex].error as Error;
			stopAll.abort();
		}
	};

	try {
		// Every item is checked before any request goes out.
		const prepared: Array<PreparedItem | undefined> = items.map((_, itemIndex) => {
			try {
				// Each item its own lane of the pacer, so that items take turns under the ceiling.
				return operation.prepare(this, spec, itemIndex, { ...shared, pacer: shared.pacer.lane() });
			} catch (error) {
				fail(itemIndex, error);
				return undefined;
			}
		});
		if (firstFailure) throw firstFailure;

		// Items that would start (or wait for) the same run share it instead of racing into 409s;
		// each still judges it by its own options (see the operations).
		const runs = new Map<string, number[]>();
		const runOf = (itemIndex: number, item: PreparedItem) => {
			if (item.dedupeKey) runs.set(item.dedupeKey, [...(runs.get(item.dedupeKey) ?? []), itemIndex]);
			return item.run();
		};

		await inPool(items.length, step.concurrency, () => stopAll.signal.aborted, async (itemIndex) => {
			const item = prepared[itemIndex];
			if (!item) return;
			try {
				const result = await runOf(itemIndex, item);
				const list = Array.isArray(result) ? result : [result];
				outcomes[itemIndex] = { json: list };
			} catch (error) {
				fail(itemIndex, error);
			}
		});
		if (firstFailure) throw firstFailure;
		if (executionSignal?.aborted) throw asItemError(this, new CancelledError(), 0);

		for (const sharing of runs.values()) {
			if (sharing.length < 2) continue;
			for (const itemIndex of sharing) {
				const outcome = outcomes[itemIndex];
				if (outcome && 'json' in outcome) outcome.json = outcome.json.map((json) => ({ ...json, sharedWithItems: [...sharing] }));
			}
		}

		return [
			outcomes.flatMap((outcome, itemIndex): INodeExecutionData[] => {
				if (!outcome) return [];
				if ('json' in outcome) return outcome.json.map((json) => ({ json, pairedItem: { item: itemIndex } }));
				const ids = idsOf(outcome.error) ?? prepared[itemIndex]?.ids ?? {};
				return [{ json: { error: outcome.error.message, ...ids }, pairedItem: { item: itemIndex } }];
			}),
		];
	} finally {
		executionSignal?.removeEventListener('abort', relayCancel);
	}
}
