/**
 * Server half of the WKProto codec, for the local test server and tools: encode what a server
 * sends, decode what a client sends. Never imported by sdk/index.ts.
 */
import { readDisconnect } from './layouts';
import { type ClientPacket, type Frame, type ServerPacket } from './packets';
export { readDisconnect as decodeDisconnect };
/**
 * The complete frame for `p` under the negotiated `version` (CONNACK: nodeId iff version >= 4).
 * Like encodeClientPacket, small frames are views into a shared pool buffer.
 */
export declare function encodeServerPacket(p: ServerPacket, version: number): Uint8Array;
/**
 * Decodes one frame from a client. CONNECT's layout does not depend on the version, so a server
 * can decode it with any `version` and then use CONNECT.version. Throws ProtocolError on bad
 * bodies and on types a client does not send (DISCONNECT included: real servers drop it;
 * `decodeDisconnect` is exported for tools that want to read one anyway).
 */
export declare function decodeClientPacket(frame: Frame, version: number): ClientPacket;
