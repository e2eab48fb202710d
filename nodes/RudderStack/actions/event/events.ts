/**
 * The table of what differs between the six data-plane calls; the description, the item reader
 * and the batch sender read only this. Field names are the public contract.
 */
export type EventType = 'track' | 'identify' | 'page' | 'screen' | 'group' | 'alias';

export type DataField = 'properties' | 'traits';

/** The key/value-pairs parameter that goes with each JSON object (and with the context option). */
export const PAIRS_OF = { properties: 'propertyPairs', traits: 'traitPairs', context: 'contextPairs' } as const;

export interface EventSpec {
	label: string;
	/** What the editor calls the action. */
	action: string;
	summary: string;
	/** The event's own name field, and whether it must be filled in. */
	nameField?: { name: 'event' | 'name'; required: boolean };
	/** The id a call of this type must carry besides the user (group, alias). */
	idField?: 'groupId' | 'previousId';
	/** The free-form object: `properties`, or `traits`. */
	dataField: DataField | undefined;
	/** Where `traits` go in the payload: identify puts them in context.traits, as RudderStack's HTTP API does. */
	traitsInContext?: boolean;
	/** Alias names the new user: userId is required, an anonymousId does not do. */
	userIdRequired?: boolean;
}

export const EVENT_TYPES: Record<EventType, EventSpec> = {
	track: { label: 'Track', action: 'Track an event', summary: 'Record an action a user performed', nameField: { name: 'event', required: true }, dataField: 'properties' },
	identify: { label: 'Identify', action: 'Identify a user', summary: 'Tie a user to their traits', dataField: 'traits', traitsInContext: true },
	page: { label: 'Page', action: 'Record a page view', summary: 'Record a page view on a website', nameField: { name: 'name', required: false }, dataField: 'properties' },
	screen: { label: 'Screen', action: 'Record a screen view', summary: 'Record a screen view in a mobile app', nameField: { name: 'name', required: false }, dataField: 'properties' },
	group: { label: 'Group', action: 'Add a user to a group', summary: 'Link a user to a group, such as a company or account', idField: 'groupId', dataField: 'traits' },
	alias: { label: 'Alias', action: 'Alias a user', summary: 'Merge a previous user identity into a new one', idField: 'previousId', dataField: undefined, userIdRequired: true },
};

export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];

export const typesWith = (test: (spec: EventSpec) => boolean): EventType[] => EVENT_TYPE_NAMES.filter((type) => test(EVENT_TYPES[type]));

/** RudderStack's limits (rudder-server's gateway: 32 KB per event, Gateway.maxReqSizeInKB 4000 per request). */
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 4000 * 1024;
