/**
 * Bad input from one client closes or rejects that connection only: other connections keep
 * working and nothing stored is lost. Both modes, real sockets.
 */
import { encodeClientPacket } from '../../../sdk/proto/codec'
import { PacketType } from '../../../sdk/proto/packets'
import { RawClient } from '../../support/server/raw-client'
import { harness, MODES, type Harness } from './helpers'

describe.each(MODES)('local server under bad input (%s)', (mode) => {
  let h: Harness
  let alice: RawClient
  let bob: RawClient
  beforeEach(async () => {
    h = await harness({ mode })
    alice = await h.connect('alice')
    bob = await h.connect('bob')
    await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'kept' })
  })
  afterEach(() => h.close())

  /** The bystanders still exchange messages and the stored message is intact. */
  async function othersUnharmed(): Promise<void> {
    expect(alice.isClosed || bob.isClosed).toBe(false)
    const ack = await bob.sendAndAck({ channelId: 'alice', channelType: 1, payload: 'still fine' })
    expect(ack).toMatchObject({ reasonCode: 1, messageSeq: 2 })
    await alice.waitUntil(() => alice.recvs.some((r) => r.plain === 'still fine'))
    const stored = h.server.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' })
    expect(stored.map((m) => Buffer.from(m.payload, 'base64').toString())).toEqual(['kept', 'still fine'])
  }

  test('garbage bytes before CONNECT', async () => {
    const c = await RawClient.open(h.server.wsUrl)
    c.raw(Buffer.from('\x00\xff\xfe garbage \x13\x37'))
    expect((await c.closed).code).toBe(1002)
    await othersUnharmed()
  })

  test('garbage bytes after CONNECT', async () => {
    const c = await h.connect('mallory')
    c.raw(Buffer.from([0xd0, 0x01, 0x02])) // packet type 13 does not exist
    expect((await c.closed).code).toBe(1002)
    await othersUnharmed()
  })

  test('a truncated SEND body is a protocol error', async () => {
    const c = await h.connect('mallory')
    c.raw(Buffer.from([0x30, 0x03, 0x00, 0x00, 0x00]))
    expect((await c.closed).code).toBe(1002)
    await othersUnharmed()
  })

  test('a remaining length above 1 MiB closes the connection before any body arrives', async () => {
    const c = await h.connect('mallory')
    // 0x30 SEND, remaining length 0x200000 (2 MiB) as varint: 80 80 80 01
    c.raw(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x01]))
    expect((await c.closed).code).toBe(1002)
    await othersUnharmed()
  })

  test('a second CONNECT on an open connection', async () => {
    const c = await h.connect('mallory')
    c.raw(encodeClientPacket({ type: PacketType.CONNECT, version: 5, deviceFlag: 1, deviceId: 'd', uid: 'alice', token: 'tok-alice', clientTimestamp: 0, clientKey: '' }, 5))
    expect((await c.closed).code).toBe(1002)
    expect(h.server.core.connections('alice')).toHaveLength(1)
    await othersUnharmed()
  })

  test('a wrong msgKey: v2 rejects the SEND (9), v3 closes the connection', async () => {
    const c = await h.connect('mallory')
    c.send({ channelId: 'bob', channelType: 1, payload: 'forged', badMsgKey: true })
    if (mode === 'v2') {
      await c.waitUntil(() => c.packets.some((p) => p.type === PacketType.SENDACK && p.reasonCode === 9))
      expect(c.isClosed).toBe(false)
    } else {
      expect((await c.closed).code).toBe(1002)
    }
    await othersUnharmed()
  })

  test('a text WebSocket message', async () => {
    const c = await h.connect('mallory')
    c.ws.send('{"jsonrpc":"2.0"}')
    expect((await c.closed).code).toBe(1003)
    await othersUnharmed()
  })
})
