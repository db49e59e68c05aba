import type { DiagnosticsSink } from './diagnostics/types';
export interface DiagnosticsSettings {
    /** Event-log entries kept. Default 500. */
    capacity?: number;
    /** Messages whose traces are kept. Default 500. */
    traceCapacity?: number;
    /** Keep token / payload / body fields in log details. Default false (never logged). */
    includeBodies?: boolean;
    /** Forward anomalies to WeChat's realtime log manager (≤ 5 KB a line, ≤ 200 lines). Default false. */
    realtimeLog?: boolean;
}
import type { Platform } from './platform/types';
import type { InboxOptions } from './inbox/inbox';
import type { OutboxLimits } from './outbox/outbox';
import type { SyncProvider } from './sync/types';
/**
 * Every option is checked by createClient (resolveOptions below): a wrong type or range, and an
 * unknown name at any level (a typo such as `wsAdrr` would otherwise be silently ignored), throw
 * InvalidOptionError (code 'INVALID_ARGUMENT', `context.option` names it, e.g. 'storage.prefix').
 */
export interface ClientOptions {
    /** This user's uid. Required, non-empty, without ':' (storage keys are `<prefix>:<uid>:...`). */
    uid: string;
    /**
     * WebSocket address (ws:// or wss://), e.g. `wss://im.example.com:5200`, or a function returning
     * one that is called before every dial (and given `callbackTimeoutMs` to answer). When absent, `GET <apiAddr>/route?uid=<uid>` is asked before every
     * dial and its `wss_addr` (or `ws_addr` when wss_addr is empty) is used.
     */
    wsAddr?: string | (() => string | Promise<string>);
    /** Which address of the route lookup to dial (the other is used when it is empty). Default 'wss_addr' (mini-programs need wss). */
    routeAddr?: 'wss_addr' | 'ws_addr';
    /** Base URL (http:// or https://) of the WuKongIM HTTP API (route lookup and message sync), e.g. `https://im.example.com:5001`. */
    apiAddr?: string;
    /** Static token for CONNECT. Give this or `tokenProvider`; default '' (server without token auth). */
    token?: string;
    /**
     * Asked for a token before the first dial and again after the server closed a socket before
     * its CONNACK (how a v2 server reports a bad token). Wins over `token`. Given `callbackTimeoutMs`
     * to answer; a failed or late answer is retried with backoff.
     */
    tokenProvider?: () => string | Promise<string>;
    /** CONNECT deviceFlag: 0 app, 1 web, 2 pc. Default 1 (web, like the official JS SDK). */
    deviceFlag?: number;
    /** CONNECT deviceID. Default: this install's id, 32 random hex chars + 'M', made once and kept in storage (`<prefix>:device`). */
    deviceId?: string;
    heartbeat?: {
        /** Milliseconds between PINGs. Default 25 000. */
        intervalMs?: number;
        /** Milliseconds of inbound silence after which the link is dead. Default 2 × interval + 5 000 (55 s). */
        deadAfterMs?: number;
        /** Milliseconds a probe PING (after onAppShow, overdue SENDACK) waits for any inbound byte. Default 3 000. */
        probeTimeoutMs?: number;
    };
    /** Reconnect delays: full jitter over min(maxMs, initialMs × 2^attempt). */
    backoff?: {
        /** Milliseconds, default 500. */
        initialMs?: number;
        /** Milliseconds, default 30 000. Also how often the network status is re-checked while offline. */
        maxMs?: number;
    };
    /** Milliseconds to wait for CONNACK after the socket opened (or for the socket to open). Default 10 000. */
    connectTimeoutMs?: number;
    /**
     * Milliseconds the client waits for one answer of `tokenProvider` or a `wsAddr` function. A
     * callback that has not settled by then counts as a failed dial: an `error` event with code
     * 'TIMEOUT', a diagnostics line, and the next dial after the usual backoff (which calls it
     * again). A late answer is ignored. Default 10 000.
     */
    callbackTimeoutMs?: number;
    /** Milliseconds hidden after which onAppShow rebuilds the socket instead of probing it. Default 5 000. */
    rebuildAfterHiddenMs?: number;
    outbox?: {
        /** SENDs on the wire without a SENDACK, at most. Default 32. */
        window?: number;
        /**
         * SENDs of one channel on the wire without a SENDACK, at most. Default 0 = only `window` limits.
         * Set 1 for WuKongIM v1.2.x, which may store one channel's pipelined sends out of order: the
         * server then stores them in send() order, at one round trip per message per channel.
         */
        channelWindow?: number;
        /** Messages in the outbox (queued, sending and failed), at most; send() beyond it rejects STORAGE_FULL. Default 1 000. */
        maxMessages?: number;
        /** Milliseconds without a SENDACK before the link is probed (and rebuilt when the ack stays overdue 3× as long). Default 10 000. */
        sendackTimeoutMs?: number;
        /** Milliseconds after which a message still not sent fails with failure 'expired'. Default 0 = never. */
        expireAfterMs?: number;
        /** Backoff for retryable SENDACK codes (15, 22, ...): milliseconds, defaults 1 000 → 60 000. */
        retryInitialMs?: number;
        retryMaxMs?: number;
    };
    storage?: {
        /** Key prefix; keys are `<prefix>:<uid>:...`. Default 'wkmp'. */
        prefix?: string;
        /**
         * Ask the default wx platform for encrypted storage (wx `encrypt: true`, base library 2.21.3+;
         * limits drop to 0.7 MB per key and 7.1 MB total). Ignored when `platform` is given: configure
         * that platform instead. Default false.
         */
        encrypt?: boolean;
    };
    /** Platform door (sockets, storage, timers...). Default: the real wx (createWxPlatform). */
    platform?: Platform;
    /**
     * Diagnostics. The client always keeps a bounded event log and per-message traces for
     * diagnose(); pass settings for them, or an extra sink that receives every record too.
     */
    diagnostics?: DiagnosticsSink | DiagnosticsSettings;
    /** How missed messages are pulled. Default: WuKongIM's HTTP API at `apiAddr`. */
    sync?: SyncProvider;
    /** Which server line the default sync provider speaks. Default 'auto'. */
    serverLine?: 'v2' | 'v3' | 'auto';
    /** Receive-side tuning (continuity check period, gap-fill retries...), see InboxOptions. */
    inbox?: InboxOptions;
    /**
     * Source of uniform floats in [0, 1) for backoff jitter (e.g. a seeded generator in tests).
     * Default: derived from platform.randomBytes. A call that throws or returns anything outside
     * [0, 1) is replaced by platform.randomBytes and noted in diagnostics ('random-invalid').
     */
    random?: () => number;
}
/** Options after validation, with every default filled in. */
export interface ResolvedOptions {
    uid: string;
    wsAddr?: string | (() => string | Promise<string>);
    apiAddr?: string;
    routeAddr: 'wss_addr' | 'ws_addr';
    token: string;
    tokenProvider?: () => string | Promise<string>;
    deviceFlag: number;
    deviceId?: string;
    heartbeat: {
        intervalMs: number;
        deadAfterMs: number;
        probeTimeoutMs: number;
    };
    backoff: {
        initialMs: number;
        maxMs: number;
    };
    connectTimeoutMs: number;
    callbackTimeoutMs: number;
    rebuildAfterHiddenMs: number;
    outbox: OutboxLimits;
    storage: {
        prefix: string;
        encrypt: boolean;
    };
    random?: () => number;
    unsafe: UnsafeSwitches;
}
/** The one validation pass (every option, every level), then the defaults. */
export declare function resolveOptions(o: ClientOptions): ResolvedOptions;
/** A ws:// or wss:// URL (also what a wsAddr function must answer at dial time). */
export declare const isWsUrl: (v: unknown) => v is string;
