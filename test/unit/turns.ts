/** Asks and turns of a ceiling's lanes, in the order they happened. */
export type TurnEvent<Lane> = { lane: Lane; kind: 'ask' | 'turn' };

/**
 * The fairness the ceiling promises: the most turns any one lane had while another waited for its
 * own (from its ask to its turn). 1 when turns rotate; 2 when a lane went twice ahead of another.
 */
export function mostTurnsOfAnotherWhileWaiting<Lane>(events: TurnEvent<Lane>[]): number {
	const most = events.flatMap((event, at) => {
		if (event.kind !== 'ask') return [];
		const turnAt = events.findIndex((later, k) => k > at && later.lane === event.lane && later.kind === 'turn');
		const counts = new Map<Lane, number>();
		for (const other of events.slice(at + 1, turnAt)) if (other.kind === 'turn') counts.set(other.lane, (counts.get(other.lane) ?? 0) + 1);
		return [Math.max(0, ...counts.values())];
	});
	return Math.max(...most);
}
