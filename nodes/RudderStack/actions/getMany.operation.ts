import type { IDataObject } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { RESOURCES } from '../resources';
import { runIds } from '../run/job';
import { operationError } from '../run/errors';
import { isObject } from '../json';
import { readSettings, readTargetId } from '../run/settings';
import { readPages } from '../transport/paging';
import { requestOptionsField, targetField } from './fields';
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
		requestOptionsField(),
	]),
	prepare(ctx, spec, itemIndex, shared) {
		const targetId = readTargetId(ctx, spec, itemIndex);
		const job = { ctx, spec, itemIndex, targetId, settings: readSettings(ctx, spec, itemIndex, shared) };
		const invalid = (message: string) => operationError(ctx, itemIndex, message, runIds(job));
		const returnAll = ctx.getNodeParameter('returnAll', itemIndex, false) === true;
		const limit = returnAll ? Infinity : Number(ctx.getNodeParameter('limit', itemIndex, 50));
		if (!returnAll && !(Number.isInteger(limit) && limit >= 1)) throw invalid(`"limit" must be a whole number of 1 or more; got ${JSON.stringify(ctx.getNodeParameter('limit', itemIndex, 50))}`);
		const filters = ctx.getNodeParameter('filters', itemIndex, {}) as IDataObject;
		// The same query goes with every page: RudderStack's `paging.next` carries only the page.
		const qs: IDataObject = { per_page: Math.min(PAGE_SIZE, limit) };
		if (filters.status) qs.status = filters.status;
		for (const [field, param] of [['startedAfter', 'started_after'], ['startedBefore', 'started_before']] as const) {
			if (!filters[field]) continue;
			const at = new Date(String(filters[field]));
			if (Number.isNaN(at.getTime())) throw invalid(`Filter "${field}" is not a valid date: ${String(filters[field])}`);
			qs[param] = at.toISOString();
		}
		const syncsOf = (answer: unknown): IDataObject[] => {
			if (!isObject(answer) || !Array.isArray(answer.syncs)) throw invalid(`RudderStack's sync list for retl connection ${targetId} has no "syncs" array`);
			return answer.syncs.filter(isObject);
		};
		return {
			ids: runIds(job),
			async run() {
				let read = 0;
				const request = { method: 'GET' as const, path: RESOURCES.retl.syncsPath!(targetId), qs };
				const { answers, cut } = await readPages(ctx, request, job.settings.request, {
					maxPages: MAX_PAGES,
					enough: (pages) => (read += syncsOf(pages[pages.length - 1]).length) >= limit,
				});
				if (cut) ctx.logger.warn(`RudderStack: the sync list of retl connection ${targetId} has more than ${MAX_PAGES} pages; returning the first ${MAX_PAGES}`);
				const syncs = answers.flatMap(syncsOf);
				return syncs.slice(0, limit).map((sync) => ({ ...runIds(job, String(sync.id ?? '')), ...sync }));
			},
		};
	},
};
