/**
 * Standard base64 (RFC 4648 alphabet, `=` padding) between bytes and ASCII, no Buffer/btoa.
 * Decoding is strict: wrong length, a character outside the alphabet or misplaced padding raises
 * ProtocolError (base64 only ever comes from the peer: keys and encrypted payloads).
 */
import { ProtocolError } from '../errors'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const ENC = new Uint8Array(64)
const DEC = new Int16Array(256).fill(-1)
for (let i = 0; i < 64; i++) {
  ENC[i] = ALPHABET.charCodeAt(i)
  DEC[ALPHABET.charCodeAt(i)] = i
}
const PAD = 0x3d

/** base64 of `bytes` as ASCII bytes (what an encrypted payload looks like on the wire). */
export function encodeBase64Ascii(bytes: Uint8Array): Uint8Array {
  const n = bytes.length
  const out = new Uint8Array(Math.ceil(n / 3) * 4)
  let o = 0
  let i = 0
  for (; i + 2 < n; i += 3) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out[o++] = ENC[v >> 18] as number
    out[o++] = ENC[(v >> 12) & 63] as number
    out[o++] = ENC[(v >> 6) & 63] as number
    out[o++] = ENC[v & 63] as number
  }
  if (i < n) {
    const two = i + 1 < n
    const v = ((bytes[i] as number) << 16) | (two ? (bytes[i + 1] as number) << 8 : 0)
    out[o++] = ENC[v >> 18] as number
    out[o++] = ENC[(v >> 12) & 63] as number
    out[o++] = two ? (ENC[(v >> 6) & 63] as number) : PAD
    out[o++] = PAD
  }
  return out
}

export function encodeBase64(bytes: Uint8Array): string {
  return asciiToString(encodeBase64Ascii(bytes))
}

/** Decodes base64 given as ASCII bytes; throws ProtocolError when it is not valid padded base64. */
export function decodeBase64Ascii(ascii: Uint8Array): Uint8Array {
  const n = ascii.length
  if (n % 4 !== 0) throw new ProtocolError('invalid base64 length', { length: n })
  if (n === 0) return new Uint8Array(0)
  const pad = ascii[n - 1] === PAD ? (ascii[n - 2] === PAD ? 2 : 1) : 0
  const out = new Uint8Array((n / 4) * 3 - pad)
  let o = 0
  for (let i = 0; i < n; i += 4) {
    const last = i + 4 === n
    const a = DEC[ascii[i] as number] as number
    const b = DEC[ascii[i + 1] as number] as number
    const c = last && pad === 2 ? 0 : (DEC[ascii[i + 2] as number] as number)
    const d = last && pad >= 1 ? 0 : (DEC[ascii[i + 3] as number] as number)
    if ((a | b | c | d) < 0) throw new ProtocolError('invalid base64 character', { offset: i })
    const v = (a << 18) | (b << 12) | (c << 6) | d
    out[o++] = v >> 16
    if (o < out.length) out[o++] = (v >> 8) & 255
    if (o < out.length) out[o++] = v & 255
  }
  return out
}

export function decodeBase64(s: string): Uint8Array {
  return decodeBase64Ascii(stringToAscii(s))
}

/** Latin-1 view of ASCII bytes as a string (for base64 text and hex). */
export function asciiToString(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[])
  return s
}

/** Char codes of `s` as bytes; any code above 0x7f makes it invalid ASCII → 0xff (never valid base64). */
export function stringToAscii(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    out[i] = c < 0x80 ? c : 0xff
  }
  return out
}
