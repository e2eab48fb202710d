import nock from 'nock';

import { HOST } from './harness';

export interface SeenRequest {
	method: string;
	path: string;
	body: unknown;
	headers: Record<string, string | string[] | undefined>;
	at: number;
}

/** A nock scope for RudderStack that records every request it answers. */
export function fakeApi(host = HOST) {
	const requests: SeenRequest[] = [];
	const scope = nock(host);
	scope.on('request', (req: { method: string; path: string; headers: SeenRequest['headers'] }, _interceptor: unknown, body: string) => {
		let parsed: unknown = body;
		try {
			parsed = body ? JSON.parse(body) : undefined;
		} catch {
			parsed = body;
		}
		requests.push({ method: req.method, path: req.path, body: parsed, headers: req.headers, at: Date.now() });
	});
	const lines = () => requests.map((r) => `${r.method} ${r.path}`);
	return { scope, requests, lines };
}

export function resetNock() {
	nock.cleanAll();
	nock.disableNetConnect();
}

export const sync = (status: string, extra: object = {}) => ({
	id: 's1',
	status,
	startedAt: '2026-01-01T00:00:00Z',
	finishedAt: '0001-01-01T00:00:00Z',
	error: null,
	metrics: { total: 120, succeeded: { total: 120 }, failed: { total: 0 }, changed: { total: 5 } },
	...extra,
});

export const run = (status: string, extra: object = {}) => ({
	id: 'r1',
	jobId: 'job-1',
	status,
	startedAt: '2026-01-01T00:00:00Z',
	finishedAt: '2026-01-01T00:05:00Z',
	error: null,
	tasks: [],
	...extra,
});
