/** CONNECT/CONNACK, SEND → SENDACK → RECV, person-channel rewriting, groups, reason codes — both modes, real sockets. */
import { PacketType, type RecvPacket } from '../../../sdk/proto/packets'
import { personChannelId } from '../../support/server/channels'
import { harness, MODES, sleep, type Harness } from './helpers'

const isRecv = (p: { type: number }): p is RecvPacket => p.type === PacketType.RECV

describe.each(MODES)('local server messaging (%s)', (mode) => {
  let h: Harness
  beforeEach(async () => {
    h = await harness({ mode })
  })
  afterEach(() => h.close())

  test('negotiates the version down to the client and hands out a session key', async () => {
    const v5 = await h.connect('alice', { version: 5 })
    expect(v5.connack).toMatchObject({ reasonCode: 1, hasServerVersion: true, serverVersion: 5 })
    expect(v5.connack!.serverKey).toHaveLength(44)
    expect(v5.connack!.salt).toMatch(/^[0-9A-Za-z]{16}$/)
    const v2 = await h.connect('bob', { version: 2 })
    expect(v2.connack).toMatchObject({ reasonCode: 1, hasServerVersion: false })
    expect(h.server.core.connections().map((c) => c.version).sort()).toEqual([2, 5])
  })

  test('person message: stored under the canonical id, acked with contiguous seqs, rewritten per recipient', async () => {
    const alice = await h.connect('alice')
    const alice2 = await h.connect('alice', { version: 2 })
    const bob = await h.connect('bob')
    const ack1 = await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'hi bob' })
    const ack2 = await bob.sendAndAck({ channelId: 'alice', channelType: 1, payload: 'hi alice' })
    expect([ack1.reasonCode, ack1.messageSeq, ack2.reasonCode, ack2.messageSeq]).toEqual([1, 1, 1, 2])
    expect(ack1.messageId).not.toBe(ack2.messageId)
    if (mode === 'v3') expect(ack1.clientMsgNo).toBeDefined()
    else expect(ack1.clientMsgNo).toBeUndefined()

    const stored = h.server.core.messages({ channelId: personChannelId('alice', 'bob'), channelType: 1 })
    expect(stored.map((m) => [m.messageSeq, m.fromUid, Buffer.from(m.payload, 'base64').toString()])).toEqual([
      [1, 'alice', 'hi bob'],
      [2, 'bob', 'hi alice'],
    ])

    await bob.waitUntil(() => bob.recvs.length === 1)
    expect(bob.recvs[0]).toMatchObject({ channelId: 'alice', fromUid: 'alice', messageSeq: 1, plain: 'hi bob', messageId: ack1.messageId })
    // The sender's other device sees the peer's uid; the sending connection gets nothing.
    await alice2.waitUntil(() => alice2.recvs.length === 2)
    expect(alice2.recvs.map((r) => [r.channelId, r.fromUid, r.plain])).toEqual([
      ['bob', 'alice', 'hi bob'],
      ['bob', 'bob', 'hi alice'],
    ])
    await alice.waitUntil(() => alice.recvs.length === 1)
    expect(alice.recvs.map((r) => r.plain)).toEqual(['hi alice'])
    // Each connection has its own key: the same message has different bytes per device.
    expect(alice2.recvs[0]!.msgKey).not.toBe('')
  })

  test('group message goes to every subscriber connection but the sender', async () => {
    h.server.core.createGroup('g1', ['alice', 'bob', 'carol'])
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    const carol = await h.connect('carol')
    const dave = await h.connect('dave')
    const ack = await alice.sendAndAck({ channelId: 'g1', channelType: 2, payload: '大家好 👋', topic: 't1' })
    expect(ack).toMatchObject({ reasonCode: 1, messageSeq: 1 })
    await bob.waitUntil(() => bob.recvs.length === 1)
    await carol.waitUntil(() => carol.recvs.length === 1)
    expect(bob.recvs[0]).toMatchObject({ channelId: 'g1', channelType: 2, fromUid: 'alice', plain: '大家好 👋', topic: 't1' })
    await sleep(50)
    expect(alice.recvs).toHaveLength(0)
    expect(dave.recvs).toHaveLength(0)
    expect(h.server.core.report()).toMatchObject({ stored: 1, delivered: 2 })
  })

  test('reason codes: not a subscriber 3, unknown channel 5, blacklisted 4, banned 19, unsupported type 23', async () => {
    h.server.core.createGroup('g1', ['bob'])
    const alice = await h.connect('alice')
    const code = async (channelId: string, channelType: number): Promise<number> =>
      (await alice.sendAndAck({ channelId, channelType, payload: 'x' })).reasonCode
    expect(await code('g1', 2)).toBe(3)
    expect(await code('nope', 2)).toBe(5)
    expect(await code('x', 7)).toBe(23)
    expect((await h.http('POST', '/channel/blacklist_add', { channel_id: 'bob', channel_type: 1, uids: ['alice'] })).status).toBe(200)
    expect(await code('bob', 1)).toBe(4)
    await h.http('POST', '/channel/subscriber_add', { channel_id: 'g1', channel_type: 2, uids: ['alice'] })
    expect(await code('g1', 2)).toBe(1)
    await h.http('POST', '/channel', { channel_id: 'g1', channel_type: 2, ban: 1 })
    expect(await code('g1', 2)).toBe(19)
    const rejected = await alice.sendAndAck({ channelId: 'g1', channelType: 2, payload: 'x' })
    expect(rejected.messageSeq).toBe(0)
    expect(h.server.core.messages({ channelId: 'g1', channelType: 2 })).toHaveLength(1)
  })

  test('PING is answered with PONG', async () => {
    const alice = await h.connect('alice')
    alice.ping()
    await alice.waitFor((p): p is { type: 8 } => p.type === PacketType.PONG)
  })

  test('plaintext mode (--no-encrypt): empty server key, raw payloads, empty msgKey', async () => {
    await h.close()
    h = await harness({ mode, encrypt: false })
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    expect(alice.connack).toMatchObject({ reasonCode: 1, serverKey: '', salt: '' })
    expect((await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'plain' })).reasonCode).toBe(1)
    await bob.waitUntil(() => bob.recvs.length === 1)
    expect(bob.recvs[0]).toMatchObject({ msgKey: '', plain: 'plain' })
    expect(Buffer.from(bob.recvs[0]!.payload).toString()).toBe('plain')
  })

  test('NoPersist: acked with seq 0 and not stored', async () => {
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    const ack = await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'typing', flags: { noPersist: true } })
    expect(ack).toMatchObject({ reasonCode: 1, messageSeq: 0 })
    expect(h.server.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' })).toHaveLength(0)
    if (mode === 'v2') await bob.waitUntil(() => bob.recvs.length === 1)
    else {
      await sleep(50)
      expect(bob.recvs.filter(isRecv)).toHaveLength(0)
    }
  })
})
