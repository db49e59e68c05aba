/**
 * Session crypto (docs/protocol.md §5): X25519 key agreement, AES key = first 16 chars of the hex MD5
 * of base64(shared secret), IV = the CONNACK salt, AES-128-CBC/PKCS#7 payloads carried as base64
 * ASCII, and the msgKey that authenticates SEND and RECV. Randomness comes from the caller
 * (platform.randomBytes), never from a global.
 *
 * Plaintext mode: a server with encryption off sends an empty serverKey; `deriveSession` then
 * returns null and `sealSend`/`openRecv` pass payloads through with an empty msgKey (§5.6).
 * A packet carrying Setting.NO_ENCRYPT is passed through the same way (v3 servers honour it).
 *
 * Loading @stablelib/x25519 also loads @stablelib/random, whose module body only tests
 * `typeof crypto` (no call, no throw when absent); its randomBytes is never used here. MD5 is our
 * own (md5.ts) because @noble/hashes' md5 calls BigInt() on every digest.
 */
import { generateKeyPairFromSeed, sharedKey } from '@stablelib/x25519'
import { ProtocolError } from '../errors'
import { AesCbc } from './aes-cbc'
import { decodeBase64, decodeBase64Ascii, encodeBase64, encodeBase64Ascii } from './base64'
import { md5Hex } from './md5'
import { Setting, type RecvPacket, type SendPacket } from './packets'
import { encodeUtf8, writeUtf8 } from './utf8'

export interface KeyPair {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

/** X25519 key pair from 32 random bytes (the seed is clamped into the secret scalar). */
export function generateKeyPair(seed: Uint8Array): KeyPair {
  if (seed.length !== 32) throw new ProtocolError('X25519 seed must be 32 bytes', { length: seed.length })
  const kp = generateKeyPairFromSeed(seed)
  return { publicKey: kp.publicKey, secretKey: kp.secretKey }
}

/** base64 of a public key, as CONNECT.clientKey / CONNACK.serverKey carry it. */
export function encodePublicKey(publicKey: Uint8Array): string {
  return encodeBase64(publicKey)
}

export class SessionCrypto {
  /** The 16 ASCII characters used as AES-128 key and IV (exposed for diagnostics and tests). */
  readonly aesKey: string
  readonly aesIV: string
  /** The key schedule, expanded once per session. */
  private readonly cbc: AesCbc

  constructor(aesKey: string, aesIV: string) {
    this.aesKey = aesKey
    this.aesIV = aesIV
    this.cbc = new AesCbc(encodeUtf8(aesKey), encodeUtf8(aesIV))
  }

  /** AES-128-CBC/PKCS#7 of `plain`, as the ASCII bytes of its base64 (the wire payload). */
  encrypt(plain: Uint8Array): Uint8Array {
    return encodeBase64Ascii(this.cbc.encrypt(plain))
  }

  /** Inverse of encrypt; throws ProtocolError on bad base64, length or padding. */
  decrypt(wire: Uint8Array): Uint8Array {
    const cipher = decodeBase64Ascii(wire)
    try {
      return this.cbc.decrypt(cipher)
    } catch (e) {
      throw new ProtocolError('payload does not decrypt', { length: cipher.length }, e)
    }
  }

  /** msgKey of a SEND whose payload is already the wire (base64) form. */
  sendMsgKey(p: SendPacket): string {
    return this.msgKey(`${p.clientSeq}${p.clientMsgNo}${p.channelId}${p.channelType}`, p.payload)
  }

  /** msgKey a RECV should carry, from its fields as received (payload in wire form). */
  recvMsgKey(p: RecvPacket): string {
    return this.msgKey(`${p.messageId}${p.messageSeq}${p.clientMsgNo}${p.timestamp}${p.fromUid}${p.channelId}${p.channelType}`, p.payload)
  }

  // hex(MD5(base64(AES(utf8(fields + payloadB64))))), §5.4. The payload is already ASCII base64.
  private msgKey(fields: string, wirePayload: Uint8Array): string {
    const verify = new Uint8Array(fields.length * 3 + wirePayload.length)
    const head = writeUtf8(fields, verify, 0)
    verify.set(wirePayload, head)
    return md5Hex(this.encrypt(verify.subarray(0, head + wirePayload.length)))
  }
}

/**
 * After CONNACK: null when the server sent no key (plaintext mode), else the session from the
 * client's secret key, the server's base64 public key and the salt (= IV). Throws ProtocolError
 * for a malformed key or salt. (The test server derives the same session from its own secret key
 * and CONNECT.clientKey: the agreement is symmetric.)
 */
export function deriveSession(secretKey: Uint8Array, peerKeyB64: string, salt: string): SessionCrypto | null {
  if (peerKeyB64 === '') return null
  const peer = decodeBase64(peerKeyB64)
  if (peer.length !== 32) throw new ProtocolError('peer X25519 key must be 32 bytes', { length: peer.length })
  let shared: Uint8Array
  try {
    shared = sharedKey(secretKey, peer, true) // refuse low-order keys (all-zero secret)
  } catch (e) {
    throw new ProtocolError('X25519 key agreement failed', {}, e)
  }
  const aesKey = md5Hex(encodeUtf8(encodeBase64(shared))).slice(0, 16)
  if (salt.length < 16) throw new ProtocolError('salt must have at least 16 characters', { length: salt.length })
  return new SessionCrypto(aesKey, salt.slice(0, 16))
}

const passThrough = (session: SessionCrypto | null, setting: number): session is null => session === null || (setting & Setting.NO_ENCRYPT) !== 0

/** SEND ready for the wire: `p.payload` is the plaintext; returns encrypted payload + msgKey. */
export function sealSend(session: SessionCrypto | null, p: SendPacket): SendPacket {
  if (passThrough(session, p.setting)) return { ...p, msgKey: '' }
  const sealed = { ...p, payload: session.encrypt(p.payload) }
  sealed.msgKey = session.sendMsgKey(sealed)
  return sealed
}

/** Plaintext of a RECV after checking its msgKey; throws ProtocolError when either fails. */
export function openRecv(session: SessionCrypto | null, p: RecvPacket): Uint8Array {
  if (passThrough(session, p.setting)) return p.payload
  if (session.recvMsgKey(p) !== p.msgKey) throw new ProtocolError('RECV msgKey mismatch', { messageId: p.messageId, clientMsgNo: p.clientMsgNo })
  return session.decrypt(p.payload)
}
