/**
 * The issue's "must show" scenarios, in virtual time over the server core (fast and exact); the
 * same scenarios run over real sockets with the simulated wx in test/integration/client.
 */
import { createClient } from '../../../sdk/client'
import type { Client } from '../../../sdk/client'
import type { ClientOptions } from '../../../sdk/options'
import { decodeServerPacket } from '../../../sdk/proto/codec'
import { encodeServerPacket } from '../../support/server/codec'
import { splitFrames } from '../../support/frames'
import { PacketType } from '../../../sdk/proto/packets'
import type { OutboxMessage, StateChange } from '../../../sdk/types'
import type { ImError } from '../../../sdk/errors'
import { collect, waitFor } from '../../support/waiters'
import { makeDevice, makeWorld } from './harness'
import type { Device, World } from './harness'

const BOB = { channelId: 'bob', channelType: 1, loginUid: 'alice' }

describe.each(['v2', 'v3'] as const)('client resilience (%s server, virtual time)', (mode) => {
  let world: World
  let device: Device
  const clients: Client[] = []
  const start = (extra: Partial<ClientOptions> = {}, d = device): Client => {
    const c = createClient({ uid: 'alice', token: 'alice-token', wsAddr: 'ws://core', apiAddr: 'http://api', platform: d.platform, random: () => 0.5, ...extra })
    clients.push(c)
    return c
  }
  const tick = (ms = 100) => () => world.time.advance(ms)
  const connected = async (c: Client) => {
    await c.connect()
    await waitFor(() => c.state === 'connected', { tick: tick() })
  }
  const storedNos = () => world.core.messages(BOB).map((m) => m.clientMsgNo)

  beforeEach(() => {
    world = makeWorld(mode)
    device = makeDevice(world)
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close()
  })

  it('page switches: pages come and go while messages are in flight; all acked once, one socket total', async () => {
    const app = start()
    await connected(app)
    const sent = new Map<string, number>()
    app.on('messageStatus', (m) => {
      if (m.status === 'sent') sent.set(m.clientMsgNo, (sent.get(m.clientMsgNo) ?? 0) + 1)
    })
    const nos: string[] = []
    for (let page = 0; page < 20; page++) {
      // A page mounts: subscribes, tries (wrongly) to open its own client, sends, unmounts.
      const off = app.on('messageStatus', () => undefined)
      expect(() => start()).toThrow(expect.objectContaining({ code: 'CLIENT_EXISTS' }))
      for (let i = 0; i < 3; i++) nos.push((await app.send({ channelId: 'bob', channelType: 1, payload: `p${page}-${i}` })).clientMsgNo)
      await world.time.advance(page % 3 === 0 ? 0 : 5)
      off()
    }
    await waitFor(() => app.pending().length === 0, { tick: tick() })
    expect(storedNos()).toEqual(nos)
    expect(Array.from(sent.values()).every((n) => n === 1)).toBe(true)
    expect(sent.size).toBe(60)
    expect(device.opened).toBe(1)
  })

  it('offline → 100 sends queued → online: all acked, in order per channel, once', async () => {
    world.core.createGroup('g1', ['alice', 'bob'])
    const c = start()
    await connected(c)
    device.setNetwork(false)
    const byChannel: Record<string, string[]> = { bob: [], g1: [] }
    for (let i = 0; i < 100; i++) {
      const to = i % 3 === 0 ? 'g1' : 'bob'
      byChannel[to]!.push((await c.send({ channelId: to, channelType: to === 'g1' ? 2 : 1, payload: `n${i}` })).clientMsgNo)
    }
    expect(c.pending().filter((m) => m.status === 'queued')).toHaveLength(100)
    device.setNetwork(true)
    await waitFor(() => c.pending().length === 0, { tick: tick() })
    expect(storedNos()).toEqual(byChannel.bob)
    expect(world.core.messages({ channelId: 'g1', channelType: 2 }).map((m) => m.clientMsgNo)).toEqual(byChannel.g1)
    expect(Array.from(device.data.keys()).filter((k) => k.includes(':out:'))).toEqual([])
  })

  it('a dial started offline that fails after the network is back is retried at once, not after a backoff', async () => {
    device.setNetwork(false)
    // As on a phone: wx.getNetworkType answers after the offline dial has already failed, and
    // "online" arrives after the socket was opened offline and before its failure is reported.
    const status = device.platform.network.getStatus
    device.platform.network.getStatus = () => new Promise((resolve) => device.platform.setTimeout(() => resolve(status()), 5))
    const open = device.platform.openSocket
    device.platform.openSocket = (url, handlers) => {
      const socket = open(url, handlers)
      device.platform.openSocket = open
      device.setNetwork(true)
      return socket
    }
    const c = start({ backoff: { initialMs: 10_000, maxMs: 30_000 } })
    const states = collect(c, 'state')
    await c.connect()
    await waitFor(() => c.state === 'connected', { tick: tick(10), timeoutMs: 200 })
    expect(states.items.map((s) => `${s.to}: ${s.reason}`)).toEqual([
      'connecting: connect',
      expect.stringMatching(/^waiting: /),
      'connecting: network online',
      'connected: connack',
    ])
  })

  it('killed mid-flight (SEND written, no SENDACK) → cold restart → re-sent with the same clientMsgNo', async () => {
    const first = start()
    await connected(first)
    world.core.faults.dropSendacks(1)
    const m = await first.send({ channelId: 'bob', channelType: 1, payload: 'mid-flight' })
    await waitFor(() => storedNos().length === 1, { tick: tick(10) })
    expect(first.pending()[0]?.status).toBe('sending')
    // The process dies: no close(), the socket just goes away. A new app instance starts over the same storage.
    device.killSockets(false)
    const restarted = makeDevice(world, { data: device.data })
    const second = start({}, restarted)
    await second.restored()
    expect(second.pending().map((p) => [p.clientMsgNo, p.status])).toEqual([[m.clientMsgNo, 'queued']])
    const statuses = collect(second, 'messageStatus')
    await connected(second)
    await waitFor(() => second.pending().length === 0, { tick: tick() })
    expect(statuses.items.filter((s) => s.status === 'sent').map((s) => s.clientMsgNo)).toEqual([m.clientMsgNo])
    // Restored after a kill, it may be stored: the server is asked by client_msg_no first (issue 15.13), so it is stored once on both lines.
    expect(storedNos()).toEqual([m.clientMsgNo])
  })

  it('SENDACKs dropped by the server → a PING round trip shows it within seconds, the server is asked, nothing stored twice', async () => {
    const c = start()
    await connected(c)
    const statuses = collect(c, 'messageStatus')
    const states = collect(c, 'state')
    world.core.faults.dropSendacks(3)
    const nos: string[] = []
    for (let i = 0; i < 3; i++) nos.push((await c.send({ channelId: 'bob', channelType: 1, payload: `d${i}` })).clientMsgNo)
    // The PONG comes back while the acks do not: they were dropped (issue 15.14). The lookup finds them stored.
    await world.time.advance(5_000)
    expect(c.pending()).toEqual([])
    expect(device.opened).toBe(1)
    expect(states.items.some((s: StateChange) => s.reason === 'sendack overdue')).toBe(false)
    expect(statuses.items.filter((s) => s.status === 'sent').map((s) => s.clientMsgNo)).toEqual(nos)
    expect(storedNos()).toEqual(nos)
    expect(device.maxLive).toBe(1)
  })

  it('a slow SENDACK (15 s): the link is probed on the same socket; v2: the server is asked instead of re-sending; v3: re-sent, de-duplicated; stored once', async () => {
    const records: string[] = []
    const c = start({ diagnostics: { record: (_c, event, detail) => records.push(`${event}${detail?.reason ? ` (${String(detail.reason)})` : ''}`), trace() {} } })
    await connected(c)
    const states = collect(c, 'state')
    const statuses = collect(c, 'messageStatus')
    world.core.faults.delaySendacks(1, 15_000)
    const m = await c.send({ channelId: 'bob', channelType: 1, payload: 'slow ack' })
    await waitFor(() => c.pending().length === 0, { tick: tick(500) })
    // The catch-up found the line: v3 de-duplicates re-sends itself, so no lookup is made there.
    expect(statuses.items.map((s) => s.status)).toEqual(mode === 'v2' ? ['queued', 'sending', 'queued', 'sent'] : ['queued', 'sending', 'queued', 'sending', 'sent'])
    expect(storedNos()).toEqual([m.clientMsgNo])
    expect(states.items).toEqual([])
    expect(device.opened).toBe(1)
    expect(records).toContain('probe (round trip)')
    expect(records).toContain('probe-answered')
  })

  it.each([15, 22])('retryable reason %i → backs off and retries with the same clientMsgNo', async (code) => {
    let rewrites = 1
    device.rewriteInbound = (data) => {
      const frames = splitFrames(data)
      const out = frames.map((f) => {
        const p = decodeServerPacket(f, 5)
        if (p.type === PacketType.SENDACK && rewrites > 0) {
          rewrites--
          return encodeServerPacket({ ...p, reasonCode: code, messageSeq: 0 }, 5)
        }
        return encodeServerPacket(p, 5)
      })
      return Buffer.concat(out)
    }
    const c = start()
    await connected(c)
    const statuses = collect(c, 'messageStatus')
    const m = await c.send({ channelId: 'bob', channelType: 1, payload: 'retry me' })
    await waitFor(() => statuses.items.some((s) => s.status === 'queued' && s.reasonCode === code), { tick: tick(10) })
    await waitFor(() => c.pending().length === 0, { tick: tick() })
    expect(statuses.items.map((s) => s.status)).toEqual(['queued', 'sending', 'queued', 'sending', 'sent'])
    const sent = statuses.items[statuses.items.length - 1] as OutboxMessage
    expect(sent).toMatchObject({ clientMsgNo: m.clientMsgNo, attempts: 2, reasonCode: 1 })
    expect(new Set(storedNos())).toEqual(new Set([m.clientMsgNo]))
  })

  it('permanent reason (not a subscriber) → failed with the code, never retried, still failed after a restart', async () => {
    world.core.createGroup('closed-group', ['bob'])
    const c = start()
    await connected(c)
    const statuses = collect(c, 'messageStatus')
    const m = await c.send({ channelId: 'closed-group', channelType: 2, payload: 'nope' })
    await waitFor(() => statuses.items.some((s) => s.status === 'failed'), { tick: tick(10) })
    expect(statuses.items[statuses.items.length - 1]).toMatchObject({ clientMsgNo: m.clientMsgNo, status: 'failed', failure: 'rejected', reasonCode: 3 })
    const rejected = world.core.report().rejected
    await world.time.advance(10 * 60_000)
    expect(world.core.report().rejected).toBe(rejected)
    await c.close()
    const again = start({}, makeDevice(world, { data: device.data }))
    await again.restored()
    expect(again.pending()).toMatchObject([{ clientMsgNo: m.clientMsgNo, status: 'failed', reasonCode: 3 }])
  })

  it('storage full → send() rejects with the typed error; queue and storage unchanged', async () => {
    device = makeDevice(world, { limits: { perKeyBytes: 1024 * 1024, totalBytes: 1_000 } })
    const c = start()
    await c.restored()
    await c.send({ channelId: 'bob', channelType: 1, payload: 'kept' })
    const before = new Map(device.data)
    const error = (await c.send({ channelId: 'bob', channelType: 1, payload: 'too much '.repeat(100) }).catch((e: ImError) => e)) as ImError
    expect(error.code).toBe('STORAGE_FULL')
    expect(device.data).toEqual(before)
    expect(c.pending().map((m) => new TextDecoder().decode(m.payload))).toEqual(['kept'])
  })

})

describe('client reconnect storm (v2 server, virtual time)', () => {
  let world: World
  let device: Device
  const clients: Client[] = []
  const start = (extra: Partial<ClientOptions> = {}): Client => {
    const c = createClient({ uid: 'alice', token: 'alice-token', wsAddr: 'ws://core', apiAddr: 'http://api', platform: device.platform, random: () => 0.5, ...extra })
    clients.push(c)
    return c
  }
  const tick = (ms = 100) => () => world.time.advance(ms)
  const connected = async (c: Client) => {
    await c.connect()
    await waitFor(() => c.state === 'connected', { tick: tick() })
  }
  const storedNos = () => world.core.messages(BOB).map((m) => m.clientMsgNo)
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close()
  })

  it('200 forced reconnects never exceed one live socket; then a kick stops reconnecting', async () => {
    // Plaintext sessions: this is about sockets, and 200 X25519 handshakes in pure JS take seconds.
    world = makeWorld('v2', false)
    device = makeDevice(world)
    const c = start({ backoff: { initialMs: 50, maxMs: 1_000 } })
    await connected(c)
    const states = collect(c, 'state')
    const connects = () => states.items.filter((s) => s.to === 'connected').length
    const nos: string[] = []
    for (let round = 0; round < 200; round++) {
      if (round % 10 === 0) nos.push((await c.send({ channelId: 'bob', channelType: 1, payload: `r${round}` })).clientMsgNo)
      if (round % 2 === 0) world.core.faults.closeConnections('alice', { withCloseFrame: round % 4 === 0 })
      else device.killSockets(false)
      await waitFor(() => connects() === round + 1, { tick: tick(20) })
      expect(device.live).toBe(1)
    }
    await waitFor(() => c.pending().length === 0, { tick: tick() })
    expect(new Set(storedNos())).toEqual(new Set(nos))
    expect(device.maxLive).toBe(1)
    expect(device.opened).toBeGreaterThan(200)
    world.core.kick('alice', 'server kick')
    await world.time.advance(60_000)
    expect(c.state).toBe('stopped')
    const opened = device.opened
    await world.time.advance(10 * 60_000)
    expect(device.opened).toBe(opened)
  }, 30_000)
})
