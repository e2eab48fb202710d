import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { CancelledError } from '../../run/pause';
import { DEFAULTS, numberOption } from '../../run/settings';
import { BATCH_OVERHEAD_BYTES, dataPlaneAccount, sendBatch } from '../../transport/dataPlane';
import { type BuiltEvent, buildEvent, invalid, parameterReader, plainFieldsOf, runIndexOf } from './build';
import { EVENT_TYPES, type EventType, MAX_BATCH_BYTES } from './events';

type Outcome = { event: BuiltEvent } | { error: Error };

/** Consecutive item indexes whose events fit in one request, in input order. */
export function planBatches(events: Array<BuiltEvent | undefined>, maxBytes = MAX_BATCH_BYTES): number[][] {
	const batches: number[][] = [];
	let current: number[] = [];
	let bytes = BATCH_OVERHEAD_BYTES;
	events.forEach((event, itemIndex) => {
		if (!event) return;
		const added = event.bytes + (current.length ? 1 : 0);
		if (current.length && bytes + added > maxBytes) {
			batches.push(current);
			current = [];
			bytes = BATCH_OVERHEAD_BYTES;
		}
		bytes += event.bytes + (current.length ? 1 : 0);
		current.push(itemIndex);
	});
	if (current.length) batches.push(current);
	return batches;
}

function requestPolicy(ctx: IExecuteFunctions, signal?: AbortSignal) {
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	return {
		timeoutMs: numberOption(ctx, 0, options, 'requestTimeout', DEFAULTS.requestTimeout, { min: 0, exclusive: true }) * 1000,
		maxRetries: numberOption(ctx, 0, options, 'maxRetries', DEFAULTS.maxRetries, { min: 0, integer: true }),
		retryDelayMs: numberOption(ctx, 0, options, 'retryDelay', DEFAULTS.retryDelay, { min: 0 }) * 1000,
		signal,
	};
}

/**
 * RudderStack keeps one event per messageId, so items sharing one (a fixed Message ID option, an
 * expression that repeats) would be reported accepted while all but the first are dropped. The
 * first keeps its event; each later one becomes an error that names the items sharing the id.
 */
function refuseSharedMessageIds(ctx: IExecuteFunctions, outcomes: Outcome[]): void {
	const sharing = new Map<string, number[]>();
	outcomes.forEach((outcome, itemIndex) => {
		if (!('event' in outcome)) return;
		const { messageId } = outcome.event;
		sharing.set(messageId, [...(sharing.get(messageId) ?? []), itemIndex]);
	});
	for (const [messageId, all] of sharing) {
		for (const itemIndex of all.slice(1)) {
			outcomes[itemIndex] = {
				error: invalid(
					ctx,
					itemIndex,
					`items ${all.join(', ')} share the Message ID "${messageId}"; RudderStack keeps one event per Message ID and would drop the others. Give each item its own Message ID (an expression), or leave it empty for a derived one`,
				),
			};
		}
	}
}

const range = (batch: number[]) => (batch.length > 1 ? `items ${batch[0]}–${batch[batch.length - 1]}` : `item ${batch[0]}`);

/**
 * The Event resource: every item is read and checked first, then the events go out as
 * `/v1/batch` requests of up to 4 MB, one after another in input order. One output item per
 * input item, with its messageId and whether RudderStack accepted it.
 */
export async function sendEvents(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const type = ctx.getNodeParameter('operation', 0) as EventType;
	if (!EVENT_TYPES[type]) throw new Error(`The operation "${type}" is not supported for resource "event"`);
	const continueOnFail = ctx.continueOnFail();
	const signal = typeof ctx.getExecutionCancelSignal === 'function' ? ctx.getExecutionCancelSignal() : undefined;
	const policy = requestPolicy(ctx, signal);

	// Every item is checked before anything is sent; without Continue On Fail, one bad item stops all.
	const read = parameterReader(ctx, plainFieldsOf(type));
	const runIndex = runIndexOf(ctx);
	const outcomes: Outcome[] = items.map((_, itemIndex) => {
		try {
			return { event: buildEvent(ctx, read, type, itemIndex, runIndex) };
		} catch (error) {
			return { error: error as Error };
		}
	});
	refuseSharedMessageIds(ctx, outcomes);
	const firstInvalid = outcomes.find((outcome): outcome is { error: Error } => 'error' in outcome);
	if (firstInvalid && !continueOnFail) throw firstInvalid.error;

	const built = outcomes.map((outcome) => ('event' in outcome ? outcome.event : undefined));
	const batches = planBatches(built);
	if (batches.length) {
		const account = await dataPlaneAccount(ctx);
		let accepted = 0;
		for (const batch of batches) {
			try {
				await sendBatch(ctx, account, batch.map((itemIndex) => (built[itemIndex] as BuiltEvent).json), policy);
				accepted += batch.length;
			} catch (caught) {
				const error = caught instanceof CancelledError ? new Error('The execution was cancelled while sending events to RudderStack') : (caught as Error & { description?: string });
				const note = `The batch held ${range(batch)}; ${accepted} earlier event${accepted === 1 ? ' was' : 's were'} accepted.`;
				if ('description' in error) error.description = `${error.description ?? ''} ${note}`.trim();
				if (!continueOnFail || caught instanceof CancelledError) throw error;
				for (const itemIndex of batch) outcomes[itemIndex] = { error };
			}
		}
	}

	return [
		outcomes.map((outcome, itemIndex) => {
			const json: IDataObject =
				'event' in outcome ? { type, messageId: outcome.event.messageId, accepted: true } : { type, error: outcome.error.message, accepted: false, ...(built[itemIndex] ? { messageId: built[itemIndex].messageId } : {}) };
			return { json, pairedItem: { item: itemIndex } };
		}),
	];
}
