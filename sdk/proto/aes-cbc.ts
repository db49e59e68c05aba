/**
 * AES-128-CBC with PKCS#7 padding (FIPS-197, SP 800-38A), the session cipher of docs/protocol.md §5.
 *
 * Our own block function: four 256-entry round tables per direction (8 KB in all, built on first
 * use), state kept in locals, nothing allocated per block. @noble/ciphers' AES, used before issue
 * 21, looks each round up in two 64K-entry tables (512 KB, far beyond the first-level cache) and
 * returns an object per block; a SEND runs ~8 blocks (payload and msgKey), and that block function
 * was the SDK's largest single cost per message in `npm run bench -- cpu`. Checked byte for byte
 * against node:crypto and @noble/ciphers in test/unit/proto/aes-cbc.test.ts.
 *
 * Words are big-endian: byte 0 of a column is the top byte, as in FIPS-197's figures.
 */
import { ProtocolError } from '../errors'

interface Tables {
  sbox: Uint8Array
  inv: Uint8Array
  te: [Uint32Array, Uint32Array, Uint32Array, Uint32Array]
  td: [Uint32Array, Uint32Array, Uint32Array, Uint32Array]
}

let built: Tables | undefined

/** The S-box from GF(2^8) inverses and the affine map, then the round tables (SubBytes + MixColumns). */
function tables(): Tables {
  if (built) return built
  const exp = new Uint8Array(256)
  const log = new Uint8Array(256)
  for (let i = 0, x = 1; i < 255; i++) {
    exp[i] = x
    log[x] = i
    x ^= ((x << 1) ^ (x & 0x80 ? 0x1b : 0)) & 0xff // x · 3, a generator of the field
  }
  const mul = (a: number, b: number): number => (a && b ? exp[(log[a]! + log[b]!) % 255]! : 0)
  const rotl8 = (b: number, n: number): number => ((b << n) | (b >>> (8 - n))) & 0xff
  const sbox = new Uint8Array(256)
  const inv = new Uint8Array(256)
  for (let a = 0; a < 256; a++) {
    const b = a === 0 ? 0 : exp[(255 - log[a]!) % 255]!
    const s = b ^ rotl8(b, 1) ^ rotl8(b, 2) ^ rotl8(b, 3) ^ rotl8(b, 4) ^ 0x63
    sbox[a] = s
    inv[s] = a
  }
  const four = (): [Uint32Array, Uint32Array, Uint32Array, Uint32Array] => [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)]
  const te = four()
  const td = four()
  for (let x = 0; x < 256; x++) {
    const s = sbox[x]!
    const e = ((mul(s, 2) << 24) | (s << 16) | (s << 8) | mul(s, 3)) >>> 0
    const i = inv[x]!
    const d = ((mul(i, 14) << 24) | (mul(i, 9) << 16) | (mul(i, 13) << 8) | mul(i, 11)) >>> 0
    for (let r = 0; r < 4; r++) {
      te[r]![x] = (e >>> (8 * r)) | (e << (32 - 8 * r))
      td[r]![x] = (d >>> (8 * r)) | (d << (32 - 8 * r))
    }
  }
  return (built = { sbox, inv, te, td })
}

const word = (b: Uint8Array, i: number): number => (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!

function put(b: Uint8Array, i: number, w: number): void {
  b[i] = w >>> 24
  b[i + 1] = w >>> 16
  b[i + 2] = w >>> 8
  b[i + 3] = w
}

/** The 44 words of an AES-128 key schedule. */
function expandKey(key: Uint8Array, sbox: Uint8Array): Uint32Array {
  const w = new Uint32Array(44)
  for (let i = 0; i < 4; i++) w[i] = word(key, 4 * i)
  for (let i = 4, rcon = 1; i < 44; i++) {
    let t = w[i - 1]!
    if (i % 4 === 0) {
      // SubWord(RotWord(t)) ^ Rcon
      t = ((sbox[(t >>> 16) & 0xff]! << 24) | (sbox[(t >>> 8) & 0xff]! << 16) | (sbox[t & 0xff]! << 8) | sbox[t >>> 24]!) ^ (rcon << 24)
      rcon = (rcon << 1) ^ (rcon & 0x80 ? 0x11b : 0)
    }
    w[i] = w[i - 4]! ^ t
  }
  return w
}

/** The equivalent inverse cipher's schedule: round keys reversed, InvMixColumns on the middle ones. */
function expandDecKey(enc: Uint32Array, t: Tables): Uint32Array {
  const [d0, d1, d2, d3] = t.td
  const s = t.sbox
  const dk = new Uint32Array(44)
  for (let r = 0; r <= 10; r++) {
    for (let c = 0; c < 4; c++) {
      const w = enc[4 * (10 - r) + c]!
      // td applies the inverse S-box first; feeding it sbox[b] leaves InvMixColumns alone.
      dk[4 * r + c] = r === 0 || r === 10 ? w : d0[s[w >>> 24]!]! ^ d1[s[(w >>> 16) & 0xff]!]! ^ d2[s[(w >>> 8) & 0xff]!]! ^ d3[s[w & 0xff]!]!
    }
  }
  return dk
}

export class AesCbc {
  private readonly t: Tables
  private readonly encKey: Uint32Array
  private decKey: Uint32Array | undefined
  private readonly iv: Uint8Array

  constructor(key: Uint8Array, iv: Uint8Array) {
    if (key.length !== 16 || iv.length !== 16) throw new ProtocolError('AES key and IV must be 16 bytes', { keyLength: key.length, ivLength: iv.length })
    this.t = tables()
    this.encKey = expandKey(key, this.t.sbox)
    this.iv = iv.slice()
  }

  /** Ciphertext of `plain`, padded (always at least one byte of padding). */
  encrypt(plain: Uint8Array): Uint8Array {
    const pad = 16 - (plain.length % 16)
    const out = new Uint8Array(plain.length + pad)
    out.set(plain)
    out.fill(pad, plain.length)
    const [e0, e1, e2, e3] = this.t.te
    const sb = this.t.sbox
    const k = this.encKey
    let c0 = word(this.iv, 0)
    let c1 = word(this.iv, 4)
    let c2 = word(this.iv, 8)
    let c3 = word(this.iv, 12)
    for (let i = 0; i < out.length; i += 16) {
      let s0 = word(out, i) ^ c0 ^ k[0]!
      let s1 = word(out, i + 4) ^ c1 ^ k[1]!
      let s2 = word(out, i + 8) ^ c2 ^ k[2]!
      let s3 = word(out, i + 12) ^ c3 ^ k[3]!
      for (let r = 4; r < 40; r += 4) {
        const t0 = e0[s0 >>> 24]! ^ e1[(s1 >>> 16) & 0xff]! ^ e2[(s2 >>> 8) & 0xff]! ^ e3[s3 & 0xff]! ^ k[r]!
        const t1 = e0[s1 >>> 24]! ^ e1[(s2 >>> 16) & 0xff]! ^ e2[(s3 >>> 8) & 0xff]! ^ e3[s0 & 0xff]! ^ k[r + 1]!
        const t2 = e0[s2 >>> 24]! ^ e1[(s3 >>> 16) & 0xff]! ^ e2[(s0 >>> 8) & 0xff]! ^ e3[s1 & 0xff]! ^ k[r + 2]!
        const t3 = e0[s3 >>> 24]! ^ e1[(s0 >>> 16) & 0xff]! ^ e2[(s1 >>> 8) & 0xff]! ^ e3[s2 & 0xff]! ^ k[r + 3]!
        s0 = t0
        s1 = t1
        s2 = t2
        s3 = t3
      }
      // Last round: no MixColumns.
      c0 = ((sb[s0 >>> 24]! << 24) | (sb[(s1 >>> 16) & 0xff]! << 16) | (sb[(s2 >>> 8) & 0xff]! << 8) | sb[s3 & 0xff]!) ^ k[40]!
      c1 = ((sb[s1 >>> 24]! << 24) | (sb[(s2 >>> 16) & 0xff]! << 16) | (sb[(s3 >>> 8) & 0xff]! << 8) | sb[s0 & 0xff]!) ^ k[41]!
      c2 = ((sb[s2 >>> 24]! << 24) | (sb[(s3 >>> 16) & 0xff]! << 16) | (sb[(s0 >>> 8) & 0xff]! << 8) | sb[s1 & 0xff]!) ^ k[42]!
      c3 = ((sb[s3 >>> 24]! << 24) | (sb[(s0 >>> 16) & 0xff]! << 16) | (sb[(s1 >>> 8) & 0xff]! << 8) | sb[s2 & 0xff]!) ^ k[43]!
      put(out, i, c0)
      put(out, i + 4, c1)
      put(out, i + 8, c2)
      put(out, i + 12, c3)
    }
    return out
  }

  /** Plaintext of `cipher`; throws (a plain Error) on a bad length or padding. */
  decrypt(cipher: Uint8Array): Uint8Array {
    if (cipher.length === 0 || cipher.length % 16 !== 0) throw new Error(`AES-CBC ciphertext length ${cipher.length} is not a positive multiple of 16`)
    const k = (this.decKey ??= expandDecKey(this.encKey, this.t))
    const [d0, d1, d2, d3] = this.t.td
    const ib = this.t.inv
    const out = new Uint8Array(cipher.length)
    let p0 = word(this.iv, 0)
    let p1 = word(this.iv, 4)
    let p2 = word(this.iv, 8)
    let p3 = word(this.iv, 12)
    for (let i = 0; i < cipher.length; i += 16) {
      const c0 = word(cipher, i)
      const c1 = word(cipher, i + 4)
      const c2 = word(cipher, i + 8)
      const c3 = word(cipher, i + 12)
      let s0 = c0 ^ k[0]!
      let s1 = c1 ^ k[1]!
      let s2 = c2 ^ k[2]!
      let s3 = c3 ^ k[3]!
      for (let r = 4; r < 40; r += 4) {
        const t0 = d0[s0 >>> 24]! ^ d1[(s3 >>> 16) & 0xff]! ^ d2[(s2 >>> 8) & 0xff]! ^ d3[s1 & 0xff]! ^ k[r]!
        const t1 = d0[s1 >>> 24]! ^ d1[(s0 >>> 16) & 0xff]! ^ d2[(s3 >>> 8) & 0xff]! ^ d3[s2 & 0xff]! ^ k[r + 1]!
        const t2 = d0[s2 >>> 24]! ^ d1[(s1 >>> 16) & 0xff]! ^ d2[(s0 >>> 8) & 0xff]! ^ d3[s3 & 0xff]! ^ k[r + 2]!
        const t3 = d0[s3 >>> 24]! ^ d1[(s2 >>> 16) & 0xff]! ^ d2[(s1 >>> 8) & 0xff]! ^ d3[s0 & 0xff]! ^ k[r + 3]!
        s0 = t0
        s1 = t1
        s2 = t2
        s3 = t3
      }
      put(out, i, (((ib[s0 >>> 24]! << 24) | (ib[(s3 >>> 16) & 0xff]! << 16) | (ib[(s2 >>> 8) & 0xff]! << 8) | ib[s1 & 0xff]!) ^ k[40]!) ^ p0)
      put(out, i + 4, (((ib[s1 >>> 24]! << 24) | (ib[(s0 >>> 16) & 0xff]! << 16) | (ib[(s3 >>> 8) & 0xff]! << 8) | ib[s2 & 0xff]!) ^ k[41]!) ^ p1)
      put(out, i + 8, (((ib[s2 >>> 24]! << 24) | (ib[(s1 >>> 16) & 0xff]! << 16) | (ib[(s0 >>> 8) & 0xff]! << 8) | ib[s3 & 0xff]!) ^ k[42]!) ^ p2)
      put(out, i + 12, (((ib[s3 >>> 24]! << 24) | (ib[(s2 >>> 16) & 0xff]! << 16) | (ib[(s1 >>> 8) & 0xff]! << 8) | ib[s0 & 0xff]!) ^ k[43]!) ^ p3)
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
