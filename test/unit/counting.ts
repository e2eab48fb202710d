/** How often n8n evaluates on the node's behalf: getNodeParameter per parameter, evaluateExpression per call. */
import { ExecuteContext } from 'n8n-core';

export function counting() {
	const proto = ExecuteContext.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
	const reads = jest.spyOn(proto, '_getNodeParameter' as never) as unknown as jest.SpyInstance<unknown, [string, number]>;
	const evaluations = jest.spyOn(proto, 'evaluateExpression' as never) as unknown as jest.SpyInstance;
	return {
		readsOf: (name: string) => reads.mock.calls.filter(([parameter]) => parameter === name).length,
		evaluations: () => evaluations.mock.calls.length,
		restore: () => {
			reads.mockRestore();
			evaluations.mockRestore();
		},
	};
}
