// Interop with the official wukongimjssdk@1.0.4 (protocol version 2): our client encoders write the
// bytes its encoder writes, and frames from our server encoders decode in its decoder, pass its
// msgKey check and decrypt to the same plaintext.
import fc from 'fast-check'
import { encodeClientPacket } from '../../../sdk/proto/codec'
import { sealSend } from '../../../sdk/proto/crypto'
import { splitFrames } from '../../support/frames'
import { PacketType, Setting, type ClientPacket, type RecvPacket, type SendPacket } from '../../../sdk/proto/packets'
import { decodeClientPacket, encodeServerPacket } from '../../support/server/codec'
import { openSend, sealRecv } from '../../support/server/crypto'
import { sessionPair } from '../../support/sessions'
import { encodeUtf8 } from '../../../sdk/proto/utf8'
import { officialDecode, officialEncode, officialOpenRecv, setOfficialSession, toOfficialPacket, type OfficialRecvPacket } from '../../support/official-sdk'
import { flags, i64, nonEmptyStr, posId64, str, u32, u8 } from './arbitraries'

const { session, serverSession } = sessionPair()
beforeAll(() => setOfficialSession(session.aesKey, session.aesIV))

const text = str(true)
// 1.0.4 writes an int64 as BigNumber(id / 2^32).toNumber() >> ..., a float division that rounds the
// high word up when the low word is within ~2^9 of 2^32 (see the known-bug test below); keep
// generated ids clear of that band so the byte comparison tests layouts, not that bug.
const TWO32 = BigInt(2) ** BigInt(32)
const safeId = posId64.filter((id) => BigInt(id) % TWO32 < TWO32 - BigInt(4096))
const setting = fc.constantFrom(0, Setting.RECEIPT, Setting.TOPIC, Setting.RECEIPT | Setting.TOPIC)
const utf8Payload = fc.string({ unit: 'grapheme', maxLength: 300 }).map(encodeUtf8)

const sendArb = fc
  .record({ flags, setting, clientSeq: u32, clientMsgNo: nonEmptyStr, channelId: text, channelType: u8, topic: text, payload: utf8Payload })
  .map((r): SendPacket => {
    const { topic, ...rest } = r
    const p: SendPacket = { type: PacketType.SEND, ...rest, expire: 0, msgKey: '' }
    if (r.setting & Setting.TOPIC) p.topic = topic
    return p
  })

const clientArb: fc.Arbitrary<ClientPacket> = fc.oneof(
  fc.record({ version: u8, deviceFlag: u8, deviceId: text, uid: text, token: text, clientTimestamp: i64.map(Math.abs), clientKey: text }).map((r) => ({ type: PacketType.CONNECT, ...r })),
  sendArb,
  fc.record({ flags, messageId: safeId, messageSeq: u32 }).map((r) => ({ type: PacketType.RECVACK, ...r })),
  fc.constant({ type: PacketType.PING }),
  fc.record({ setting: u8, subNo: text, channelId: text, channelType: u8, action: u8, param: text }).map((r) => ({ type: PacketType.SUB, ...r })),
)

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('client encoders vs the official 1.0.4 encoder (version 2)', () => {
  it('produce identical bytes for arbitrary CONNECT, SEND (encrypted), RECVACK, PING and SUB', () => {
    fc.assert(
      fc.property(clientArb, (p) => {
        const ours = encodeClientPacket(p.type === PacketType.SEND ? sealSend(session, p) : p, 2)
        expect(hex(ours)).toBe(hex(officialEncode(toOfficialPacket(p))))
      }),
      { numRuns: 1000 },
    )
  })

  it('known 1.0.4 bug: int64 ids just below a multiple of 2^32 get a wrong high word; ours are exact', () => {
    const p: ClientPacket = { type: PacketType.RECVACK, flags: { dup: false, syncOnce: false, redDot: false, noPersist: false }, messageId: '2305843009213693825', messageSeq: 0 }
    expect(hex(encodeClientPacket(p, 2))).toBe('600c' + (BigInt(p.messageId)).toString(16).padStart(16, '0') + '00000000')
    expect(hex(officialEncode(toOfficialPacket(p)))).toBe('600c20000000ffffff8100000000')
  })

  it('official SEND frames decode with our server codec, pass openSend and give the plaintext back', () => {
    fc.assert(
      fc.property(sendArb, (p) => {
        const [frame] = splitFrames(officialEncode(toOfficialPacket(p)))
        const decoded = decodeClientPacket(frame!, 2) as SendPacket
        expect(openSend(serverSession, decoded)).toEqual(p.payload)
      }),
      { numRuns: 200 },
    )
  })
})

const recvArb = fc
  .record({ flags, setting, fromUid: text, channelId: text, channelType: u8, clientMsgNo: text, messageId: posId64, messageSeq: u32, timestamp: u32, topic: text, payload: utf8Payload })
  .map((r): RecvPacket => {
    const { topic, ...rest } = r
    const p: RecvPacket = { type: PacketType.RECV, ...rest, msgKey: '', expire: 0 }
    if (r.setting & Setting.TOPIC) p.topic = topic
    return p
  })

describe('server encoders vs the official 1.0.4 decoder (version 2)', () => {
  it('RECV: decodes to the same fields, passes its msgKey check and decrypts to the plaintext', () => {
    fc.assert(
      fc.property(recvArb, (plain) => {
        const sealed = sealRecv(serverSession, plain)
        const o = officialDecode(encodeServerPacket(sealed, 2)) as OfficialRecvPacket
        expect({ fromUid: o.fromUID, channelId: o.channelID, channelType: o.channelType, clientMsgNo: o.clientMsgNo, messageId: o.messageID, messageSeq: o.messageSeq, timestamp: o.timestamp, msgKey: o.msgKey, topic: o.topic, redDot: o.reddot, noPersist: o.noPersist, syncOnce: o.syncOnce, dup: o.dup }).toEqual({
          fromUid: sealed.fromUid, channelId: sealed.channelId, channelType: sealed.channelType, clientMsgNo: sealed.clientMsgNo, messageId: sealed.messageId, messageSeq: sealed.messageSeq, timestamp: sealed.timestamp, msgKey: sealed.msgKey, topic: sealed.topic === undefined ? undefined : sealed.topic, redDot: sealed.flags.redDot, noPersist: sealed.flags.noPersist, syncOnce: sealed.flags.syncOnce, dup: sealed.flags.dup,
        })
        expect(officialOpenRecv(o)).toEqual(plain.payload)
        o.msgKey = o.msgKey.replace(/^./, (c) => (c === '0' ? '1' : '0'))
        expect(officialOpenRecv(o)).toBeNull()
      }),
      { numRuns: 300 },
    )
  })

  it('SENDACK, CONNACK, DISCONNECT, SUBACK and PONG decode to the same fields', () => {
    fc.assert(
      fc.property(
        fc.record({ flags, messageId: posId64, clientSeq: u32, messageSeq: u32, reasonCode: u8 }),
        fc.record({ timeDiff: i64.map(Math.abs), reasonCode: u8, serverKey: text, salt: text }),
        fc.record({ reasonCode: u8, reason: text }),
        fc.record({ subNo: text, channelId: text, channelType: u8, action: u8, reasonCode: u8 }),
        (ack, connack, disc, suback) => {
          const a = officialDecode(encodeServerPacket({ type: PacketType.SENDACK, ...ack }, 2)) as any // eslint-disable-line @typescript-eslint/no-explicit-any
          expect([a.messageID.toFixed(), a.clientSeq, a.messageSeq, a.reasonCode, a.reddot]).toEqual([ack.messageId, ack.clientSeq, ack.messageSeq, ack.reasonCode, ack.flags.redDot])
          const c = officialDecode(encodeServerPacket({ type: PacketType.CONNACK, hasServerVersion: false, serverVersion: 2, nodeId: '0', ...connack }, 2)) as any // eslint-disable-line @typescript-eslint/no-explicit-any
          expect([c.timeDiff.toFixed(), c.reasonCode, c.serverKey, c.salt]).toEqual([String(connack.timeDiff), connack.reasonCode, connack.serverKey, connack.salt])
          const d = officialDecode(encodeServerPacket({ type: PacketType.DISCONNECT, ...disc }, 2)) as any // eslint-disable-line @typescript-eslint/no-explicit-any
          expect([d.reasonCode, d.reason]).toEqual([disc.reasonCode, disc.reason])
          const s = officialDecode(encodeServerPacket({ type: PacketType.SUBACK, ...suback }, 2)) as any // eslint-disable-line @typescript-eslint/no-explicit-any
          expect([s.clientMsgNo, s.channelID, s.channelType, s.action, s.reasonCode]).toEqual([suback.subNo, suback.channelId, suback.channelType, suback.action, suback.reasonCode])
          expect(officialDecode(encodeServerPacket({ type: PacketType.PONG }, 2)).packetType).toBe(PacketType.PONG)
        },
      ),
      { numRuns: 200 },
    )
  })
})
