import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { eventProperties } from './actions/event/description';
import { OPERATIONS, router } from './actions/router';
import { rudderStackDataPlaneTest } from './methods/credentialTest';
import * as listSearch from './methods/listSearch';
import { checkAccessToken } from './transport/credentialCheck';

const RESOURCE_NAMES = { retl: 'Reverse ETL', profiles: 'Profiles', etl: 'ETL' };
const OPERATION_NAMES = { get: 'Get', getMany: 'Get Many', start: 'Start', stop: 'Stop', wait: 'Wait' };

/** "Start: Reverse ETL": the words of the editor's choices, not the stored values. */
const subtitle = `={{ ${JSON.stringify(OPERATION_NAMES)}[$parameter["operation"]] + ": " + ${JSON.stringify(RESOURCE_NAMES)}[$parameter["resource"]] }}`;
import { answerAsTool, toolDescriptionFields } from './run/tool';

export class RudderStack implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'RudderStack',
		name: 'rudderStack',
		icon: { light: 'file:../../icons/rudderstack.svg', dark: 'file:../../icons/rudderstack.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle,
		description: 'Start RudderStack Reverse ETL syncs, Profiles runs and ETL source syncs, wait for them, and fail when they fail',
		defaults: { name: 'RudderStack' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			// Tested by the node rather than by a request in the credential, so that a refusal can say
			// what RudderStack answered (see transport/credentialCheck.ts).
			// `hide` rather than `show` for the other resources: when every value of a parameter picks a
			// credential, n8n's editor takes that parameter for an authentication switch and no longer
			// shows it among the parameters, and Resource vanished from the panel.
			{ name: 'rudderStackApi', required: true, displayOptions: { hide: { resource: ['event'] } }, testedBy: 'rudderStackApiTest' },
			{ name: 'rudderStackDataPlaneApi', required: true, displayOptions: { show: { resource: ['event'] } }, testedBy: 'rudderStackDataPlaneTest' },
		],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Reverse ETL', value: 'retl', description: 'Reverse ETL connections and their syncs' },
					{ name: 'Profiles Project', value: 'profiles', description: 'Profiles project runs' },
					{ name: 'ETL (Deprecated)', value: 'etl', description: 'Cloud Extract source syncs; RudderStack ended this product on 2025-12-01' },
					{ name: 'Event', value: 'event', description: 'Send track, identify, page, screen, group and alias events to your data plane' },
				],
				default: 'retl',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['retl'] } },
				options: [
					{ name: 'Get', value: 'get', description: 'Get the status of one sync', action: 'Get a sync' },
					{ name: 'Get Many', value: 'getMany', description: 'List the sync history of a connection', action: 'Get many syncs' },
					{ name: 'Start', value: 'start', description: 'Start a sync and, by default, wait for it to end', action: 'Start a sync' },
					{ name: 'Stop', value: 'stop', description: 'Stop the running sync of a connection', action: 'Stop a sync' },
					{ name: 'Wait', value: 'wait', description: 'Wait for a sync started earlier to end', action: 'Wait for a sync' },
				],
				default: 'start',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['profiles', 'etl'] } },
				options: [
					{ name: 'Get', value: 'get', description: 'Get the status of one run', action: 'Get a run' },
					{ name: 'Start', value: 'start', description: 'Start a run and, by default, wait for it to end', action: 'Start a run' },
					{ name: 'Wait', value: 'wait', description: 'Wait for a run started earlier to end', action: 'Wait for a run' },
				],
				default: 'start',
			},
			{
				displayName:
					'RudderStack ended ETL (Cloud Extract) support on 2025-12-01 and turned its connections off on 2026-01-10. This resource is kept for existing setups.',
				name: 'etlDeprecationNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { resource: ['etl'] } },
			},
			...Object.values(OPERATIONS).flatMap((operation) => operation.description),
			...eventProperties,
			...toolDescriptionFields,
		],
	};

	methods = { listSearch, credentialTest: { rudderStackApiTest: checkAccessToken, rudderStackDataPlaneTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await answerAsTool(this, async () => await router.call(this));
	}
}
