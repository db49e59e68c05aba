/**
 * Catch-up (DESIGN.md §4): servers never push stored messages on connect, so after every
 * (re)connect, on app show, on `sync()` and by a periodic continuity check the inbox asks the
 * conversation sync which channels have more, then drains each such channel (message sync fills
 * what is missing). Concurrent requests share one run. A conversation sync that fails or misses
 * its deadline is reported and retried with backoff while connected; pushes that waited for it
 * start their channels by the first-contact policy (inbox.ts).
 */
import type { DiagnosticsSink } from '../diagnostics/types';
import type { ImError } from '../errors';
import type { Platform } from '../platform/types';
import type { SyncProvider } from '../sync/types';
import { type Channel } from './channel';
export interface CatchUpDeps {
    platform: Platform;
    sync: SyncProvider;
    diagnostics: DiagnosticsSink;
    emitError(e: ImError): void;
    options: {
        continuityCheckMs: number;
        gapRetries: number;
        gapRetryDelayMs: number;
        gapRetryMaxDelayMs: number;
        newChannelBacklog: number;
    };
    isClosed(): boolean;
    channels(): Channel[];
    channel(channelId: string, channelType: number): Channel;
    /** A catch-up has completed on this storage (first-contact policy). */
    baseline(): boolean;
    /** Records that one has. */
    setBaseline(): void;
    firstContact(ch: Channel, seq: number): void;
    /** Runs the channel's drain; resolves when it stops. */
    kick(ch: Channel): Promise<void>;
}
export declare class CatchUp {
    private readonly d;
    /** Pushes on unknown channels wait while this is true (first-contact policy). */
    conversationSyncInFlight: boolean;
    /** When the last run ended (platform ms) and whether its conversation sync answered. */
    last: {
        at: number;
        ok: boolean;
    } | undefined;
    private connected;
    private running;
    private again;
    private timer;
    private retryTimer;
    /** Conversation syncs failed in a row, for the retry's backoff. */
    private failures;
    constructor(d: CatchUpDeps);
    onConnected(): Promise<void>;
    onDisconnected(): void;
    /** Runs a catch-up now; concurrent calls share one run (followed by one more when asked meanwhile). */
    run(): Promise<void>;
    close(): void;
    private once;
    /** A conversation sync failed: another catch-up later, backing off like a stalled gap. */
    private retryLater;
    private startingCursor;
    private armContinuityCheck;
    private disarm;
}
