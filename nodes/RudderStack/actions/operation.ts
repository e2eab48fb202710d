import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ResourceName, ResourceSpec } from '../resources';
import type { StepStarts } from '../run/start';
import type { RequestPacer } from '../transport/pacer';

/** What every item of one node execution shares. */
export interface SharedState {
	signal: AbortSignal;
	pacer: RequestPacer;
	/** The runs this step's starts started: an item never takes a sibling's run for its own. */
	starts: StepStarts;
	/** The first call with a key runs `work`; later calls with that key share its outcome. */
	once<T>(key: string, work: () => Promise<T>): Promise<T>;
	/**
	 * Notes that an item sharing `key` may wait `timeoutMs` (0: without limit); the getter gives
	 * the longest of them, so that shared work lasts as long as its most patient item needs.
	 */
	patience(key: string, timeoutMs: number): () => number;
}

/** One item after its parameters were read and checked; nothing has been sent yet. */
export interface PreparedItem {
	/** The ids known before any request, for error items. */
	ids: IDataObject;
	/** Items with the same key share one run (through `SharedState.once`) and say so in their output. */
	dedupeKey?: string;
	run(): Promise<IDataObject | IDataObject[]>;
}

export interface Operation {
	resources: ResourceName[];
	description: INodeProperties[];
	/** Reads and validates the item's parameters; throws before any request on bad input. */
	prepare(ctx: IExecuteFunctions, spec: ResourceSpec, itemIndex: number, shared: SharedState): PreparedItem;
}
