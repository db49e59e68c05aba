/**
 * MD5 (RFC 1321), BigInt-free. `@noble/hashes/legacy` md5 would be the obvious choice, but its
 * Merkle-Damgard base writes the bit length with `BigInt(...)` on every digest, which throws on
 * mini-program engines without BigInt; so the SDK carries this small version. Tests check it
 * against @noble/hashes and node:crypto.
 */
import { hex } from './hex'

// K[i] = floor(|sin(i + 1)| * 2^32)
const K = new Int32Array([
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
  0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
  0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
  0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
])
// Per-round left-rotation amounts, four per round.
const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]

const rotl = (x: number, s: number): number => (x << s) | (x >>> (32 - s))

export function md5(data: Uint8Array): Uint8Array {
  const n = data.length
  const blocks = ((n + 8) >>> 6) + 1
  const m = new Uint8Array(blocks * 64)
  m.set(data)
  m[n] = 0x80
  // Bit length, little-endian u64; inputs stay far below 2^32 bytes.
  const bits = n * 8
  const end = blocks * 64 - 8
  for (let i = 0; i < 4; i++) m[end + i] = (bits >>> (8 * i)) & 255
  m[end + 4] = Math.floor(n / 0x20000000) & 255

  let a0 = 0x67452301
  let b0 = 0xefcdab89 | 0
  let c0 = 0x98badcfe | 0
  let d0 = 0x10325476
  const w = new Int32Array(16)
  for (let off = 0; off < m.length; off += 64) {
    for (let j = 0; j < 16; j++) {
      const p = off + j * 4
      w[j] = (m[p] as number) | ((m[p + 1] as number) << 8) | ((m[p + 2] as number) << 16) | ((m[p + 3] as number) << 24)
    }
    let a = a0
    let b = b0
    let c = c0
    let d = d0
    // One loop per round (no branch per step): F, G, H, I with their message-word orders.
    for (let i = 0; i < 16; i++) {
      const t = (a + ((b & c) | (~b & d)) + K[i]! + w[i]!) | 0
      a = d
      d = c
      c = b
      b = (b + rotl(t, S[i & 3]!)) | 0
    }
    for (let i = 16; i < 32; i++) {
      const t = (a + ((d & b) | (~d & c)) + K[i]! + w[(5 * i + 1) & 15]!) | 0
      a = d
      d = c
      c = b
      b = (b + rotl(t, S[4 + (i & 3)]!)) | 0
    }
    for (let i = 32; i < 48; i++) {
      const t = (a + (b ^ c ^ d) + K[i]! + w[(3 * i + 5) & 15]!) | 0
      a = d
      d = c
      c = b
      b = (b + rotl(t, S[8 + (i & 3)]!)) | 0
    }
    for (let i = 48; i < 64; i++) {
      const t = (a + (c ^ (b | ~d)) + K[i]! + w[(7 * i) & 15]!) | 0
      a = d
      d = c
      c = b
      b = (b + rotl(t, S[12 + (i & 3)]!)) | 0
    }
    a0 = (a0 + a) | 0
    b0 = (b0 + b) | 0
    c0 = (c0 + c) | 0
    d0 = (d0 + d) | 0
  }
  const out = new Uint8Array(16)
  const words = [a0, b0, c0, d0]
  for (let i = 0; i < 16; i++) out[i] = ((words[i >> 2] as number) >>> (8 * (i & 3))) & 255
  return out
}

export function md5Hex(data: Uint8Array): string {
  return hex(md5(data))
}
