/** The v2 / v3 server-line differences: de-duplication, redelivery, pending-ack cap, bad msgKey. Real sockets. */
import { PacketType, type SendackPacket } from '../../../sdk/proto/packets'
import { harness, sleep, until, type Harness } from './helpers'

const REDELIVERY = { intervalMs: 250, maxCount: 3 }

describe('v2 line', () => {
  let h: Harness
  beforeEach(async () => {
    h = await harness({ mode: 'v2', redelivery: REDELIVERY })
  })
  afterEach(() => h.close())

  test('no clientMsgNo de-duplication: a resend is stored again under a new id and seq', async () => {
    const alice = await h.connect('alice')
    const a = await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'once', clientMsgNo: 'same' })
    const b = await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'once', clientMsgNo: 'same', flags: { dup: true } })
    expect([a.messageSeq, b.messageSeq]).toEqual([1, 2])
    expect(a.messageId).not.toBe(b.messageId)
    expect(h.server.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' })).toHaveLength(2)
    // S2 echoes the SEND's header flags in the SENDACK.
    expect(b.flags.dup).toBe(true)
  })

  test('RECV is redelivered (same bytes, same connection) until RECVACK, at most maxCount times', async () => {
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    const carol = await h.connect('carol')
    await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'are you there' })
    await alice.sendAndAck({ channelId: 'carol', channelType: 1, payload: 'hi carol' })
    await carol.waitUntil(() => carol.recvs.length === 1)
    carol.recvack(carol.recvs[0]!)
    await bob.waitUntil(() => bob.recvs.length === 1 + REDELIVERY.maxCount, 3000)
    const first = bob.recvs[0]!
    expect(bob.recvs.every((r) => r.messageId === first.messageId && r.msgKey === first.msgKey && r.timestamp === first.timestamp)).toBe(true)
    await sleep(REDELIVERY.intervalMs * 3)
    expect(bob.recvs).toHaveLength(1 + REDELIVERY.maxCount)
    expect(carol.recvs).toHaveLength(1) // acked at once: never redelivered
    expect(h.server.core.report()).toMatchObject({ delivered: 2, redelivered: REDELIVERY.maxCount, acked: 1 })
  })

  test('a stale or wrong msgKey is answered with SENDACK 9 and the connection stays', async () => {
    const alice = await h.connect('alice')
    const ack = await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'x', badMsgKey: true })
    expect(ack).toMatchObject({ reasonCode: 9, messageSeq: 0 })
    expect((await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'y' })).reasonCode).toBe(1)
    expect(h.server.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' })).toHaveLength(1)
  })
})

describe('v3 line', () => {
  let h: Harness
  beforeEach(async () => {
    h = await harness({ mode: 'v3', redelivery: REDELIVERY, pendingAckCap: 3 })
  })
  afterEach(() => h.close())

  test('durable de-duplication by (fromUid, clientMsgNo): the original id and seq, no second delivery', async () => {
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    const a = await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'once', clientMsgNo: 'same' })
    // A resend on a new connection (new session key) still matches: the hash is over the plaintext.
    alice.close()
    const alice2 = await h.connect('alice')
    const b = await alice2.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'once', clientMsgNo: 'same' })
    expect(b).toMatchObject({ reasonCode: 1, messageId: a.messageId, messageSeq: a.messageSeq, clientMsgNo: 'same' })
    // The same clientMsgNo with different content is a conflict (28), not a new message.
    expect((await alice2.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'other', clientMsgNo: 'same' })).reasonCode).toBe(28)
    // Another sender may use the same clientMsgNo.
    expect((await bob.sendAndAck({ channelId: 'alice', channelType: 1, payload: 'once', clientMsgNo: 'same' })).messageSeq).toBe(2)
    await sleep(100)
    expect(bob.recvs).toHaveLength(1)
    expect(h.server.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' })).toHaveLength(2)
    expect(h.server.core.report().deduplicated).toBe(1)
  })

  test('no redelivery, and pushes beyond the pending-ack cap are dropped until RECVACKs arrive', async () => {
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    for (let i = 1; i <= 5; i++) await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: `m${i}` })
    await sleep(REDELIVERY.intervalMs * 3)
    expect(bob.recvs.map((r) => r.messageSeq)).toEqual([1, 2, 3])
    expect(h.server.core.report()).toMatchObject({ redelivered: 0, droppedByAckCap: 2 })
    for (const r of bob.recvs) bob.recvack(r)
    await until(() => h.server.core.report().acked === 3, 'three RECVACKs')
    await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'm6' })
    await bob.waitUntil(() => bob.recvs.length === 4)
    expect(bob.recvs[3]!.messageSeq).toBe(6) // 4 and 5 are a gap the client must pull
  })

  test('a wrong msgKey closes the connection (protocol error); nothing is stored', async () => {
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    alice.send({ channelId: 'bob', channelType: 1, payload: 'x', badMsgKey: true })
    expect((await alice.closed).code).toBe(1002)
    expect(alice.packets.filter((p): p is SendackPacket => p.type === PacketType.SENDACK)).toEqual([])
    expect(h.server.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' })).toHaveLength(0)
    expect(bob.isClosed).toBe(false)
  })
})
