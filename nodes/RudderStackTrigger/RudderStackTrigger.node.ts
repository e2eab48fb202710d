import type { INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { connectionField, maxFailedRowsField } from '../RudderStack/actions/fields';
import { searchConnections } from '../RudderStack/methods/listSearch';
import { checkAccessToken } from '../RudderStack/transport/credentialCheck';
import { EVENTS } from './events';
import { pollSyncs } from './poll';

export class RudderStackTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'RudderStack Trigger',
		name: 'rudderStackTrigger',
		icon: { light: 'file:../../icons/rudderstack.svg', dark: 'file:../../icons/rudderstack.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"sync " + $parameter["events"].join(" or ")}}',
		description: 'Starts the workflow when a RudderStack Reverse ETL sync ends, however it was started',
		defaults: { name: 'RudderStack Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'rudderStackApi', required: true, testedBy: 'rudderStackApiTest' }],
		properties: [
			connectionField('The Reverse ETL connection to watch. Every sync of it that ends starts the workflow once, whether RudderStack\'s schedule, the dashboard or a workflow started it.'),
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				options: EVENTS,
				default: ['failed', 'succeeded'],
				required: true,
				description: 'Which ended syncs start the workflow',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						...maxFailedRowsField,
						description:
							'Count a sync that "succeeded" but whose failed-row count (metrics.failed.total) is above this number as failed, as the Start operation does. Leave the option out to accept any count.',
					},
				],
			},
		],
	};

	// The same credential test as the RudderStack node: n8n may run it from either node.
	methods = { listSearch: { searchConnections }, credentialTest: { rudderStackApiTest: checkAccessToken } };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		return await pollSyncs(this);
	}
}
