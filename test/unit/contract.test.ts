import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import { RudderStackApi } from '../../credentials/RudderStackApi.credentials';
import { RudderStackDataPlaneApi } from '../../credentials/RudderStackDataPlaneApi.credentials';
import { DEFAULTS } from '../../nodes/RudderStack/run/settings';
import { nodeType, triggerType } from '../harness';
import packageJson from '../../package.json';

const { description } = nodeType;
const values = (p?: INodeProperties) => ((p?.options ?? []) as INodePropertyOptions[]).map((o) => o.value);
const shownFor = (resource: string) => (p: INodeProperties) => (p.displayOptions?.show?.resource ?? [resource]).includes(resource);

describe('the public contract that saved workflows depend on', () => {
	it('keeps the node and credential names', () => {
		expect([description.name, description.version, description.credentials?.[0].name]).toEqual(['rudderStack', 1, 'rudderStackApi']);
		const credential = new RudderStackApi();
		expect([credential.name, credential.properties.map((p) => p.name)]).toEqual(['rudderStackApi', ['host', 'accessToken']]);
		expect(credential.properties[0].default).toBe('https://api.rudderstack.com');
	});

	it('keeps the resource, operation and parameter names and values', () => {
		const props = description.properties;
		expect(values(props.find((p) => p.name === 'resource'))).toEqual(['retl', 'profiles', 'etl', 'event']);
		const operations = (resource: string) => values(props.find((p) => p.name === 'operation' && shownFor(resource)(p))).sort();
		expect(operations('retl')).toEqual(['get', 'getMany', 'start', 'stop', 'wait']);
		expect(operations('profiles')).toEqual(['get', 'start', 'wait']);
		expect(operations('etl')).toEqual(['get', 'start', 'wait']);
		const names = new Set(props.map((p) => p.name));
		for (const name of ['connectionId', 'profileId', 'sourceId', 'syncId', 'runId', 'syncType', 'parameters', 'waitForCompletion', 'options']) expect(names).toContain(name);
		expect(values(props.find((p) => p.name === 'syncType'))).toEqual(['default', 'incremental', 'full']);
		for (const locator of props.filter((p) => p.type === 'resourceLocator')) expect(locator.modes?.map((m) => m.name)).toEqual(['list', 'id']);
	});

	it('keeps the option names and values, with the defaults the code applies', () => {
		const options = description.properties.find((p) => p.name === 'options')?.options as INodeProperties[];
		const byName = Object.fromEntries(options.map((o) => [o.name, o]));
		expect(Object.keys(byName).sort()).toEqual(
			['concurrency', 'ifAlreadyRunning', 'maxFailedRows', 'maxRequestsPerSecond', 'maxRetries', 'onTimeout', 'pollInterval', 'requestTimeout', 'retryDelay', 'stopOnCancel', 'timeout'].sort(),
		);
		expect(values(byName.onTimeout)).toEqual(['fail', 'returnRunning', 'stopAndFail']);
		expect(values(byName.ifAlreadyRunning)).toEqual(['wait', 'attach', 'fail']);
		for (const [name, value] of Object.entries(DEFAULTS)) expect([name, byName[name].default]).toEqual([name, value]);
		expect([byName.onTimeout.default, byName.ifAlreadyRunning.default, byName.stopOnCancel.default]).toEqual(['fail', 'wait', false]);
	});

	it('keeps the trigger\'s names, parameters and values, and registers it in the package', () => {
		const trigger = triggerType.description;
		expect([trigger.name, trigger.displayName, trigger.version, trigger.credentials?.[0].name, trigger.polling]).toEqual(['rudderStackTrigger', 'RudderStack Trigger', 1, 'rudderStackApi', true]);
		const byName = Object.fromEntries(trigger.properties.map((p) => [p.name, p]));
		expect(byName.connectionId.type).toBe('resourceLocator');
		expect(byName.connectionId.displayOptions).toBeUndefined();
		expect(byName.connectionId.modes?.map((m) => [m.name, m.typeOptions?.searchListMethod])).toEqual([['list', 'searchConnections'], ['id', undefined]]);
		expect(Object.keys(triggerType.methods?.listSearch ?? {})).toEqual(['searchConnections']);
		expect([byName.events.type, values(byName.events).sort(), byName.events.default]).toEqual(['multiOptions', ['failed', 'succeeded'], ['failed', 'succeeded']]);
		expect((byName.options.options as INodeProperties[]).map((o) => [o.name, o.displayOptions])).toEqual([['maxFailedRows', undefined]]);
		expect(packageJson.n8n.nodes).toContain('dist/nodes/RudderStackTrigger/RudderStackTrigger.node.js');
	});
});

describe('the Event resource and its credential', () => {
	const shownForOperation = (operation: string) => (p: INodeProperties) => shownFor('event')(p) && (p.displayOptions?.show?.operation ?? [operation]).includes(operation);

	it('keeps the data-plane credential, asked for only by the event resource', () => {
		const credential = new RudderStackDataPlaneApi();
		expect([credential.name, credential.displayName, credential.properties.map((p) => p.name)]).toEqual(['rudderStackDataPlaneApi', 'RudderStack Data Plane', ['dataPlaneUrl', 'writeKey']]);
		expect(credential.properties[1].typeOptions?.password).toBe(true);
		// Which credential the node asks for, per resource, as n8n decides it.
		const asked = (resource: string) =>
			(description.credentials ?? []).filter((c) => NodeHelpers.displayParameter({ resource }, c, { typeVersion: 1 }, description)).map((c) => c.name);
		expect(['retl', 'profiles', 'etl', 'event'].map(asked)).toEqual([['rudderStackApi'], ['rudderStackApi'], ['rudderStackApi'], ['rudderStackDataPlaneApi']]);
		// n8n's editor hides a parameter whose every value is named by a credential's `show` (it takes
		// it for an authentication switch): Resource must stay a visible parameter.
		const named = new Set((description.credentials ?? []).flatMap((c) => (c.displayOptions?.show?.resource ?? []) as string[]));
		expect(values(description.properties.find((p) => p.name === 'resource')).every((value) => named.has(String(value)))).toBe(false);
	});

	it('keeps the operations, fields and options', () => {
		const props = description.properties;
		expect(values(props.find((p) => p.name === 'operation' && shownFor('event')(p))).sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
		const fields = (operation: string) =>
			props
				.filter(shownForOperation(operation))
				.map((p) => p.name)
				.filter((name) => ['userId', 'anonymousId', 'event', 'name', 'groupId', 'previousId', 'properties', 'traits'].includes(name));
		expect(fields('track')).toEqual(['userId', 'anonymousId', 'event', 'properties']);
		expect(fields('identify')).toEqual(['userId', 'anonymousId', 'traits']);
		expect(fields('page')).toEqual(['userId', 'anonymousId', 'name', 'properties']);
		expect(fields('screen')).toEqual(['userId', 'anonymousId', 'name', 'properties']);
		expect(fields('group')).toEqual(['userId', 'anonymousId', 'groupId', 'traits']);
		expect(fields('alias')).toEqual(['userId', 'anonymousId', 'previousId']);
		const options = props.find((p) => p.name === 'options' && p.displayOptions?.show?.resource?.includes('event'))?.options as INodeProperties[];
		expect(options.map((o) => o.name)).toEqual(expect.arrayContaining(['context', 'timestamp', 'messageId', 'integrations']));
	});
});
