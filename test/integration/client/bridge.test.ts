/**
 * Bridge calls (issue 21) over real sockets: the real client and wx adapter over the simulated wx
 * (real time) and the local server. A burst is persisted in batch keys and forgotten per batch;
 * the packets of one turn share a WebSocket message (or not, with coalesceFrames: false); the
 * RECVACKs of an inbound burst go out together.
 */
import type { PlatformStorage } from '../../../sdk/platform/types'
import { splitFrames } from '../../support/frames'
import { PacketType } from '../../../sdk/proto/packets'
import { RawClient } from '../../support/server/raw-client'
import { collect, waitFor } from '../../support/waiters'
import { World } from './setup'

const toBob = (i: number) => ({ channelId: 'bob', channelType: 1, payload: `burst ${i}` })
const outKeys = (world: World) => [...world.storage.items.keys()].filter((k) => k.startsWith('wkmp:alice:out:'))

let world: World
beforeEach(async () => {
  world = await new World().start({ mode: 'v3' })
})
afterEach(async () => {
  await world.stop()
  expect(world.internal).toEqual([])
})

/** The app's platform with its storage writes counted. */
function countWrites(storage: PlatformStorage): { writes: string[] } {
  const out = { writes: [] as string[] }
  const set = storage.set.bind(storage)
  const remove = storage.remove.bind(storage)
  storage.set = (key, value) => (out.writes.push(`set ${key}`), set(key, value))
  storage.remove = (key) => (out.writes.push(`remove ${key}`), remove(key))
  return out
}

it('200 send() calls at once: persisted in batch keys, every one acked once, forgotten per batch, nothing left', async () => {
  // Pipelined, as on a v2 server (a v3 one gets one SEND per channel on the wire by default).
  const { client: im, platform, sim } = world.app({ outbox: { channelWindow: 0 } })
  await im.connect()
  await waitFor(() => im.state === 'connected')
  const counted = countWrites(platform.storage)
  const statuses = collect(im, 'messageStatus')
  const sent = await Promise.all(Array.from({ length: 200 }, (_, i) => im.send(toBob(i))))
  await waitFor(() => im.pending().length === 0)
  const stored = world.server.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' }).map((m) => m.clientMsgNo)
  expect(stored).toEqual(sent.map((m) => m.clientMsgNo))
  const acked = statuses.items.filter((s) => s.status === 'sent').map((s) => s.clientMsgNo)
  expect(new Set(acked).size).toBe(200)
  expect(acked).toHaveLength(200)
  expect(outKeys(world)).toEqual([])
  // One key per message would be 400 writes; the batches were written and forgotten a few times each.
  expect(counted.writes.some((w) => w.startsWith('set wkmp:alice:out:#'))).toBe(true)
  expect(counted.writes.length).toBeLessThan(60)
  // ...and the SENDs of a turn shared WebSocket messages.
  const socket = sim.control.sockets().find((s) => s.state === 'open')!
  expect(socket.sent.some((m) => splitFrames(m).length >= 16)).toBe(true)
})

it('coalesceFrames: false → one packet per WebSocket message; every message still acked once', async () => {
  const { client: im, sim } = world.app({ coalesceFrames: false })
  await im.connect()
  await waitFor(() => im.state === 'connected')
  const sent = await Promise.all(Array.from({ length: 50 }, (_, i) => im.send(toBob(i))))
  await waitFor(() => im.pending().length === 0)
  const stored = world.server.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' }).map((m) => m.clientMsgNo)
  expect(stored).toEqual(sent.map((m) => m.clientMsgNo))
  const socket = sim.control.sockets().find((s) => s.state === 'open')!
  expect(socket.sent.length).toBeGreaterThanOrEqual(51) // CONNECT + 50 SENDs (+ PINGs)
  expect(socket.sent.every((m) => splitFrames(m).length === 1)).toBe(true)
})

it('an inbound burst of 300: delivered once each, RECVACKed in a few WebSocket messages', async () => {
  const { client: im, sim } = world.app()
  const got = new Set<string>()
  im.on('message', (m) => void got.add(m.messageId))
  await im.connect()
  await waitFor(() => im.state === 'connected')
  const bob = await RawClient.connect(world.server.wsUrl, { uid: 'bob', token: 'bob-token' })
  try {
    const acked = world.server.core.report().acked
    for (let i = 0; i < 300; i++) bob.send({ channelId: 'alice', channelType: 1, payload: JSON.stringify({ type: 1, content: `in ${i}` }) })
    await waitFor(() => got.size === 300 && world.server.core.report().acked - acked === 300)
    const socket = sim.control.sockets().find((s) => s.state === 'open')!
    const carryingAcks = socket.sent.filter((m) => splitFrames(m).some((f) => f.type === PacketType.RECVACK))
    expect(carryingAcks.length).toBeLessThan(30)
  } finally {
    bob.close()
  }
})
