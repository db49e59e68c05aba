/**
 * The history part inside the real client (virtual time, the local server's core): fed by
 * pushes and by our own sent messages, per-uid isolation on one phone, and logout() purging it.
 */
import { createClient } from '../../../sdk/client'
import type { Client } from '../../../sdk/client'
import { collect, waitFor } from '../../support/waiters'
import { makeDevice, makeWorld } from '../client/harness'
import type { Device, World } from '../client/harness'

const FLAGS = { dup: false, syncOnce: false, redDot: false, noPersist: false }

describe('messages() in the client', () => {
  let world: World
  let device: Device
  const clients: Client[] = []
  const start = (uid: string): Client => {
    const c = createClient({ uid, token: `${uid}-token`, wsAddr: 'ws://core', apiAddr: 'http://api', platform: device.platform, random: () => 0.5, history: { writeDelayMs: 500 } })
    clients.push(c)
    return c
  }
  const tick = () => world.time.advance(100)
  const keysOf = (prefix: string) => Array.from(device.data.keys()).filter((k) => k.startsWith(prefix))
  const push = (from: string, to: string, no: string) => world.core.submit(from, { flags: FLAGS, setting: 0, clientMsgNo: no, channelId: to, channelType: 1, expire: 0 }, new TextEncoder().encode(no))
  beforeEach(() => {
    world = makeWorld()
    device = makeDevice(world)
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close()
  })

  it("keeps what was received and sent, per uid; another uid never sees it; logout() purges it", async () => {
    const alice = start('alice')
    const got = collect(alice, 'message')
    await alice.connect()
    await waitFor(() => alice.state === 'connected', { tick })
    push('bob', 'alice', 'b1')
    push('bob', 'alice', 'b2')
    await waitFor(() => got.items.length === 2, { tick })
    const own = await alice.send({ channelId: 'bob', channelType: 1, payload: 'mine' })
    await waitFor(() => alice.pending().length === 0, { tick })
    const page = await alice.messages({ channelId: 'bob', channelType: 1 })
    expect(page.messages.map((m) => [m.clientMsgNo, m.messageSeq, m.fromUid])).toEqual([['b1', 1, 'bob'], ['b2', 2, 'bob'], [own.clientMsgNo, 3, 'alice']])
    await alice.close()
    expect(keysOf('wkmp:alice:h').sort()).toEqual(['wkmp:alice:h', 'wkmp:alice:h:1:bob'])

    // bob on the same phone: his own history of the channel with alice, nothing of alice's keys.
    const bob = start('bob')
    await bob.restored()
    device.setNetwork(false)
    expect((await bob.messages({ channelId: 'alice', channelType: 1 })).messages).toEqual([])
    await bob.close()

    const again = start('alice')
    await again.restored() // offline: straight from storage
    expect((await again.messages({ channelId: 'bob', channelType: 1 })).messages.map((m) => m.clientMsgNo)).toEqual(['b1', 'b2', own.clientMsgNo])
    await again.logout()
    expect(keysOf('wkmp:alice:')).toEqual([])
  }, 30_000)
})
