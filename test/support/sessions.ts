/** A client session and the server session it talks to, from fixed seeds (codec tests and benches). */
import { deriveSession, encodePublicKey, generateKeyPair, type SessionCrypto } from '../../sdk/proto/crypto'
import { deriveServerSession } from './server/crypto'

export function sessionPair(seed = 1): { session: SessionCrypto; serverSession: SessionCrypto } {
  const key = (n: number) => generateKeyPair(new Uint8Array(32).map((_, i) => (i * 31 + n) & 255))
  const client = key(seed)
  const server = key(seed + 1)
  const salt = 'Ab3dE5gH7jK9mN1p'
  return {
    session: deriveSession(client.secretKey, encodePublicKey(server.publicKey), salt) as SessionCrypto,
    serverSession: deriveServerSession(server.secretKey, encodePublicKey(client.publicKey), salt),
  }
}
