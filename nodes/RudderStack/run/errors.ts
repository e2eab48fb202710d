import type { IDataObject, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

// The ids an item had reached when it failed, so a "Continue On Fail" item can still say which
// connection and which sync it was about.
const idsOfErrors = new WeakMap<object, IDataObject>();

export function withIds<E extends object>(error: E, ids: IDataObject): E {
	idsOfErrors.set(error, { ...ids, ...idsOfErrors.get(error) });
	return error;
}

export function idsOf(error: unknown): IDataObject | undefined {
	return typeof error === 'object' && error !== null ? idsOfErrors.get(error) : undefined;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise's outcome as a value, so callers can branch on failures without a catch block. */
export async function settle<T>(work: Promise<T>): Promise<Settled<T>> {
	try {
		return { ok: true, value: await work };
	} catch (error) {
		return { ok: false, error };
	}
}

export function operationError(ctx: { getNode(): INode }, itemIndex: number, message: string, ids: IDataObject = {}, description?: string) {
	return withIds(new NodeOperationError(ctx.getNode(), message, { itemIndex, description }), ids);
}
