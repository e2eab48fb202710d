export declare function later(ms: number): Promise<void>;
