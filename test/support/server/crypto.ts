/**
 * Server halves of the session crypto, for the local test server (never imported by sdk/index.ts):
 * encrypt + sign a RECV, verify + decrypt a SEND. The server picks its own salt (16 chars of
 * [0-9A-Za-z], e.g. `saltFromBytes(random16)`) and derives with `deriveServerSession`.
 */
import { ProtocolError } from '../../../sdk/errors'
import { deriveSession, type SessionCrypto } from '../../../sdk/proto/crypto'
import { Setting, type RecvPacket, type SendPacket } from '../../../sdk/proto/packets'

/** The session from the server's secret key and CONNECT.clientKey (the client's derivation, mirrored). */
export function deriveServerSession(serverSecretKey: Uint8Array, clientKeyB64: string, salt: string): SessionCrypto {
  const session = deriveSession(serverSecretKey, clientKeyB64, salt)
  if (!session) throw new ProtocolError('CONNECT carried no client key')
  return session
}

const SALT_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** A salt of `bytes.length` characters from [0-9A-Za-z] (slightly biased; fine for an IV in tests). */
export function saltFromBytes(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += SALT_CHARS[b % 62]
  return s
}

/** RECV ready for the wire: `p.payload` is the plaintext; plaintext mode clears msgKey. */
export function sealRecv(session: SessionCrypto | null, p: RecvPacket): RecvPacket {
  if (session === null || (p.setting & Setting.NO_ENCRYPT) !== 0) return { ...p, msgKey: '' }
  const sealed = { ...p, payload: session.encrypt(p.payload) }
  sealed.msgKey = session.recvMsgKey(sealed)
  return sealed
}

/** Plaintext of a SEND after checking its msgKey (S2 answers SENDACK 9 when this throws). */
export function openSend(session: SessionCrypto | null, p: SendPacket): Uint8Array {
  if (session === null || (p.setting & Setting.NO_ENCRYPT) !== 0) return p.payload
  if (session.sendMsgKey(p) !== p.msgKey) throw new ProtocolError('SEND msgKey mismatch', { clientSeq: p.clientSeq, clientMsgNo: p.clientMsgNo })
  return session.decrypt(p.payload)
}
