/**
 * What the real WuKongIM v3 cluster does that the SDK must ride through (seen by
 * test/wukongim/v3.cluster.test.ts and ../shared/wukongim-v3/README.md), as rules over the whole
 * client in virtual time: the local server core in v3 mode, with the cluster's answers injected.
 */
import { createClient } from '../../../sdk/client'
import type { Client } from '../../../sdk/client'
import { ClientError } from '../../../sdk/errors'
import { ReasonCode } from '../../../sdk/codes'
import { createHttpSyncProvider } from '../../../sdk/sync/http'
import type { SyncProvider } from '../../../sdk/sync/types'
import type { GapEvent, InboundMessage, OutboxMessage } from '../../../sdk/types'
import { waitFor } from '../../support/waiters'
import { makeDevice, makeWorld, type Device, type World } from '../client/harness'

let world: World
const clients: Client[] = []
const tick = () => world.time.advance(100)

function open(uid: string, device: Device, sync?: (inner: SyncProvider) => SyncProvider): Client {
  const inner = createHttpSyncProvider({ apiAddr: 'http://api', uid, platform: device.platform, serverLine: 'v3' })
  const c = createClient({ uid, token: `${uid}-token`, wsAddr: 'ws://core', apiAddr: 'http://api', platform: device.platform, random: () => 0.5, sync: sync ? sync(inner) : inner })
  clients.push(c)
  return c
}

beforeEach(() => {
  world = makeWorld('v3')
})
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close()
})

/** bob offline while alice sends three messages, then back: what bob is shown, and the gaps he reports. */
async function catchUpThrough(sync: (inner: SyncProvider) => SyncProvider): Promise<{ shown: InboundMessage[]; gaps: GapEvent[] }> {
  const aliceDevice = makeDevice(world)
  const bobDevice = makeDevice(world)
  const alice = open('alice', aliceDevice)
  const bob = open('bob', bobDevice, sync)
  const shown: InboundMessage[] = []
  const gaps: GapEvent[] = []
  bob.on('message', (m) => void shown.push(m))
  bob.on('gap', (g) => void gaps.push(g))
  await Promise.all([alice.connect(), bob.connect()])
  await waitFor(() => alice.state === 'connected' && bob.state === 'connected', { tick })
  bobDevice.setNetwork(false)
  await waitFor(() => bob.state !== 'connected', { tick })
  for (const n of [1, 2, 3]) await alice.send({ channelId: 'bob', channelType: 1, payload: `m${n}` })
  await waitFor(() => alice.pending().length === 0, { tick })
  bobDevice.setNetwork(true)
  await waitFor(() => shown.length >= 3, { tick }).catch((e) => {
    throw new Error(`${String(e)}: bob shown seqs ${JSON.stringify(shown.map((m) => m.messageSeq))}, gaps ${JSON.stringify(gaps)}`)
  })
  return { shown, gaps }
}

// At 7cb3279 this fails: sdk/inbox/inbox.ts fill() reports seq 3 'unfillable' after gapRetries
// answers without it and moves the cursor past it, so the message is never shown (nothing is held
// after it, yet the inbox skips it). Left failing on purpose: sdk/inbox is another helper's.
test('a sync answer that lacks the channel\'s newest message (replicated channel lag) does not lose it: retried until it shows', async () => {
  // On the cluster /channel/messagesync left out the newest message for 40+ s, until another was appended.
  const lagUntil = world.time.now() + 60_000
  const { shown, gaps } = await catchUpThrough((inner) => ({
    ...inner,
    syncMessages: async (req) => {
      const r = await inner.syncMessages(req)
      return world.time.now() < lagUntil ? { ...r, messages: r.messages.filter((m) => m.messageSeq < 3) } : r
    },
  }))
  expect(shown.map((m) => [m.messageSeq, new TextDecoder().decode(m.payload)])).toEqual([
    [1, 'm1'],
    [2, 'm2'],
    [3, 'm3'],
  ])
  expect(gaps.filter((g) => g.outcome === 'unfillable')).toEqual([])
})

test.each([
  [400, 'valid channel membership required', 1_500], // a new person channel's membership is created asynchronously
  [503, 'retry required', 15_000], // the channel's leader node is down until it returns
])('/channel/messagesync answering HTTP %i "%s" for a while is retried, nothing skipped', async (status, msg, forMs) => {
  const until = world.time.now() + forMs
  const { shown, gaps } = await catchUpThrough((inner) => ({
    ...inner,
    syncMessages: async (req) => {
      if (world.time.now() < until) throw new ClientError('SYNC_FAILED', `/channel/messagesync answered HTTP ${status}: ${msg}`, { path: '/channel/messagesync', status })
      return inner.syncMessages(req)
    },
  }))
  expect(shown.map((m) => m.messageSeq)).toEqual([1, 2, 3])
  expect(gaps.filter((g) => g.outcome === 'unfillable')).toEqual([])
})

test('SENDACK 18 NodeNotMatch and 15 SystemError while a channel leader is away are retried until stored, never failed', async () => {
  const device = makeDevice(world)
  const alice = open('alice', device)
  const statuses: OutboxMessage[] = []
  alice.on('messageStatus', (m) => void statuses.push(m))
  await alice.connect()
  await waitFor(() => alice.state === 'connected', { tick })
  world.core.faults.rejectSends(1, ReasonCode.SystemError)
  world.core.faults.rejectSends(30, ReasonCode.NodeNotMatch)
  const m = await alice.send({ channelId: 'bob', channelType: 1, payload: 'through the outage' })
  await waitFor(() => alice.pending().length === 0, { tick })
  expect(statuses.filter((s) => s.status === 'failed')).toEqual([])
  expect(statuses[statuses.length - 1]).toMatchObject({ clientMsgNo: m.clientMsgNo, status: 'sent' })
  expect(world.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' }).map((s) => s.clientMsgNo)).toEqual([m.clientMsgNo])
})
