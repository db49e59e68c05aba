import { type ClientPacket, type Frame, type ServerPacket } from './packets';
/**
 * The complete frame (header, remaining length, body) for `p` under protocol version `version`.
 * Small frames are views into a shared pool buffer: send `bytes` by byteOffset/byteLength, never
 * `bytes.buffer` alone. Throws InvalidArgumentError when a field does not fit its wire type.
 */
export declare function encodeClientPacket(p: ClientPacket, version: number): Uint8Array;
/**
 * Decodes one frame from the server. `version` is the negotiated version (for CONNACK: the one
 * the client asked for). Throws ProtocolError on truncated or invalid bodies and on packet types
 * a server never sends; trailing bytes are ignored as the official decoders do.
 */
export declare function decodeServerPacket(frame: Frame, version: number): ServerPacket;
