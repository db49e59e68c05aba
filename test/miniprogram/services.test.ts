/**
 * The demo's pure helpers: payload text, UTF-8 decoding without TextDecoder, dayjs time labels,
 * status and banner labels, and the diagnostics view of a report.
 */
import { decodeUtf8, payloadText, textPayload } from '../../miniprogram/services/text'
import { bannerFor, formatTime, statusLabel } from '../../miniprogram/services/format'
import { diagnosticsView } from '../../miniprogram/services/diagnostics-view'

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'))

it('text payloads round-trip through UTF-8, other payloads show as text', () => {
  for (const s of ['hi', 'héllo wörld', '你好，世界', 'emoji 😀👍🏽', '']) {
    expect(payloadText(utf8(textPayload(s)))).toBe(s)
    expect(decodeUtf8(utf8(s))).toBe(s)
  }
  expect(payloadText(utf8('plain, not JSON'))).toBe('plain, not JSON')
  expect(payloadText(utf8('{"type":2,"url":"x"}'))).toBe('{"type":2,"url":"x"}')
  expect(decodeUtf8(new Uint8Array([0x61, 0xff, 0xc3, 0x62]))).toBe('a\ufffd\ufffdb') // invalid bytes never throw
})

it('times: HH:mm today, MM-DD HH:mm this year, full date before', () => {
  const now = new Date(2026, 10, 26, 21, 30).getTime()
  expect(formatTime(new Date(2026, 10, 26, 8, 5).getTime(), now)).toBe('08:05')
  expect(formatTime(new Date(2026, 0, 2, 23, 59).getTime(), now)).toBe('01-02 23:59')
  expect(formatTime(new Date(2025, 11, 31, 12, 0).getTime(), now)).toBe('2025-12-31 12:00')
})

it('status and banner labels', () => {
  expect(['queued', 'sending', 'sent', 'failed'].map((s) => statusLabel(s as 'queued'))).toEqual(['Queued', 'Sending…', 'Sent', 'Failed'])
  expect(statusLabel('failed', 4)).toBe('Failed (code 4)')
  expect(bannerFor('connected')).toEqual({ visible: false, kind: 'none', text: '' })
  expect(bannerFor('offline').kind).toBe('offline')
  expect(bannerFor('waiting', 'heartbeat timeout').text).toBe('Reconnecting… (heartbeat timeout)')
})

it('diagnostics view: summary lines, metric rows by path, JSON; says so when diagnose() is missing', () => {
  expect(diagnosticsView(undefined)).toMatchObject({ available: false, metrics: [], json: '' })
  expect(diagnosticsView({})).toMatchObject({ available: false })
  const report = {
    summary: ['connected for 12 s', 'outbox empty'],
    checks: [{ name: 'socket', ok: true, detail: 'one live socket' }, { id: 'acks', status: 'warn', message: '2 overdue' }],
    connection: { state: 'connected', reconnects: 3 },
    outbox: { queued: 0, failed: [] as unknown[] },
    payload: new Uint8Array(4),
  }
  const view = diagnosticsView({ diagnose: () => report })
  expect(view.available).toBe(true)
  expect(view.summary).toEqual(['connected for 12 s', 'outbox empty', '[ok] socket: one live socket', '[warn] acks: 2 overdue'])
  expect(view.metrics).toEqual([
    { name: 'connection.state', value: 'connected' },
    { name: 'connection.reconnects', value: '3' },
    { name: 'outbox.queued', value: '0' },
    { name: 'outbox.failed.length', value: '0' },
    { name: 'payload.bytes', value: '4' },
  ])
  expect(JSON.parse(view.json)).toMatchObject({ connection: { reconnects: 3 }, payload: '<4 bytes>' })
})
