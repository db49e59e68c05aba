/**
 * Issue 15.4: an app update turns `storage.encrypt` on (or off). WeChat reads a value only in the
 * mode it was written in (the simulated wx fails the other read), so the wx adapter reads in the
 * other mode when this one fails and rewrites the value in this mode. Every queued message and
 * every receive cursor must survive the update, both ways.
 */
import { createClient } from '../../../sdk/client'
import type { Client } from '../../../sdk/client'
import type { InboundMessage } from '../../../sdk/types'
import { ServerCore } from '../../support/server/core'
import { createSimWx, serverHttpHandler, SimStorageData, virtualConnector } from '../../support/sim-wx'
import { createSeededRandom, VirtualScheduler } from '../../support/virtual-time'
import { waitFor } from '../../support/waiters'

const text = (m: InboundMessage): string => Buffer.from(m.payload).toString('utf8')

describe('wx adapter: a value written in the other encrypt mode', () => {
  for (const [from, to] of [[false, true], [true, false]] as const) {
    it(`written with encrypt ${from}, read with encrypt ${to}: returned, then rewritten in the new mode`, async () => {
      const disk = new SimStorageData()
      const sim = createSimWx({ scheduler: new VirtualScheduler(), storage: disk })
      await sim.control.platform({ encryptStorage: from }).storage.set('k', { a: 1 })
      const after = sim.control.platform({ encryptStorage: to })
      expect(await after.storage.get('k')).toEqual({ a: 1 })
      expect(disk.items.get('k')!.encrypted).toBe(to)
      expect(await after.storage.get('absent')).toBeUndefined()
    })
  }

  it('a read that fails in both modes still rejects with the first error', async () => {
    const sim = createSimWx({ scheduler: new VirtualScheduler() })
    const wx = sim.wx as unknown as { getStorage(o: { fail(e: { errMsg: string }): void }): void }
    wx.getStorage = (o) => o.fail({ errMsg: 'getStorage:fail internal error' })
    await expect(sim.control.platform({ encryptStorage: true }).storage.get('k')).rejects.toMatchObject({ code: 'STORAGE_FAILED', message: 'getStorage:fail internal error' })
  })
})

describe.each([
  ['off → on', false, true],
  ['on → off', true, false],
] as const)('client across an app update that turns storage.encrypt %s', (_name, before, after) => {
  it('keeps every queued message and every cursor: nothing lost, nothing shown twice', async () => {
    const scheduler = new VirtualScheduler()
    const rng = createSeededRandom(11)
    const core = new ServerCore({ mode: 'v2', encrypt: true, clock: scheduler, timers: scheduler, random: (n) => rng.bytes(n), routes: { wsAddr: 'ws://core' } })
    for (const uid of ['alice', 'bob']) core.registerToken(uid, `${uid}-token`)
    const disk = new SimStorageData()
    const device = (storage: SimStorageData) => createSimWx({ scheduler, seed: 5, storage, connect: virtualConnector((sink) => core.accept(sink), { latencyMs: 10 }), http: serverHttpHandler(core) })
    const tick = { tick: () => scheduler.advance(100) }
    const open = (platform: ReturnType<ReturnType<typeof device>['control']['platform']>, uid: string): Client =>
      createClient({ uid, token: `${uid}-token`, wsAddr: 'ws://core', apiAddr: 'http://api', platform, random: () => 0.5 })

    const bob = open(device(new SimStorageData()).control.platform(), 'bob')
    await bob.connect()
    const bobGot: string[] = []
    bob.on('message', (m) => void bobGot.push(text(m)))

    const aliceWx = device(disk)
    let alice = open(aliceWx.control.platform({ encryptStorage: before }), 'alice')
    const aliceGot: string[] = []
    alice.on('message', (m) => void aliceGot.push(text(m)))
    await alice.connect()
    await waitFor(() => alice.state === 'connected' && bob.state === 'connected', tick)
    await bob.send({ channelId: 'alice', channelType: 1, payload: 'b1' })
    await bob.send({ channelId: 'alice', channelType: 1, payload: 'b2' })
    await waitFor(() => aliceGot.length === 2, tick)
    await scheduler.advance(1_000) // cursors written

    // Offline: two sends stay queued; the app is then updated and cold-started in the other mode.
    aliceWx.control.setNetwork({ online: false })
    await waitFor(() => alice.state !== 'connected', tick)
    await alice.send({ channelId: 'bob', channelType: 1, payload: 'a1' })
    await alice.send({ channelId: 'bob', channelType: 1, payload: 'a2' })
    await alice.close()
    await bob.send({ channelId: 'alice', channelType: 1, payload: 'b3' }) // arrives while alice is away
    const storedKeys = [...disk.items.keys()].filter((k) => k.startsWith('wkmp:alice:'))
    expect(storedKeys.length).toBeGreaterThanOrEqual(3) // two queued messages and the receive state
    expect(storedKeys.every((k) => disk.items.get(k)!.encrypted === before)).toBe(true)

    const updated = aliceWx.control.coldRestart({ network: { online: true } })
    alice = open(updated.control.platform({ encryptStorage: after }), 'alice')
    const afterGot: string[] = []
    const errors: string[] = []
    alice.on('message', (m) => void afterGot.push(text(m)))
    alice.on('error', (e) => void errors.push(e.code))
    await alice.restored()
    expect(alice.pending().map((m) => Buffer.from(m.payload).toString('utf8'))).toEqual(['a1', 'a2'])
    await alice.connect()
    await waitFor(() => bobGot.length === 2 && afterGot.length >= 1, tick)
    await scheduler.advance(5_000)
    expect(bobGot).toEqual(['a1', 'a2'])
    expect(afterGot).toEqual(['b3']) // the cursor survived: b1, b2 not shown again, b3 not skipped
    expect(errors).toEqual([])
    expect(alice.pending()).toEqual([])
    for (const k of [...disk.items.keys()].filter((k) => k.startsWith('wkmp:alice:'))) expect([k, disk.items.get(k)!.encrypted]).toEqual([k, after])
    await alice.close()
    await bob.close()
  })
})
