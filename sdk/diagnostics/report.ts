/**
 * diagnose(): the message-loss checklist, answered from what the client recorded.
 * (1) Did the server ACK a given message, with which reason? (2) What does the server know: the
 * messageId/seq to look up, and a lookup by client_msg_no when the sync API offers one. (3) Recent
 * network and connection anomalies. (4) Does gap filling work? Plus delivery metrics.
 * The report is plain JSON so a page can setData it.
 */
import { ReasonCode } from '../codes'
import { errorText } from '../errors'
import type { InboxSnapshot } from '../inbox/inbox'
import type { QuarantinedRecord } from '../outbox/store'
import type { Clock, Platform } from '../platform/types'
import type { SyncProvider } from '../sync/types'
import type { ConnectionState, MessageStatus, OutboxMessage } from '../types'
import { isAnomaly } from './anomaly'
import { Diagnostics } from './diagnostics'
import type { DiagnosticCounters, LogEntry, TraceStep } from './diagnostics'
import type { DiagnosticsSettings } from './types'

export interface MessageDiagnosis {
  clientMsgNo: string
  /** Known to this client (in the outbox or in the kept traces). */
  known: boolean
  status?: MessageStatus
  persistedAt?: number
  attempts: Array<{ at: number; connectionId?: unknown; clientSeq?: unknown; dup?: unknown }>
  /** (1) The SENDACK, when one arrived. */
  ack?: { at: number; reasonCode: number; reason: string; messageId?: string; messageSeq?: number; latencyMs?: number }
  /** (2) What the server says about it, when looked up through the sync API. */
  server?: { lookedUp: boolean; found?: boolean; messageId?: string; messageSeq?: number; error?: string }
  trace: TraceStep[]
}

export interface DiagnosticReport {
  generatedAt: number
  uid: string
  state: ConnectionState
  /** The platform, and what it lacks (an old wx base library), with what that costs. */
  platform: { name: string; missing: string[] }
  message?: MessageDiagnosis
  delivery: {
    outboxDepth: number
    /** Stored outbox records that could not be read or parsed (not in outboxDepth); see outboxQuarantine. */
    quarantined?: number
    queued: number
    sending: number
    failed: number
    oldestPendingAgeMs?: number
    ackLatencyMs: { count: number; p50?: number; p90?: number; p99?: number }
    retries: number
    reconnects: number
  }
  /** Those records, with the stored value as read: discard(clientMsgNo) removes one. */
  outboxQuarantine?: QuarantinedRecord[]
  /** (3) */
  connection: {
    disconnectReasons: Record<string, number>
    failedDials: number
    backgroundKills: number
    networkChanges: number
    recentAnomalies: LogEntry[]
  }
  /** (4) */
  gapFilling: DiagnosticCounters['gaps'] & {
    held: number
    rejectedRecvs: number
    lastCatchUp?: { at: number; ok: boolean; agoMs: number }
    /** Gaps kept open because the sync API could not fill them yet; their channels' later messages wait. */
    stalled: InboxSnapshot['stalled']
    /** Sync requests that failed or timed out, and malformed items left out of sync pages. */
    syncFaults: InboxSnapshot['syncFaults']
    /** The stored receive state could not be read at start (a conservative catch-up followed). */
    unreadableState: boolean
  }
  /** One line per checklist question, for people. */
  summary: string[]
}

export interface ReportInput {
  uid: string
  state: ConnectionState
  platform: { name: string; missing?: readonly string[] }
  now: number
  pending: OutboxMessage[]
  quarantined?: QuarantinedRecord[]
  inbox: InboxSnapshot
  diagnostics: Diagnostics
  sync?: SyncProvider
  clientMsgNo?: string
  /** Ask the server (sync API) about the message. Default true when a clientMsgNo is given. */
  lookup?: boolean
}

const REASON_NAMES: Record<number, string> = Object.keys(ReasonCode).reduce<Record<number, string>>((names, name) => {
  names[ReasonCode[name as keyof typeof ReasonCode]] = name
  return names
}, {})

/**
 * The diagnostics part of the client (ClientParts.diagnostics): the log the subsystems report to
 * and the report diagnose() builds from it.
 */
export interface DiagnosticsPart {
  create(platform: Clock & Pick<Platform, 'realtimeLog'>, settings: DiagnosticsSettings): Diagnostics
  report(input: ReportInput): Promise<DiagnosticReport>
}

export const diagnosticsPart: DiagnosticsPart = {
  create: (platform, settings) => new Diagnostics(platform, settings, platform.realtimeLog),
  report: (input) => buildReport(input),
}

export async function buildReport(input: ReportInput): Promise<DiagnosticReport> {
  const d = input.diagnostics
  const c = d.counters
  const count = (s: MessageStatus) => input.pending.filter((m) => m.status === s).length
  const oldest = input.pending.reduce<number | undefined>((min, m) => (min === undefined || m.createdAt < min ? m.createdAt : min), undefined)
  const anomalies = d.log().filter(isAnomaly).slice(-20)
  const report: DiagnosticReport = {
    generatedAt: input.now,
    uid: input.uid,
    state: input.state,
    platform: { name: input.platform.name, missing: [...(input.platform.missing ?? [])] },
    delivery: {
      outboxDepth: input.pending.length,
      quarantined: input.quarantined?.length ?? 0,
      queued: count('queued'),
      sending: count('sending'),
      failed: count('failed'),
      ackLatencyMs: d.ackLatency(),
      retries: c.retries,
      reconnects: c.reconnects,
    },
    connection: {
      disconnectReasons: { ...c.disconnectReasons },
      failedDials: c.failedDials,
      backgroundKills: c.backgroundKills,
      networkChanges: c.networkChanges,
      recentAnomalies: anomalies,
    },
    outboxQuarantine: input.quarantined ?? [],
    gapFilling: {
      ...c.gaps,
      held: input.inbox.held,
      rejectedRecvs: c.rejectedRecvs,
      stalled: input.inbox.stalled.map((s) => ({ ...s })),
      syncFaults: { ...input.inbox.syncFaults },
      unreadableState: input.inbox.unreadableState,
    },
    summary: [],
  }
  if (oldest !== undefined) report.delivery.oldestPendingAgeMs = input.now - oldest
  const last = input.inbox.lastCatchUp
  if (last) report.gapFilling.lastCatchUp = { ...last, agoMs: input.now - last.at }
  if (input.clientMsgNo) report.message = await diagnoseMessage(input, input.clientMsgNo)
  report.summary = summarize(report)
  return report
}

async function diagnoseMessage(input: ReportInput, clientMsgNo: string): Promise<MessageDiagnosis> {
  const trace = input.diagnostics.traceOf(clientMsgNo) ?? []
  const queued = input.pending.find((m) => m.clientMsgNo === clientMsgNo)
  const out: MessageDiagnosis = { clientMsgNo, known: !!queued || trace.length > 0, attempts: [], trace }
  let channel: { channelId: string; channelType: number } | undefined = queued
  // The outbox asked the server before a re-send (v2) and found it stored: sent without a SENDACK.
  let foundByLookup = false
  for (const s of trace) {
    if (s.step === 'lookup' && s.detail?.found === true) foundByLookup = true
    const x = s.detail ?? {}
    if (s.step === 'persisted') {
      out.persistedAt = s.at
      if (typeof x.channelId === 'string' && typeof x.channelType === 'number') channel = { channelId: x.channelId, channelType: x.channelType }
    }
    if (s.step === 'attempt') out.attempts.push({ at: s.at, connectionId: x.connectionId, clientSeq: x.clientSeq, dup: x.dup })
    if (s.step === 'ack' && typeof x.reasonCode === 'number') {
      out.ack = { at: s.at, reasonCode: x.reasonCode, reason: REASON_NAMES[x.reasonCode] ?? `code ${x.reasonCode}` }
      if (typeof x.messageId === 'string') out.ack.messageId = x.messageId
      if (typeof x.messageSeq === 'number') out.ack.messageSeq = x.messageSeq
      if (typeof x.latencyMs === 'number') out.ack.latencyMs = x.latencyMs
    }
  }
  if (queued) out.status = queued.status
  else if (out.ack?.reasonCode === 1 || foundByLookup) out.status = 'sent'
  else if (trace.some((s) => s.step === 'failed' || s.step === 'discarded')) out.status = 'failed'

  const find = input.sync?.findByClientMsgNo
  if ((input.lookup ?? true) && find && channel) {
    try {
      const found = await find({ channelId: channel.channelId, channelType: channel.channelType, clientMsgNo })
      out.server = found ? { lookedUp: true, found: true, messageId: found.messageId, messageSeq: found.messageSeq } : { lookedUp: true, found: false }
    } catch (e) {
      out.server = { lookedUp: true, error: errorText(e) }
    }
  } else {
    out.server = { lookedUp: false }
  }
  return out
}

function summarize(r: DiagnosticReport): string[] {
  const lines: string[] = []
  const m = r.message
  if (m) {
    if (!m.known) lines.push(`(1) ${m.clientMsgNo}: unknown to this client (never sent here, or its trace aged out)`)
    else if (m.ack) lines.push(`(1) ${m.clientMsgNo}: server ACK ${m.ack.reasonCode} ${m.ack.reason} after ${m.attempts.length} attempt(s)${m.ack.latencyMs !== undefined ? `, ${m.ack.latencyMs} ms` : ''}`)
    else if (m.status === 'sent') lines.push(`(1) ${m.clientMsgNo}: its SENDACK was lost; the server, asked by client_msg_no, holds it, so it was not sent again (${m.attempts.length} attempt(s))`)
    else lines.push(`(1) ${m.clientMsgNo}: no ACK yet (${m.status ?? 'unknown'}, ${m.attempts.length} attempt(s)) — still in the outbox, will be retried`)
    if (m.ack?.messageId) lines.push(`(2) server ids: messageId ${m.ack.messageId}, seq ${m.ack.messageSeq ?? 0}`)
    if (m.server?.lookedUp) {
      lines.push(m.server.error ? `(2) server lookup failed: ${m.server.error}` : m.server.found ? `(2) server lookup by client_msg_no: stored as seq ${m.server.messageSeq}` : '(2) server lookup by client_msg_no: not found (or the server has no lookup)')
    } else if (!m.ack?.messageId) {
      lines.push('(2) nothing to look up on the server yet')
    }
  }
  const reasons = Object.entries(r.connection.disconnectReasons).map(([k, v]) => `${k} ×${v}`).join(', ')
  lines.push(`(3) state ${r.state}; ${r.delivery.reconnects} reconnect(s)${reasons ? ` (${reasons})` : ''}; ${r.connection.failedDials} failed dial(s); ${r.connection.backgroundKills} background kill(s); ${r.connection.networkChanges} network change(s)`)
  const g = r.gapFilling
  const catchUp = g.lastCatchUp ? `last catch-up ${g.lastCatchUp.ok ? 'ok' : 'FAILED'} ${Math.round(g.lastCatchUp.agoMs / 1000)} s ago` : 'no catch-up yet'
  lines.push(`(4) gaps: ${g.detected} detected, ${g.filled} filled, ${g.unfillable} unfillable, ${g.held} held; ${g.rejectedRecvs} tampered RECV(s) dropped; ${catchUp}`)
  const oldest = g.stalled.reduce<number | undefined>((min, s) => (min === undefined || s.since < min ? s.since : min), undefined)
  if (oldest !== undefined) {
    const last = g.stalled[g.stalled.length - 1]
    lines.push(`(4) ${g.stalled.length} gap(s) waiting for the sync API for ${Math.round((r.generatedAt - oldest) / 1000)} s (kept open, retried; last: ${last?.lastError ?? '-'})`)
  }
  const f = g.syncFaults
  if (f.failed > 0 || f.malformed > 0) lines.push(`(4) sync API: ${f.failed} failed or timed-out request(s), ${f.malformed} malformed item(s) left out${f.lastError ? `; last: ${f.lastError}` : ''}`)
  if (g.unreadableState) lines.push('(4) stored receive state was unreadable at start: caught up from the server instead (kept aside, not overwritten)')
  if (r.platform.missing.length > 0) lines.push(`platform ${r.platform.name} lacks: ${r.platform.missing.join('; ')}`)
  const lat = r.delivery.ackLatencyMs
  lines.push(`outbox: ${r.delivery.outboxDepth} pending (${r.delivery.failed} failed${r.delivery.quarantined ? `, ${r.delivery.quarantined} unreadable record(s) quarantined` : ''})${r.delivery.oldestPendingAgeMs !== undefined ? `, oldest ${Math.round(r.delivery.oldestPendingAgeMs / 1000)} s` : ''}; ack p50/p99 ${lat.p50 ?? '-'}/${lat.p99 ?? '-'} ms; ${r.delivery.retries} retries`)
  return lines
}
