import type { IDataObject, IExecuteFunctions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { IfAlreadyRunning, OnTimeout, ResourceSpec } from '../resources';
import { isDotSegment } from '../transport/host';
import type { RequestPacer } from '../transport/pacer';
import type { RequestPolicy } from '../transport/request';

export type { IfAlreadyRunning, OnTimeout } from '../resources';

export interface RunSettings {
	pollIntervalMs: number;
	/** 0: wait without limit. */
	timeoutMs: number;
	onTimeout: OnTimeout;
	ifAlreadyRunning: IfAlreadyRunning;
	stopOnCancel: boolean;
	maxFailedRows?: number;
	request: RequestPolicy;
}

export const DEFAULTS = {
	pollInterval: 10,
	timeout: 0,
	requestTimeout: 30,
	maxRetries: 3,
	retryDelay: 1,
	/** 0: no cap, every item's run proceeds at once; the request ceiling keeps RudderStack's load bounded. */
	concurrency: 0,
	/** All requests of one step together; the default keeps a busy workflow polite. */
	maxRequestsPerSecond: 50,
} as const;

const SYNC_TYPES = ['default', 'incremental', 'full'];

/** What reading and checking a parameter needs: the node, to name it in the error (execution or poll). */
type NodeContext = { getNode(): INode };

function invalid(ctx: NodeContext, itemIndex: number, message: string): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), message, { itemIndex });
}

/** A number option, checked against its bounds, with the field named in the error. */
export function numberOption(
	ctx: NodeContext,
	itemIndex: number,
	options: IDataObject,
	name: string,
	fallback: number,
	rule: { min: number; exclusive?: boolean; integer?: boolean },
): number {
	const raw = options[name];
	if (raw === undefined || raw === null || raw === '') return fallback;
	const value = typeof raw === 'number' ? raw : Number(raw);
	const belowMin = rule.exclusive ? value <= rule.min : value < rule.min;
	if (!Number.isFinite(value) || belowMin || (rule.integer && !Number.isInteger(value))) {
		const bound = rule.exclusive ? `greater than ${rule.min}` : `${rule.min} or more`;
		throw invalid(ctx, itemIndex, `Option "${name}" must be ${rule.integer ? 'a whole number ' : 'a number '}${bound}; got ${JSON.stringify(raw)}`);
	}
	return value;
}

function choice<T extends string>(ctx: IExecuteFunctions, itemIndex: number, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
	if (value === undefined || value === null || value === '') return fallback;
	if (!allowed.includes(value as T)) {
		throw invalid(ctx, itemIndex, `Option "${name}" must be one of ${allowed.join(', ')} for this resource; got ${JSON.stringify(value)}`);
	}
	return value as T;
}

function requiredId(ctx: NodeContext, itemIndex: number, raw: unknown, what: string, field: string): string {
	const value = typeof raw === 'object' && raw !== null && 'value' in raw ? (raw as IDataObject).value : raw;
	const id = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
	if (!id) throw invalid(ctx, itemIndex, `The ${what} is required: "${field}" is empty`);
	if (isDotSegment(id)) throw invalid(ctx, itemIndex, `"${id}" is not a valid ${what} ("${field}")`);
	return id;
}

export function readTargetId(ctx: IExecuteFunctions, spec: ResourceSpec, itemIndex: number): string {
	return checkTargetId(ctx, spec, ctx.getNodeParameter(spec.idField, itemIndex, '', { extractValue: true }), itemIndex);
}

/** The target id as given (a resource locator's value or a plain string), checked. */
export function checkTargetId(ctx: NodeContext, spec: ResourceSpec, raw: unknown, itemIndex = 0): string {
	return requiredId(ctx, itemIndex, raw, spec.idLabel.toLowerCase(), spec.idField);
}

export function readRunId(ctx: IExecuteFunctions, spec: ResourceSpec, itemIndex: number): string {
	const raw = ctx.getNodeParameter(spec.runIdField, itemIndex, '');
	return requiredId(ctx, itemIndex, raw, spec.runIdField === 'syncId' ? 'sync id' : 'run id', spec.runIdField);
}

/** The body of the start request: RETL `{}` or `{syncType}`, Profiles `{parameters}` or none, ETL none. */
export function readStartBody(ctx: IExecuteFunctions, spec: ResourceSpec, itemIndex: number): IDataObject | undefined {
	if (spec.name === 'retl') {
		const syncType = ctx.getNodeParameter('syncType', itemIndex, 'default');
		if (typeof syncType !== 'string' || !SYNC_TYPES.includes(syncType)) {
			throw invalid(ctx, itemIndex, `Invalid sync type: ${String(syncType)} ("syncType" must be one of ${SYNC_TYPES.join(', ')})`);
		}
		return syncType === 'default' ? {} : { syncType };
	}
	if (spec.name === 'profiles') {
		const raw = ctx.getNodeParameter('parameters', itemIndex, []);
		const list = raw === undefined || raw === null || raw === '' ? [] : Array.isArray(raw) ? raw : [raw];
		list.forEach((parameter, position) => {
			if (typeof parameter !== 'string') {
				throw invalid(ctx, itemIndex, `"parameters" must be a list of strings such as "--rebase_incremental"; entry ${position + 1} is ${JSON.stringify(parameter)}`);
			}
		});
		const parameters = (list as string[]).map((parameter) => parameter.trim()).filter(Boolean);
		return parameters.length ? { parameters } : undefined;
	}
	return undefined;
}

export function readSettings(
	ctx: IExecuteFunctions,
	spec: ResourceSpec,
	itemIndex: number,
	shared: { signal?: AbortSignal; pacer?: RequestPacer },
): RunSettings {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const { offers } = spec;
	const maxFailedRows = readMaxFailedRows(ctx, options, itemIndex);
	const pollIntervalMs = numberOption(ctx, itemIndex, options, 'pollInterval', DEFAULTS.pollInterval, { min: 0, exclusive: true }) * 1000;
	return {
		pollIntervalMs,
		timeoutMs: numberOption(ctx, itemIndex, options, 'timeout', DEFAULTS.timeout, { min: 0 }) * 1000,
		onTimeout: choice(ctx, itemIndex, 'onTimeout', options.onTimeout, offers.onTimeout, 'fail'),
		ifAlreadyRunning: choice(ctx, itemIndex, 'ifAlreadyRunning', options.ifAlreadyRunning, offers.ifAlreadyRunning, 'wait'),
		stopOnCancel: offers.retlOptions && options.stopOnCancel === true,
		maxFailedRows: offers.retlOptions ? maxFailedRows : undefined,
		request: {
			timeoutMs: numberOption(ctx, itemIndex, options, 'requestTimeout', DEFAULTS.requestTimeout, { min: 0, exclusive: true }) * 1000,
			maxRetries: numberOption(ctx, itemIndex, options, 'maxRetries', DEFAULTS.maxRetries, { min: 0, integer: true }),
			retryDelayMs: numberOption(ctx, itemIndex, options, 'retryDelay', DEFAULTS.retryDelay, { min: 0 }) * 1000,
			signal: shared.signal,
			// The item's own lane (a step's items each have one): its polls keep this beat.
			pacer: shared.pacer?.keepsBeat(pollIntervalMs),
		},
	};
}

/** Option "maxFailedRows": undefined (any count is accepted) unless set. */
export function readMaxFailedRows(ctx: NodeContext, options: IDataObject, itemIndex = 0): number | undefined {
	const raw = options.maxFailedRows;
	if (raw === undefined || raw === '' || raw === null) return undefined;
	return numberOption(ctx, itemIndex, options, 'maxFailedRows', 0, { min: 0, integer: true });
}

/**
 * Settings of the whole step (one pool, one request pacer). n8n evaluates an expression per item,
 * so every item is read: values that differ between items cannot all apply, and fail the step
 * before any request rather than silently taking the first.
 */
export function readStepSettings(ctx: IExecuteFunctions): { concurrency: number; maxRequestsPerSecond: number } {
	const read = (itemIndex: number) => {
		const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
		return {
			concurrency: numberOption(ctx, itemIndex, options, 'concurrency', DEFAULTS.concurrency, { min: 0, integer: true }) || Number.POSITIVE_INFINITY,
			maxRequestsPerSecond: numberOption(ctx, itemIndex, options, 'maxRequestsPerSecond', DEFAULTS.maxRequestsPerSecond, { min: 0, exclusive: true }),
		};
	};
	const first = read(0);
	const count = ctx.getInputData().length;
	for (let itemIndex = 1; itemIndex < count; itemIndex++) {
		const settings = read(itemIndex);
		for (const name of ['concurrency', 'maxRequestsPerSecond'] as const) {
			if (settings[name] === first[name]) continue;
			throw invalid(
				ctx,
				itemIndex,
				`Option "${name}" applies to the whole step, but its expression gives different values per item (item 0: ${first[name]}, item ${itemIndex}: ${settings[name]}). Give it one value for all items.`,
			);
		}
	}
	return first;
}
