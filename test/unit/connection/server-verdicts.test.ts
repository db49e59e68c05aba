/**
 * Issue 15.9: a DISCONNECT (or CONNACK failure) stops the client only when its reason means "do
 * not come back" (2 auth, 12 kick, 19 ban: codes.ts endsSession); any other reason is a server
 * hiccup and the client reconnects with backoff. DISCONNECTs come from the local server (v2 sends
 * them; `kick` takes the reason code as a test hook), CONNACKs from a scripted server.
 */
import { createClient } from '../../../sdk/client'
import type { Client } from '../../../sdk/client'
import type { ImError } from '../../../sdk/errors'
import type { ClientOptions } from '../../../sdk/options'
import { createMemoryPlatform } from '../../../sdk/platform/memory'
import { FrameDecoder } from '../../../sdk/proto/frame-decoder'
import { PacketType } from '../../../sdk/proto/packets'
import { decodeClientPacket, encodeServerPacket } from '../../support/server/codec'
import type { StateChange } from '../../../sdk/types'
import { virtualConnector } from '../../support/sim-wx'
import type { AcceptSink } from '../../support/sim-wx'
import { VirtualScheduler } from '../../support/virtual-time'
import { collect, waitFor } from '../../support/waiters'
import { makeDevice, makeWorld } from '../client/harness'
import type { World } from '../client/harness'

const STOPS: Array<[number, string, string]> = [
  [2, 'auth failed', 'AUTH_FAILED'],
  [12, 'kicked', 'KICKED'],
  [19, 'banned', 'KICKED'],
]
const RECONNECTS = [0, 6, 15, 17, 18, 22, 99]

describe('DISCONNECT from the local server (v2)', () => {
  let world: World
  const clients: Client[] = []
  const connected = async (extra: Partial<ClientOptions> = {}) => {
    const c = createClient({ uid: 'alice', token: 'alice-token', wsAddr: 'ws://core', platform: makeDevice(world).platform, random: () => 0.5, ...extra })
    clients.push(c)
    await c.connect()
    await waitFor(() => c.state === 'connected', { tick: () => world.time.advance(100) })
    return c
  }
  beforeEach(() => {
    world = makeWorld('v2')
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close()
  })

  it.each(STOPS)('reason %i stops the client for good (%s) with a typed error', async (code, reason, errorCode) => {
    const c = await connected()
    const states = collect(c, 'state')
    const errors = collect(c, 'error')
    world.core.kick('alice', 'bye', undefined, 'kick', code)
    await waitFor(() => c.state === 'stopped', { tick: () => world.time.advance(100) })
    expect(states.items).toEqual([{ from: 'connected', to: 'stopped', reason, code }])
    expect(errors.items.map((e: ImError) => [e.code, e.context.reasonCode])).toEqual([[errorCode, code]])
    await world.time.advance(5 * 60_000)
    expect(c.state).toBe('stopped')
    expect(world.core.connections('alice')).toHaveLength(0)
  })

  it.each(RECONNECTS)('reason %i is not final: the client backs off and connects again', async (code) => {
    const c = await connected()
    const states = collect(c, 'state')
    world.core.kick('alice', 'node moving', undefined, 'kick', code)
    await waitFor(() => states.items.some((s: StateChange) => s.to === 'connected'), { tick: () => world.time.advance(100) })
    expect(states.items.map((s: StateChange) => [s.from, s.to, s.code])).toEqual([
      ['connected', 'waiting', code],
      ['waiting', 'connecting', undefined],
      ['connecting', 'connected', undefined],
    ])
    expect(states.items[0]?.reason).toBe(`disconnect ${code} node moving`)
    await waitFor(() => world.core.connections('alice').length === 1, { tick: () => world.time.advance(100) })
  })

  it('with the test-only switch stopOnAnyDisconnect, a non-final reason stops the client (the old defect)', async () => {
    const c = await connected({ _unsafe: { stopOnAnyDisconnect: true } })
    world.core.kick('alice', 'node moving', undefined, 'kick', 15)
    await waitFor(() => c.state === 'stopped', { tick: () => world.time.advance(100) })
    await world.time.advance(5 * 60_000)
    expect(c.state).toBe('stopped')
  })
})

describe('CONNACK failures from a scripted server', () => {
  /** Answers every CONNECT with `codes[n]` (the last one repeats). */
  function refusing(codes: number[], time: VirtualScheduler) {
    let n = 0
    return (sink: AcceptSink) => {
      const decoder = new FrameDecoder()
      return {
        onData(data: Uint8Array) {
          decoder.push(data)
          for (let f = decoder.next(); f; f = decoder.next()) {
            if (decodeClientPacket(f, 5).type !== PacketType.CONNECT) continue
            const reasonCode = codes[Math.min(n++, codes.length - 1)] as number
            time.setTimeout(() => sink.send(encodeServerPacket({ type: PacketType.CONNACK, hasServerVersion: true, serverVersion: 5, timeDiff: 0, reasonCode, serverKey: '', salt: '', nodeId: '0' }, 5)), 0)
          }
        },
        onClose() {},
      }
    }
  }
  let client: Client
  afterEach(async () => {
    await client.close()
  })

  it('CONNACK 19 (banned) stops; CONNACK 15 and 22 back off and dial again', async () => {
    const time = new VirtualScheduler()
    const connect = (codes: number[]) => {
      client = createClient({ uid: 'alice', token: 't', wsAddr: 'ws://scripted', random: () => 0.5, platform: createMemoryPlatform({ clock: time, timers: time, connect: virtualConnector(refusing(codes, time)) }) })
      return collect(client, 'state')
    }
    let states = connect([19])
    await client.connect()
    await time.runUntil(() => client.state === 'stopped')
    expect(states.items[states.items.length - 1]).toMatchObject({ to: 'stopped', reason: 'banned', code: 19 })
    await client.close()

    states = connect([15, 22, 1])
    await client.connect()
    await time.runUntil(() => client.state === 'connected')
    expect(states.items.filter((s: StateChange) => s.to === 'waiting').map((s: StateChange) => s.code)).toEqual([15, 22])
  })
})
