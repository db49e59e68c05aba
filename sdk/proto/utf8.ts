/**
 * UTF-8 without TextEncoder/TextDecoder (WeChat phone engines lack them, and for the short strings
 * of WKProto a plain loop is as fast).
 *
 * Encoding follows TextEncoder: a lone surrogate becomes U+FFFD. Decoding is strict, like the
 * official SDK's `decodeURIComponent(escape(...))`: invalid UTF-8 (bad lead or continuation byte,
 * overlong form, surrogate code point, above U+10FFFF, truncated sequence) raises ProtocolError.
 */
import { ProtocolError } from '../errors'

/** Writes `s` as UTF-8 into `out` at `offset` (caller guarantees 3 bytes per UTF-16 unit); returns the end offset. */
export function writeUtf8(s: string, out: Uint8Array, offset: number): number {
  let o = offset
  const n = s.length
  let i = 0
  // ASCII prefix (ids, uids, keys): the common case.
  for (let c = 0; i < n && (c = s.charCodeAt(i)) < 0x80; i++) out[o++] = c
  for (; i < n; i++) {
    let c = s.charCodeAt(i)
    if (c < 0x80) {
      out[o++] = c
      continue
    }
    if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6)
      out[o++] = 0x80 | (c & 0x3f)
      continue
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        i++
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        out[o++] = 0xf0 | (c >> 18)
        out[o++] = 0x80 | ((c >> 12) & 0x3f)
        out[o++] = 0x80 | ((c >> 6) & 0x3f)
        out[o++] = 0x80 | (c & 0x3f)
        continue
      }
      c = 0xfffd
    }
    out[o++] = 0xe0 | (c >> 12)
    out[o++] = 0x80 | ((c >> 6) & 0x3f)
    out[o++] = 0x80 | (c & 0x3f)
  }
  return o
}

/** Length of `s` in UTF-8 as writeUtf8 writes it (a lone surrogate: 3, as U+FFFD), without encoding it. */
export function utf8Length(s: string): number {
  let bytes = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c <= 0xdbff && c >= 0xd800 && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

export function encodeUtf8(s: string): Uint8Array {
  const buf = new Uint8Array(s.length * 3)
  return buf.subarray(0, writeUtf8(s, buf, 0))
}

const CHUNK = 4096

/** Decodes bytes[start, end) as strict UTF-8; throws ProtocolError on invalid input. */
export function decodeUtf8(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = ''
  const units: number[] = []
  let i = start
  while (i < end) {
    const b = bytes[i++] as number
    if (b < 0x80) {
      units.push(b)
    } else {
      let need: number
      let cp: number
      let min: number
      if (b >= 0xc2 && b <= 0xdf) (need = 1), (cp = b & 0x1f), (min = 0x80)
      else if (b >= 0xe0 && b <= 0xef) (need = 2), (cp = b & 0x0f), (min = 0x800)
      else if (b >= 0xf0 && b <= 0xf4) (need = 3), (cp = b & 0x07), (min = 0x10000)
      else throw invalid(i - 1)
      if (i + need > end) throw invalid(i - 1)
      for (let k = 0; k < need; k++) {
        const c = bytes[i++] as number
        if ((c & 0xc0) !== 0x80) throw invalid(i - 1)
        cp = (cp << 6) | (c & 0x3f)
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw invalid(i - need - 1)
      if (cp >= 0x10000) {
        cp -= 0x10000
        units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff))
      } else units.push(cp)
    }
    if (units.length >= CHUNK) {
      out += String.fromCharCode.apply(null, units)
      units.length = 0
    }
  }
  return units.length ? out + String.fromCharCode.apply(null, units) : out
}

function invalid(offset: number): ProtocolError {
  return new ProtocolError('invalid UTF-8 in string field', { offset })
}
