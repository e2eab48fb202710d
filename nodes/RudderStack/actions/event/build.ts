import { createHash } from 'node:crypto';

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { isObject } from '../../json';
import { version } from '../../../../package.json';
import { manyItemsReader } from './manyItems';
import { EVENT_TYPES, type EventType, MAX_EVENT_BYTES, PAIRS_OF } from './events';

/** One item's event, serialized once: its size is checked on this text and the batch is built from it. */
export interface BuiltEvent {
	messageId: string;
	json: string;
	bytes: number;
}

const LIBRARY = { name: 'n8n-nodes-rudderstack', version };

export function invalid(ctx: IExecuteFunctions, itemIndex: number, message: string): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: ${message}`, { itemIndex });
}

/** A parameter anywhere inside which an expression sits differs per item; any other is the same for all. */
function hasExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(hasExpression);
	return isObject(value) && Object.values(value).some(hasExpression);
}

export type ParameterReader = (name: string, itemIndex: number, fallback: unknown) => unknown;

/**
 * The code of a parameter that is one whole expression, `={{ code }}`, as n8n's template splitter
 * reads it (the first `}}` closes, `\}}` is an escape): such a value is the code's own value, so
 * it can be evaluated inside another expression. Anything else (text around or between several
 * `{{ }}`, a fixed value) gives undefined.
 */
export function wholeExpressionCode(value: unknown): string | undefined {
	if (typeof value !== 'string' || !value.startsWith('={{') || !value.endsWith('}}')) return undefined;
	const code = value.slice(3, -2);
	if (code.includes('{{') || code.includes('}}') || code.endsWith('}') || code.endsWith('\\') || !code.trim()) return undefined;
	// Only a block comment or a template literal can reach across the lines that join the fields
	// (a string, a regex or a line comment ends at the line): such code is read alone.
	if (code.includes('/*') || (code.match(/`/g)?.length ?? 0) % 2 !== 0) return undefined;
	return code;
}

/**
 * getNodeParameter, at the least cost n8n allows, with the same values:
 * - a parameter without an expression is read once for the whole step: thousands of items would
 *   otherwise pay n8n's copy and resolution of the same value each time;
 * - the plain fields in `together` that are each one whole expression are evaluated in one
 *   expression per item, `{{ [(a), (b), (c)] }}`. Most of what n8n spends on an expression is
 *   building its data proxy and sandbox (and, in n8n 2.x's default engine, crossing into the
 *   isolate), once per evaluation, so three fields cost about one. These fields have no schema
 *   to check and getNodeParameter's only clean-up (a Luxon date inside an object, made text)
 *   gives the same JSON, so the values are the same; if the evaluation throws, the item's fields
 *   are read one by one as before, so the error is exactly n8n's own, naming the parameter;
 * - many items' joined fields are evaluated in one expression (manyItems.ts), where their code
 *   reads the same that way; each chunk is checked against its items read alone.
 */
export function parameterReader(ctx: IExecuteFunctions, together: readonly string[] = []): ParameterReader {
	const fixed = new Map<string, unknown>();
	const parameters = ctx.getNode().parameters;
	const joined = together.filter((name) => wholeExpressionCode(parameters[name]) !== undefined);
	const codes = joined.map((name) => wholeExpressionCode(parameters[name]) as string);
	// Each on lines of its own: a field may end in a `//` comment, as n8n allows.
	const expression = `{{ [${codes.map((code) => `(\n${code}\n)`).join(', ')}] }}`;
	const readAlone = (itemIndex: number): unknown[] | undefined => {
		try {
			const values = ctx.evaluateExpression(expression, itemIndex) as unknown;
			if (!Array.isArray(values) || values.length !== joined.length) return undefined;
			// n8n refuses a function as a parameter's value ("please add ()"): read alone, for its error.
			if (values.some((value) => typeof value === 'function')) return undefined;
			return cleanUpAsN8nDoes(values);
		} catch {
			return undefined; // read one by one: n8n's own error, naming the parameter
		}
	};
	const canEvaluate = joined.length > 0 && typeof ctx.evaluateExpression === 'function';
	const valuesOf = canEvaluate ? manyItemsReader(ctx, codes, readAlone, cleanUpAsN8nDoes) : undefined;
	let joinedItem = -1;
	let joinedValues: unknown[] | undefined;
	return (name, itemIndex, fallback) => {
		if (fixed.has(name)) return fixed.get(name);
		const field = valuesOf ? joined.indexOf(name) : -1;
		if (valuesOf && field >= 0) {
			if (joinedItem !== itemIndex) {
				joinedItem = itemIndex;
				joinedValues = valuesOf(itemIndex);
			}
			if (joinedValues) return joinedValues[field];
		}
		const value = ctx.getNodeParameter(name, itemIndex, fallback as never);
		if (!hasExpression(parameters[name])) fixed.set(name, value);
		return value;
	};
}

/**
 * What getNodeParameter does to a value after evaluating it (n8n-core's cleanupParameterData), so
 * that a value read together is the one read alone: a Luxon date held by an object's key becomes
 * its toString(). That is not its JSON: an invalid date is "Invalid DateTime" there, null in JSON.
 * Unlike n8n, it copies what it changes: the value may be the item's own data (`{{ $json }}`),
 * which other fields and items read after it.
 */
function cleanUpAsN8nDoes<T>(value: T): T {
	if (typeof value !== 'object' || value === null) return value;
	if (Array.isArray(value)) {
		const items = value.map(cleanUpAsN8nDoes);
		return (items.some((item, index) => item !== value[index]) ? items : value) as T;
	}
	let copy: Record<string, unknown> | undefined;
	const record = value as Record<string, unknown>;
	for (const key of Object.keys(record)) {
		const inner = record[key];
		const cleaned = isObject(inner) && (inner as { isLuxonDateTime?: unknown }).isLuxonDateTime === true ? String(inner) : cleanUpAsN8nDoes(inner);
		if (cleaned !== inner) (copy ??= { ...record })[key] = cleaned;
	}
	return (copy ?? value) as T;
}

/** The plain fields (text or JSON, no collections) an event of this type reads: those that can be evaluated together. */
export function plainFieldsOf(type: EventType): string[] {
	const spec = EVENT_TYPES[type];
	return ['userId', 'anonymousId', spec.nameField?.name, spec.idField, spec.dataField].filter((name): name is string => name !== undefined);
}

function text(ctx: IExecuteFunctions, read: ParameterReader, name: string, itemIndex: number, from?: IDataObject): string {
	const raw = from ? from[name] : read(name, itemIndex, '');
	if (raw === undefined || raw === null) return '';
	if (typeof raw === 'number') return String(raw);
	if (typeof raw !== 'string') throw invalid(ctx, itemIndex, `"${name}" must be text; got ${JSON.stringify(raw)}`);
	return raw.trim();
}

/** An object given as JSON text or by an expression, with key/value pairs merged over it. */
function objectOf(ctx: IExecuteFunctions, itemIndex: number, name: string, raw: unknown, pairs: unknown): IDataObject {
	let value: unknown = raw;
	if (typeof raw === 'string') {
		const source = raw.trim();
		if (!source) value = {};
		else {
			try {
				value = JSON.parse(source);
			} catch {
				throw invalid(ctx, itemIndex, `"${name}" is not valid JSON: ${source.slice(0, 80)}`);
			}
		}
	} else if (raw === undefined || raw === null) value = {};
	if (!isObject(value)) throw invalid(ctx, itemIndex, `"${name}" must be a JSON object such as {"plan": "pro"}; got ${JSON.stringify(value)?.slice(0, 80)}`);
	const list = isObject(pairs) && Array.isArray(pairs.pair) ? (pairs.pair as IDataObject[]) : [];
	const merged: IDataObject = { ...(value as IDataObject) };
	for (const { key, value: pairValue } of list) {
		const field = typeof key === 'string' ? key.trim() : '';
		if (field) merged[field] = pairValue as IDataObject[string];
	}
	return merged;
}

/**
 * Which run of the node in this execution this is (0, then 1 in a loop or on a second tool call).
 * n8n-core's ExecuteContext has it as `runIndex`; older contexts only through the data proxy.
 */
export function runIndexOf(ctx: IExecuteFunctions): number {
	const own = (ctx as { runIndex?: unknown }).runIndex;
	if (typeof own === 'number') return own;
	try {
		const proxied = ctx.getWorkflowDataProxy(0).$runIndex;
		return typeof proxied === 'number' ? proxied : 0;
	} catch {
		return 0;
	}
}

/**
 * RudderStack deduplicates on messageId. Derived from the execution, the node and its run, the
 * item and the event itself, it is the same on every retry of a batch and on a re-run of the
 * same execution, and differs between items, between runs of the node (a loop) and between
 * executions. Shaped like a UUID.
 */
function derivedMessageId(ctx: IExecuteFunctions, runIndex: number, itemIndex: number, eventJson: string): string {
	// The text of JSON.stringify([executionId, nodeId, runIndex, itemIndex, event]), with the event's JSON as already serialized.
	const head = JSON.stringify([ctx.getExecutionId?.() ?? '', ctx.getNode().id, runIndex, itemIndex]);
	const hex = createHash('sha256')
		.update(`${head.slice(0, -1)},${eventJson}]`)
		.digest('hex');
	const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Reads and checks one item; throws (before anything is sent) on bad input, naming the item. */
export function buildEvent(ctx: IExecuteFunctions, read: ParameterReader, type: EventType, itemIndex: number, runIndex = 0): BuiltEvent {
	const spec = EVENT_TYPES[type];
	const options = read('options', itemIndex, {}) as IDataObject;
	const event: IDataObject = { type };
	const userId = text(ctx, read, 'userId', itemIndex);
	const anonymousId = text(ctx, read, 'anonymousId', itemIndex);
	if (spec.userIdRequired && !userId) throw invalid(ctx, itemIndex, `${spec.label} needs a User ID (the new identity)`);
	if (!userId && !anonymousId) throw invalid(ctx, itemIndex, 'the event has neither a User ID nor an Anonymous ID; RudderStack needs one of them');
	if (userId) event.userId = userId;
	if (anonymousId) event.anonymousId = anonymousId;

	if (spec.nameField) {
		const name = text(ctx, read, spec.nameField.name, itemIndex);
		if (spec.nameField.required && !name) throw invalid(ctx, itemIndex, `the event name ("${spec.nameField.name}") is empty`);
		if (name) event[spec.nameField.name] = name;
	}
	if (spec.idField) {
		const id = text(ctx, read, spec.idField, itemIndex);
		if (!id) throw invalid(ctx, itemIndex, `"${spec.idField}" is empty`);
		event[spec.idField] = id;
	}

	const context: IDataObject = { ...objectOf(ctx, itemIndex, 'context', options.context, options[PAIRS_OF.context]), library: LIBRARY };
	if (spec.dataField) {
		const data = objectOf(ctx, itemIndex, spec.dataField, read(spec.dataField, itemIndex, {}), read(PAIRS_OF[spec.dataField], itemIndex, {}));
		if (spec.traitsInContext) context.traits = { ...(isObject(context.traits) ? context.traits : {}), ...data };
		else event[spec.dataField] = data;
	}
	event.context = context;
	if (options.integrations !== undefined && options.integrations !== '') {
		event.integrations = objectOf(ctx, itemIndex, 'integrations', options.integrations, undefined);
	}
	const timestamp = text(ctx, read, 'timestamp', itemIndex, options);
	if (timestamp) {
		const at = Date.parse(timestamp);
		if (Number.isNaN(at)) throw invalid(ctx, itemIndex, `"timestamp" is not a date: ${timestamp}`);
		event.timestamp = new Date(at).toISOString();
	}
	// Serialized once: the derived messageId hashes this text, and the event is this text with its
	// messageId as the last key, as JSON.stringify would write it.
	const withoutId = JSON.stringify(event);
	const messageId = text(ctx, read, 'messageId', itemIndex, options) || derivedMessageId(ctx, runIndex, itemIndex, withoutId);
	const json = `${withoutId.slice(0, -1)},"messageId":${JSON.stringify(messageId)}}`;
	const bytes = Buffer.byteLength(json);
	if (bytes > MAX_EVENT_BYTES) {
		throw invalid(ctx, itemIndex, `the event is ${Math.ceil(bytes / 1024)} KB; RudderStack accepts at most ${MAX_EVENT_BYTES / 1024} KB per event`);
	}
	return { messageId, json, bytes };
}
