/**
 * What the subsystems report to diagnostics. The real implementation (bounded event log,
 * per-message traces, diagnose()) lives beside this file; subsystems only see this narrow port.
 * Detail objects must never carry tokens or message bodies.
 */
/** 'client': every error the app is told about (an `error` event) is logged too, as event 'error'. */
export type DiagCategory = 'connection' | 'send' | 'ack' | 'receive' | 'sync' | 'storage' | 'network' | 'lifecycle' | 'client';
export interface DiagnosticsSink {
    /** One entry in the bounded event log. */
    record(category: DiagCategory, event: string, detail?: Record<string, unknown>): void;
    /**
     * One step in a message's trace, keyed by clientMsgNo. Steps used by the outbox:
     * 'persisted', 'attempt' ({attempt, connectionId, clientSeq}), 'ack' ({reasonCode, messageId,
     * messageSeq, latencyMs}), 'requeued' ({reason}), 'failed' ({reasonCode?, failure}), 'discarded'.
     */
    trace(clientMsgNo: string, step: string, detail?: Record<string, unknown>): void;
}
export declare const noopDiagnostics: DiagnosticsSink;
