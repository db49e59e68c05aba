/** Fault injection, in-process and over the HTTP admin endpoints, both modes, real sockets. */
import { PacketType, type SendackPacket } from '../../../sdk/proto/packets'
import { RawClient } from '../../support/server/raw-client'
import { harness, MODES, sleep, until, type Harness } from './helpers'

const sendacks = (c: RawClient): SendackPacket[] => c.packets.filter((p): p is SendackPacket => p.type === PacketType.SENDACK)

describe.each(MODES)('local server faults (%s)', (mode) => {
  let h: Harness
  beforeEach(async () => {
    h = await harness({ mode })
  })
  afterEach(() => h.close())

  test('drop the next N SENDACKs: the messages are still stored and delivered', async () => {
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    h.server.core.faults.dropSendacks(2, { uid: 'alice' })
    alice.send({ channelId: 'bob', channelType: 1, payload: '1' })
    alice.send({ channelId: 'bob', channelType: 1, payload: '2' })
    const third = await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: '3' })
    expect(third.messageSeq).toBe(3)
    expect(sendacks(alice)).toHaveLength(1)
    await bob.waitUntil(() => bob.recvs.length === 3)
    expect(h.server.core.report()).toMatchObject({ stored: 3, droppedSendacks: 2, sendacks: 1 })
  })

  test('delay the next SENDACK (over HTTP): it arrives after a later one', async () => {
    const alice = await h.connect('alice')
    expect((await h.http('POST', '/admin/faults/delay-sendacks', { count: 1, ms: 800 })).status).toBe(200)
    const slow = alice.send({ channelId: 'bob', channelType: 1, payload: 'slow' })
    const fast = await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'fast' })
    expect(sendacks(alice).map((a) => a.clientSeq)).toEqual([fast.clientSeq])
    await alice.waitUntil(() => sendacks(alice).length === 2)
    expect(sendacks(alice).map((a) => [a.clientSeq, a.messageSeq])).toEqual([
      [fast.clientSeq, 2],
      [slow, 1],
    ])
  })

  test('reject the next N SENDs with a reason code (in-process and over HTTP): not stored, not delivered, only that uid', async () => {
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    h.server.core.faults.rejectSends(2, 15, { uid: 'alice' })
    const first = await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'r1' })
    const fromBob = await bob.sendAndAck({ channelId: 'alice', channelType: 1, payload: 'not alice' })
    const second = await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'r2' })
    const third = await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'r3' })
    expect([first, second].map((a) => [a.reasonCode, a.messageId, a.messageSeq])).toEqual([
      [15, '0', 0],
      [15, '0', 0],
    ])
    expect(fromBob).toMatchObject({ reasonCode: 1, messageSeq: 1 })
    expect(third).toMatchObject({ reasonCode: 1, messageSeq: 2 })
    expect(h.server.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' }).map((m) => m.clientMsgNo)).toHaveLength(2)
    expect((await h.http('POST', '/admin/faults/reject-sends', { count: 1, reason_code: 22 })).status).toBe(200)
    expect(await bob.sendAndAck({ channelId: 'alice', channelType: 1, payload: 'busy' })).toMatchObject({ reasonCode: 22, messageSeq: 0 })
    expect(await bob.sendAndAck({ channelId: 'alice', channelType: 1, payload: 'ok again' })).toMatchObject({ reasonCode: 1, messageSeq: 3 })
    await bob.waitUntil(() => bob.recvs.length === 1)
    await sleep(50)
    expect(bob.recvs).toHaveLength(1) // only r3
    expect(h.server.core.report()).toMatchObject({ stored: 3, rejected: 3 })
  })

  test('close a user’s connections with a close frame (1000) or without one (1006)', async () => {
    const a1 = await h.connect('alice')
    const bob = await h.connect('bob')
    expect(h.server.core.faults.closeConnections('alice', { withCloseFrame: true })).toBe(1)
    expect((await a1.closed).code).toBe(1000)
    const a2 = await h.connect('alice')
    const res = await h.http('POST', '/admin/faults/close-connections', { uid: 'alice', with_close_frame: false })
    expect(res.body).toEqual({ closed: 1 })
    expect((await a2.closed).code).toBe(1006)
    expect(bob.isClosed).toBe(false)
  })

  test('withhold RECVs of a channel by seq or count: a gap the client must pull', async () => {
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    h.server.core.faults.withholdRecv({ channelId: 'bob', channelType: 1, loginUid: 'alice' }, [2])
    await h.http('POST', '/admin/faults/withhold-recv', { channel_id: 'alice', channel_type: 1, login_uid: 'bob', count: 1 })
    for (let i = 1; i <= 4; i++) await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: `m${i}` })
    await bob.waitUntil(() => bob.recvs.length === 2)
    await sleep(50)
    // Seq 2 was named; the count of 1 took the next message, seq 1. Both views name one canonical channel.
    expect(bob.recvs.map((r) => r.messageSeq)).toEqual([3, 4])
    expect(h.server.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' })).toHaveLength(4)
    expect(h.server.core.report().withheld).toBe(2)
  })

  test('reorder the next N RECVs of a channel', async () => {
    h.server.core.createGroup('g', ['alice', 'bob'])
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    await h.http('POST', '/admin/faults/reorder-recv', { channel_id: 'g', channel_type: 2, count: 3 })
    for (let i = 1; i <= 4; i++) await alice.sendAndAck({ channelId: 'g', channelType: 2, payload: `m${i}` })
    await bob.waitUntil(() => bob.recvs.length === 4)
    expect(bob.recvs.map((r) => r.messageSeq)).toEqual([3, 2, 1, 4])
  })

  test('corrupt the next frame to a user: a RECV whose msgKey fails, or an invalid header', async () => {
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    h.server.core.faults.corruptNextFrame('bob')
    await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'bad' })
    await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'good' })
    await bob.waitUntil(() => bob.recvs.length === 2)
    expect(bob.recvs.map((r) => r.plain)).toEqual([undefined, 'good'])
    await h.http('POST', '/admin/faults/corrupt-next-frame', { uid: 'bob', mode: 'header' })
    bob.ping()
    await until(() => h.server.core.report().corruptedFrames === 2, 'second corruption')
    await sleep(30)
    expect(bob.packets.filter((p) => p.type === PacketType.PONG)).toHaveLength(0)
  })

  test('refuse connections: the upgrade fails until switched off', async () => {
    await h.http('POST', '/admin/faults/refuse-connections', { refuse: true })
    await expect(RawClient.open(h.server.wsUrl)).rejects.toThrow()
    h.server.core.faults.refuseConnections(false)
    const ok = await h.connect('alice')
    expect(ok.connack?.reasonCode).toBe(1)
    expect(h.server.core.report().connectionsRefused).toBe(1)
  })

  test('restart keeps data: connections drop, seqs continue, the same ports answer', async () => {
    const alice = await h.connect('alice')
    await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'before' })
    expect((await h.http('POST', '/admin/restart')).status).toBe(200)
    await alice.closed
    await until(() => h.server.core.connections().length === 0 && h.server.core.report().stored === 0, 'the new core')
    const again = await h.connect('alice')
    expect((await again.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'after' })).messageSeq).toBe(2)
    await h.server.restart()
    const sync = await h.http('POST', '/channel/messagesync', { login_uid: 'bob', channel_id: 'alice', channel_type: 1, start_message_seq: 1, pull_mode: 1, limit: 10 })
    expect(sync.body.messages.map((m: { payload: string }) => Buffer.from(m.payload, 'base64').toString())).toEqual(['before', 'after'])
  })

  test('GET /admin/report counts stored, delivered, acked', async () => {
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: 'x' })
    await bob.waitUntil(() => bob.recvs.length === 1)
    bob.recvack(bob.recvs[0]!)
    await until(() => h.server.core.report().acked === 1, 'RECVACK')
    expect((await h.http('GET', '/admin/report')).body).toMatchObject({ stored: 1, delivered: 1, acked: 1, redelivered: 0, activeConnections: 2 })
  })
})
