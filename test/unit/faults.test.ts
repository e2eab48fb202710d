/**
 * Fault injection against the project's mock RudderStack over real HTTP: for each resource,
 * each fault, the node must start exactly one run per item (or none, when attaching), reach the
 * expected outcome, respect retry spacing, never hang, and never leak the token.
 */
import nock from 'nock';

import { within } from '../clock';
import { report } from '../report';
import { createMockRudderStack, type MockRudderStack } from '../mock/rudderstack-mock';
import { params, runNodeWithLogs } from '../harness';

const TOKEN = 'fault-suite-dummy-token';
const FAST = { pollInterval: 0.05, retryDelay: 0.05, requestTimeout: 0.4 };
const HANG_MS = 8000;

type Resource = 'retl' | 'profiles' | 'etl';
interface FaultCase {
	name: string;
	/** Faults per endpoint, or a run already going before the step starts. */
	faults?: Record<string, object[]>;
	script?: object;
	alreadyRunning?: boolean;
	options?: object;
	only?: Resource[];
	token?: string;
	/** What the step must end in: success, or a failure whose message matches. */
	expect: 'success' | RegExp;
	/** Runs this step may create: 1 normally, 0 when it attaches to one already running. */
	runsStarted?: number;
	/** Smallest gap between the first two requests to the endpoint, for Retry-After cases. */
	minGapMs?: number;
	/** Send to a port nobody listens on. */
	refused?: boolean;
}

const retryAfterDate = () => new Date(Date.now() + 1500).toUTCString();

const CASES: FaultCase[] = [
	...[500, 502, 503].flatMap((status): FaultCase[] => [
		// Retried: RETL after finding no sync of ours in the list, sources because a run of theirs would answer 409.
		{ name: `${status} on start`, faults: { start: [{ status }] }, expect: 'success' },
		{ name: `${status} on poll`, faults: { status: [{ status }] }, expect: 'success' },
	]),
	{ name: '429 with Retry-After seconds on start', faults: { start: [{ status: 429, retryAfter: 1 }] }, expect: 'success', minGapMs: 950 },
	{ name: '429 with Retry-After date on poll', faults: { status: [{ status: 429, retryAfter: 'DATE' }] }, expect: 'success', minGapMs: 450 },
	{ name: '429 without Retry-After on poll', faults: { status: [{ status: 429 }] }, expect: 'success' },
	{ name: 'connection reset on start', faults: { start: [{ reset: true }] }, expect: 'success' },
	{ name: 'refused connection on start', expect: /^RudderStack could not be reached: network error: connect ECONNREFUSED/, runsStarted: 0, refused: true },
	{ name: 'connection reset on poll', faults: { status: [{ reset: true }] }, expect: 'success' },
	{ name: 'slow poll answer past requestTimeout', faults: { status: [{ delayMs: 700 }] }, expect: 'success' },
	{ name: 'invalid JSON on poll', faults: { status: [{ invalidJson: true }] }, expect: /has no "status" field/ },
	{ name: 'start answer without an id', faults: { start: [{ omitId: true }] }, expect: /answer has no "(syncId|runId)"/ },
	{ name: 'unknown status, then done', faults: { status: [{ statusValue: 'queued' }, { statusValue: 'warming_up' }] }, expect: 'success' },
	{ name: '401 wrong token', token: 'not-the-token', expect: /^RudderStack answered 401: Invalid access token$/, runsStarted: 0 },
	{ name: '403 on start', faults: { start: [{ status: 403, body: { error: 'Profiles is not enabled for this workspace' } }] }, expect: /^RudderStack answered 403: Profiles is not enabled/, runsStarted: 0 },
	{ name: '404 on poll', faults: { status: [{ status: 404, body: { message: 'sync not found' } }] }, expect: /^RudderStack answered 404: sync not found$/ },
	{ name: '409, ifAlreadyRunning fail', alreadyRunning: true, options: { ifAlreadyRunning: 'fail' }, expect: /is already running .*"ifAlreadyRunning" is set to fail/, runsStarted: 0 },
	{ name: '409, ifAlreadyRunning wait', alreadyRunning: true, options: { ifAlreadyRunning: 'wait' }, expect: 'success' },
	{ name: '409, ifAlreadyRunning attach', alreadyRunning: true, options: { ifAlreadyRunning: 'attach' }, expect: 'success', runsStarted: 0, only: ['retl'] },
	{ name: '5xx that started the run, then 409 on the retry', faults: { start: [{ status: 502, createRun: true }] }, expect: 'success', only: ['retl'] },
	{ name: 'timeout that started the run, then 409 on the retry', faults: { start: [{ createRun: true, delayMs: 700 }] }, expect: 'success', only: ['retl'] },
	{ name: 'slow start answer past requestTimeout', faults: { start: [{ delayMs: 700 }] }, expect: 'success', only: ['retl'] },
	// The retry is told 409: the first attempt started the run, which RudderStack gives no id for.
	// Source runs take minutes (RudderStack's docs), so the run is still going when the retry comes.
	{ name: '5xx that started the run', faults: { start: [{ status: 503, createRun: true }] }, script: { runMs: 60_000 }, expect: /No second run was started\. That run cannot be followed/, only: ['profiles', 'etl'] },
	{ name: 'timeout that started the run', faults: { start: [{ createRun: true, delayMs: 700 }] }, script: { runMs: 60_000 }, expect: /No second run was started\. That run cannot be followed/, only: ['profiles', 'etl'] },
	{ name: 'unknown status with a finish time', faults: { status: [{ statusValue: 'aborted' }] }, expect: /ended with status "aborted"/, script: { runMs: 0 } },
	{ name: '429 with a Retry-After longer than the timeout', faults: { status: [{ status: 429, retryAfter: 5 }] }, options: { timeout: 0.5 }, expect: /timed out after 0\.\d s \(timeout 0\.5 s\).*429/ },
	{ name: 'run fails', script: { outcome: 'failed', error: 'Destination connection failed' }, expect: /failed with error: Destination connection failed$/ },
	{ name: 'finished with an error', script: { outcome: 'finishedWithError', error: 'Source authentication failed' }, expect: /failed with error: Source authentication failed$/, only: ['profiles', 'etl'] },
	{ name: 'succeeded with failed rows over maxFailedRows', script: { outcome: 'failedRows', failedRows: 7 }, options: { maxFailedRows: 5 }, expect: /7 of 100 rows failed, more than the allowed 5/, only: ['retl'] },
];

const FIELD: Record<Resource, string> = { retl: 'connectionId', profiles: 'profileId', etl: 'sourceId' };
const summary = { faults: 0, duplicates: 0, lostFailures: 0, hangs: 0, tokenLeaks: 0 };
let mock: MockRudderStack;
let counter = 0;

beforeAll(async () => {
	nock.cleanAll();
	nock.enableNetConnect('127.0.0.1');
	mock = createMockRudderStack({ token: TOKEN });
	await mock.start();
});

afterAll(async () => {
	await mock.stop();
	// The suite's closing line; every figure but the first must be 0.
	report(
		`fault injection: ${summary.faults} faults tried, ${summary.duplicates} duplicates, ${summary.lostFailures} lost failures, ${summary.hangs} hangs, ${summary.tokenLeaks} token leaks`,
	);
	expect([summary.duplicates, summary.lostFailures, summary.hangs, summary.tokenLeaks]).toEqual([0, 0, 0, 0]);
});

const resources: Resource[] = ['retl', 'profiles', 'etl'];
describe.each(resources)('%s under faults', (resource) => {
	it.each(CASES.filter((c) => !c.only || c.only.includes(resource)).map((c) => [c.name, c] as const))('%s', async (_name, fault) => {
		summary.faults++;
		const id = `${resource}_target_${++counter}`;
		const faults = fault.faults && JSON.parse(JSON.stringify(fault.faults).replace('"DATE"', JSON.stringify(retryAfterDate())));
		mock.script(id, { runMs: 150, outcome: 'succeeded', ...fault.script, faults });
		let runsBefore = 0;
		if (fault.alreadyRunning) {
			const kind = resource === 'retl' ? 'retl-connections' : 'sources';
			await fetch(`${mock.url}/v2/${kind}/${id}/start`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: '{}' });
			runsBefore = 1;
		}
		const outcome = await within(
			HANG_MS,
			runNodeWithLogs({
				credentials: { host: fault.refused ? 'http://127.0.0.1:9' : mock.url, accessToken: fault.token ?? TOKEN },
				parameters: params(resource, 'start', { [FIELD[resource]]: id, options: { ...FAST, ...fault.options } }),
			}),
		);
		if (outcome === 'hung') {
			summary.hangs++;
			throw new Error(`${resource} / ${fault.name}: still running after ${HANG_MS} ms`);
		}
		const runsStarted = (mock.runs.get(id) ?? []).length - runsBefore;
		const expectedRuns = fault.runsStarted ?? 1;
		if (runsStarted > expectedRuns) summary.duplicates++;
		if (fault.expect !== 'success' && !outcome.error) summary.lostFailures++;
		const seen = JSON.stringify({ items: outcome.items, error: outcome.error?.message, description: (outcome.error as { description?: string })?.description, logs: outcome.logs });
		if (seen.includes(TOKEN)) summary.tokenLeaks++;

		expect(runsStarted).toBe(expectedRuns);
		if (fault.expect === 'success') {
			expect(outcome.error?.message).toBeUndefined();
			expect(outcome.items[0].json).toMatchObject({ [FIELD[resource]]: id, error: null });
		} else {
			expect(outcome.error?.message).toMatch(fault.expect);
		}
		if (fault.minGapMs) {
			const endpoint = fault.faults?.start ? '/start' : '/s';
			const hits = mock.requests.filter((r) => r.path.includes(id) && r.path.includes(endpoint) && r.method === (endpoint === '/start' ? 'POST' : 'GET'));
			expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(fault.minGapMs);
		}
	});
});
