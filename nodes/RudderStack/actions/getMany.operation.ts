import type { IDataObject } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { RESOURCES } from '../resources';
import { runIds } from '../run/job';
import { operationError } from '../run/errors';
import { isObject } from '../json';
import { readSettings, readTargetId } from '../run/settings';
import { rudderStackRequest } from '../transport/request';
import { targetField } from './fields';
import type { Operation } from './operation';

const PAGE_SIZE = 100;
const MAX_PAGES = 1000;

export const getMany: Operation = {
	resources: ['retl'],
	description: updateDisplayOptions({ show: { resource: ['retl'], operation: ['getMany'] } }, [
		targetField('retl'),
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			description: 'Whether to return all results or only up to a given limit',
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			default: 50,
			typeOptions: { minValue: 1 },
			displayOptions: { show: { returnAll: [false] } },
			description: 'Max number of results to return',
		},
		{
			displayName: 'Filters',
			name: 'filters',
			type: 'collection',
			placeholder: 'Add Filter',
			default: {},
			options: [
				{
					displayName: 'Started After',
					name: 'startedAfter',
					type: 'dateTime',
					default: '',
					description: 'Only syncs that started after this time',
				},
				{
					displayName: 'Started Before',
					name: 'startedBefore',
					type: 'dateTime',
					default: '',
					description: 'Only syncs that started before this time',
				},
				{
					displayName: 'Status',
					name: 'status',
					type: 'options',
					default: 'running',
					description: 'Only syncs with this status, for example Running to find the sync in progress and its sync ID',
					options: [
						{ name: 'Failed', value: 'failed' },
						{ name: 'Running', value: 'running' },
						{ name: 'Succeeded', value: 'succeeded' },
					],
				},
			],
		},
	]),
	prepare(ctx, spec, itemIndex, shared) {
		const targetId = readTargetId(ctx, spec, itemIndex);
		const job = { ctx, spec, itemIndex, targetId, settings: readSettings(ctx, spec, itemIndex, shared) };
		const returnAll = ctx.getNodeParameter('returnAll', itemIndex, false) === true;
		const limit = returnAll ? Infinity : Number(ctx.getNodeParameter('limit', itemIndex, 50));
		const filters = ctx.getNodeParameter('filters', itemIndex, {}) as IDataObject;
		const qs: IDataObject = { per_page: PAGE_SIZE };
		if (filters.status) qs.status = filters.status;
		for (const [field, param] of [['startedAfter', 'started_after'], ['startedBefore', 'started_before']] as const) {
			if (!filters[field]) continue;
			const at = new Date(String(filters[field]));
			if (Number.isNaN(at.getTime())) throw operationError(ctx, itemIndex, `Filter "${field}" is not a valid date: ${String(filters[field])}`, runIds(job));
			qs[param] = at.toISOString();
		}
		return {
			ids: runIds(job),
			async run() {
				const syncs: IDataObject[] = [];
				let path = RESOURCES.retl.syncsPath!(targetId);
				let query: IDataObject | undefined = qs;
				for (let page = 0; page < MAX_PAGES && syncs.length < limit; page++) {
					const answer = await rudderStackRequest(ctx, { method: 'GET', path, qs: query }, job.settings.request);
					if (!isObject(answer) || !Array.isArray(answer.syncs)) {
						throw operationError(ctx, itemIndex, `RudderStack's sync list for retl connection ${targetId} has no "syncs" array`, runIds(job));
					}
					syncs.push(...answer.syncs.filter(isObject));
					const next = isObject(answer.paging) ? answer.paging.next : undefined;
					// `next` is a relative URL that already carries every query parameter.
					if (typeof next !== 'string' || !next.startsWith('/v2/') || next === path) break;
					path = next;
					query = undefined;
				}
				return syncs.slice(0, limit).map((sync) => ({ ...runIds(job, String(sync.id ?? '')), ...sync }));
			},
		};
	},
};
