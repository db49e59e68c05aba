/**
 * Client half of the WKProto codec (shipped): encode what a client sends, decode what a server
 * sends. The server half lives in test/support/server/codec.ts so it never reaches the client bundle.
 *
 * SUB and SUBACK stay although the client never subscribes (docs/protocol.md §4.9–4.10), for two
 * reasons: a SUBACK a server sends anyway is decoded and ignored (a 'packet-ignored' line) instead
 * of being an undecodable frame that tears a healthy link down; and the one client encoder covers
 * every client packet, so the test server's SUB handling and the byte-for-byte checks against the
 * official SDK and the golden vectors run through it. The cost is two small layouts.
 */
import { encodeBare, readConnack, readDisconnect, readEvent, readRecv, readSendack, readSuback, unexpected, writeConnect, writeRecvack, writeSend, writeSub } from './layouts'
import { PacketType, type ClientPacket, type Frame, type ServerPacket } from './packets'

/**
 * The complete frame (header, remaining length, body) for `p` under protocol version `version`.
 * Small frames are views into a shared pool buffer: send `bytes` by byteOffset/byteLength, never
 * `bytes.buffer` alone. Throws InvalidArgumentError when a field does not fit its wire type.
 */
export function encodeClientPacket(p: ClientPacket, version: number): Uint8Array {
  switch (p.type) {
    case PacketType.CONNECT:
      return writeConnect(p)
    case PacketType.SEND:
      return writeSend(p, version)
    case PacketType.RECVACK:
      return writeRecvack(p, version)
    case PacketType.PING:
      return encodeBare(PacketType.PING)
    case PacketType.SUB:
      return writeSub(p)
  }
}

/**
 * Decodes one frame from the server. `version` is the negotiated version (for CONNACK: the one
 * the client asked for). Throws ProtocolError on truncated or invalid bodies and on packet types
 * a server never sends; trailing bytes are ignored as the official decoders do.
 */
export function decodeServerPacket(frame: Frame, version: number): ServerPacket {
  switch (frame.type) {
    case PacketType.CONNACK:
      return readConnack(frame, version)
    case PacketType.SENDACK:
      return readSendack(frame, version)
    case PacketType.RECV:
      return readRecv(frame, version)
    case PacketType.PONG:
      return { type: PacketType.PONG }
    case PacketType.DISCONNECT:
      return readDisconnect(frame)
    case PacketType.SUBACK:
      return readSuback(frame)
    case PacketType.EVENT:
      return readEvent(frame)
    default:
      throw unexpected(frame, 'server')
  }
}
