export interface MockRequest {
	method: string;
	path: string;
	body: unknown;
	headers: Record<string, string | string[] | undefined>;
	at: number;
}

export interface MockRudderStack {
	url: string;
	token: string;
	requests: MockRequest[];
	runs: Map<string, Array<{ id: string; targetId: string; startedAt: number; endsAt?: number }>>;
	end(id: string): void;
	schedule(id: string, everyMs: number): void;
	script(id: string, script: object): void;
	setStorm(storm?: { rate: number; retryAfter: number }): void;
	reset(): void;
	start(port?: number, host?: string): Promise<string>;
	stop(): Promise<void>;
}

export declare function createMockRudderStack(options?: {
	token?: string;
	scripts?: Record<string, object>;
	storm?: { rate: number; retryAfter: number };
	runMs?: number;
	connections?: object[];
	sources?: object[];
	pageSize?: number;
	nextForm?: 'page' | 'full';
	retlOnlyToken?: string;
	workspace?: object;
	syncOrder?: 'newestFirst';
}): MockRudderStack;
