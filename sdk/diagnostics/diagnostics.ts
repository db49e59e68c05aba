/**
 * The real DiagnosticsSink: a bounded event log, bounded per-message traces, the counters that
 * answer the message-loss checklist, and optional forwarding to WeChat's realtime log manager.
 *
 * Privacy: detail keys that can carry secrets or content (token, payload, body, text) are dropped
 * unless the app opts in with `includeBodies`. Nothing here holds a message body otherwise.
 */
import type { Clock, RealtimeLog } from '../platform/types'
import { STORAGE_FAILURES, isAnomaly } from './anomaly'
import type { DiagEntry } from './anomaly'
import type { DiagCategory, DiagEvents, DiagnosticsSettings, DiagnosticsSink, TraceStepName } from './types'

/** One event-log entry: a category and one of its event names (DiagEvents). */
export type LogEntry = {
  [C in DiagCategory]: DiagEntry<C> & {
    /** Platform ms. */
    at: number
  }
}[DiagCategory]

export interface TraceStep {
  at: number
  step: TraceStepName
  detail?: Record<string, unknown>
}

/** The receive events that count gaps, by the outcome they count. */
const GAP_OUTCOMES: Partial<Record<DiagEvents['receive'], keyof DiagnosticCounters['gaps']>> = {
  'gap-detected': 'detected',
  'gap-filled': 'filled',
  'gap-unfillable': 'unfillable',
}

/** Counters since the client started. */
export interface DiagnosticCounters {
  reconnects: number
  /** Why links ended, by reason text ('socket closed 1006', 'heartbeat timeout', ...). */
  disconnectReasons: Record<string, number>
  failedDials: number
  backgroundKills: number
  networkChanges: number
  retries: number
  gaps: { detected: number; filled: number; unfillable: number }
  rejectedRecvs: number
  storageFailures: number
}

const REDACTED = new Set(['token', 'payload', 'body', 'text', 'content'])

/** Realtime-log limits (docs/platform.md §5): each call at most 5 KB, ~200 calls per page session. */
const REALTIME_MAX_BYTES = 5 * 1024
const REALTIME_MAX_CALLS = 200
const LATENCY_SAMPLES = 1000
const BACKGROUND_KILL_MS = 10_000

export class Diagnostics implements DiagnosticsSink {
  private readonly entries: LogEntry[] = []
  /** clientMsgNo → its steps, flat (at, step, detail or undefined, ...): a few objects per message, not three each. */
  private readonly traces = new Map<string, unknown[]>()
  /** Traced clientMsgNos, oldest first from `traceHead`: evicting through the Map's iterator walks its deleted slots. */
  private traceOrder: string[] = []
  private traceHead = 0
  private readonly latencies: number[] = []
  private readonly capacity: number
  private readonly traceCapacity: number
  private realtimeCalls = 0
  private connectedOnce = false
  private connectedWhenHidden = false
  readonly counters: DiagnosticCounters = {
    reconnects: 0,
    disconnectReasons: {},
    failedDials: 0,
    backgroundKills: 0,
    networkChanges: 0,
    retries: 0,
    gaps: { detected: 0, filled: 0, unfillable: 0 },
    rejectedRecvs: 0,
    storageFailures: 0,
  }

  private readonly realtimeLog: RealtimeLog | undefined

  /** `realtimeLog`: the platform's, used only when `settings.realtimeLog` is on. */
  constructor(private readonly clock: Clock, private readonly settings: DiagnosticsSettings = {}, realtimeLog?: RealtimeLog) {
    this.capacity = settings.capacity ?? 500
    this.traceCapacity = settings.traceCapacity ?? 500
    this.realtimeLog = settings.realtimeLog ? realtimeLog : undefined
  }

  record<C extends DiagCategory>(category: C, event: DiagEvents[C], detail?: Record<string, unknown>): void {
    const entry = { at: this.clock.now(), category, event } as LogEntry
    if (detail) entry.detail = this.redact(detail)
    this.entries.push(entry)
    if (this.entries.length > this.capacity) this.entries.shift()
    if (this.count(entry) || isAnomaly(entry)) this.forward(entry)
  }

  trace(clientMsgNo: string, step: TraceStepName, detail?: Record<string, unknown>): void {
    let steps = this.traces.get(clientMsgNo)
    if (!steps) {
      steps = []
      this.traces.set(clientMsgNo, steps)
      this.traceOrder.push(clientMsgNo)
      while (this.traces.size > this.traceCapacity) this.traces.delete(this.traceOrder[this.traceHead++] as string)
      if (this.traceHead > 64 && this.traceHead * 2 > this.traceOrder.length) {
        this.traceOrder = this.traceOrder.slice(this.traceHead)
        this.traceHead = 0
      }
    }
    steps.push(this.clock.now(), step, detail && this.redact(detail))
    if (step === 'attempt' && Number(detail?.attempt) > 1) this.counters.retries++
    if (step === 'ack' && detail?.reasonCode === 1 && typeof detail.latencyMs === 'number') {
      this.latencies.push(detail.latencyMs)
      if (this.latencies.length > LATENCY_SAMPLES) this.latencies.shift()
    }
  }

  /** Forgets the log, the traces and the latency samples (logout: nothing of the user's stays). */
  clear(): void {
    this.entries.length = 0
    this.traces.clear()
    this.traceOrder = []
    this.traceHead = 0
    this.latencies.length = 0
  }

  /** The event log, oldest first (a copy). */
  log(): LogEntry[] {
    return this.entries.slice()
  }

  /** Every recorded step of one message, or undefined when it is unknown or aged out. */
  traceOf(clientMsgNo: string): TraceStep[] | undefined {
    const flat = this.traces.get(clientMsgNo)
    if (!flat) return undefined
    const steps: TraceStep[] = []
    for (let i = 0; i < flat.length; i += 3) {
      const s: TraceStep = { at: flat[i] as number, step: flat[i + 1] as TraceStepName }
      if (flat[i + 2]) s.detail = { ...(flat[i + 2] as Record<string, unknown>) }
      steps.push(s)
    }
    return steps
  }

  /** Send→SENDACK(1) latency percentiles over the recent acks, ms. */
  ackLatency(): { count: number; p50?: number; p90?: number; p99?: number } {
    const sorted = this.latencies.slice().sort((a, b) => a - b)
    if (sorted.length === 0) return { count: 0 }
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
    return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99) }
  }

  /** Updates the counters; true for a background kill, the one anomaly known only from history. */
  private count(e: LogEntry): boolean {
    const d = e.detail ?? {}
    const c = this.counters
    switch (e.category) {
      case 'connection':
        if (e.event !== 'state') return false
        if (d.to === 'connected') {
          if (this.connectedOnce) c.reconnects++
          this.connectedOnce = true
        }
        if (d.from === 'connected') {
          const reason = String(d.reason)
          c.disconnectReasons[reason] = (c.disconnectReasons[reason] ?? 0) + 1
        } else if (d.from === 'connecting' && d.to !== 'connected') c.failedDials++
        return false
      case 'network':
        if (e.event === 'change') c.networkChanges++
        return false
      case 'lifecycle':
        if (e.event === 'hide') {
          this.connectedWhenHidden = d.state === 'connected'
          return false
        }
        // WeChat aggregates realtime logs per foreground session (show → hide): the quota starts again.
        this.realtimeCalls = 0
        if (!this.connectedWhenHidden) return false
        // WeChat closes a background app's socket ~10 s after hide, often without a close event.
        this.connectedWhenHidden = false
        if (d.state !== 'connected' || Number(d.hiddenForMs) >= BACKGROUND_KILL_MS) {
          c.backgroundKills++
          return true
        }
        return false
      case 'receive': {
        if (e.event === 'rejected') c.rejectedRecvs++
        const outcome = GAP_OUTCOMES[e.event]
        if (outcome) c.gaps[outcome]++
        return false
      }
      case 'storage':
        if (STORAGE_FAILURES.indexOf(e.event) >= 0) c.storageFailures++
        return false
      default:
        return false
    }
  }

  private forward(e: LogEntry): void {
    const log = this.realtimeLog
    if (!log || this.realtimeCalls >= REALTIME_MAX_CALLS) return
    this.realtimeCalls++
    let line = `[wkmp] ${e.category} ${e.event} ${e.detail ? JSON.stringify(e.detail) : ''}`
    // Characters, not bytes: 1,700 characters stay under 5 KB even if every one takes 3 bytes.
    if (line.length * 3 > REALTIME_MAX_BYTES) line = line.slice(0, Math.floor(REALTIME_MAX_BYTES / 3) - 1) + '…'
    log.warn(line)
  }

  /** `detail` itself when nothing in it is redacted (callers pass a fresh object and never change it). */
  private redact(detail: Record<string, unknown>): Record<string, unknown> {
    if (this.settings.includeBodies) return detail
    let out: Record<string, unknown> | undefined
    for (const k in detail) {
      if (!REDACTED.has(k.toLowerCase())) continue
      out ??= { ...detail }
      delete out[k]
    }
    return out ?? detail
  }
}
