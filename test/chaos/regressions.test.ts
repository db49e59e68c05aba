/**
 * SDK bugs the chaos simulator found, pinned by small direct tests (the unit-client harness: the
 * memory platform into the server core, virtual time), and a few seeds that once failed. Seeds
 * pinned before the conversation ops (issue 20) joined the plans run without them, so their
 * plans stay the ones that failed.
 */
import { createClient } from '../../sdk/client'
import type { Client } from '../../sdk/client'
import type { InboundMessage } from '../../sdk/types'
import { makeDevice, makeWorld } from '../unit/client/harness'
import type { Device, World } from '../unit/client/harness'
import { waitFor } from '../support/waiters'
import { runScenario } from './engine'

const G1 = { channelId: 'g1', channelType: 2 }
const text = (m: InboundMessage): string => Buffer.from(m.payload).toString('utf8')

describe.each(['v2', 'v3'] as const)('chaos regressions (%s server)', (mode) => {
  let world: World
  const clients: Client[] = []
  const start = (uid: string, device: Device): Client => {
    const c = createClient({ uid, token: `${uid}-token`, wsAddr: 'ws://core', apiAddr: 'http://api', platform: device.platform, random: () => 0.5 })
    clients.push(c)
    return c
  }
  const tick = () => world.time.advance(50)
  const caughtUp = async (c: Client): Promise<void> => {
    let synced = false
    const off = c.on('synced', () => void (synced = true))
    await c.connect()
    await waitFor(() => synced && c.state === 'connected', { tick })
    off()
  }

  beforeEach(() => {
    world = makeWorld(mode, false)
    world.core.createGroup('g1', ['alice', 'bob'])
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close()
  })

  // Chaos seed 32 (v2): a reordered pair of RECVs on a channel bob had never seen lost seq 1 —
  // after a completed catch-up the first push started the channel at its own seq.
  it('a channel first met on a push after the first catch-up: what came before it is pulled, not skipped', async () => {
    const bob = start('bob', makeDevice(world))
    const alice = start('alice', makeDevice(world))
    await caughtUp(bob)
    await caughtUp(alice)
    const shown: string[] = []
    bob.on('message', (m) => void shown.push(`${m.messageSeq}:${text(m)}`))
    world.core.faults.withholdRecv(G1, [1])
    await alice.send({ ...G1, payload: 'one' })
    await alice.send({ ...G1, payload: 'two' })
    await waitFor(() => shown.length === 2, { tick })
    expect(shown).toEqual(['1:one', '2:two'])
  })

  // Chaos: storage refused the inbox's save; nothing changed afterwards, so the dirty state was
  // never written, and a kill after onAppHide showed the message again on the next start.
  it('onAppHide saves receive state whose earlier save failed', async () => {
    const device = makeDevice(world)
    const bob = start('bob', device)
    const alice = start('alice', makeDevice(world))
    await caughtUp(bob)
    await caughtUp(alice)
    const shown: string[] = []
    bob.on('message', (m) => void shown.push(m.messageId))
    device.platform.control.failNextWrites(1)
    await alice.send({ channelId: 'bob', channelType: 1, payload: 'hi' })
    await waitFor(() => shown.length === 1, { tick })
    await world.time.advance(1_000)
    expect(device.data.get('wkmp:bob:in:seen') ?? '').not.toContain(shown[0])
    device.hide()
    await world.time.advance(1_000)
    expect(device.data.get('wkmp:bob:in:seen') ?? '').toContain(shown[0])
  })

  // Chaos v2 seeds 3, 11, 26, 35, 44: a SENDACK dropped while message sync spoiled an item. The
  // spoiled item was the message itself, the lookup before the re-send called it absent, and the
  // v2 server stored the re-send as a second copy.
  it('a dropped SENDACK while sync pages carry a malformed item: looked up again later, stored once', async () => {
    const alice = start('alice', makeDevice(world))
    await caughtUp(alice)
    world.core.faults.failHttp(['/channel/messagesync'], 'malformed-item', { untilMs: world.time.now() + 20_000 })
    world.core.faults.dropSendacks(1, { uid: 'alice' })
    const sent = await alice.send({ channelId: 'bob', channelType: 1, payload: 'once' })
    await waitFor(() => alice.pending().length === 0, { tick })
    const stored = world.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' }).filter((m) => m.clientMsgNo === sent.clientMsgNo)
    expect(stored).toHaveLength(1)
  })
})

describe('chaos seeds that once stored a message twice (v2)', () => {
  // Seed 6: the device whose app brings its own SyncProvider (the sync-hang episode) had no findSent
  // in the engine's provider, so its outbox re-sent unverified. Seed 3: the malformed-item lookup above.
  it.each([6, 3])('seed %i: every resolved send stored once', async (seed) => {
    const r = await runScenario(seed, { mode: 'v2', without: ['convops'] })
    expect(r.failures.filter((f) => / stored \d+ times/.test(f))).toEqual([])
    expect(r.storedRows).toBe(r.storedMessages)
  }, 60_000)
})

describe('chaos seeds that once showed a message twice (v2)', () => {
  // Seed 707: a handler kill ended the process with a setTimeout(0), which queued behind a sync
  // answer already due: that answer ran as a further task of the dead process and showed a
  // message whose cursor the frozen storage dropped, so the next start showed it again. The
  // process now ends right after the handler's task (engine; VirtualScheduler.nextTask).
  // Seed 3535: the task of the handler kill went on to hand over a message of another channel
  // (after a claimed run), which the next start showed again; the engine had excused the one
  // where the kill was armed. The handler running when the process ends is the task's last one.
  it.each([707, 3535, 4094])('seed %i: nothing shown twice beyond the message in the handler', async (seed) => {
    const r = await runScenario(seed, { mode: 'v2', without: ['convops'] })
    expect(r.failures).toEqual([])
  }, 60_000)
})

describe('chaos seeds that once lost a message (v2)', () => {
  // Seed 304: u1's first conversation sync failed (sync outage), seq 1 of g1 was withheld and the
  // push of seq 2 started g1 there (first-contact policy: below it is history). A kill then
  // corrupted the cursors before any catch-up completed on fresh storage, so the engine never
  // took a baseline and owed u1 all of g1. Such a push now sets that channel's baseline.
  // Seed 9950: the same, with g1 first met on u2's own SENDACK (the inbox starts a channel there too).
  it.each([304, 4854, 9950])('seed %i: nothing lost', async (seed) => {
    const r = await runScenario(seed, { mode: 'v2', without: ['convops'] })
    expect(r.failures).toEqual([])
  }, 60_000)
})

describe('chaos seeds of the merged issue 19/21 code', () => {
  // Seed 3266: storage refused the removal of an acked image's record, so its saved file stays
  // with the record until the next launch (allowed); the same path had left a batched record's
  // own key behind when its SENDACK came while a change was being written (test/unit/outbox/batch).
  // Seed 897 (v2): RECVs pushed onto a silently dead link are acked only after the heartbeat
  // notices, so a run is not settled while the server holds un-acked RECVs.
  it.each([
    [3266, 'v2'],
    [3266, 'v3'],
    [897, 'v2'],
  ] as const)('seed %i (%s): no violation', async (seed, mode) => {
    const r = await runScenario(seed, { mode, without: ['convops'] })
    expect(r.failures).toEqual([])
  }, 60_000)
})

describe('chaos seeds of the conversation ops (issue 20)', () => {
  // Seed 12: the op routes answered a proxy's HTML page with status 200, which was taken as the
  // server's confirmation (the op was dropped, never applied); a text answer now confirms nothing.
  // Seed 3: an outbox record the engine corrupted (channelType 300) was discarded, and stayed in
  // the list as a failed last message; a discarded message now leaves the list.
  // Seed 37: a delete made offline went out after a launch's failed catch-up, and WuKongIM deleted
  // up to the channel's last seq: messages this device had not been shown were never synced. Ops
  // now wait for a catch-up on the connection. Seed 51: the final list is compared once the app's
  // own SyncProvider answers again (engine). Seed 396 (v2): that discard landed, the list's
  // delayed write did not (killed), and the next launch kept the failed preview for good; stored
  // previews now take the restored outbox's status, or none.
  it.each([
    [12, 'v2'],
    [12, 'v3'],
    [3, 'v2'],
    [37, 'v3'],
    [51, 'v2'],
    [396, 'v2'],
    [396, 'v3'],
  ] as const)('seed %i (%s): no violation', async (seed, mode) => {
    const r = await runScenario(seed, { mode })
    expect(r.failures).toEqual([])
    expect(r.convDurable).toBeGreaterThan(0)
  }, 60_000)
})

describe('chaos seeds of the merged issue 20/21 code', () => {
  // Seed 155: a corrupt cursors key was replaced while the inbox was still loading, with the state
  // before its baseline was known; our own SENDACK notes (lazy since issue 21) wrote nothing after
  // it, so the next launch was a fresh install and skipped what came while offline
  // (test/unit/inbox/faults.test.ts). The key is now replaced once the state is known.
  it.each(['v2', 'v3'] as const)('seed 155 (%s): no violation', async (mode) => {
    const r = await runScenario(155, { mode })
    expect(r.failures).toEqual([])
  }, 60_000)
  // Seed 2242 (v3): a RECV of our own message joined the placeholder the inbox holds for its seq
  // (issue 21 steps over such placeholders without a delivery), and its RECVACK was never written.
  it('seed 2242 (v3): no violation', async () => {
    const r = await runScenario(2242, { mode: 'v3' })
    expect(r.failures).toEqual([])
  }, 60_000)
  // Seeds 5032 and 5534 (v2; a 2,000-run sweep from seed 5000 in session 7): an outbox record
  // damaged to channel type 300 was restored as failed (invalid) and the conversation list made a
  // conversation of it that no server can hold (test/unit/conversations/conversations.test.ts).
  it.each([5032, 5534])('seed %i (v2): no violation', async (seed) => {
    const r = await runScenario(seed, { mode: 'v2' })
    expect(r.failures).toEqual([])
  }, 60_000)
})
