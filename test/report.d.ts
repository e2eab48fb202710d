export declare function report(line: string): void;
