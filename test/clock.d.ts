export declare function later(ms: number): Promise<void>;
export declare function within<T>(ms: number, work: Promise<T>): Promise<T | 'hung'>;
