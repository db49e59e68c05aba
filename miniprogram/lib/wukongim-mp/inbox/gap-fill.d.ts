/**
 * Gap filling: pulls a missing range [start, end) of one channel over the sync API into the
 * channel's held messages, and decides when a range may be given up.
 *
 * A range is given up (reported unfillable, the cursor stepped over it) only on proof: the server
 * answered, and the last answer of the round (after `gapRetries` backed-off retries) held a seq
 * above `start` but not `start`, with no malformed item. One such answer is not proof at the first
 * look (WuKongIM v1.2.6 stores pipelined sends of a channel concurrently, so a lower seq can show
 * up after a higher one), and an answer that ends before `start` proves nothing: a v3 cluster's
 * sync API can lack a channel's newest messages for a while. Such an answer makes the next request
 * reach up to a seq the server is known to have (the lowest held one), so that it can prove.
 *
 * Without proof (the sync API failed, timed out, answered garbage or too little) the gap stays
 * open: the channel's later messages stay held, in order, a round is retried with backoff doubling
 * up to `gapRetryMaxDelayMs` while something waits, every catch-up (continuity check, `sync()`,
 * reconnect, app show) tries again, and diagnose() shows the stall.
 */
import type { DiagnosticsSink } from '../diagnostics/types';
import type { Platform } from '../platform/types';
import type { SyncProvider } from '../sync/types';
import { type ImError } from '../errors';
import { type Channel } from './channel';
export interface GapFillOptions {
    syncPageLimit: number;
    gapRetries: number;
    gapRetryDelayMs: number;
    gapRetryMaxDelayMs: number;
}
export interface GapFillDeps {
    platform: Platform;
    sync: SyncProvider;
    diagnostics: DiagnosticsSink;
    emitError(e: ImError): void;
    options: GapFillOptions;
    isClosed(): boolean;
    /** A platform-timer delay that close() cuts short. */
    sleep(ms: number): Promise<void>;
    /** Steps the cursor over [from, to], reporting it unfillable. */
    skip(ch: Channel, from: number, to: number): void;
    /** Runs the channel's drain again. */
    retry(ch: Channel): void;
}
export declare function asSyncError(e: unknown, context: Record<string, unknown>): ImError;
export declare class GapFiller {
    private readonly d;
    /** Sync answers with malformed items, and failed or timed-out requests, for diagnose(). */
    readonly faults: {
        failed: number;
        malformed: number;
        lastError: string | undefined;
    };
    constructor(d: GapFillDeps);
    /**
     * Pulls [start, end) into `held`. Returns true when the drain can go on (the next seq is held, or
     * a range was given up on proof), false to stop for now (the gap stays open).
     */
    fill(ch: Channel, start: number, end: number): Promise<boolean>;
    /** The cursor moved: whatever stalled there is over. */
    resolved(ch: Channel): void;
    /** Clears a pending retry (close()). */
    cancel(ch: Channel): void;
    private stall;
}
