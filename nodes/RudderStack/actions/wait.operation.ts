import { updateDisplayOptions } from 'n8n-workflow';

import { Deadline, runIds, waitKey } from '../run/job';
import { waitForRun } from '../run/poll';
import { readRunId, readSettings, readTargetId } from '../run/settings';
import { boundedForTool } from '../run/tool';
import { runFields, waitOptions } from './fields';
import type { Operation } from './operation';

export const wait: Operation = {
	resources: ['retl', 'profiles', 'etl'],
	description: updateDisplayOptions({ show: { operation: ['wait'] } }, [...runFields(), ...waitOptions()]),
	prepare(ctx, spec, itemIndex, shared) {
		const targetId = readTargetId(ctx, spec, itemIndex);
		const runId = readRunId(ctx, spec, itemIndex);
		const settings = boundedForTool(ctx, readSettings(ctx, spec, itemIndex, shared));
		const job = { ctx, spec, itemIndex, targetId, settings };
		const dedupeKey = JSON.stringify([spec.name, targetId, runId]);
		return {
			ids: runIds(job, runId),
			dedupeKey,
			// Items waiting alike share the polls; each item's own options give its own verdict.
			run: async () => await shared.once(`wait ${dedupeKey} ${waitKey(settings)}`, async () => await waitForRun(job, runId, new Deadline(settings.timeoutMs))),
		};
	},
};
