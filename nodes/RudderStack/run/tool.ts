import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { ResourceName } from '../resources';
import { idsOf } from './errors';
import type { RunSettings } from './settings';

/*
 * How the node behaves when n8n runs it as "RudderStack Tool" for an AI agent or an MCP client.
 * n8n loads a `usableAsTool` node a second time as `<type>Tool`, fills the parameters the author
 * marked with $fromAI() from the tool call, and hands the step's items back to the caller as JSON.
 * An agent must not be held for hours, must get an answer it can read, and must see failures as
 * answers rather than as a crashed tool call.
 */

/** A wait of a tool call without a Timeout of the author's ends after this long, still running. */
export const TOOL_WAIT_LIMIT_SECONDS = 30;

/** An agent's context is small: a list answer holds at most this many entries. */
export const TOOL_MAX_ENTRIES = 50;

/** Fields of a status or sync that a tool answer keeps; everything else (tasks, job ids, …) is left out. */
const ANSWER_FIELDS = ['status', 'error', 'startedAt', 'finishedAt', 'metrics', 'timedOut', 'attached', 'stopped', 'sharedWithItems'];
const ID_FIELDS = ['connectionId', 'profileId', 'sourceId', 'syncId', 'runId'];

/**
 * True when this execution is a tool call. n8n-core says so on the context (`isToolExecution`,
 * n8n ≥ 1.9x); the node type name ends in "Tool" on every n8n that wraps nodes as tools.
 */
export function runsAsTool(ctx: IExecuteFunctions): boolean {
	const context = ctx as IExecuteFunctions & { isToolExecution?: () => boolean };
	if (typeof context.isToolExecution === 'function' && context.isToolExecution()) return true;
	return ctx.getNode().type.endsWith('Tool');
}

/**
 * Start waits for the run unless told otherwise; as a tool it returns the run id at once unless the
 * author switched "Wait for Completion" on. The tool variant of the parameter defaults to off (see
 * start.operation.ts), so only an author's explicit choice is saved as `true`.
 */
export function readWaitForCompletion(ctx: IExecuteFunctions, itemIndex: number): boolean {
	return ctx.getNodeParameter('waitForCompletion', itemIndex, !runsAsTool(ctx)) !== false;
}

/** As a tool, a wait without the author's Timeout is bounded, and ends with a "still running" answer. */
export function boundedForTool(ctx: IExecuteFunctions, settings: RunSettings): RunSettings {
	if (!runsAsTool(ctx) || settings.timeoutMs > 0) return settings;
	return { ...settings, timeoutMs: TOOL_WAIT_LIMIT_SECONDS * 1000, onTimeout: 'returnRunning' };
}

const present = (value: unknown) => value !== undefined && !(typeof value === 'string' && value.startsWith('0001-01-01'));

/** The ids, the status, the error and the metrics; a zero `finishedAt` (still running) is left out. */
function compact(json: IDataObject): IDataObject {
	const answer: IDataObject = {};
	for (const field of [...ID_FIELDS, ...ANSWER_FIELDS]) if (present(json[field])) answer[field] = json[field];
	const runField = ['syncId', 'runId'].find((field) => typeof answer[field] === 'string');
	if (answer.status === 'running' && runField && !answer.error) {
		answer.hint = `Still running. Check again later with Get (or Wait) for this ${runField}.`;
	}
	return answer;
}

/**
 * Runs the step and shapes its outcome as a tool answer: compact items, at most TOOL_MAX_ENTRIES of
 * them, and a failure as an answer `{ error, ...ids }` with RudderStack's reason in `error`.
 * Outside a tool call it only runs the step.
 */
export async function answerAsTool(ctx: IExecuteFunctions, step: () => Promise<INodeExecutionData[][]>): Promise<INodeExecutionData[][]> {
	if (!runsAsTool(ctx)) return await step();
	let items: INodeExecutionData[];
	try {
		[items = []] = await step();
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		return [[{ json: { error: message, ...(idsOf(error) ?? {}) }, pairedItem: { item: 0 } }]];
	}
	const answers = items.slice(0, TOOL_MAX_ENTRIES).map((item) => ({ ...item, json: compact(item.json) }));
	if (items.length > TOOL_MAX_ENTRIES) {
		answers.push({ json: { more: items.length - TOOL_MAX_ENTRIES, hint: `Only the first ${TOOL_MAX_ENTRIES} are shown; narrow the list with its filters or limit.` }, pairedItem: { item: 0 } });
	}
	return [answers];
}

/** What each operation does, told to the agent: which ids it needs and where to get them. */
const TOOL_DESCRIPTIONS: Record<ResourceName, Record<string, string>> = {
	retl: {
		start:
			'Start a Reverse ETL sync of one RudderStack connection (needs connectionId). Answers at once with the new syncId and status "running"; the sync goes on in RudderStack. Check it later with Get (or Wait) using connectionId and syncId.',
		get: 'Get the status of one Reverse ETL sync: status (running, succeeded or failed), error, startedAt, finishedAt and row metrics. Needs connectionId and syncId; the syncId comes from Start\'s answer, or list the connection\'s syncs with Get Many first.',
		getMany:
			'List the syncs of one Reverse ETL connection (needs connectionId), each with syncId, status, error, times and row metrics. Use it to find a syncId for Get, or to see whether a sync is running or why the last one failed.',
		wait: `Wait for one Reverse ETL sync to end (needs connectionId and syncId, from Start or Get Many), at most about ${TOOL_WAIT_LIMIT_SECONDS} s: answers the final status, or status "running" with timedOut: true, then call it again.`,
		stop: 'Stop the sync that is running on one Reverse ETL connection (needs connectionId). Answers stopped: true; the sync then ends as failed.',
	},
	profiles: {
		start:
			'Start a run of one RudderStack Profiles project (needs profileId). Answers at once with the new runId and status "running"; the run goes on in RudderStack. Check it later with Get (or Wait) using profileId and runId.',
		get: 'Get the status of one Profiles run: status (running, finished or failed), error, startedAt and finishedAt. Needs profileId and the runId from Start\'s answer. A "finished" run with an error has failed.',
		wait: `Wait for one Profiles run to end (needs profileId and the runId from Start), at most about ${TOOL_WAIT_LIMIT_SECONDS} s: answers the final status, or status "running" with timedOut: true, then call it again.`,
	},
	etl: {
		start:
			'Start a sync of one RudderStack ETL (Cloud Extract) source (needs sourceId). Answers at once with the new runId and status "running". Check it later with Get (or Wait) using sourceId and runId.',
		get: 'Get the status of one ETL source sync run: status (running, finished or failed), error, startedAt and finishedAt. Needs sourceId and the runId from Start\'s answer.',
		wait: `Wait for one ETL source sync run to end (needs sourceId and the runId from Start), at most about ${TOOL_WAIT_LIMIT_SECONDS} s: answers the final status, or status "running" with timedOut: true, then call it again.`,
	},
};

/**
 * The description the agent reads, one default per resource and operation, shown only on the tool
 * (`@tool`). n8n adds its own generic "Tool Description" only to nodes that have none.
 */
export const toolDescriptionFields: INodeProperties[] = Object.entries(TOOL_DESCRIPTIONS).flatMap(([resource, operations]) =>
	Object.entries(operations).map(
		([operation, text]): INodeProperties => ({
			displayName: 'Tool Description',
			name: 'toolDescription',
			type: 'string',
			default: text,
			typeOptions: { rows: 3 },
			displayOptions: { show: { '@tool': [true], resource: [resource], operation: [operation] } },
			description: 'What the AI agent or MCP client is told this tool does. The default names the IDs it needs and where to get them.',
		}),
	),
);
