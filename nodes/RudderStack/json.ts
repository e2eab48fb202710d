import type { IDataObject } from 'n8n-workflow';

/** A JSON object (not null, not an array): what every RudderStack answer must be. */
export function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
