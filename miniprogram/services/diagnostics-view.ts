/**
 * Turns the client's diagnose() report into what the diagnostics page shows: the checklist
 * answered (summary lines), the headline metrics, and the whole report as JSON to paste into a
 * bug report.
 */
import type { Client, DiagnosticReport } from 'wukongim-mp'

export interface DiagnosticsView {
  available: boolean
  summary: string[]
  metrics: Array<{ name: string; value: string }>
  json: string
}

export const noReport: DiagnosticsView = { available: false, summary: ['Sign in to see a diagnostics report.'], metrics: [], json: '' }

export async function diagnosticsView(client: Pick<Client, 'diagnose'> | undefined, clientMsgNo?: string): Promise<DiagnosticsView> {
  if (!client) return noReport
  const report = await client.diagnose(clientMsgNo ? { clientMsgNo } : {})
  return { available: true, summary: report.summary, metrics: metricRows(report), json: JSON.stringify(report, null, 2) }
}

export function metricRows(r: DiagnosticReport): Array<{ name: string; value: string }> {
  const ms = (v: number | undefined) => (v === undefined ? '–' : `${v} ms`)
  const lat = r.delivery.ackLatencyMs
  const rows: Array<[string, string | number]> = [
    ['state', r.state],
    ['outbox depth', r.delivery.outboxDepth],
    ['failed', r.delivery.failed],
    ['oldest pending', ms(r.delivery.oldestPendingAgeMs)],
    ['ack p50 / p99', `${ms(lat.p50)} / ${ms(lat.p99)}`],
    ['retries', r.delivery.retries],
    ['reconnects', r.delivery.reconnects],
    ['failed dials', r.connection.failedDials],
    ['background kills', r.connection.backgroundKills],
    ['gaps detected / filled / unfillable', `${r.gapFilling.detected} / ${r.gapFilling.filled} / ${r.gapFilling.unfillable}`],
  ]
  return rows.map(([name, value]) => ({ name, value: String(value) }))
}
