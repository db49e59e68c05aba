import type { Timers } from '../platform/types';
export declare function withDeadline<T>(timers: Timers, callback: string, ms: number | undefined, call: () => T | Promise<T>): Promise<T>;
