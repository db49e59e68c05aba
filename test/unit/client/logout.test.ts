/**
 * Issue 15.11: logout() ends a session for good (every key under `<prefix>:<uid>:` goes, never
 * another uid's), and nothing of the SDK's reaches WeChat's realtime log while it is off.
 */
import { createClient } from '../../../sdk/client'
import type { Client } from '../../../sdk/client'
import type { ClientOptions } from '../../../sdk/options'
import { collect, waitFor } from '../../support/waiters'
import { makeDevice, makeWorld } from './harness'
import type { Device, World } from './harness'

const FLAGS = { dup: false, syncOnce: false, redDot: false, noPersist: false }

describe('logout()', () => {
  let world: World
  let device: Device
  const clients: Client[] = []
  const start = (uid: string, extra: Partial<ClientOptions> = {}): Client => {
    const c = createClient({ uid, token: `${uid}-token`, wsAddr: 'ws://core', apiAddr: 'http://api', platform: device.platform, random: () => 0.5, ...extra })
    clients.push(c)
    return c
  }
  const tick = () => world.time.advance(100)
  const keysOf = (prefix: string) => Array.from(device.data.keys()).filter((k) => k.startsWith(prefix))
  beforeEach(() => {
    world = makeWorld()
    device = makeDevice(world)
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close()
  })

  it("drops this uid's outbox, cursors, seen ids and traces, resolves with the unsent messages, and keeps other uids' keys", async () => {
    const bob = start('bob')
    await bob.restored()
    const bobsUnsent = await bob.send({ channelId: 'carol', channelType: 1, payload: 'bob, never connected' })
    const alice = start('alice')
    const got = collect(alice, 'message')
    await alice.connect()
    await waitFor(() => alice.state === 'connected', { tick })
    world.core.submit('carol', { flags: FLAGS, setting: 0, clientMsgNo: 'c1', channelId: 'alice', channelType: 1, expire: 0 }, new Uint8Array([1]))
    await waitFor(() => got.items.length === 1, { tick })
    await alice.close() // the inbox state is on disk now
    const again = start('alice')
    await again.connect()
    await waitFor(() => again.state === 'connected', { tick })
    device.setNetwork(false)
    const unsent = [await again.send({ channelId: 'bob', channelType: 1, payload: 'secret one' }), await again.send({ channelId: 'bob', channelType: 1, payload: 'secret two' })]
    expect(keysOf('wkmp:alice:in:').length).toBeGreaterThan(0)
    expect(keysOf('wkmp:alice:out:')).toHaveLength(2)
    const bobsKeys = keysOf('wkmp:bob:')

    const dropped = await again.logout()
    expect(dropped.map((m) => m.clientMsgNo)).toEqual(unsent.map((m) => m.clientMsgNo))
    expect(again.state).toBe('closed')
    expect(keysOf('wkmp:alice:')).toEqual([])
    expect(Array.from(device.data.values()).some((v) => /secret/.test(v) || v.indexOf(Buffer.from('secret one').toString('base64')) >= 0)).toBe(false)
    expect(keysOf('wkmp:bob:')).toEqual(bobsKeys)
    expect(device.data.has('wkmp:device')).toBe(true) // the install's id, not the user's
    expect(again.pending()).toEqual([])
    const report = await again.diagnose({ clientMsgNo: unsent[0]!.clientMsgNo, lookup: false })
    expect(report.message).toMatchObject({ known: false, trace: [] })
    expect(report.connection.recentAnomalies).toEqual([])

    // The next login of alice starts clean and never sends what was dropped; bob's queue is intact.
    device.setNetwork(true)
    const next = start('alice')
    await next.connect()
    await waitFor(() => next.state === 'connected', { tick })
    await world.time.advance(5_000)
    expect(next.pending()).toEqual([])
    expect(world.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' })).toEqual([])
    expect(bob.pending().map((m) => m.clientMsgNo)).toEqual([bobsUnsent.clientMsgNo])
  }, 30_000) // three logins (each a key exchange in pure JS): ~2 s alone, more on a busy machine

  it('a send() still on its way to storage when logout() begins is purged too, and listed as dropped', async () => {
    const c = start('alice')
    await c.restored()
    device.setNetwork(false)
    const sending = [1, 2, 3].map((n) => c.send({ channelId: 'bob', channelType: 1, payload: `racing ${n}` }).then((m) => m.clientMsgNo, (e: { code: string }) => e.code))
    const dropped = await c.logout()
    const outcomes = await Promise.all(sending)
    expect(keysOf('wkmp:alice:')).toEqual([])
    // Each send either failed as closed or was durable and is then in the dropped list: none vanishes unreported.
    for (const o of outcomes) expect(o === 'CLIENT_CLOSED' || dropped.some((m) => m.clientMsgNo === o)).toBe(true)
  })

  it('after close() still purges what close() kept', async () => {
    const c = start('alice')
    await c.restored()
    device.setNetwork(false)
    await c.send({ channelId: 'bob', channelType: 1, payload: 'x' })
    await c.close()
    expect(keysOf('wkmp:alice:out:')).toHaveLength(1)
    await c.logout()
    expect(keysOf('wkmp:alice:')).toEqual([])
  })
})

describe("WeChat's realtime log", () => {
  it.each([false, true])('gets error lines only while diagnostics.realtimeLog is on (realtimeLog: %p)', async (realtimeLog) => {
    const world = makeWorld()
    const device = makeDevice(world)
    const lines: string[] = []
    device.platform.realtimeLog = { info: (m) => void lines.push(m), warn: (m) => void lines.push(m), error: (m) => void lines.push(m) }
    const c = createClient({ uid: 'alice', wsAddr: 'ws://core', platform: device.platform, diagnostics: { realtimeLog }, tokenProvider: () => Promise.reject(new Error('token server down')) })
    const errors = collect(c, 'error')
    await c.connect()
    await world.time.advance(5_000)
    await c.close()
    expect(errors.items.length).toBeGreaterThan(0)
    if (realtimeLog) expect(lines.some((l) => l.startsWith('[wkmp] client error') && l.includes('token server down'))).toBe(true)
    else expect(lines).toEqual([])
  })
})
