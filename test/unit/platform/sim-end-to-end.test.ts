/**
 * The real client through the wx adapter over the simulated wx, both ways other tests use it:
 * virtual time against the in-process server core, and real time against the local server on a
 * real WebSocket. Shows the wiring; deeper client behaviour is tested under test/unit/client and
 * test/integration.
 */
import { createClient } from '../../../sdk/client'
import type { Client } from '../../../sdk/client'
import type { InboundMessage } from '../../../sdk/types'
import { ServerCore } from '../../support/server/core'
import { startLocalServer, type LocalServer } from '../../support/server/ws-server'
import { createSimWx, realConnector, serverHttpHandler, SimStorageData, virtualConnector, type SimWx } from '../../support/sim-wx'
import { createSeededRandom, VirtualScheduler } from '../../support/virtual-time'
import { waitFor } from '../../support/waiters'

const text = (m: InboundMessage): string => Buffer.from(m.payload).toString('utf8')

describe('client over the simulated wx, virtual time, in-process server', () => {
  const scheduler = new VirtualScheduler()
  const rng = createSeededRandom(7)
  const core = new ServerCore({ mode: 'v3', encrypt: true, clock: scheduler, timers: scheduler, random: (n) => rng.bytes(n), routes: { wsAddr: 'ws://core' } })
  for (const uid of ['alice', 'bob']) core.registerToken(uid, `${uid}-token`)
  const device = (options: { storage?: SimStorageData; iosNoOnClose?: boolean } = {}): SimWx =>
    createSimWx({ scheduler, seed: 3, connect: virtualConnector((sink) => core.accept(sink), { latencyMs: 20 }), http: serverHttpHandler(core), ...options })
  const client = (sim: SimWx, uid: string): Client =>
    createClient({ uid, token: `${uid}-token`, wsAddr: 'ws://core', apiAddr: 'http://api', platform: sim.control.platform() })
  const run = (ms = 200) => ({ tick: () => scheduler.advance(ms) })

  it('delivers a message, survives an iOS background close, and keeps a queued message across a cold restart', async () => {
    const aliceWx = device({ iosNoOnClose: true })
    const bobWx = device()
    let alice = client(aliceWx, 'alice')
    const bob = client(bobWx, 'bob')
    const got: string[] = []
    bob.on('message', (m) => void got.push(text(m)))
    await alice.connect()
    await bob.connect()
    await waitFor(() => alice.state === 'connected' && bob.state === 'connected', run())
    await alice.send({ channelId: 'bob', channelType: 1, payload: 'one' })
    await waitFor(() => got.length === 1, run())

    // iOS: the socket dies in the background and its task never reports it.
    aliceWx.control.hide()
    await scheduler.advance(20_000)
    expect(aliceWx.control.openSocketCount).toBe(0)
    aliceWx.control.show()
    await alice.send({ channelId: 'bob', channelType: 1, payload: 'two' })
    await waitFor(() => got.length === 2, run())

    // Offline, a durable send, then the mini-program is killed and cold-started.
    aliceWx.control.setNetwork({ online: false })
    await waitFor(() => alice.state === 'offline' || alice.state === 'waiting', run())
    await alice.send({ channelId: 'bob', channelType: 1, payload: 'three' })
    const restarted = aliceWx.control.coldRestart({ network: { online: true } })
    alice = client(restarted, 'alice')
    await alice.connect()
    await waitFor(() => got.length === 3, run())
    expect(got).toEqual(['one', 'two', 'three'])
    expect(aliceWx.control.maxSocketCount).toBeLessThanOrEqual(1)
    await alice.close()
    await bob.close()
  })
})

describe('replay', () => {
  /** Alice sends three messages to bob in virtual time; returns every byte alice's sockets sent. */
  async function scenario(seed: number): Promise<string> {
    const scheduler = new VirtualScheduler()
    const rng = createSeededRandom(seed)
    const core = new ServerCore({ mode: 'v2', encrypt: true, clock: scheduler, timers: scheduler, random: (n) => rng.bytes(n), routes: { wsAddr: 'ws://core' } })
    core.registerToken('alice', 'alice-token')
    const sent: string[] = []
    const sim = createSimWx({ scheduler, seed, connect: virtualConnector((sink) => core.accept(sink)), http: serverHttpHandler(core) })
    const alice = createClient({ uid: 'alice', token: 'alice-token', wsAddr: 'ws://core', apiAddr: 'http://api', platform: sim.control.platform() })
    await alice.connect()
    for (const p of ['a', 'b', 'c']) await alice.send({ channelId: 'bob', channelType: 1, payload: p })
    await scheduler.advance(60_000)
    for (const s of sim.control.sockets()) for (const d of s.sent) sent.push(Buffer.from(d).toString('hex'))
    await alice.close()
    return sent.join('|')
  }

  it('the same seed replays byte for byte; another seed differs', async () => {
    const first = await scenario(11)
    expect(first.length).toBeGreaterThan(0)
    expect(await scenario(11)).toBe(first)
    expect(await scenario(12)).not.toBe(first)
  })
})

describe('client over the simulated wx, real time, local server on a real WebSocket', () => {
  let server: LocalServer
  beforeAll(async () => {
    server = await startLocalServer({ mode: 'v2' })
    for (const uid of ['alice', 'bob']) server.core.registerToken(uid, `${uid}-token`)
  })
  afterAll(() => server.close())

  it('connects both clients through realConnector and delivers a message', async () => {
    const make = (uid: string): Client =>
      createClient({ uid, token: `${uid}-token`, wsAddr: server.wsUrl, apiAddr: server.apiUrl, platform: createSimWx({ scheduler: 'real', connect: realConnector() }).control.platform() })
    const alice = make('alice')
    const bob = make('bob')
    const got: string[] = []
    bob.on('message', (m) => void got.push(text(m)))
    await alice.connect()
    await bob.connect()
    await waitFor(() => alice.state === 'connected' && bob.state === 'connected')
    await alice.send({ channelId: 'bob', channelType: 1, payload: 'hello over ws' })
    await waitFor(() => got.length === 1)
    expect(got).toEqual(['hello over ws'])
    await alice.close()
    await bob.close()
  })
})
