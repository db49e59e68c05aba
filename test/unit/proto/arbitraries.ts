// fast-check generators for WKProto packets, shared by the property and interop tests.
import fc from 'fast-check'
import { MAX_STRING_BYTES } from '../../../sdk/proto/bytes'
import { PacketType, Setting, type ClientPacket, type ConnackPacket, type HeaderFlags, type RecvPacket, type SendPacket, type ServerPacket } from '../../../sdk/proto/packets'

const TWO63 = BigInt(2) ** BigInt(63)
const TWO64 = BigInt(2) ** BigInt(64)

/** Strings: empty, ASCII, any Unicode (CJK, emoji), and the longest allowed (32,767 UTF-8 bytes). */
export const str = (interop = false): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 2, arbitrary: fc.constantFrom('你好，世界', '🎉👍😀', 'g_技术群', 'ñ€𝄞') },
    { weight: interop ? 0 : 1, arbitrary: fc.constantFrom('a'.repeat(MAX_STRING_BYTES), '中'.repeat(10922) + 'a', '😀'.repeat(8191) + 'abc') },
  )
export const nonEmptyStr = str(true).filter((s) => s.length > 0)
export const u8 = fc.integer({ min: 0, max: 255 })
export const u32 = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constant(4294967295), fc.integer({ min: 0, max: 4294967295 }))
export const i64 = fc.oneof(fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER), fc.maxSafeInteger())
/** Signed 64-bit ids as decimal strings (the wire is int64). */
export const id64 = fc.oneof(fc.constantFrom('0', '1878429148223459330', '9223372036854775807', '-9223372036854775808'), fc.bigInt({ min: -TWO63, max: TWO63 - BigInt(1) }).map(String))
export const posId64 = fc.bigInt({ min: BigInt(0), max: TWO63 - BigInt(1) }).map(String)
export const u64s = fc.oneof(fc.constantFrom('0', '18446744073709551615'), fc.bigInt({ min: BigInt(0), max: TWO64 - BigInt(1) }).map(String))
export const flags: fc.Arbitrary<HeaderFlags> = fc.record({ dup: fc.boolean(), syncOnce: fc.boolean(), redDot: fc.boolean(), noPersist: fc.boolean() })
export const payload = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 100, maxLength: 2000 }))
export const version = fc.integer({ min: 2, max: 6 })
const seq = (v: number) => (v >= 6 ? fc.oneof(u32, fc.constant(Number.MAX_SAFE_INTEGER), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })) : u32)
const hasStream = (setting: number, v: number) => v >= 2 && v < 5 && (setting & Setting.STREAM) !== 0

export function sendArb(v: number): fc.Arbitrary<SendPacket> {
  return fc
    .record({ flags, setting: u8, clientSeq: u32, clientMsgNo: str(), streamNo: str(), channelId: str(), channelType: u8, expire: u32, msgKey: str(), topic: str(), payload })
    .map((r) => {
      const p: SendPacket = { type: PacketType.SEND, flags: r.flags, setting: r.setting, clientSeq: r.clientSeq, clientMsgNo: r.clientMsgNo, channelId: r.channelId, channelType: r.channelType, expire: v >= 3 ? r.expire : 0, msgKey: r.msgKey, payload: r.payload }
      if (hasStream(r.setting, v)) p.streamNo = r.streamNo
      if (r.setting & Setting.TOPIC) p.topic = r.topic
      return p
    })
}

export function recvArb(v: number): fc.Arbitrary<RecvPacket> {
  return fc
    .record({ flags, setting: u8, msgKey: str(), fromUid: str(), channelId: str(), channelType: u8, expire: u32, clientMsgNo: str(), streamFlag: u8, streamNo: str(), streamId: u64s, messageId: id64, messageSeq: seq(v), timestamp: u32, topic: str(), payload })
    .map((r) => {
      const { streamFlag, streamNo, streamId, topic, ...rest } = r
      const p: RecvPacket = { type: PacketType.RECV, ...rest, expire: v >= 3 ? r.expire : 0 }
      if (hasStream(r.setting, v)) Object.assign(p, { streamFlag, streamNo, streamId })
      if (r.setting & Setting.TOPIC) p.topic = topic
      return p
    })
}

export function clientPacketArb(v: number): fc.Arbitrary<ClientPacket> {
  return fc.oneof(
    fc.record({ version: u8, deviceFlag: u8, deviceId: str(), uid: str(), token: str(), clientTimestamp: i64, clientKey: str() }).map((r) => ({ type: PacketType.CONNECT, ...r })),
    sendArb(v),
    fc.record({ flags, messageId: id64, messageSeq: seq(v) }).map((r) => ({ type: PacketType.RECVACK, ...r })),
    fc.constant({ type: PacketType.PING }),
    fc.record({ setting: u8, subNo: str(), channelId: str(), channelType: u8, action: u8, param: str() }).map((r) => ({ type: PacketType.SUB, ...r })),
  )
}

export function serverPacketArb(v: number): fc.Arbitrary<ServerPacket> {
  return fc.oneof(
    fc.record({ hasServerVersion: fc.boolean(), timeDiff: i64, reasonCode: u8, serverKey: str(), salt: str(), nodeId: u64s }).map(
      (r): ConnackPacket => ({ type: PacketType.CONNACK, ...r, serverVersion: v, nodeId: v >= 4 ? r.nodeId : '0' }),
    ),
    fc.record({ flags, messageId: id64, clientSeq: u32, messageSeq: seq(v), reasonCode: u8, clientMsgNo: str() }).map((r) => {
      const { clientMsgNo, ...rest } = r
      return clientMsgNo ? { type: PacketType.SENDACK, ...rest, clientMsgNo } : { type: PacketType.SENDACK, ...rest }
    }),
    recvArb(v),
    fc.constant({ type: PacketType.PONG }),
    fc.record({ reasonCode: u8, reason: str() }).map((r) => ({ type: PacketType.DISCONNECT, ...r })),
    fc.record({ subNo: str(), channelId: str(), channelType: u8, action: u8, reasonCode: u8 }).map((r) => ({ type: PacketType.SUBACK, ...r })),
    fc.record({ id: str(), eventType: str(), timestamp: id64, data: payload }).map((r) => ({ type: PacketType.EVENT, ...r })),
  ) as fc.Arbitrary<ServerPacket>
}
