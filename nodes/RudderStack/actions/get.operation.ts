import { updateDisplayOptions } from 'n8n-workflow';

import { runIds } from '../run/job';
import { fetchRunStatus } from '../run/poll';
import { readRunId, readSettings, readTargetId } from '../run/settings';
import { requestOptionsField, runFields } from './fields';
import type { Operation } from './operation';

export const get: Operation = {
	resources: ['retl', 'profiles', 'etl'],
	description: updateDisplayOptions({ show: { operation: ['get'] } }, [...runFields(), requestOptionsField()]),
	prepare(ctx, spec, itemIndex, shared) {
		const targetId = readTargetId(ctx, spec, itemIndex);
		const runId = readRunId(ctx, spec, itemIndex);
		const job = { ctx, spec, itemIndex, targetId, settings: readSettings(ctx, spec, itemIndex, shared) };
		return {
			ids: runIds(job, runId),
			run: async () => ({ ...runIds(job, runId), ...(await fetchRunStatus(job, runId)) }),
		};
	},
};
