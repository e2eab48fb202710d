import { updateDisplayOptions } from 'n8n-workflow';

import { runIds } from '../run/job';
import { readSettings, readTargetId } from '../run/settings';
import { stopRun } from '../run/stop';
import { requestOptionsField, targetField } from './fields';
import type { Operation } from './operation';

export const stop: Operation = {
	resources: ['retl'],
	description: updateDisplayOptions({ show: { resource: ['retl'], operation: ['stop'] } }, [targetField('retl'), requestOptionsField()]),
	prepare(ctx, spec, itemIndex, shared) {
		const targetId = readTargetId(ctx, spec, itemIndex);
		const job = { ctx, spec, itemIndex, targetId, settings: readSettings(ctx, spec, itemIndex, shared) };
		return {
			ids: runIds(job),
			async run() {
				await stopRun(job);
				return { ...runIds(job), stopped: true };
			},
		};
	},
};
