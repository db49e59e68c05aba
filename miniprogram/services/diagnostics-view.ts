/**
 * Turns the client's diagnose() report into what the diagnostics page shows: summary lines (the
 * checklist, answered), metric rows (every number, flag and short text in the report, by path)
 * and the whole report as JSON. It reads the report generically, so the page keeps working as
 * the report grows.
 */

export interface DiagnosticsView {
  available: boolean
  summary: string[]
  metrics: Array<{ name: string; value: string }>
  json: string
}

/** The client, as far as this page needs it (diagnose() may be missing in an older SDK build). */
export interface Diagnosable {
  diagnose?: () => unknown
}

const MAX_METRICS = 200

export function diagnosticsView(client: Diagnosable | undefined): DiagnosticsView {
  if (!client || typeof client.diagnose !== 'function') {
    return { available: false, summary: ['diagnose() is not available (not signed in, or an SDK build without it).'], metrics: [], json: '' }
  }
  const report = client.diagnose()
  return { available: true, summary: summaryLines(report), metrics: metricRows(report), json: toJson(report) }
}

function summaryLines(report: unknown): string[] {
  if (!isObject(report)) return [String(report)]
  const lines: string[] = []
  const summary = report.summary
  if (typeof summary === 'string') lines.push(...summary.split('\n').filter(Boolean))
  else if (Array.isArray(summary)) summary.forEach((s) => lines.push(typeof s === 'string' ? s : describe(s)))
  for (const name of ['checks', 'findings', 'checklist']) {
    const list = report[name]
    if (Array.isArray(list)) list.forEach((c) => lines.push(typeof c === 'string' ? c : describe(c)))
  }
  return lines
}

/** One line for a check-like object: `[ok] name: detail`. */
function describe(value: unknown): string {
  if (!isObject(value)) return String(value)
  const status = pick(value, ['status', 'level', 'verdict']) ?? (typeof value.ok === 'boolean' ? (value.ok ? 'ok' : 'problem') : undefined)
  const name = pick(value, ['name', 'title', 'check', 'id', 'question'])
  const detail = pick(value, ['detail', 'message', 'answer', 'text', 'hint'])
  const parts = [status !== undefined ? `[${status}]` : '', name ?? '', detail !== undefined ? (name ? `: ${detail}` : detail) : '']
  const line = parts.join(' ').replace(/\s+/g, ' ').replace(' :', ':').trim()
  return line || JSON.stringify(value)
}

function metricRows(report: unknown): Array<{ name: string; value: string }> {
  const rows: Array<{ name: string; value: string }> = []
  const walk = (value: unknown, path: string): void => {
    if (rows.length >= MAX_METRICS) return
    if (value === null || value === undefined) return
    if (typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'string' && value.length <= 80)) {
      rows.push({ name: path, value: String(value) })
    } else if (Array.isArray(value)) {
      if (path !== 'summary' && path !== 'checks' && path !== 'findings' && path !== 'checklist') rows.push({ name: `${path}.length`, value: String(value.length) })
    } else if (value instanceof Uint8Array) {
      rows.push({ name: `${path}.bytes`, value: String(value.length) })
    } else if (isObject(value)) {
      for (const key of Object.keys(value)) walk(value[key], path ? `${path}.${key}` : key)
    }
  }
  walk(report, '')
  return rows
}

function toJson(report: unknown): string {
  return JSON.stringify(report, (_key, value: unknown) => (value instanceof Uint8Array ? `<${value.length} bytes>` : value), 2) ?? ''
}

function pick(o: Record<string, unknown>, keys: string[]): string | undefined {
  for (const k of keys) {
    const v = o[k]
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v)
  }
  return undefined
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null
}
