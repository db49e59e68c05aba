/**
 * What the subsystems report to diagnostics, and the one vocabulary they report in. The real
 * implementation (bounded event log, per-message traces, diagnose()) lives beside this file;
 * subsystems only see this narrow port. Detail objects must never carry tokens or message bodies.
 *
 * Event names are a closed union per category (kebab-case): the counters and the anomaly rule
 * (anomaly.ts) name them too, so a renamed event is a compile error, not a silently zeroed counter.
 */
export interface DiagEvents {
  /** The socket's life: `state` carries {from, to, reason, code?}. */
  connection: 'state' | 'dial' | 'backoff' | 'connack' | 'probe' | 'probe-answered' | 'token-refreshed' | 'packet-before-connack' | 'random-invalid'
  /** SENDACKs and what the outbox does when they are missing. */
  ack: 'sendack-unmatched' | 'sendack-overdue' | 'sendack-dropped' | 'lookup-failed'
  /** The receive side: verification, de-duplication, ordering, gaps. */
  receive:
    | 'rejected'
    | 'duplicate'
    | 'held-evicted'
    | 'drain-crashed'
    | 'deliver-failed'
    | 'packet-ignored'
    | 'gap-detected'
    | 'gap-filled'
    | 'gap-unfillable'
    | 'gap-stalled'
    | 'gap-resumed'
  /** Calls into the SyncProvider (catch-up and gap filling). */
  sync:
    | 'conversations'
    | 'conversations-failed'
    | 'messages'
    | 'messages-failed'
    | 'messages-malformed'
    | 'catch-up-crashed'
    /** The conversation list (conversations part): its server list, and unread/delete ops sent until confirmed. */
    | 'conversation-list-failed'
    | 'conversation-op-confirmed'
    | 'conversation-op-failed'
    /** The message history (history part): an older page the server could not be asked for. */
    | 'history-failed'
  storage:
    | 'device-id-not-saved'
    | 'enqueue-failed'
    | 'outbox-restored'
    | 'quarantined-record-discarded'
    | 'inbox-state-unreadable'
    | 'inbox-read-failed'
    | 'inbox-write-failed'
    | 'inbox-corrupt'
    | 'media-file-not-removed'
    | 'media-files-not-listed'
    | 'media-orphan-removed'
    | 'conversations-not-saved'
    | 'conversations-unreadable'
    | 'conversations-corrupt'
    | 'conversations-entries-dropped'
    | 'conversation-ops-not-saved'
    | 'history-unreadable'
    | 'history-corrupt'
    | 'history-write-failed'
    | 'history-evicted'
  network: 'change'
  lifecycle: 'hide' | 'show'
  /** Every error the app is told about (an `error` event) is logged too. */
  client: 'error'
}
export type DiagCategory = keyof DiagEvents
/** Any event name of any category. */
export type DiagEventName = DiagEvents[DiagCategory]

/** The steps of one message's trace (the outbox writes them; diagnose() reads them). */
export type TraceStepName =
  | 'persisted'
  | 'upload'
  | 'upload-failed'
  | 'upload-retry'
  | 'uploaded'
  | 'attempt'
  | 'ack'
  | 'lookup'
  | 'requeued'
  | 'resent-unverified'
  | 'failed'
  | 'discarded'

export interface DiagnosticsSink {
  /** One entry in the bounded event log. */
  record<C extends DiagCategory>(category: C, event: DiagEvents[C], detail?: Record<string, unknown>): void
  /**
   * One step in a message's trace, keyed by clientMsgNo: 'persisted', media messages' 'upload'
   * ({attempt}), 'upload-failed' / 'upload-retry' ({reason}), 'uploaded' ({url}), 'attempt' ({attempt,
   * connectionId, clientSeq}), 'ack' ({reasonCode, messageId, messageSeq, latencyMs}), 'lookup'
   * ({found}), 'requeued' ({reason}), 'resent-unverified', 'failed' ({reasonCode?, failure}), 'discarded'.
   */
  trace(clientMsgNo: string, step: TraceStepName, detail?: Record<string, unknown>): void
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
