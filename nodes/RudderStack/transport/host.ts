/**
 * Turns the credential's host into the base URL the API paths hang off.
 * Users paste "https://api.rudderstack.com/", ".../v2" or a proxy URL; all of them must work,
 * and anything that is not http(s) must be refused before a token is sent anywhere.
 */
export function toBaseUrl(host: unknown): string {
	const trimmed = typeof host === 'string' ? host.trim() : '';
	if (!/^https?:\/\/[^/\s]+/i.test(trimmed)) {
		throw new Error(
			`The RudderStack credential's Host must be an http:// or https:// URL, such as https://api.rudderstack.com; got "${trimmed}"`,
		);
	}
	return trimmed.replace(/\/+$/, '').replace(/\/v2$/i, '');
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
