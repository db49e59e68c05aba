/**
 * AES-128-CBC with PKCS#7 padding over a key schedule expanded once per session. @noble/ciphers'
 * cbc() expands the key on every call (a SEND costs two calls: payload and msgKey); this chains
 * the same package's block primitives instead. Words are read and written little-endian byte by
 * byte, as noble's u32 views do on every platform it runs on, so no alignment copy is needed.
 */
import { unsafe as aes } from '@noble/ciphers/aes'
import { ProtocolError } from '../errors'

const word = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)

function put(b: Uint8Array, i: number, w: number): void {
  b[i] = w
  b[i + 1] = w >>> 8
  b[i + 2] = w >>> 16
  b[i + 3] = w >>> 24
}

export class AesCbc {
  private readonly encKey: Uint32Array
  private decKey: Uint32Array | undefined
  private readonly iv: [number, number, number, number]

  constructor(private readonly key: Uint8Array, iv: Uint8Array) {
    if (key.length !== 16 || iv.length !== 16) throw new ProtocolError('AES key and IV must be 16 bytes', { keyLength: key.length, ivLength: iv.length })
    this.encKey = aes.expandKeyLE(key)
    this.iv = [word(iv, 0), word(iv, 4), word(iv, 8), word(iv, 12)]
  }

  /** Ciphertext of `plain`, padded (always at least one byte of padding). */
  encrypt(plain: Uint8Array): Uint8Array {
    const pad = 16 - (plain.length % 16)
    const out = new Uint8Array(plain.length + pad)
    out.set(plain)
    out.fill(pad, plain.length)
    let [s0, s1, s2, s3] = this.iv
    for (let i = 0; i < out.length; i += 16) {
      const r = aes.encrypt(this.encKey, s0 ^ word(out, i), s1 ^ word(out, i + 4), s2 ^ word(out, i + 8), s3 ^ word(out, i + 12))
      ;({ s0, s1, s2, s3 } = r)
      put(out, i, s0)
      put(out, i + 4, s1)
      put(out, i + 8, s2)
      put(out, i + 12, s3)
    }
    return out
  }

  /** Plaintext of `cipher`; throws (a plain Error) on a bad length or padding. */
  decrypt(cipher: Uint8Array): Uint8Array {
    if (cipher.length === 0 || cipher.length % 16 !== 0) throw new Error(`AES-CBC ciphertext length ${cipher.length} is not a positive multiple of 16`)
    this.decKey ??= aes.expandKeyDecLE(this.key)
    const out = new Uint8Array(cipher.length)
    let [p0, p1, p2, p3] = this.iv
    for (let i = 0; i < cipher.length; i += 16) {
      const c0 = word(cipher, i)
      const c1 = word(cipher, i + 4)
      const c2 = word(cipher, i + 8)
      const c3 = word(cipher, i + 12)
      const r = aes.decrypt(this.decKey, c0, c1, c2, c3)
      put(out, i, r.s0 ^ p0)
      put(out, i + 4, r.s1 ^ p1)
      put(out, i + 8, r.s2 ^ p2)
      put(out, i + 12, r.s3 ^ p3)
      p0 = c0
      p1 = c1
      p2 = c2
      p3 = c3
    }
    const pad = out[out.length - 1]!
    if (pad < 1 || pad > 16) throw new Error('AES-CBC padding is wrong')
    for (let i = out.length - pad; i < out.length; i++) if (out[i] !== pad) throw new Error('AES-CBC padding is wrong')
    return out.subarray(0, out.length - pad)
  }
}
