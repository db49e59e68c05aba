import { createClient } from '../../../sdk/client'
import type { Client } from '../../../sdk/client'
import type { ClientOptions } from '../../../sdk/options'
import type { OutboxMessage, StateChange } from '../../../sdk/types'
import type { ImError } from '../../../sdk/errors'
import { collect, waitFor } from '../../support/waiters'
import { makeDevice, makeWorld } from './harness'
import type { Device, World } from './harness'

const person = (n: number, to = 'bob') => ({ channelId: to, channelType: 1, payload: `hello ${n}` })

function open(world: World, device: Device, extra: Partial<ClientOptions> = {}): Client {
  return createClient({ uid: 'alice', token: 'alice-token', wsAddr: 'ws://core', apiAddr: 'http://api', platform: device.platform, random: () => 0.5, ...extra })
}

const tick = (world: World, ms = 100) => () => world.time.advance(ms)

describe('client over the server core in virtual time', () => {
  let world: World
  let device: Device
  const clients: Client[] = []
  const start = (extra: Partial<ClientOptions> = {}, d = device) => {
    const c = open(world, d, extra)
    clients.push(c)
    return c
  }
  beforeEach(() => {
    world = makeWorld()
    device = makeDevice(world)
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close()
  })

  it('refuses a second live client for the same uid on the same platform until the first is closed', async () => {
    const first = start()
    expect(() => open(world, device)).toThrow(expect.objectContaining({ code: 'CLIENT_EXISTS' }))
    const other = makeDevice(world)
    start({}, other) // another platform (a cold restart) is a different app instance
    await first.close()
    start()
    // A construction refused (a bad nested option) leaves no lock behind.
    const d2 = makeDevice(world)
    expect(() => open(world, d2, { inbox: { syncPageLimit: -5 } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', context: { option: 'inbox.syncPageLimit', value: -5 } }))
    clients.push(open(world, d2))
  })

  it('connects with CONNECT v5 → CONNACK, then sends; the state events tell the story', async () => {
    const c = start()
    const states = collect(c, 'state')
    await c.connect()
    await waitFor(() => c.state === 'connected', { tick: tick(world) })
    expect(states.items.map((s: StateChange) => `${s.from}>${s.to}:${s.reason}`)).toEqual(['idle>connecting:connect', 'connecting>connected:connack'])
    expect(world.core.connections('alice')).toMatchObject([{ version: 5, encrypted: true }])
    const statuses = collect(c, 'messageStatus')
    const m = await c.send(person(1))
    await waitFor(() => statuses.items.some((s: OutboxMessage) => s.status === 'sent'), { tick: tick(world) })
    expect(statuses.items.map((s: OutboxMessage) => s.status)).toEqual(['queued', 'sending', 'sent'])
    const stored = world.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' })
    expect(stored.map((s) => s.clientMsgNo)).toEqual([m.clientMsgNo])
    expect(Array.from(device.data.keys()).filter((k) => k.includes(':out:'))).toEqual([])
  })

  it('pings about every 25 s and declares the link dead after ~55 s of silence (then reconnects)', async () => {
    const c = start()
    await c.connect()
    await waitFor(() => c.state === 'connected', { tick: tick(world) })
    const states = collect(c, 'state')
    await world.time.advance(10 * 60_000)
    expect(c.state).toBe('connected') // PONGs keep it alive: the server's 3 min idle timeout never hits
    expect(states.items).toEqual([])
    device.killSockets(true) // dead without a close event
    const t0 = world.time.now()
    await waitFor(() => states.items.find((s: StateChange) => s.reason === 'heartbeat timeout'), { tick: tick(world, 1000), timeoutMs: 100 })
    const deadAfter = world.time.now() - t0
    expect(deadAfter).toBeGreaterThan(25_000)
    expect(deadAfter).toBeLessThan(60_000)
    await waitFor(() => c.state === 'connected', { tick: tick(world) })
    expect(device.maxLive).toBe(1)
  })

  it('stops reconnecting after an auth failure (v2: closed before CONNACK asks the token provider again first)', async () => {
    let asked = 0
    const c = start({ token: undefined, tokenProvider: async () => (++asked === 1 ? 'wrong' : 'alice-token') })
    await c.connect()
    await waitFor(() => c.state === 'connected', { tick: tick(world) })
    expect(asked).toBe(2)

    world = makeWorld('v3')
    device = makeDevice(world)
    const errors = collect(start({ uid: 'carol', token: 'bad' }), 'error')
    const v3 = clients[clients.length - 1] as Client
    const states = collect(v3, 'state')
    await v3.connect()
    await waitFor(() => v3.state === 'stopped', { tick: tick(world) })
    expect(states.items[states.items.length - 1]).toMatchObject({ to: 'stopped', reason: 'auth failed', code: 2 })
    expect(errors.items.map((e: ImError) => e.code)).toContain('AUTH_FAILED')
    const opened = device.opened
    await world.time.advance(5 * 60_000)
    expect(device.opened).toBe(opened)
  })

  it('stops on a kick (DISCONNECT 12) and says why', async () => {
    const c = start()
    await c.connect()
    await waitFor(() => c.state === 'connected', { tick: tick(world) })
    const states = collect(c, 'state')
    world.core.kick('alice', 'server kick')
    await waitFor(() => c.state === 'stopped', { tick: tick(world) })
    expect(states.items).toEqual([{ from: 'connected', to: 'stopped', reason: 'kicked', code: 12 }])
    const opened = device.opened
    await world.time.advance(5 * 60_000)
    expect(device.opened).toBe(opened)
  })

  it('goes offline without dialing and dials at once when the network returns', async () => {
    const c = start()
    await c.connect()
    await waitFor(() => c.state === 'connected', { tick: tick(world) })
    device.setNetwork(false)
    expect(c.state).toBe('offline')
    const opened = device.opened
    const queued = []
    for (let i = 0; i < 5; i++) queued.push(await c.send(person(i)))
    await world.time.advance(10 * 60_000)
    expect(device.opened).toBe(opened)
    device.setNetwork(true)
    expect(c.state).toBe('connecting')
    await waitFor(() => c.pending().length === 0, { tick: tick(world) })
    const stored = world.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' })
    expect(stored.map((s) => s.clientMsgNo)).toEqual(queued.map((m) => m.clientMsgNo))
  })

  it('keeps one install id across restarts: the CONNECT deviceId and the clientMsgNo tag', async () => {
    const c1 = start()
    const m1 = await c1.send(person(1))
    await c1.close()
    // A cold start over the same storage (a new device object, the same "disk").
    const again = makeDevice(world, { data: device.data })
    const c2 = start({}, again)
    const m2 = await c2.send(person(2))
    const id = JSON.parse(device.data.get('wkmp:device')!) as string
    expect(id).toMatch(/^[0-9a-f]{32}M$/)
    expect([m1, m2].map((m) => m.clientMsgNo.split('_')[1])).toEqual([id.slice(0, 8), id.slice(0, 8)])
    await c2.connect()
    await waitFor(() => c2.state === 'connected', { tick: tick(world) })
    expect(world.core.connections('alice').map((c) => c.deviceId)).toEqual([id])
  })

  it("drops a copy of its own send coming back (v2 stores a re-send twice) and delivers its user's other install's", async () => {
    const c = start()
    await c.connect()
    await waitFor(() => c.state === 'connected', { tick: tick(world) })
    const mine = await c.send(person(1))
    await waitFor(() => c.pending().length === 0, { tick: tick(world) })
    const incoming = collect(c, 'message')
    const flags = { dup: false, syncOnce: false, redDot: false, noPersist: false }
    const stored = (clientMsgNo: string) => world.core.submit('alice', { flags, setting: 0, clientMsgNo, channelId: 'bob', channelType: 1, expire: 0 }, new Uint8Array([1]))
    stored(`${'e'.repeat(32)}_${mine.clientMsgNo.split('_')[1]!}`) // another copy made by this install
    stored(`${'f'.repeat(32)}_0therdev`) // alice on another phone
    await c.sync()
    await world.time.advance(100)
    expect(incoming.items.map((m) => [m.fromUid, m.clientMsgNo])).toEqual([['alice', `${'f'.repeat(32)}_0therdev`]])
  })

  it('on show after a long hide rebuilds the link at once instead of waiting for the heartbeat', async () => {
    const c = start()
    await c.connect()
    await waitFor(() => c.state === 'connected', { tick: tick(world) })
    device.hide()
    await c.send(person(1))
    await world.time.advance(10_000)
    device.killSockets(true)
    await world.time.advance(1_000)
    const states = collect(c, 'state')
    device.show()
    await waitFor(() => c.pending().length === 0, { tick: tick(world, 10), timeoutMs: 300 })
    expect(states.items[0]).toMatchObject({ from: 'connected', to: 'connecting' })
    expect(device.maxLive).toBe(1)
  })

  it('on show after a short hide probes the link and, when the probe goes unanswered, rebuilds it at once', async () => {
    const c = start()
    await c.connect()
    await waitFor(() => c.state === 'connected', { tick: tick(world) })
    device.hide()
    await world.time.advance(2_000)
    device.killSockets(true)
    const states = collect(c, 'state')
    device.show()
    await waitFor(() => c.state === 'connected' && states.items.length > 0, { tick: tick(world, 100), timeoutMs: 100 })
    expect(states.items[0]).toMatchObject({ from: 'connected', to: 'waiting', reason: 'probe timeout' })
    // ...and dials again at once, not after a backoff.
    expect(states.items[1]).toMatchObject({ from: 'waiting', to: 'connecting', reason: 'app shown, socket dead' })
  })

  it('keeps backing off when every connection is dropped right after CONNACK (no tight reconnect loop)', async () => {
    const c = start()
    const states = collect(c, 'state')
    c.on('state', (s) => {
      if (s.to === 'connected') world.core.faults.closeConnections('alice', { withCloseFrame: false })
    })
    await c.connect()
    await world.time.advance(60_000)
    // Delays 250, 500, 1000 ... capped at 15 000 (random 0.5 × 30 000): about 8 links a minute, not hundreds.
    const connects = states.items.filter((s) => s.to === 'connected').length
    expect(connects).toBeGreaterThanOrEqual(5)
    expect(connects).toBeLessThanOrEqual(10)
    expect(device.maxLive).toBe(1)
  })

  it('delivers received messages to every message handler; a throwing handler is reported, not fatal', async () => {
    const alice = start()
    const bobDevice = makeDevice(world)
    const bob = start({ uid: 'bob', token: 'bob-token' }, bobDevice)
    const got: string[] = []
    bob.on('message', () => {
      throw new Error('page bug')
    })
    bob.on('message', async (m) => {
      got.push(`${m.fromUid}:${Buffer.from(m.payload).toString()}`)
    })
    const errors = collect(bob, 'error')
    await alice.connect()
    await bob.connect()
    await waitFor(() => alice.state === 'connected' && bob.state === 'connected', { tick: tick(world) })
    await alice.send({ channelId: 'bob', channelType: 1, payload: 'hi bob' })
    await waitFor(() => got.length === 1, { tick: tick(world) })
    expect(got).toEqual(['alice:hi bob'])
    expect(errors.items.map((e: ImError) => e.code)).toEqual(['HANDLER_FAILED'])
    await waitFor(() => world.core.report().acked === 1, { tick: tick(world) })
  })

  it('close() is final: closed state, socket gone, unsent messages kept in storage, calls rejected, uid free again', async () => {
    const c = start()
    await c.connect()
    await waitFor(() => c.state === 'connected', { tick: tick(world) })
    device.setNetwork(false)
    const m = await c.send(person(1))
    const states = collect(c, 'state')
    await c.close()
    expect(states.items).toEqual([{ from: 'offline', to: 'closed', reason: 'client closed' }])
    expect(c.state).toBe('closed')
    await expect(c.send(person(2))).rejects.toMatchObject({ code: 'CLIENT_CLOSED' })
    await expect(c.connect()).rejects.toMatchObject({ code: 'CLIENT_CLOSED' })
    const opened = device.opened
    device.setNetwork(true)
    await world.time.advance(60_000)
    expect(device.opened).toBe(opened) // no dial after close, whatever the network does
    expect(JSON.parse(device.data.get(`wkmp:alice:out:${m.clientMsgNo}`) as string)).toMatchObject({ clientMsgNo: m.clientMsgNo })
    const next = start()
    await next.restored()
    expect(next.pending().map((p) => p.clientMsgNo)).toEqual([m.clientMsgNo])
  })

  it('finds the network back by polling when the "online" event never comes', async () => {
    const { onChange } = device.platform.network
    device.platform.network.onChange = (listener) => onChange((status) => status.online || listener(status))
    const c = start()
    await c.connect()
    await waitFor(() => c.state === 'connected', { tick: tick(world) })
    device.setNetwork(false)
    expect(c.state).toBe('offline')
    device.setNetwork(true) // not reported to the client
    const states = collect(c, 'state')
    await waitFor(() => c.state === 'connected', { tick: tick(world, 1_000), timeoutMs: 60 })
    expect(states.items[0]).toMatchObject({ from: 'offline', to: 'connecting', reason: 'network online (polled)' })
  })
})
