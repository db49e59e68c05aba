import { type RecvPacket, type SendPacket } from './packets';
export interface KeyPair {
    publicKey: Uint8Array;
    secretKey: Uint8Array;
}
/** X25519 key pair from 32 random bytes (the seed is clamped into the secret scalar). */
export declare function generateKeyPair(seed: Uint8Array): KeyPair;
/** base64 of a public key, as CONNECT.clientKey / CONNACK.serverKey carry it. */
export declare function encodePublicKey(publicKey: Uint8Array): string;
export declare class SessionCrypto {
    /** The 16 ASCII characters used as AES-128 key and IV (exposed for diagnostics and tests). */
    readonly aesKey: string;
    readonly aesIV: string;
    private readonly key;
    private readonly iv;
    constructor(aesKey: string, aesIV: string);
    /** AES-128-CBC/PKCS#7 of `plain`, as the ASCII bytes of its base64 (the wire payload). */
    encrypt(plain: Uint8Array): Uint8Array;
    /** Inverse of encrypt; throws ProtocolError on bad base64, length or padding. */
    decrypt(wire: Uint8Array): Uint8Array;
    /** msgKey of a SEND whose payload is already the wire (base64) form. */
    sendMsgKey(p: SendPacket): string;
    /** msgKey a RECV should carry, from its fields as received (payload in wire form). */
    recvMsgKey(p: RecvPacket): string;
    private msgKey;
}
/**
 * Client side, after CONNACK: null when the server sent no key (plaintext mode), else the session.
 * Throws ProtocolError for a malformed key or salt.
 */
export declare function deriveSession(secretKey: Uint8Array, serverKeyB64: string, salt: string): SessionCrypto | null;
/** Server side: the same session from the server's secret key and CONNECT.clientKey. */
export declare function deriveServerSession(serverSecretKey: Uint8Array, clientKeyB64: string, salt: string): SessionCrypto;
/** SEND ready for the wire: `p.payload` is the plaintext; returns encrypted payload + msgKey. */
export declare function sealSend(session: SessionCrypto | null, p: SendPacket): SendPacket;
/** Plaintext of a RECV after checking its msgKey; throws ProtocolError when either fails. */
export declare function openRecv(session: SessionCrypto | null, p: RecvPacket): Uint8Array;
