/**
 * The connection against a minimal scripted server (the local server always negotiates 5):
 * version negotiation (ask for 5, adopt a lower answer: v2 frames afterwards, no `expire` in SEND),
 * nothing but CONNECT before the CONNACK, PING cadence under traffic, EVENT pass-through.
 */
import { createClient } from '../../../sdk/client'
import type { Client } from '../../../sdk/client'
import { createMemoryPlatform } from '../../../sdk/platform/memory'
import { FrameDecoder } from '../../../sdk/proto/frame-decoder'
import { PacketType } from '../../../sdk/proto/packets'
import type { ClientPacket, ServerPacket } from '../../../sdk/proto/packets'
import { decodeClientPacket, encodeServerPacket } from '../../support/server/codec'
import { virtualConnector } from '../../support/sim-wx'
import type { AcceptSink } from '../../support/sim-wx'
import { VirtualScheduler } from '../../support/virtual-time'

const NO_FLAGS = { dup: false, syncOnce: false, redDot: false, noPersist: false }

function scriptedServer(answerVersion: number, holdConnackMs: number, time: VirtualScheduler, afterConnack: ServerPacket[] = []) {
  const seen: Array<{ at: number; packet: ClientPacket }> = []
  const accept = (sink: AcceptSink) => {
    const decoder = new FrameDecoder()
    let version = 5
    return {
      onData(data: Uint8Array) {
        decoder.push(data)
        for (let f = decoder.next(); f; f = decoder.next()) {
          const packet = decodeClientPacket(f, version)
          seen.push({ at: time.now(), packet })
          if (packet.type === PacketType.CONNECT) {
            time.setTimeout(() => {
              version = answerVersion
              const connack = { type: PacketType.CONNACK, hasServerVersion: true, serverVersion: answerVersion, timeDiff: 0, reasonCode: 1, serverKey: '', salt: '', nodeId: '0' } as const
              sink.send(encodeServerPacket(connack, answerVersion))
              for (const p of afterConnack) sink.send(encodeServerPacket(p, answerVersion))
            }, holdConnackMs)
          } else if (packet.type === PacketType.SEND) {
            sink.send(encodeServerPacket({ type: PacketType.SENDACK, flags: NO_FLAGS, messageId: '77', clientSeq: packet.clientSeq, messageSeq: 1, reasonCode: 1 }, version))
          } else if (packet.type === PacketType.PING) {
            sink.send(encodeServerPacket({ type: PacketType.PONG }, version))
          }
        }
      },
      onClose() {},
    }
  }
  return { seen, accept }
}

describe('connection against a scripted server', () => {
  let client: Client
  afterEach(async () => {
    await client.close()
  })

  it('asks for v5, adopts a lower server version, and writes nothing but CONNECT before the CONNACK', async () => {
    const time = new VirtualScheduler()
    const server = scriptedServer(2, 2_000, time)
    const platform = createMemoryPlatform({ clock: time, timers: time, connect: virtualConnector(server.accept) })
    client = createClient({ uid: 'alice', token: 't', wsAddr: 'ws://scripted', platform, heartbeat: { intervalMs: 500 } })
    await client.send({ channelId: 'bob', channelType: 1, payload: 'queued before connect', expire: 60 })
    await client.connect()
    const connackAt = time.now() + 2_000
    await time.runUntil(() => client.pending().length === 0)
    const [connect, ...after] = server.seen
    expect(connect?.packet).toMatchObject({ type: PacketType.CONNECT, version: 5, uid: 'alice', token: 't' })
    expect(after.every((s) => s.at >= connackAt)).toBe(true) // PINGs and the queued SEND waited for the CONNACK
    const send = after.find((s) => s.packet.type === PacketType.SEND)?.packet
    // Decoded as v2 (no expire field on the wire): the payload only comes out right if the client wrote v2.
    expect(send).toMatchObject({ type: PacketType.SEND, channelId: 'bob', expire: 0, msgKey: '' })
    expect(Buffer.from((send as { payload: Uint8Array }).payload).toString()).toBe('queued before connect')
  })

  it('PINGs every heartbeat interval even while SENDs flow (v3 presence only counts PINGs)', async () => {
    const time = new VirtualScheduler()
    const server = scriptedServer(5, 0, time)
    const platform = createMemoryPlatform({ clock: time, timers: time, connect: virtualConnector(server.accept, { latencyMs: 1 }) })
    client = createClient({ uid: 'alice', token: 't', wsAddr: 'ws://scripted', platform })
    await client.connect()
    await time.runUntil(() => client.state === 'connected')
    const start = time.now()
    for (let i = 0; i < 20; i++) {
      await client.send({ channelId: 'bob', channelType: 1, payload: `busy ${i}` })
      await time.advance(5_000)
    }
    await time.advance(1_000)
    const pings = server.seen.filter((s) => s.packet.type === PacketType.PING).map((s) => s.at - start)
    expect(pings).toHaveLength(4) // 100 s of traffic
    pings.forEach((at, i) => expect(Math.abs(at - 25_000 * (i + 1))).toBeLessThan(50))
    expect(client.state).toBe('connected')
  })

  it('passes server EVENT packets to `event` handlers', async () => {
    const time = new VirtualScheduler()
    const data = new Uint8Array([1, 2, 3])
    const server = scriptedServer(5, 0, time, [{ type: PacketType.EVENT, id: 'e1', eventType: 'typing', timestamp: '1700000000123', data }])
    const platform = createMemoryPlatform({ clock: time, timers: time, connect: virtualConnector(server.accept) })
    client = createClient({ uid: 'alice', token: 't', wsAddr: 'ws://scripted', platform })
    const events: unknown[] = []
    client.on('serverEvent', (e) => {
      events.push(e)
    })
    await client.connect()
    await time.runUntil(() => events.length === 1)
    expect(events).toEqual([{ id: 'e1', eventType: 'typing', timestamp: '1700000000123', data }])
  })
})
