import type { INodeProperties } from 'n8n-workflow';

import { requestOptionsField } from '../fields';
import { type DataField, EVENT_TYPE_NAMES, EVENT_TYPES, type EventType, PAIRS_OF, typesWith } from './events';

const forTypes = (types: EventType[]) => ({ show: { resource: ['event'], operation: types } });

/** Key/value pairs that are merged over the JSON of the same object. */
function pairs(name: string, label: string, item: string): INodeProperties {
	return {
		displayName: `${label} (Key/Value Pairs)`,
		name,
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: `Add ${item}`,
		default: {},
		description: `${label} as pairs; they are merged over the JSON above, a pair winning over a JSON key of the same name`,
		options: [
			{
				displayName: item,
				name: 'pair',
				values: [
					{ displayName: 'Key', name: 'key', type: 'string', default: '' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '', description: 'Text, or an expression for a number, a boolean or an object' },
				],
			},
		],
	};
}

/** The free-form object of an event: JSON, and key/value pairs merged over it. */
function dataFields(name: DataField, label: string, item: string): INodeProperties[] {
	const displayOptions = forTypes(typesWith((spec) => spec.dataField === name));
	return [
		{ displayName: `${label} (JSON)`, name, type: 'json', default: '{}', displayOptions, description: 'A JSON object, or an expression that returns an object' },
		{ ...pairs(PAIRS_OF[name], label, item), displayOptions },
	];
}

const nameFieldTypes = (name: 'event' | 'name') => typesWith((spec) => spec.nameField?.name === name);

export const eventProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['event'] } },
		options: EVENT_TYPE_NAMES.map((type) => ({ name: EVENT_TYPES[type].label, value: type, description: EVENT_TYPES[type].summary, action: EVENT_TYPES[type].action })),
		default: 'track',
	},
	{
		displayName: 'Many items go out together in /v1/batch requests of up to 4 MB, in input order; each output item says whether its event was accepted.',
		name: 'eventBatchNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { resource: ['event'] } },
	},
	{
		displayName: 'User ID',
		name: 'userId',
		type: 'string',
		default: '',
		displayOptions: forTypes(EVENT_TYPE_NAMES),
		description: 'The user\'s ID in your systems. Every event needs a User ID or an Anonymous ID; Alias needs the User ID (the new identity).',
	},
	{
		displayName: 'Anonymous ID',
		name: 'anonymousId',
		type: 'string',
		default: '',
		displayOptions: forTypes(EVENT_TYPE_NAMES),
		description: 'An ID for a user you do not know yet, such as a device or session ID',
	},
	{
		displayName: 'Event',
		name: 'event',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. Deal Won',
		displayOptions: forTypes(nameFieldTypes('event')),
		description: 'The name of the action, such as "Order Completed"',
	},
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		default: '',
		displayOptions: forTypes(nameFieldTypes('name')),
		description: 'The name of the page or screen',
	},
	{
		displayName: 'Group ID',
		name: 'groupId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: forTypes(typesWith((spec) => spec.idField === 'groupId')),
		description: 'The group\'s ID, such as a company or account ID',
	},
	{
		displayName: 'Previous ID',
		name: 'previousId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: forTypes(typesWith((spec) => spec.idField === 'previousId')),
		description: 'The identity to merge into the User ID: a previous user ID or an anonymous ID',
	},
	...dataFields('properties', 'Properties', 'Property'),
	...dataFields('traits', 'Traits', 'Trait'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { resource: ['event'] } },
		options: [
			{
				displayName: 'Context (JSON)',
				name: 'context',
				type: 'json',
				default: '{}',
				description: 'Extra context, such as {"ip": "1.2.3.4", "locale": "en-US"}; the node adds context.library',
			},
			pairs(PAIRS_OF.context, 'Context', 'Context Field'),
			{
				displayName: 'Integrations',
				name: 'integrations',
				type: 'json',
				default: '{"All": true}',
				description: 'Which destinations receive the event, such as {"All": true, "Amplitude": false}',
			},
			{
				displayName: 'Message ID',
				name: 'messageId',
				type: 'string',
				default: '',
				description:
					'Identifies the event, so that RudderStack can drop a duplicate; items must not share one. Without one, the node derives it from the execution, the item and the event, so a retried batch carries the same IDs.',
			},
			{
				displayName: 'Timestamp',
				name: 'timestamp',
				type: 'dateTime',
				default: '',
				description: 'When the event happened; RudderStack uses the time it received the event when this is empty',
			},
			// The request options of the other resources, reused as they are: one description per option.
			...(requestOptionsField().options as INodeProperties[]),
		],
	},
];
