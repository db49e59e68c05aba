import { deriveServerSession, type SessionCrypto } from './crypto';
import { type RecvPacket, type SendPacket } from './packets';
export { deriveServerSession };
/** A salt of `bytes.length` characters from [0-9A-Za-z] (slightly biased; fine for an IV in tests). */
export declare function saltFromBytes(bytes: Uint8Array): string;
/** RECV ready for the wire: `p.payload` is the plaintext; plaintext mode clears msgKey. */
export declare function sealRecv(session: SessionCrypto | null, p: RecvPacket): RecvPacket;
/** Plaintext of a SEND after checking its msgKey (S2 answers SENDACK 9 when this throws). */
export declare function openSend(session: SessionCrypto | null, p: SendPacket): Uint8Array;
