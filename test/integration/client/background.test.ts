/**
 * App lifecycle with WeChat's real background timeline (docs/platform.md §2, §1.5), in virtual time:
 * the real client over the real wx adapter over the simulated wx, wired to the server core.
 * Hide → 5 s → suspended (timers and callbacks held) → 10 s → socket killed; on iOS the task's
 * onClose never fires. Show → everything held arrives late, after onAppShow.
 */
import { randomBytes } from 'crypto'
import { createClient } from '../../../sdk/client'
import type { Client } from '../../../sdk/client'
import { ServerCore } from '../../support/server/core'
import { createSimWx, serverHttpHandler, virtualConnector } from '../../support/sim-wx'
import type { SimWx } from '../../support/sim-wx'
import { VirtualScheduler } from '../../support/virtual-time'
import { collect } from '../../support/waiters'

const BOB = { channelId: 'bob', channelType: 1, loginUid: 'alice' }

describe.each([true, false])('background with the real timeline (iosNoOnClose: %s)', (ios) => {
  let clock: VirtualScheduler
  let core: ServerCore
  let sim: SimWx
  let im: Client

  beforeEach(async () => {
    clock = new VirtualScheduler()
    core = new ServerCore({ mode: 'v3', encrypt: true, clock, timers: clock, random: (n) => new Uint8Array(randomBytes(n)) })
    core.registerToken('alice', 'alice-token')
    sim = createSimWx({ scheduler: clock, connect: virtualConnector((sink) => core.accept(sink)), http: serverHttpHandler(core), iosNoOnClose: ios })
    im = createClient({ uid: 'alice', token: 'alice-token', wsAddr: 'ws://im.test', apiAddr: 'http://im.test', platform: sim.control.platform() })
    await im.connect()
    await clock.runUntil(() => im.state === 'connected')
  })
  afterEach(async () => {
    await im.close()
  })

  it('hidden 20 s: the socket dies in the background; show rebuilds at once and flushes what was queued', async () => {
    const states = collect(im, 'state')
    sim.control.hide()
    const early = im.send({ channelId: 'bob', channelType: 1, payload: 'before suspension' })
    await clock.advance(1_000)
    const m1 = await early
    await clock.advance(19_000)
    expect(core.report().activeConnections).toBe(0) // killed by WeChat ~15 s after hide
    // Suspended: the app's code does not run, so the client has not noticed anything yet.
    expect(states.items.filter((s) => s.from === 'connected')).toEqual([])
    const late = im.send({ channelId: 'bob', channelType: 1, payload: 'right after show' })
    sim.control.show()
    const m2 = await late
    const took = await clock.runUntil(() => im.pending().length === 0)
    expect(core.messages(BOB).map((m) => m.clientMsgNo)).toEqual([m1.clientMsgNo, m2.clientMsgNo])
    // No heartbeat timeout was needed: the link was rebuilt on show, within a few round trips.
    expect(states.items.find((s) => s.from === 'connected')).toMatchObject({ to: 'connecting', reason: 'app shown after 20 s hidden' })
    expect(states.items.some((s) => s.reason === 'heartbeat timeout')).toBe(false)
    expect(took).toBeLessThan(5_000) // virtual ms: a few round trips, far from the 25 s PING or 55 s dead-link mark
    expect(sim.control.maxSocketCount).toBeLessThanOrEqual(2) // the dead task may still count until released
  })

  it('hidden 2 s (not suspended): show probes the link, keeps it when it answers', async () => {
    const states = collect(im, 'state')
    sim.control.hide()
    await clock.advance(2_000)
    sim.control.show()
    await clock.advance(5_000)
    expect(states.items).toEqual([])
    expect(core.report().activeConnections).toBe(1)
    const m = await im.send({ channelId: 'bob', channelType: 1, payload: 'still the same socket' })
    await clock.runUntil(() => im.pending().length === 0)
    expect(core.messages(BOB).map((x) => x.clientMsgNo)).toEqual([m.clientMsgNo])
    expect(core.report().connectionsAccepted).toBe(1)
  })
})
