/**
 * Field layouts of every WKProto packet (docs/protocol.md §4), one `write*` and one `read*` per packet,
 * shared by the client codec (codec.ts) and the server codec (test/support/server/codec.ts). Each function is a
 * standalone export so a bundle keeps only the halves it uses.
 *
 * `v` is the negotiated protocol version; every version-dependent field is decided here:
 * expire (v >= 3), legacy stream fields (2 <= v < 5 with Setting.STREAM), u64 messageSeq (v >= 6),
 * CONNACK nodeId (v >= 4) and serverVersion (header bit 0).
 */
import { InvalidArgumentError, ProtocolError } from '../errors'
import { Reader, Writer } from './bytes'
import {
  MAX_REMAINING_LENGTH,
  PacketType,
  Setting,
  type ConnackPacket,
  type ConnectPacket,
  type DisconnectPacket,
  type EventPacket,
  type Frame,
  type HeaderFlags,
  type RecvackPacket,
  type RecvPacket,
  type SendackPacket,
  type SendPacket,
  type SubackPacket,
  type SubPacket,
} from './packets'

const hasStream = (setting: number, v: number) => v >= 2 && v < 5 && (setting & Setting.STREAM) !== 0
const hasTopic = (setting: number) => (setting & Setting.TOPIC) !== 0

export function flagsToNibble(f: HeaderFlags): number {
  return (f.dup ? 8 : 0) | (f.syncOnce ? 4 : 0) | (f.redDot ? 2 : 0) | (f.noPersist ? 1 : 0)
}

export function nibbleToFlags(n: number): HeaderFlags {
  return { dup: (n & 8) !== 0, syncOnce: (n & 4) !== 0, redDot: (n & 2) !== 0, noPersist: (n & 1) !== 0 }
}

/** A frame for PING/PONG: the single header byte, no remaining length (docs/protocol.md §2.3). */
export function encodeBare(type: number): Uint8Array {
  return Uint8Array.of(type << 4)
}

// One scratch writer for every encode: encoding is synchronous, so it is never shared, and each
// frame then costs a single exact-size allocation. A buffer grown past 64 KiB is not kept.
let scratch = new Writer(1024)
function begin(): Writer {
  if (scratch.buf.length > 65536) scratch = new Writer(1024)
  scratch.pos = 0
  return scratch
}

// Frames up to 1 KiB are carved out of shared 8 KiB slabs, as Node's Buffer pool does: a fresh
// ArrayBuffer per small frame costs an off-heap allocation and pushes the GC, a view does not.
// So a frame may be a view into a larger buffer: consumers must honour byteOffset/byteLength
// (sdk/platform/wx.ts copies exactly the viewed bytes). Slabs are never written twice.
const SLAB = 8192
const POOLED = 1024
let slab = new ArrayBuffer(SLAB)
let slabUsed = 0

function allocFrame(size: number): Uint8Array {
  if (size > POOLED) return new Uint8Array(size)
  if (slabUsed + size > SLAB) {
    slab = new ArrayBuffer(SLAB)
    slabUsed = 0
  }
  const out = new Uint8Array(slab, slabUsed, size)
  slabUsed += (size + 7) & ~7
  return out
}

/**
 * Header byte + varint remaining length + the writer's body + `tail` (a payload, appended without
 * first copying it into the scratch writer), as one array of exactly the frame's size.
 */
export function finishFrame(type: number, flags: number, w: Writer, tail?: Uint8Array): Uint8Array {
  const head = w.pos
  const n = head + (tail ? tail.length : 0)
  if (n > MAX_REMAINING_LENGTH) throw new InvalidArgumentError('packet exceeds the 1 MiB remaining-length limit', { type, length: n })
  const lenBytes = n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4
  const out = allocFrame(1 + lenBytes + n)
  out[0] = (type << 4) | (flags & 15)
  let v = n
  for (let i = 1; i <= lenBytes; i++) {
    out[i] = (v & 0x7f) | (i < lenBytes ? 0x80 : 0)
    v >>>= 7
  }
  // The fields part is short: a plain loop beats creating a subarray view for set().
  const buf = w.buf
  const o = 1 + lenBytes
  for (let i = 0; i < head; i++) out[o + i] = buf[i] as number
  if (tail) out.set(tail, o + head)
  return out
}

function writeSeq(w: Writer, seq: number, v: number): void {
  if (v >= 6) w.u64(seq, 'messageSeq')
  else w.u32(seq, 'messageSeq')
}

function readSeq(r: Reader, v: number): number {
  return v >= 6 ? r.u64('messageSeq') : r.u32('messageSeq')
}

// CONNECT (§4.1): identical for every version.
export function writeConnect(p: ConnectPacket): Uint8Array {
  const w = begin()
  w.u8(p.version, 'version')
  w.u8(p.deviceFlag, 'deviceFlag')
  w.str(p.deviceId, 'deviceId')
  w.str(p.uid, 'uid')
  w.str(p.token, 'token')
  w.i64(p.clientTimestamp, 'clientTimestamp')
  w.str(p.clientKey, 'clientKey')
  return finishFrame(PacketType.CONNECT, 0, w)
}

export function readConnect(f: Frame): ConnectPacket {
  const r = new Reader(f.body)
  return {
    type: PacketType.CONNECT,
    version: r.u8('version'),
    deviceFlag: r.u8('deviceFlag'),
    deviceId: r.str('deviceId'),
    uid: r.str('uid'),
    token: r.str('token'),
    clientTimestamp: r.i64('clientTimestamp'),
    clientKey: r.str('clientKey'),
  }
}

// CONNACK (§4.2): header bit 0 = hasServerVersion; nodeId iff the version is >= 4.
export function writeConnack(p: ConnackPacket, v: number): Uint8Array {
  const w = begin()
  if (p.hasServerVersion) w.u8(p.serverVersion, 'serverVersion')
  w.i64(p.timeDiff, 'timeDiff')
  w.u8(p.reasonCode, 'reasonCode')
  w.str(p.serverKey, 'serverKey')
  w.str(p.salt, 'salt')
  if (v >= 4) w.i64s(p.nodeId, 'nodeId')
  return finishFrame(PacketType.CONNACK, p.hasServerVersion ? 1 : 0, w)
}

/**
 * `v` is the version the client asked for. With header bit 0 the server's byte decides the layout;
 * without it nothing was negotiated upwards and `v` stands. A missing nodeId reads as "0" and
 * trailing bytes are ignored (a v3 server's failure CONNACK carries a nodeId even for v2 clients).
 */
export function readConnack(f: Frame, v: number): ConnackPacket {
  const r = new Reader(f.body)
  const hasServerVersion = (f.flags & 1) !== 0
  const serverVersion = hasServerVersion ? r.u8('serverVersion') : v
  const timeDiff = r.i64('timeDiff')
  const reasonCode = r.u8('reasonCode')
  const serverKey = r.str('serverKey')
  const salt = r.str('salt')
  const nodeId = serverVersion >= 4 && r.remaining >= 8 ? r.i64s('nodeId', false) : '0'
  return { type: PacketType.CONNACK, hasServerVersion, serverVersion, timeDiff, reasonCode, serverKey, salt, nodeId }
}

// SEND (§4.3)
export function writeSend(p: SendPacket, v: number): Uint8Array {
  const w = begin()
  w.u8(p.setting, 'setting')
  w.u32(p.clientSeq, 'clientSeq')
  w.str(p.clientMsgNo, 'clientMsgNo')
  if (hasStream(p.setting, v)) w.str(p.streamNo ?? '', 'streamNo')
  w.str(p.channelId, 'channelId')
  w.u8(p.channelType, 'channelType')
  if (v >= 3) w.u32(p.expire, 'expire')
  w.str(p.msgKey, 'msgKey')
  if (hasTopic(p.setting)) w.str(p.topic ?? '', 'topic')
  return finishFrame(PacketType.SEND, flagsToNibble(p.flags), w, p.payload)
}

export function readSend(f: Frame, v: number): SendPacket {
  const r = new Reader(f.body)
  const setting = r.u8('setting')
  const clientSeq = r.u32('clientSeq')
  const clientMsgNo = r.str('clientMsgNo')
  const streamNo = hasStream(setting, v) ? r.str('streamNo') : undefined
  const channelId = r.str('channelId')
  const channelType = r.u8('channelType')
  const expire = v >= 3 ? r.u32('expire') : 0
  const msgKey = r.str('msgKey')
  const topic = hasTopic(setting) ? r.str('topic') : undefined
  const p: SendPacket = { type: PacketType.SEND, flags: nibbleToFlags(f.flags), setting, clientSeq, clientMsgNo, channelId, channelType, expire, msgKey, payload: r.rest() }
  if (streamNo !== undefined) p.streamNo = streamNo
  if (topic !== undefined) p.topic = topic
  return p
}

// SENDACK (§4.4): a v3 server appends clientMsgNo when non-empty; so does this encoder.
export function writeSendack(p: SendackPacket, v: number): Uint8Array {
  const w = begin()
  w.i64s(p.messageId, 'messageId')
  w.u32(p.clientSeq, 'clientSeq')
  writeSeq(w, p.messageSeq, v)
  w.u8(p.reasonCode, 'reasonCode')
  if (p.clientMsgNo) w.str(p.clientMsgNo, 'clientMsgNo')
  return finishFrame(PacketType.SENDACK, flagsToNibble(p.flags), w)
}

export function readSendack(f: Frame, v: number): SendackPacket {
  const r = new Reader(f.body)
  const p: SendackPacket = {
    type: PacketType.SENDACK,
    flags: nibbleToFlags(f.flags),
    messageId: r.i64s('messageId'),
    clientSeq: r.u32('clientSeq'),
    messageSeq: readSeq(r, v),
    reasonCode: r.u8('reasonCode'),
  }
  if (r.remaining > 0) p.clientMsgNo = r.str('clientMsgNo')
  return p
}

// RECV (§4.5): note the order differs from SEND.
export function writeRecv(p: RecvPacket, v: number): Uint8Array {
  const w = begin()
  w.u8(p.setting, 'setting')
  w.str(p.msgKey, 'msgKey')
  w.str(p.fromUid, 'fromUid')
  w.str(p.channelId, 'channelId')
  w.u8(p.channelType, 'channelType')
  if (v >= 3) w.u32(p.expire, 'expire')
  w.str(p.clientMsgNo, 'clientMsgNo')
  if (hasStream(p.setting, v)) {
    w.u8(p.streamFlag ?? 0, 'streamFlag')
    w.str(p.streamNo ?? '', 'streamNo')
    w.i64s(p.streamId ?? '0', 'streamId')
  }
  w.i64s(p.messageId, 'messageId')
  writeSeq(w, p.messageSeq, v)
  w.u32(p.timestamp, 'timestamp')
  if (hasTopic(p.setting)) w.str(p.topic ?? '', 'topic')
  return finishFrame(PacketType.RECV, flagsToNibble(p.flags), w, p.payload)
}

export function readRecv(f: Frame, v: number): RecvPacket {
  const r = new Reader(f.body)
  const setting = r.u8('setting')
  const msgKey = r.str('msgKey')
  const fromUid = r.str('fromUid')
  const channelId = r.str('channelId')
  const channelType = r.u8('channelType')
  const expire = v >= 3 ? r.u32('expire') : 0
  const clientMsgNo = r.str('clientMsgNo')
  const stream = hasStream(setting, v)
  const streamFlag = stream ? r.u8('streamFlag') : 0
  const streamNo = stream ? r.str('streamNo') : ''
  const streamId = stream ? r.i64s('streamId', false) : ''
  const messageId = r.i64s('messageId')
  const messageSeq = readSeq(r, v)
  const timestamp = r.u32('timestamp')
  const topic = hasTopic(setting) ? r.str('topic') : undefined
  const p: RecvPacket = {
    type: PacketType.RECV,
    flags: nibbleToFlags(f.flags),
    setting,
    msgKey,
    fromUid,
    channelId,
    channelType,
    expire,
    clientMsgNo,
    messageId,
    messageSeq,
    timestamp,
    payload: r.rest(),
  }
  if (stream) Object.assign(p, { streamFlag, streamNo, streamId })
  if (topic !== undefined) p.topic = topic
  return p
}

// RECVACK (§4.6)
export function writeRecvack(p: RecvackPacket, v: number): Uint8Array {
  const w = begin()
  w.i64s(p.messageId, 'messageId')
  writeSeq(w, p.messageSeq, v)
  return finishFrame(PacketType.RECVACK, flagsToNibble(p.flags), w)
}

export function readRecvack(f: Frame, v: number): RecvackPacket {
  const r = new Reader(f.body)
  return { type: PacketType.RECVACK, flags: nibbleToFlags(f.flags), messageId: r.i64s('messageId'), messageSeq: readSeq(r, v) }
}

// DISCONNECT (§4.8)
export function writeDisconnect(p: DisconnectPacket): Uint8Array {
  const w = begin()
  w.u8(p.reasonCode, 'reasonCode')
  w.str(p.reason, 'reason')
  return finishFrame(PacketType.DISCONNECT, 0, w)
}

export function readDisconnect(f: Frame): DisconnectPacket {
  const r = new Reader(f.body)
  return { type: PacketType.DISCONNECT, reasonCode: r.u8('reasonCode'), reason: r.str('reason') }
}

// SUB (§4.9)
export function writeSub(p: SubPacket): Uint8Array {
  const w = begin()
  w.u8(p.setting, 'setting')
  w.str(p.subNo, 'subNo')
  w.str(p.channelId, 'channelId')
  w.u8(p.channelType, 'channelType')
  w.u8(p.action, 'action')
  w.str(p.param, 'param')
  return finishFrame(PacketType.SUB, 0, w)
}

export function readSub(f: Frame): SubPacket {
  const r = new Reader(f.body)
  return {
    type: PacketType.SUB,
    setting: r.u8('setting'),
    subNo: r.str('subNo'),
    channelId: r.str('channelId'),
    channelType: r.u8('channelType'),
    action: r.u8('action'),
    param: r.str('param'),
  }
}

// SUBACK (§4.10)
export function writeSuback(p: SubackPacket): Uint8Array {
  const w = begin()
  w.str(p.subNo, 'subNo')
  w.str(p.channelId, 'channelId')
  w.u8(p.channelType, 'channelType')
  w.u8(p.action, 'action')
  w.u8(p.reasonCode, 'reasonCode')
  return finishFrame(PacketType.SUBACK, 0, w)
}

export function readSuback(f: Frame): SubackPacket {
  const r = new Reader(f.body)
  return {
    type: PacketType.SUBACK,
    subNo: r.str('subNo'),
    channelId: r.str('channelId'),
    channelType: r.u8('channelType'),
    action: r.u8('action'),
    reasonCode: r.u8('reasonCode'),
  }
}

// EVENT (§4.11)
export function writeEvent(p: EventPacket): Uint8Array {
  const w = begin()
  w.str(p.id, 'id')
  w.str(p.eventType, 'eventType')
  w.i64s(p.timestamp, 'timestamp')
  return finishFrame(PacketType.EVENT, 0, w, p.data)
}

export function readEvent(f: Frame): EventPacket {
  const r = new Reader(f.body)
  return { type: PacketType.EVENT, id: r.str('id'), eventType: r.str('eventType'), timestamp: r.i64s('timestamp'), data: r.rest() }
}

export function unexpected(f: Frame, side: string): ProtocolError {
  return new ProtocolError(`unexpected packet type ${f.type} from the ${side}`, { type: f.type })
}
