/**
 * Server half of the WKProto codec, for the local test server and tools: encode what a server
 * sends, decode what a client sends. Never imported by sdk/index.ts.
 */
import { encodeBare, readConnect, readDisconnect, readRecvack, readSend, readSub, unexpected, writeConnack, writeDisconnect, writeEvent, writeRecv, writeSendack, writeSuback } from '../../../sdk/proto/layouts'
import { PacketType, type ClientPacket, type Frame, type ServerPacket } from '../../../sdk/proto/packets'

export { readDisconnect as decodeDisconnect }

/**
 * The complete frame for `p` under the negotiated `version` (CONNACK: nodeId iff version >= 4).
 * Like encodeClientPacket, small frames are views into a shared pool buffer.
 */
export function encodeServerPacket(p: ServerPacket, version: number): Uint8Array {
  switch (p.type) {
    case PacketType.CONNACK:
      return writeConnack(p, version)
    case PacketType.SENDACK:
      return writeSendack(p, version)
    case PacketType.RECV:
      return writeRecv(p, version)
    case PacketType.PONG:
      return encodeBare(PacketType.PONG)
    case PacketType.DISCONNECT:
      return writeDisconnect(p)
    case PacketType.SUBACK:
      return writeSuback(p)
    case PacketType.EVENT:
      return writeEvent(p)
  }
}

/**
 * Decodes one frame from a client. CONNECT's layout does not depend on the version, so a server
 * can decode it with any `version` and then use CONNECT.version. Throws ProtocolError on bad
 * bodies and on types a client does not send (DISCONNECT included: real servers drop it;
 * `decodeDisconnect` is exported for tools that want to read one anyway).
 */
export function decodeClientPacket(frame: Frame, version: number): ClientPacket {
  switch (frame.type) {
    case PacketType.CONNECT:
      return readConnect(frame)
    case PacketType.SEND:
      return readSend(frame, version)
    case PacketType.RECVACK:
      return readRecvack(frame, version)
    case PacketType.PING:
      return { type: PacketType.PING }
    case PacketType.SUB:
      return readSub(frame)
    default:
      throw unexpected(frame, 'client')
  }
}
