/**
 * The receive side end to end (issue #6 "must show"): real clients (createClient) over the wx
 * adapter and the simulated wx, on real sockets to the local WuKongIM-compatible server, in both
 * server lines, with encryption. Frames a client writes are tapped and decoded to check its
 * RECVACKs.
 */
import { createClient, type Client } from '../../../sdk/client'
import type { ClientOptions } from '../../../sdk/options'
import type { GapEvent, InboundMessage, OutboxMessage } from '../../../sdk/types'
import type { ImError } from '../../../sdk/errors'
import type { SyncProvider } from '../../../sdk/sync/types'
import { createHttpSyncProvider } from '../../../sdk/sync/http'
import { FrameDecoder } from '../../../sdk/proto/frame-decoder'
import { decodeClientPacket } from '../../support/server/codec'
import { PacketType, type RecvackPacket } from '../../../sdk/proto/packets'
import type { Platform } from '../../../sdk/platform/types'
import type { SocketConnector } from '../../../sdk/platform/memory'
import { startLocalServer, type LocalServer } from '../../support/server/ws-server'
import type { ServerMode } from '../../support/server/core'
import { createSimWx, realConnector, SimStorageData, type SimWx } from '../../support/sim-wx'

jest.setTimeout(60_000)

const text = (m: InboundMessage) => Buffer.from(m.payload).toString('utf8')

async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A real socket whose client → server bytes `tap` sees too. */
function tapped(tap: (data: Uint8Array) => void): SocketConnector {
  const inner = realConnector()
  return (url, peer, ctx) => {
    const far = inner(url, peer, ctx)
    return {
      send: (data) => {
        tap(new Uint8Array(data))
        far.send(data)
      },
      // sim-wx closes with 1006 when it kills an instance; ws refuses to send that code.
      close: (code, reason) => far.close(code === 1006 ? 4006 : code, reason),
    }
  }
}

/** A mini-program instance on the simulated wx (real time, real sockets) over `storage`. */
function simApp(storage: SimStorageData, tap?: (data: Uint8Array) => void): { sim: SimWx; platform: Platform } {
  const sim = createSimWx({ scheduler: 'real', connect: tap ? tapped(tap) : realConnector(), storage })
  return { sim, platform: sim.control.platform() }
}

interface Peer {
  client: Client
  sim: SimWx
  storage: SimStorageData
  messages: InboundMessage[]
  gaps: GapEvent[]
  errors: ImError[]
  diag: Array<{ category: string; event: string; detail?: Record<string, unknown> }>
  acks: RecvackPacket[]
  sent: OutboxMessage[]
  synced: number
}

const run = Date.now().toString(36)
let n = 0

describe.each<ServerMode>(['v2', 'v3'])('receive side on a %s server', (mode) => {
  let server: LocalServer
  const peers: Peer[] = []

  beforeAll(async () => {
    server = await startLocalServer({ mode, encrypt: true, tokenAuth: false, redelivery: { intervalMs: 150, maxCount: 3 } })
  })
  afterEach(async () => {
    for (const p of peers.splice(0)) await p.client.close()
    server.core.faults.clear()
  })
  afterAll(async () => {
    await server.close()
  })

  /** A client for `uid`; pass the storage of an earlier one for a cold restart. */
  function peer(uid: string, opts: { storage?: SimStorageData; options?: Partial<ClientOptions>; sync?: (platformSync: SyncProvider) => SyncProvider } = {}): Peer {
    const storage = opts.storage ?? new SimStorageData()
    const decoder = new FrameDecoder()
    const p = { storage, messages: [], gaps: [], errors: [], diag: [], acks: [], sent: [], synced: 0 } as unknown as Peer
    const { sim, platform } = simApp(storage, (bytes) => {
      decoder.push(bytes)
      for (let f = decoder.next(); f; f = decoder.next()) {
        const packet = decodeClientPacket(f, 5)
        if (packet.type === PacketType.RECVACK) p.acks.push(packet)
      }
    })
    p.sim = sim
    const http = createHttpSyncProvider({ apiAddr: server.apiUrl, uid, platform })
    p.client = createClient({
      uid,
      wsAddr: server.wsUrl,
      apiAddr: server.apiUrl,
      platform,
      backoff: { initialMs: 20, maxMs: 200 },
      inbox: { continuityCheckMs: 0, gapRetries: 1, gapRetryDelayMs: 50 },
      outbox: { sendackTimeoutMs: 200 },
      diagnostics: { record: (category, event, detail) => p.diag.push({ category, event, detail }), trace: () => {} },
      ...(opts.sync && { sync: opts.sync(http) }),
      ...opts.options,
    })
    p.client.on('message', (m) => void p.messages.push(m))
    p.client.on('gap', (g) => void p.gaps.push(g))
    p.client.on('error', (e) => void p.errors.push(e))
    p.client.on('synced', () => void p.synced++)
    p.client.on('messageStatus', (m) => {
      if (m.status === 'sent') p.sent.push(m)
    })
    peers.push(p)
    return p
  }

  async function online(p: Peer): Promise<void> {
    const before = p.synced
    await p.client.connect()
    await waitFor(() => p.synced > before, 'the first catch-up')
  }

  async function sendAll(from: Peer, to: string, texts: string[]): Promise<void> {
    const before = from.sent.length
    for (const t of texts) await from.client.send({ channelId: to, channelType: 1, payload: t })
    await waitFor(() => from.sent.length >= before + texts.length, `${texts.length} SENDACKs`)
  }

  function pair(): { a: string; b: string } {
    n++
    return { a: `a${n}${run}`, b: `b${n}${run}` }
  }

  it('fills a withheld seq: the gap is detected, filled, and N..M delivered in order once', async () => {
    const { a, b } = pair()
    const A = peer(a)
    const B = peer(b)
    await Promise.all([online(A), online(B)])
    server.core.faults.withholdRecv({ channelId: b, channelType: 1, loginUid: a }, [3, 4])
    await sendAll(A, b, ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'])
    await waitFor(() => B.messages.length >= 6, 'six messages')
    await pause(100)
    expect(B.messages.map(text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6'])
    expect(B.messages.map((m) => m.messageSeq)).toEqual([1, 2, 3, 4, 5, 6])
    expect(B.messages.map((m) => m.source)).toEqual(['push', 'push', 'sync', 'sync', 'push', 'push'])
    expect(B.messages.every((m) => m.channelId === a && m.fromUid === a)).toBe(true)
    expect(B.gaps).toEqual([
      { channelId: a, channelType: 1, fromSeq: 3, toSeq: 4, outcome: 'detected' },
      { channelId: a, channelType: 1, fromSeq: 3, toSeq: 4, outcome: 'filled' },
    ])
    expect(server.core.report().withheld).toBeGreaterThanOrEqual(2)
  })

  it('delivers a re-sent message once even when the server stored it twice', async () => {
    const { a, b } = pair()
    // Like an app on another SDK: A re-sends without asking the server first (issue 15.13's lookup off).
    const A = peer(a, { options: { _unsafe: { resendWithoutLookup: true } } })
    const B = peer(b)
    await Promise.all([online(A), online(B)])
    server.core.faults.dropSendacks(1, { uid: a }) // A re-sends the same clientMsgNo
    await sendAll(A, b, ['once'])
    await sendAll(A, b, ['after'])
    await waitFor(() => B.messages.some((m) => text(m) === 'after'), 'the later message')
    await pause(100)
    expect(B.messages.map(text)).toEqual(['once', 'after'])
    const stored = server.core.messages({ channelId: b, channelType: 1, loginUid: a })
    // v2 stores the re-send again under a new id and seq; v3 answers it with the original.
    expect(stored.filter((m) => Buffer.from(m.payload, 'base64').toString() === 'once')).toHaveLength(mode === 'v2' ? 2 : 1)
  })

  it('delivers 500 messages sent while the receiver was offline, on reconnect, once and in order', async () => {
    const { a, b } = pair()
    const A = peer(a)
    const B = peer(b)
    await Promise.all([online(A), online(B)])
    server.core.faults.refuseConnections(true)
    server.core.faults.closeConnections(b, { withCloseFrame: false })
    await waitFor(() => B.client.state !== 'connected', 'B offline')
    const texts = Array.from({ length: 500 }, (_, i) => `offline ${i + 1}`)
    await sendAll(A, b, texts) // A's socket is untouched by the fault
    expect(B.messages).toEqual([])
    server.core.faults.refuseConnections(false)
    await waitFor(() => B.messages.length >= 500, '500 messages', 40_000)
    await pause(200)
    expect(B.messages.map(text)).toEqual(texts)
    expect(new Set(B.messages.map((m) => m.messageId)).size).toBe(500)
  })

  it('the continuity check finds a withheld last message that no later push would reveal', async () => {
    const { a, b } = pair()
    const A = peer(a)
    const B = peer(b, { options: { inbox: { continuityCheckMs: 300 } } })
    await Promise.all([online(A), online(B)])
    server.core.faults.withholdRecv({ channelId: b, channelType: 1, loginUid: a }, [2])
    await sendAll(A, b, ['pushed', 'never pushed'])
    await waitFor(() => B.messages.length >= 2, 'the periodic catch-up')
    expect(B.messages.map(text)).toEqual(['pushed', 'never pushed'])
    expect(B.messages[1]!.source).toBe('sync')
  })

  it('after a cold restart delivers nothing old again and misses nothing new', async () => {
    const { a, b } = pair()
    const A = peer(a)
    const B1 = peer(b)
    await Promise.all([online(A), online(B1)])
    await sendAll(A, b, ['old 1', 'old 2', 'old 3'])
    await waitFor(() => B1.messages.length === 3, 'three old messages')
    await pause(100)
    // Killed, not closed: the process dies with whatever storage had applied by then.
    peers.splice(peers.indexOf(B1), 1)
    B1.sim.control.coldRestart()
    await sendAll(A, b, ['new 4', 'new 5'])
    const B2 = peer(b, { storage: B1.storage }) // a new mini-program instance over the same storage
    await online(B2)
    await sendAll(A, b, ['live 6'])
    await waitFor(() => B2.messages.length >= 3, 'new messages')
    await pause(300)
    expect(B2.messages.map(text)).toEqual(['new 4', 'new 5', 'live 6'])
  })

  it('reports an unfillable gap (diagnostics and events) and still delivers later messages', async () => {
    const { a, b } = pair()
    const A = peer(a)
    // An app-supplied provider in front of the API whose backend lost seq 3 (retention).
    const B = peer(b, {
      sync: (http) => ({
        syncConversations: (c) => http.syncConversations(c),
        async syncMessages(req) {
          const res = await http.syncMessages(req)
          return { ...res, messages: res.messages.filter((m) => m.messageSeq !== 3) }
        },
      }),
    })
    await Promise.all([online(A), online(B)])
    server.core.faults.withholdRecv({ channelId: b, channelType: 1, loginUid: a }, [3])
    await sendAll(A, b, ['m1', 'm2', 'm3', 'm4', 'm5'])
    await waitFor(() => B.messages.length >= 4, 'the messages after the hole')
    await pause(100)
    expect(B.messages.map(text)).toEqual(['m1', 'm2', 'm4', 'm5'])
    expect(B.gaps.map((g) => [g.outcome, g.fromSeq, g.toSeq])).toEqual([
      ['detected', 3, 3],
      ['unfillable', 3, 3],
    ])
    expect(B.diag).toContainEqual({ category: 'receive', event: 'gap-unfillable', detail: expect.objectContaining({ channelId: a, fromSeq: 3, toSeq: 3 }) })
  })

  it('drops a tampered RECV (wrong msgKey), reports it, and recovers the message from sync', async () => {
    const { a, b } = pair()
    const A = peer(a)
    const B = peer(b)
    await Promise.all([online(A), online(B)])
    await sendAll(A, b, ['before'])
    await waitFor(() => B.messages.length === 1, 'the first message')
    server.core.faults.corruptNextFrame(b, 'recv-payload')
    await sendAll(A, b, ['tampered'])
    await waitFor(() => B.errors.some((e) => e.code === 'PROTOCOL'), 'the PROTOCOL error')
    expect(B.messages.map(text)).toEqual(['before'])
    expect(B.diag.some((d) => d.event === 'rejected' && d.detail?.messageSeq === 2)).toBe(true)
    expect(B.acks.some((x) => x.messageSeq === 2)).toBe(false)
    await sendAll(A, b, ['after'])
    await waitFor(() => B.messages.length >= 3, 'recovery')
    expect(B.messages.map(text)).toEqual(['before', 'tampered', 'after'])
    expect(B.messages[1]!.source).toBe('sync')
  })

  it('in a conversation each side sees only the other side\'s messages, with no gap pulls for its own', async () => {
    const { a, b } = pair()
    const A = peer(a)
    const B = peer(b)
    await Promise.all([online(A), online(B)])
    for (let i = 1; i <= 4; i++) {
      await sendAll(A, b, [`a${i}`])
      await waitFor(() => B.messages.length === i, `B gets a${i}`)
      await sendAll(B, a, [`b${i}`])
      await waitFor(() => A.messages.length === i, `A gets b${i}`)
    }
    await pause(100)
    expect(A.messages.map(text)).toEqual(['b1', 'b2', 'b3', 'b4'])
    expect(B.messages.map(text)).toEqual(['a1', 'a2', 'a3', 'a4'])
    expect(A.messages.map((m) => m.messageSeq)).toEqual([2, 4, 6, 8]) // one seq space per person channel
    expect([...A.gaps, ...B.gaps]).toEqual([])
    expect([...A.diag, ...B.diag].filter((d) => d.event === 'messages')).toEqual([]) // no HTTP message sync
  })

  it('catches up a group channel after a reconnect', async () => {
    const { a, b } = pair()
    const group = `g${n}${run}`
    const res = await fetch(`${server.apiUrl}/channel`, { method: 'POST', body: JSON.stringify({ channel_id: group, channel_type: 2, subscribers: [a, b] }) })
    expect(res.status).toBe(200)
    const A = peer(a)
    const B = peer(b)
    await Promise.all([online(A), online(B)])
    await A.client.send({ channelId: group, channelType: 2, payload: 'g1' })
    await waitFor(() => B.messages.length === 1, 'the first group message')
    server.core.faults.refuseConnections(true)
    server.core.faults.closeConnections(b, { withCloseFrame: false })
    await waitFor(() => B.client.state !== 'connected', 'B offline')
    for (const t of ['g2', 'g3', 'g4']) await A.client.send({ channelId: group, channelType: 2, payload: t })
    await waitFor(() => A.sent.length === 4, 'four SENDACKs')
    server.core.faults.refuseConnections(false)
    await waitFor(() => B.messages.length >= 4, 'the group catch-up')
    await pause(100)
    expect(B.messages.map(text)).toEqual(['g1', 'g2', 'g3', 'g4'])
    expect(B.messages.every((m) => m.channelId === group && m.channelType === 2)).toBe(true)
  })

  it('copies RECV flags into RECVACK, acks only after the handler promise settles, and survives a throwing handler', async () => {
    const { a, b } = pair()
    const A = peer(a)
    const B = peer(b)
    let release!: () => void
    B.client.on('message', (m) => {
      if (text(m) === 'throws') throw new Error('app handler bug')
      if (text(m) === 'slow') return new Promise<void>((r) => (release = r))
      return undefined
    })
    await Promise.all([online(A), online(B)])
    await A.client.send({ channelId: b, channelType: 1, payload: 'flags', flags: { redDot: false, syncOnce: true } })
    await A.client.send({ channelId: b, channelType: 1, payload: 'command', flags: { noPersist: true, syncOnce: true } })
    await A.client.send({ channelId: b, channelType: 1, payload: 'throws' })
    await A.client.send({ channelId: b, channelType: 1, payload: 'slow' })
    await A.client.send({ channelId: b, channelType: 1, payload: 'after slow' })
    await waitFor(() => B.messages.some((m) => text(m) === 'slow'), 'the slow message')
    await pause(300)
    const slow = B.messages.find((m) => text(m) === 'slow')!
    expect(B.acks.some((x) => x.messageId === slow.messageId)).toBe(false)
    expect(B.messages.map(text)).not.toContain('after slow') // same channel: waits for the handler
    release()
    await waitFor(() => B.messages.some((m) => text(m) === 'after slow'), 'the message after the slow one')
    await waitFor(() => B.acks.length >= 5, 'five RECVACKs')

    expect(B.messages.map(text).sort()).toEqual(['after slow', 'command', 'flags', 'slow', 'throws'])
    expect(B.errors.map((e) => e.code)).toContain('HANDLER_FAILED')
    for (const m of B.messages) {
      const ack = B.acks.find((x) => x.messageId === m.messageId)
      expect(ack).toEqual({ type: PacketType.RECVACK, flags: { dup: false, ...m.flags }, messageId: m.messageId, messageSeq: m.messageSeq })
    }
    const command = B.messages.find((m) => text(m) === 'command')!
    expect(command).toMatchObject({ messageSeq: 0, flags: { noPersist: true, syncOnce: true } })
    if (mode === 'v2') expect(B.messages.find((m) => text(m) === 'flags')!.flags).toEqual({ redDot: false, syncOnce: true, noPersist: false })
  })
})

describe('receive side on a v2 server: RECV redelivery', () => {
  it('a RECV redelivered because the handler was slow is delivered once', async () => {
    const server = await startLocalServer({ mode: 'v2', encrypt: true, tokenAuth: false, redelivery: { intervalMs: 100, maxCount: 5 } })
    const messages: InboundMessage[] = []
    const a = `ra${run}`
    const b = `rb${run}`
    const mk = (uid: string) =>
      createClient({ uid, wsAddr: server.wsUrl, apiAddr: server.apiUrl, platform: simApp(new SimStorageData()).platform, inbox: { continuityCheckMs: 0 } })
    const A = mk(a)
    const B = mk(b)
    B.on('message', async (m) => {
      messages.push(m)
      await pause(600) // longer than the redelivery interval
    })
    let synced = 0
    B.on('synced', () => void synced++)
    try {
      await Promise.all([A.connect(), B.connect()])
      await waitFor(() => synced > 0 && A.state === 'connected', 'both online')
      await A.send({ channelId: b, channelType: 1, payload: 'slowly handled' })
      await waitFor(() => server.core.report().redelivered >= 2, 'two redeliveries')
      await pause(800)
      expect(messages.map(text)).toEqual(['slowly handled'])
    } finally {
      await A.close()
      await B.close()
      await server.close()
    }
  })
})

describe('receive side on a plaintext session (server encryption off)', () => {
  it('fills a withheld seq and keeps order', async () => {
    const server = await startLocalServer({ mode: 'v2', encrypt: false, tokenAuth: false })
    const a = `pa${run}`
    const b = `pb${run}`
    const mk = (uid: string) =>
      createClient({ uid, wsAddr: server.wsUrl, apiAddr: server.apiUrl, platform: simApp(new SimStorageData()).platform, inbox: { continuityCheckMs: 0 } })
    const A = mk(a)
    const B = mk(b)
    const got: InboundMessage[] = []
    B.on('message', (m) => void got.push(m))
    let synced = 0
    B.on('synced', () => void synced++)
    try {
      await Promise.all([A.connect(), B.connect()])
      await waitFor(() => synced > 0 && A.state === 'connected', 'both online')
      server.core.faults.withholdRecv({ channelId: b, channelType: 1, loginUid: a }, [2])
      for (const t of ['p1', 'p2', 'p3']) await A.send({ channelId: b, channelType: 1, payload: t })
      await waitFor(() => got.length >= 3, 'three messages')
      expect(got.map(text)).toEqual(['p1', 'p2', 'p3'])
      expect(got.map((m) => m.source)).toEqual(['push', 'sync', 'push'])
    } finally {
      await A.close()
      await B.close()
      await server.close()
    }
  })
})
