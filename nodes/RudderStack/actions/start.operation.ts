import type { INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { Deadline, runIds, startKey, waitKey } from '../run/job';
import { waitForRun } from '../run/poll';
import { readSettings, readStartBody, readTargetId } from '../run/settings';
import { startRun, withinOwnTimeout } from '../run/start';
import { boundedForTool, readWaitForCompletion, TOOL_WAIT_LIMIT_SECONDS } from '../run/tool';
import { targetField, waitOptions } from './fields';
import type { Operation } from './operation';

const properties: INodeProperties[] = [
	targetField('retl'),
	targetField('profiles'),
	targetField('etl'),
	{
		displayName: 'Sync Type',
		name: 'syncType',
		type: 'options',
		default: 'default',
		displayOptions: { show: { resource: ['retl'] } },
		options: [
			{ name: 'Default (RudderStack Decides)', value: 'default' },
			{ name: 'Incremental', value: 'incremental', description: 'Sync only rows changed since the last sync' },
			{ name: 'Full', value: 'full', description: 'Sync every row again' },
		],
		description: 'Which kind of sync to run. Default sends no type and RudderStack decides which kind runs.',
	},
	{
		displayName: 'Parameters',
		name: 'parameters',
		type: 'string',
		typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Parameter' },
		default: [],
		placeholder: 'e.g. --rebase_incremental',
		displayOptions: { show: { resource: ['profiles'] } },
		description:
			'Profiles run parameters, one per entry, with its value in the same string: --model_refs, --begin_time 2026-01-01T00:00:00Z, --end_time, --rebase_incremental. An expression that returns a list of strings also works.',
	},
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: true,
		displayOptions: { show: { '@tool': [false] } },
		description: 'Whether to wait until the run ends and fail the step if it fails. Off: output the run ID right after starting.',
	},
	{
		// The same parameter on the tool, off by default: an agent gets the run ID at once and is not held for hours.
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: false,
		displayOptions: { show: { '@tool': [true] } },
		description: `Whether the tool call waits until the run ends (at most Timeout, or ${TOOL_WAIT_LIMIT_SECONDS} s without one, then it answers "running"). Off: it answers with the run ID at once and the agent checks later with Get or Wait.`,
	},
	...waitOptions(),
];

export const start: Operation = {
	resources: ['retl', 'profiles', 'etl'],
	description: updateDisplayOptions({ show: { operation: ['start'] } }, properties),
	prepare(ctx, spec, itemIndex, shared) {
		const targetId = readTargetId(ctx, spec, itemIndex);
		const body = readStartBody(ctx, spec, itemIndex);
		const settings = boundedForTool(ctx, readSettings(ctx, spec, itemIndex, shared));
		const waitForCompletion = readWaitForCompletion(ctx, itemIndex);
		const job = { ctx, spec, itemIndex, targetId, settings };
		const dedupeKey = JSON.stringify([spec.name, targetId, body ?? null, waitForCompletion, startKey(settings)]);
		const patience = shared.patience(`start ${dedupeKey}`, settings.timeoutMs);
		return {
			ids: runIds(job),
			dedupeKey,
			async run() {
				const deadline = new Deadline(settings.timeoutMs);
				// One start per run, lasting as long as its most patient item may wait; each item's own
				// Timeout bounds its share. The wait is shared only by items that would wait alike, since
				// Max Failed Rows, the timeout and what happens on it are each item's own.
				const sharedStart = shared.once(`start ${dedupeKey}`, async () => await startRun({ ...job, starts: shared.starts }, body, new Deadline(patience())));
				const started = await withinOwnTimeout(job, sharedStart, deadline, patience());
				const attached = started.attached ? { attached: started.attached } : {};
				if (!waitForCompletion) return { ...runIds(job, started.runId), status: 'running', ...attached };
				// Stop Sync on Cancel stops only a sync this step started, never one it found running.
				const waitJob = started.attached === 'alreadyRunning' ? { ...job, settings: { ...settings, stopOnCancel: false } } : job;
				const result = await shared.once(`wait ${dedupeKey} ${started.runId} ${waitKey(waitJob.settings)}`, async () => await waitForRun(waitJob, started.runId, deadline));
				return { ...result, ...attached };
			},
		};
	},
};
