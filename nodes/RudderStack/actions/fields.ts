import type { INodeProperties } from 'n8n-workflow';

import { RESOURCES, type ResourceName } from '../resources';

const LIST_METHODS: Record<ResourceName, string> = {
	retl: 'searchConnections',
	profiles: 'searchProfiles',
	etl: 'searchSources',
};

const TARGET_HINTS: Record<ResourceName, string> = {
	retl: 'The Reverse ETL connection to sync. Its ID is in the connection URL in the RudderStack dashboard.',
	profiles: 'The Profiles project (a RudderStack source) to run',
	etl: 'The ETL (Cloud Extract) source to sync',
};

/** The target picker of a resource: "From list" (searchable) or "By ID". */
export function targetField(resource: ResourceName): INodeProperties {
	const spec = RESOURCES[resource];
	return {
		displayName: spec.idLabel.replace(' ID', ''),
		name: spec.idField,
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		displayOptions: { show: { resource: [resource] } },
		description: TARGET_HINTS[resource],
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: LIST_METHODS[resource], searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. 2abcDEF123',
			},
		],
	};
}

/** The Reverse ETL connection picker without the resource condition, for the trigger (no resource). */
export function connectionField(description: string): INodeProperties {
	const field = targetField('retl');
	delete field.displayOptions;
	return { ...field, description };
}

export function runIdField(resource: ResourceName): INodeProperties {
	const { runIdField: name } = RESOURCES[resource];
	const isSync = name === 'syncId';
	return {
		displayName: isSync ? 'Sync ID' : 'Run ID',
		name,
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { resource: [resource] } },
		placeholder: isSync ? 'e.g. {{ $json.syncId }}' : 'e.g. {{ $json.runId }}',
		description: `The ${isSync ? 'sync' : 'run'} to look at, as returned by the Start operation`,
	};
}

/** Get and Wait both address one run: the target of each resource, and the run's id. */
export function runFields(): INodeProperties[] {
	const resources: ResourceName[] = ['retl', 'profiles', 'etl'];
	return [...resources.map(targetField), ...resources.map(runIdField)];
}

/** The request options every operation has: Start and Wait inside their options, the others alone. */
const requestOptions: INodeProperties[] = [
	{
		displayName: 'Max Retries',
		name: 'maxRetries',
		type: 'number',
		default: 3,
		typeOptions: { minValue: 0, numberPrecision: 0 },
		description: 'How often one request is retried after a transient failure (network error, timeout, 429 or 5xx). Other errors are never retried.',
	},
	{
		displayName: 'Request Timeout (Seconds)',
		name: 'requestTimeout',
		type: 'number',
		default: 30,
		typeOptions: { minValue: 1 },
		description: 'The longest one HTTP request may take before it counts as failed (and is retried)',
	},
	{
		displayName: 'Retry Delay (Seconds)',
		name: 'retryDelay',
		type: 'number',
		default: 1,
		typeOptions: { minValue: 0, numberPrecision: 2 },
		description: 'The first wait before a retry; later waits double, with jitter. A Retry-After from RudderStack takes precedence.',
	},
];

/** What a "succeeded" sync may drop before it counts as failed; the judge in resources.ts applies it. */
export const maxFailedRowsField: INodeProperties = {
	displayName: 'Max Failed Rows',
	name: 'maxFailedRows',
	type: 'number',
	default: 0,
	typeOptions: { minValue: 0, numberPrecision: 0 },
	description: 'Fail a sync that "succeeded" but whose failed-row count (metrics.failed.total) is above this number. Leave the option out to accept any count.',
};

const byDisplayName = (a: INodeProperties, b: INodeProperties) => a.displayName.localeCompare(b.displayName);

/** Options of operations that only send requests (Get, Stop, Get Many): the request settings. */
export function requestOptionsField(): INodeProperties {
	return { displayName: 'Options', name: 'options', type: 'collection', placeholder: 'Add Option', default: {}, options: requestOptions };
}

const IF_ALREADY_RUNNING = {
	wait: { name: 'Wait Then Start', value: 'wait', description: 'Wait until the running one ends, then start a new run, so the result is from a run that started after this step' },
	attach: { name: 'Attach', value: 'attach', description: "Follow the running sync and return its result as this step's result" },
	fail: { name: 'Fail', value: 'fail', description: 'Fail the item at once' },
} as const;

const ON_TIMEOUT = {
	fail: { name: 'Fail', value: 'fail', description: 'Fail the item; the run goes on in RudderStack' },
	returnRunning: { name: 'Return Running', value: 'returnRunning', description: 'Output the IDs with status "running" and timedOut: true' },
	stopAndFail: { name: 'Stop and Fail', value: 'stopAndFail', description: 'Ask RudderStack to stop the sync, then fail the item' },
} as const;

/**
 * Settings for waiting and for HTTP, shown for Start and Wait. One collection per resource, so
 * that each offers only the choices its resource supports (RESOURCES[...].offers).
 */
function waitOptionsOf(resource: ResourceName): INodeProperties {
	const { offers } = RESOURCES[resource];
	const options: INodeProperties[] = [
		{
			displayName: 'Concurrency',
			name: 'concurrency',
			type: 'number',
			default: 0,
			typeOptions: { minValue: 0, numberPrecision: 0 },
			description:
				'The most items whose runs are started and followed at the same time; the other items start as those end. 0 (the default) sets no cap: every item\'s run proceeds at once, and Max Requests per Second bounds the load on RudderStack. Set 1 to handle items one after another. Applies to the whole step: an expression must give the same value for every item.',
		},
		{
			displayName: 'If Already Running',
			name: 'ifAlreadyRunning',
			type: 'options',
			default: 'wait',
			displayOptions: { show: { '/operation': ['start'] } },
			description: 'What to do when RudderStack answers that a run is already in progress (HTTP 409)',
			options: offers.ifAlreadyRunning.map((value) => ({ ...IF_ALREADY_RUNNING[value] })),
		},
		{
			displayName: 'Max Requests per Second',
			name: 'maxRequestsPerSecond',
			type: 'number',
			default: 50,
			typeOptions: { minValue: 1 },
			description:
				'A ceiling on all requests this step sends together in any one second, however many items poll at once, so that a short poll interval cannot flood RudderStack. Up to this many go at once; starts go before polls, and polls take turns. Applies to the whole step: an expression must give the same value for every item.',
		},
		{
			displayName: 'On Timeout',
			name: 'onTimeout',
			type: 'options',
			default: 'fail',
			description: 'What happens when Timeout passes before the run ends',
			options: offers.onTimeout.map((value) => ({ ...ON_TIMEOUT[value] })),
		},
		{
			displayName: 'Poll Interval (Seconds)',
			name: 'pollInterval',
			type: 'number',
			default: 10,
			typeOptions: { minValue: 0.1, numberPrecision: 2 },
			description: 'Time between status requests while waiting',
		},
		{
			displayName: 'Timeout (Seconds)',
			name: 'timeout',
			type: 'number',
			default: 0,
			typeOptions: { minValue: 0 },
			description: 'The longest time to wait for the run to end. 0 waits without limit.',
		},
		...requestOptions,
	];
	if (offers.retlOptions) {
		options.push(
			maxFailedRowsField,
			{
				displayName: 'Stop Sync on Cancel',
				name: 'stopOnCancel',
				type: 'boolean',
				default: false,
				description: 'Whether to ask RudderStack to stop the sync when this n8n execution is cancelled (Stop button or workflow timeout; an n8n shutdown does not cancel executions)',
			},
		);
	}
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { resource: [resource] } },
		options: options.sort(byDisplayName),
	};
}

/** The Options of Start and Wait, one collection per resource. */
export function waitOptions(): INodeProperties[] {
	return (Object.keys(RESOURCES) as ResourceName[]).map(waitOptionsOf);
}
