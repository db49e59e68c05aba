import { Diagnostics } from '../../../sdk/diagnostics/diagnostics'
import { buildReport } from '../../../sdk/diagnostics/report'
import type { InboxSnapshot } from '../../../sdk/inbox/inbox'
import type { OutboxMessage } from '../../../sdk/types'

function clock(start = 1_000) {
  const c = { t: start, now: () => c.t }
  return c
}
const idleInbox: InboxSnapshot = {
  channels: 0,
  held: 0,
  delivering: 0,
  stalled: [],
  syncFaults: { failed: 0, malformed: 0 },
  unreadableState: false,
}

describe('Diagnostics event log', () => {
  it('is bounded, timestamped, and never keeps tokens or bodies unless asked', () => {
    const c = clock()
    const d = new Diagnostics(c, { capacity: 3 })
    for (let i = 0; i < 5; i++) {
      c.t += 10
      d.record('sync', 'messages', { i, token: 'secret', payload: 'hello', Body: 'x' })
    }
    expect(d.log().map((e) => [e.at, e.detail?.i])).toEqual([[1030, 2], [1040, 3], [1050, 4]])
    expect(d.log()[0]?.detail).toEqual({ i: 2 })

    const open = new Diagnostics(c, { includeBodies: true })
    open.record('sync', 'messages', { token: 't', payload: 'p' })
    expect(open.log()[0]?.detail).toEqual({ token: 't', payload: 'p' })
  })

  it('counts reconnects, disconnect reasons, failed dials and background kills from state changes', () => {
    const d = new Diagnostics(clock())
    const state = (from: string, to: string, reason: string) => d.record('connection', 'state', { from, to, reason })
    state('idle', 'connecting', 'connect()')
    state('connecting', 'waiting', 'socket closed 1006')
    state('waiting', 'connecting', 'backoff')
    state('connecting', 'connected', 'connack')
    d.record('lifecycle', 'hide', { state: 'connected' })
    d.record('lifecycle', 'show', { state: 'connected', hiddenForMs: 2_000 }) // short: the link survived
    d.record('lifecycle', 'hide', { state: 'connected' })
    d.record('lifecycle', 'show', { state: 'connected', hiddenForMs: 15_000 }) // iOS: killed, no close event
    state('connected', 'connecting', 'heartbeat timeout')
    state('connecting', 'connected', 'connack')
    state('connected', 'offline', 'network offline')
    d.record('network', 'change', { online: false })
    expect(d.counters).toMatchObject({
      reconnects: 1,
      failedDials: 1,
      backgroundKills: 1,
      networkChanges: 1,
      disconnectReasons: { 'heartbeat timeout': 1, 'network offline': 1 },
    })
  })

  it('keeps bounded traces and ack latency percentiles from successful acks only', () => {
    const c = clock()
    const d = new Diagnostics(c, { traceCapacity: 2 })
    d.trace('m1', 'persisted')
    d.trace('m2', 'persisted')
    d.trace('m3', 'persisted')
    expect(d.traceOf('m1')).toBeUndefined()
    expect(d.traceOf('m3')?.map((s) => s.step)).toEqual(['persisted'])
    for (let i = 1; i <= 100; i++) d.trace('m3', 'ack', { reasonCode: 1, latencyMs: i })
    d.trace('m3', 'ack', { reasonCode: 3, latencyMs: 100_000 })
    d.trace('m3', 'attempt', { attempt: 2 })
    expect(d.ackLatency()).toEqual({ count: 100, p50: 51, p90: 91, p99: 100 })
    expect(d.counters.retries).toBe(1)
  })

  it('forwards anomalies to the realtime log within its limits (≤ 5 KB a line, ≤ 200 lines)', () => {
    const lines: string[] = []
    const sink = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) }
    const d = new Diagnostics(clock(), { realtimeLog: true }, sink)
    d.record('sync', 'messages', { n: 1 }) // not an anomaly: not forwarded
    d.record('storage', 'enqueue-failed', { code: 'STORAGE_FULL', big: 'x'.repeat(20_000), token: 'never' })
    expect(lines).toHaveLength(1)
    expect(Buffer.byteLength(lines[0] as string)).toBeLessThanOrEqual(5 * 1024)
    expect(lines[0]).toContain('enqueue-failed')
    expect(lines[0]).not.toContain('never')
    for (let i = 0; i < 500; i++) d.record('sync', 'messages-failed', { i })
    expect(lines).toHaveLength(200)
    d.record('lifecycle', 'show', { state: 'connected', hiddenForMs: 0 }) // a new foreground session
    d.record('sync', 'messages-failed', { i: 501 })
    expect(lines).toHaveLength(201)
  })
})

describe('one anomaly rule', () => {
  it('what is forwarded to the realtime log is what diagnose() lists as recent anomalies', async () => {
    const lines: string[] = []
    const warn = (m: string) => void lines.push(m)
    const d = new Diagnostics(clock(), { realtimeLog: true }, { info: warn, warn, error: warn })
    d.record('connection', 'state', { from: 'idle', to: 'connecting', reason: 'connect()' })
    d.record('connection', 'state', { from: 'connecting', to: 'waiting', reason: 'socket closed 1006' })
    d.record('receive', 'gap-detected', { fromSeq: 2 })
    d.record('receive', 'gap-stalled', { fromSeq: 2 })
    d.record('receive', 'gap-unfillable', { fromSeq: 2 })
    d.record('sync', 'messages', { count: 3 })
    d.record('storage', 'inbox-corrupt', { key: 'k' })
    d.record('client', 'error', { code: 'TIMEOUT' })
    const report = await buildReport({ uid: 'u', state: 'waiting', platform: { name: 'memory' }, now: 0, pending: [], inbox: idleInbox, diagnostics: d })
    const listed = report.connection.recentAnomalies.map((e) => `${e.category} ${e.event}`)
    expect(listed).toEqual(['connection state', 'receive gap-stalled', 'receive gap-unfillable', 'storage inbox-corrupt', 'client error'])
    expect(lines.map((l) => l.split(' ').slice(1, 3).join(' '))).toEqual(listed)
    expect(d.counters).toMatchObject({ failedDials: 1, gaps: { detected: 1, filled: 0, unfillable: 1 }, storageFailures: 1 })
  })
})

describe('buildReport', () => {
  it('answers the four questions for one message from its trace', async () => {
    const c = clock(10_000)
    const d = new Diagnostics(c)
    d.trace('m1', 'persisted', { channelId: 'bob', channelType: 1 })
    c.t += 5
    d.trace('m1', 'attempt', { attempt: 1, connectionId: 1, clientSeq: 7 })
    d.record('connection', 'state', { from: 'connected', to: 'waiting', reason: 'socket closed 1006' })
    d.trace('m1', 'attempt', { attempt: 2, connectionId: 2, clientSeq: 9, dup: true })
    c.t += 40
    d.trace('m1', 'ack', { reasonCode: 1, messageId: '123', messageSeq: 4, latencyMs: 40 })
    d.record('receive', 'gap-detected', {})
    d.record('receive', 'gap-unfillable', {})
    const pending: OutboxMessage[] = [
      { clientMsgNo: 'm2', channelId: 'bob', channelType: 1, payload: new Uint8Array(), flags: { redDot: true, syncOnce: false, noPersist: false }, expire: 0, status: 'queued', createdAt: 4_000, attempts: 0 },
    ]
    const looked: unknown[] = []
    const report = await buildReport({
      uid: 'alice',
      state: 'connected',
      platform: { name: 'wx', missing: ['getRandomValues: randomBytes rejects (base 2.15.0 needed)'] },
      now: c.t,
      pending,
      inbox: { ...idleInbox, lastCatchUp: { at: 9_000, ok: true } },
      diagnostics: d,
      clientMsgNo: 'm1',
      sync: {
        syncMessages: async () => ({ messages: [], more: false }),
        syncConversations: async () => [],
        findByClientMsgNo: async (req) => {
          looked.push(req)
          return { messageId: '123', messageSeq: 4, clientMsgNo: 'm1', fromUid: 'alice', channelId: 'bob', channelType: 1, timestamp: 1, payload: new Uint8Array(), flags: { redDot: true, syncOnce: false, noPersist: false }, source: 'sync' }
        },
      },
    })
    expect(report.message).toMatchObject({
      known: true,
      status: 'sent',
      persistedAt: 10_000,
      ack: { reasonCode: 1, reason: 'Success', messageId: '123', messageSeq: 4, latencyMs: 40 },
      server: { lookedUp: true, found: true, messageSeq: 4 },
    })
    expect(report.message?.attempts.map((a) => a.connectionId)).toEqual([1, 2])
    expect(looked).toEqual([{ channelId: 'bob', channelType: 1, clientMsgNo: 'm1' }])
    expect(report.delivery).toMatchObject({ outboxDepth: 1, queued: 1, oldestPendingAgeMs: c.t - 4_000, ackLatencyMs: { count: 1, p50: 40 } })
    expect(report.connection.disconnectReasons).toEqual({ 'socket closed 1006': 1 })
    expect(report.gapFilling).toMatchObject({ detected: 1, unfillable: 1, lastCatchUp: { ok: true, agoMs: c.t - 9_000 } })
    expect(report.summary[0]).toMatch(/^\(1\) m1: server ACK 1 Success after 2 attempt/)
    expect(report.summary.join('\n')).toMatch(/\(4\) gaps: 1 detected, 0 filled, 1 unfillable/)
    expect(report.platform).toEqual({ name: 'wx', missing: ['getRandomValues: randomBytes rejects (base 2.15.0 needed)'] })
    expect(report.summary).toContain('platform wx lacks: getRandomValues: randomBytes rejects (base 2.15.0 needed)')
    expect(JSON.parse(JSON.stringify(report))).toEqual(report)
  })

  it('(4) says which gaps wait for the sync API, its faults, and an unreadable stored state (issue 15.1, 15.2)', async () => {
    const c = clock(100_000)
    const report = await buildReport({
      uid: 'alice',
      state: 'connected',
      platform: { name: 'wx' },
      now: c.t,
      pending: [],
      inbox: {
        ...idleInbox,
        held: 3,
        stalled: [{ channelId: 'bob', channelType: 1, fromSeq: 7, since: 40_000, rounds: 4, lastError: '/channel/messagesync answered HTTP 502' }],
        syncFaults: { failed: 9, malformed: 1, lastError: '/channel/messagesync answered HTTP 502' },
        unreadableState: true,
      },
      diagnostics: new Diagnostics(c),
    })
    expect(report.gapFilling).toMatchObject({ held: 3, stalled: [{ channelId: 'bob', fromSeq: 7 }], syncFaults: { failed: 9, malformed: 1 }, unreadableState: true })
    expect(report.summary).toContain('(4) 1 gap(s) waiting for the sync API for 60 s (kept open, retried; last: /channel/messagesync answered HTTP 502)')
    expect(report.summary).toContain('(4) sync API: 9 failed or timed-out request(s), 1 malformed item(s) left out; last: /channel/messagesync answered HTTP 502')
    expect(report.summary.join('\n')).toMatch(/stored receive state was unreadable at start/)
  })

  it('says so when a message is unknown or still waiting for its ACK', async () => {
    const d = new Diagnostics(clock())
    d.trace('w', 'persisted', { channelId: 'g1', channelType: 2 })
    d.trace('w', 'attempt', { attempt: 1 })
    const base = { uid: 'u', state: 'waiting' as const, platform: { name: 'memory' }, now: 2_000, pending: [], inbox: idleInbox, diagnostics: d }
    const unknown = await buildReport({ ...base, clientMsgNo: 'nope' })
    expect(unknown.message).toMatchObject({ known: false, server: { lookedUp: false } })
    expect(unknown.summary[0]).toContain('unknown to this client')
    const waiting = await buildReport({ ...base, clientMsgNo: 'w', lookup: false })
    expect(waiting.message?.ack).toBeUndefined()
    expect(waiting.summary[0]).toContain('no ACK yet')
  })
})
