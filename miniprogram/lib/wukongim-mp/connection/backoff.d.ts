import type { DiagnosticsSink } from '../diagnostics/types';
import type { Platform } from '../platform/types';
/**
 * Reconnect and retry delays: exponential with full jitter, capped
 * (delay = random × min(maxMs, initialMs × 2^attempt)). Full jitter spreads a crowd of clients
 * that lost the same server at the same moment.
 */
export interface BackoffPolicy {
    initialMs: number;
    maxMs: number;
}
/** `attempt` counts from 0; `random` is uniform in [0, 1). */
export declare function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number;
/** A uniform float in [0, 1) from 4 random bytes. */
export declare function floatFromBytes(bytes: Uint8Array): number;
/**
 * The one jitter source of a client (connection and outbox): the app's `random` while it returns a
 * float in [0, 1), else the platform's random bytes. A generator that throws or returns NaN would
 * otherwise leave a backoff stuck (a rejected wait) or at 0 ms (a reconnect storm); it is noted
 * once in diagnostics.
 */
export declare function jitterSource(random: (() => number) | undefined, platform: Pick<Platform, 'randomBytes'>, diagnostics: DiagnosticsSink): () => Promise<number>;
