import type { IDataObject, INodePropertyOptions, IPollFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { SeenSync } from './cursor';

/** The ends of a sync the trigger can start a workflow on: the judge's verdicts (resources.ts). */
export type SyncEvent = 'succeeded' | 'failed';

export const EVENTS: Array<INodePropertyOptions & { value: SyncEvent }> = [
	{ name: 'Sync Failed', value: 'failed', description: 'A sync ended "failed", or "succeeded" with more failed rows than Max Failed Rows' },
	{ name: 'Sync Succeeded', value: 'succeeded', description: 'A sync ended "succeeded" (within Max Failed Rows, when set)' },
];

export function readEvents(ctx: IPollFunctions): SyncEvent[] {
	const raw = ctx.getNodeParameter('events', []) as unknown;
	const list = Array.isArray(raw) ? raw : [raw];
	const known = EVENTS.map((event) => event.value);
	const unknown = list.filter((event) => !known.includes(event as SyncEvent));
	if (unknown.length) throw new NodeOperationError(ctx.getNode(), `"events" must be among ${known.join(', ')}; got ${JSON.stringify(unknown)}`);
	if (!list.length) throw new NodeOperationError(ctx.getNode(), 'Choose at least one event ("events"): Sync Failed, Sync Succeeded or both');
	return list as SyncEvent[];
}

/** The verdict as an event, or undefined while the sync runs. */
export function eventOf(sync: SeenSync): SyncEvent | undefined {
	return sync.verdict.state === 'running' ? undefined : sync.verdict.state;
}

/** Beside the sync's own fields: which event it is, and why it counts as failed (RudderStack's error or the row count). */
export function eventFields(sync: SeenSync): IDataObject {
	return { event: eventOf(sync) ?? null, reason: sync.verdict.state === 'failed' ? sync.verdict.reason : null };
}
