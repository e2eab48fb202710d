export interface DataPlaneRequest {
	method: string;
	path: string;
	headers: Record<string, string | string[] | undefined>;
	bytes: number;
	body?: string;
	at: number;
	accepted: number;
}

export interface MockDataPlane {
	url: string;
	writeKey: string;
	requests: DataPlaneRequest[];
	events: Array<Record<string, unknown>>;
	fault(...faults: Array<{ status?: number; body?: string; retryAfter?: number | string; reset?: boolean; delayMs?: number }>): void;
	setEventsPerMinute(value?: number): void;
	reset(): void;
	start(port?: number, host?: string): Promise<string>;
	stop(): Promise<void>;
}

export declare const MAX_REQUEST_BYTES: number;
export declare const MAX_EVENT_BYTES: number;
export declare function createMockDataPlane(options?: { writeKey?: string; faults?: object[]; eventsPerMinute?: number; keepEvents?: boolean; latencyMs?: number }): MockDataPlane;
