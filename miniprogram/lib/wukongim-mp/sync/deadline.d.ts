/**
 * A deadline on every call into a SyncProvider (issue 15.7): an app-supplied provider, or a
 * platform request that never settles, must not hold a channel's first push or a gap forever.
 * A call that misses its deadline rejects with a TIMEOUT ImError; the caller retries as after any
 * sync failure. Its late answer, if one ever comes, is ignored.
 */
import type { Platform } from '../platform/types';
import type { SyncProvider } from './types';
export declare function withDeadlines(sync: SyncProvider, timers: Pick<Platform, 'setTimeout' | 'clearTimeout'>, ms: number): SyncProvider;
