/**
 * What the subsystems report to diagnostics. The real implementation (bounded event log,
 * per-message traces, diagnose()) lives beside this file; subsystems only see this narrow port.
 * Detail objects must never carry tokens or message bodies.
 */
/** 'client': every error the app is told about (an `error` event) is logged too, as event 'error'. */
export type DiagCategory = 'connection' | 'send' | 'ack' | 'receive' | 'sync' | 'storage' | 'network' | 'lifecycle' | 'client'

export interface DiagnosticsSink {
  /** One entry in the bounded event log. */
  record(category: DiagCategory, event: string, detail?: Record<string, unknown>): void
  /**
   * One step in a message's trace, keyed by clientMsgNo. Steps used by the outbox:
   * 'persisted', 'attempt' ({attempt, connectionId, clientSeq}), 'ack' ({reasonCode, messageId,
   * messageSeq, latencyMs}), 'requeued' ({reason}), 'failed' ({reasonCode?, failure}), 'discarded'.
   */
  trace(clientMsgNo: string, step: string, detail?: Record<string, unknown>): void
}

/** createClient's `diagnostics` settings: the client's own log and traces (diagnostics.ts). */
export interface DiagnosticsSettings {
  /** Event-log entries kept (oldest dropped first). Default 500. */
  capacity?: number
  /** Messages whose traces are kept (oldest dropped first). Default 500. */
  traceCapacity?: number
  /** Keep token / payload / body fields in log details. Default false (never logged). */
  includeBodies?: boolean
  /**
   * Forward warnings and anomalies (errors included) to WeChat's realtime log manager (≤ 5 KB a
   * line, ≤ 200 lines per foreground session). Default false: nothing of the SDK's reaches it.
   */
  realtimeLog?: boolean
}
