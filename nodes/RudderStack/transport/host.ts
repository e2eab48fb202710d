/**
 * Turns the credential's host into the base URL the API paths hang off.
 * Users paste "https://api.rudderstack.com/", ".../v2" or a proxy URL; all of them must work,
 * and anything that is not http(s) must be refused before a token is sent anywhere.
 */
export function toBaseUrl(host: unknown): string {
	return httpBaseUrl(host, "The RudderStack credential's Host", 'https://api.rudderstack.com', /\/v2$/i);
}

/** The data plane's URL: the same rules, with the /v1 that users copy from the docs' examples. */
export function toDataPlaneUrl(url: unknown): string {
	return httpBaseUrl(url, "The RudderStack Data Plane credential's Data Plane URL", 'https://yourdataplane.dataplane.rudderstack.com', /\/v1$/i);
}

function httpBaseUrl(value: unknown, what: string, example: string, versionSuffix: RegExp): string {
	const trimmed = typeof value === 'string' ? value.trim() : '';
	if (!/^https?:\/\/[^/\s]+/i.test(trimmed)) {
		throw new Error(`${what} must be an http:// or https:// URL, such as ${example}; got "${trimmed}"`);
	}
	return trimmed.replace(/\/+$/, '').replace(versionSuffix, '');
}

/** "." and ".." are never ids: URL parsers resolve them as paths even when percent-encoded. */
export function isDotSegment(id: string): boolean {
	return id === '.' || id === '..';
}

/** One path segment from a user-supplied id. Encoding keeps "/", "?" and "%" inside the segment. */
export function pathSegment(id: string): string {
	if (isDotSegment(id)) {
		throw new Error(`"${id}" is not a valid RudderStack id`);
	}
	return encodeURIComponent(id);
}
