/**
 * The demo's pure helpers: payload text, UTF-8 decoding without TextDecoder, dayjs time labels,
 * status and banner labels, the diagnostics view of a report, and the conversation list's rows.
 */
import { decodeUtf8, payloadText, textPayload } from '../../miniprogram/services/text'
import { bannerFor, formatTime, statusLabel } from '../../miniprogram/services/format'
import { diagnosticsView, noReport } from '../../miniprogram/services/diagnostics-view'
import { conversationRows } from '../../miniprogram/services/conversation-rows'

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

it('diagnostics view: says so without a client; metric rows from a real report', async () => {
  expect(await diagnosticsView(undefined)).toEqual(noReport)
  const report = {
    generatedAt: 0, uid: 'u', state: 'connected' as const, platform: { name: 'wx', missing: [] },
    delivery: { outboxDepth: 2, queued: 1, sending: 0, failed: 1, oldestPendingAgeMs: 1500, ackLatencyMs: { count: 3, p50: 20, p90: 40, p99: 90 }, retries: 4, reconnects: 1 },
    connection: { disconnectReasons: {}, failedDials: 2, backgroundKills: 1, networkChanges: 0, recentAnomalies: [] },
    gapFilling: { detected: 3, filled: 2, unfillable: 1, held: 0, rejectedRecvs: 0, stalled: [], syncFaults: { failed: 0, malformed: 0 }, unreadableState: false },
    summary: ['(3) state connected'],
  }
  const view = await diagnosticsView({ diagnose: async () => report })
  expect(view.summary).toEqual(['(3) state connected'])
  expect(view.metrics).toContainEqual({ name: 'ack p50 / p99', value: '20 ms / 90 ms' })
  expect(view.metrics).toContainEqual({ name: 'gaps detected / filled / unfillable', value: '3 / 2 / 1' })
  expect(JSON.parse(view.json)).toEqual(report)
})

it('conversation rows: decoded last message (ours prefixed), dayjs time, badge, a mark for our unsent or failed last message', () => {
  const now = new Date(2026, 4, 10, 15, 0).getTime()
  const at = new Date(2026, 4, 10, 9, 5).getTime()
  const preview = { clientMsgNo: 'c1', payload: new Uint8Array(), messageSeq: 0, timestamp: at }
  const rows = conversationRows(
    [
      { channelId: 'bob', channelType: 1, unread: 3, timestamp: at, lastMessage: { ...preview, fromUid: 'bob', messageSeq: 7, content: { type: 2, url: 'u', width: 1, height: 1 } } },
      { channelId: 'g1', channelType: 2, unread: 0, timestamp: new Date(2026, 0, 2, 8, 0).getTime(), lastMessage: { ...preview, fromUid: 'alice', content: { type: 1, text: 'hi' }, status: 'queued' } },
      { channelId: 'carol', channelType: 1, unread: 0, timestamp: new Date(2025, 11, 31, 23, 0).getTime(), lastMessage: { ...preview, fromUid: 'alice', content: { type: 1, text: 'oops' }, status: 'failed' } },
      { channelId: 'dave', channelType: 1, unread: 1, timestamp: 0 },
    ],
    'alice',
    now,
  )
  expect(rows).toEqual([
    { key: '1:bob', channelId: 'bob', channelType: 1, lastText: '[Photo]', lastTime: '09:05', unread: 3, mark: '', failed: false },
    { key: '2:g1', channelId: 'g1', channelType: 2, lastText: 'You: hi', lastTime: '01-02 08:00', unread: 0, mark: 'Sending…', failed: false },
    { key: '1:carol', channelId: 'carol', channelType: 1, lastText: 'You: oops', lastTime: '2025-12-31 23:00', unread: 0, mark: 'Failed', failed: true },
    { key: '1:dave', channelId: 'dave', channelType: 1, lastText: '', lastTime: '', unread: 1, mark: '', failed: false },
  ])
})
