/**
 * The real DiagnosticsSink: a bounded event log, bounded per-message traces, the counters that
 * answer the message-loss checklist, and optional forwarding to WeChat's realtime log manager.
 *
 * Privacy: detail keys that can carry secrets or content (token, payload, body, text) are dropped
 * unless the app opts in with `includeBodies`. Nothing here holds a message body otherwise.
 */
import type { Clock, RealtimeLog } from '../platform/types';
import type { DiagCategory, DiagnosticsSink } from './types';
export interface DiagnosticsOptions {
    /** Event-log entries kept (oldest dropped first). Default 500. */
    capacity?: number;
    /** Messages whose traces are kept (oldest dropped first). Default 500. */
    traceCapacity?: number;
    /** Keep token / payload / body fields in details. Default false. */
    includeBodies?: boolean;
    /**
     * Forward warnings and anomalies (errors included) to WeChat's realtime log. Default: off, and
     * then nothing of the SDK's reaches the realtime log: every line goes through forward().
     */
    realtimeLog?: RealtimeLog;
}
export interface LogEntry {
    /** Platform ms. */
    at: number;
    category: DiagCategory;
    event: string;
    detail?: Record<string, unknown>;
}
export interface TraceStep {
    at: number;
    step: string;
    detail?: Record<string, unknown>;
}
/** Counters since the client started. */
export interface DiagnosticCounters {
    reconnects: number;
    /** Why links ended, by reason text ('socket closed 1006', 'heartbeat timeout', ...). */
    disconnectReasons: Record<string, number>;
    failedDials: number;
    backgroundKills: number;
    networkChanges: number;
    retries: number;
    gaps: {
        detected: number;
        filled: number;
        unfillable: number;
    };
    rejectedRecvs: number;
    storageFailures: number;
}
export declare class Diagnostics implements DiagnosticsSink {
    private readonly clock;
    private readonly options;
    private readonly entries;
    private readonly traces;
    private readonly latencies;
    private readonly capacity;
    private readonly traceCapacity;
    private realtimeCalls;
    private connectedOnce;
    private connectedWhenHidden;
    readonly counters: DiagnosticCounters;
    constructor(clock: Clock, options?: DiagnosticsOptions);
    record(category: DiagCategory, event: string, detail?: Record<string, unknown>): void;
    trace(clientMsgNo: string, step: string, detail?: Record<string, unknown>): void;
    /** Forgets the log, the traces and the latency samples (logout: nothing of the user's stays). */
    clear(): void;
    /** The event log, oldest first (a copy). */
    log(): LogEntry[];
    /** Every recorded step of one message, or undefined when it is unknown or aged out. */
    traceOf(clientMsgNo: string): TraceStep[] | undefined;
    /** Send→SENDACK(1) latency percentiles over the recent acks, ms. */
    ackLatency(): {
        count: number;
        p50?: number;
        p90?: number;
        p99?: number;
    };
    /** Updates the counters; true when the entry is an anomaly worth forwarding. */
    private count;
    private forward;
    private redact;
}
