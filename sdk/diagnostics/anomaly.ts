/**
 * The one rule for which log entries are anomalies: forwarded to WeChat's realtime log
 * (diagnostics.ts) and listed in diagnose()'s recentAnomalies (report.ts). Written against the
 * typed vocabulary (types.ts), so renaming an event breaks the build here.
 */
import type { DiagCategory, DiagEvents } from './types'

type EventSets = { [C in DiagCategory]: ReadonlyArray<DiagEvents[C]> }

/** Events that are anomalies whatever their detail ('state' is judged by its transition). */
const ANOMALIES: EventSets = {
  connection: ['random-invalid'],
  ack: ['sendack-unmatched', 'sendack-overdue', 'lookup-failed'],
  receive: ['rejected', 'deliver-failed', 'gap-unfillable', 'gap-stalled'],
  sync: ['conversations-failed', 'messages-failed', 'messages-malformed', 'conversation-list-failed', 'conversation-op-failed', 'history-failed'],
  storage: [
    'enqueue-failed',
    'inbox-state-unreadable',
    'inbox-read-failed',
    'inbox-write-failed',
    'inbox-corrupt',
    'media-files-not-listed',
    'conversations-unreadable',
    'conversations-corrupt',
    'conversation-ops-not-saved',
    'history-unreadable',
    'history-corrupt',
    'history-write-failed',
  ],
  network: [],
  lifecycle: [],
  client: ['error'],
}

/** Storage events counted as storage failures in diagnose(). */
export const STORAGE_FAILURES: EventSets['storage'] = ['enqueue-failed', 'inbox-read-failed', 'inbox-write-failed', 'inbox-corrupt', 'conversation-ops-not-saved']

/** One log entry as the rule sees it. */
export interface DiagEntry<C extends DiagCategory = DiagCategory> {
  category: C
  event: DiagEvents[C]
  detail?: Record<string, unknown>
}

/** A link that ended, a dial that failed, the client stopped; or an event listed in ANOMALIES. */
export function isAnomaly(e: DiagEntry): boolean {
  if (e.category === 'connection' && e.event === 'state') {
    const d = e.detail ?? {}
    return d.from === 'connected' || (d.from === 'connecting' && d.to !== 'connected') || d.to === 'stopped'
  }
  return (ANOMALIES[e.category] as ReadonlyArray<string>).indexOf(e.event) >= 0
}
