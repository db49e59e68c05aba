/**
 * Big-endian byte writer and bounds-checked reader for WKProto bodies (docs/protocol.md §3).
 *
 * 64-bit integers never touch BigInt: they travel as two u32 halves and surface as decimal
 * strings (ids) or, when the caller knows they fit, as numbers (messageSeq on v6, timeDiff).
 */
import { InvalidArgumentError, ProtocolError } from '../errors'
import { decodeUtf8, writeUtf8 } from './utf8'

/** The Go decoders read a string length as int16: 32,767 bytes at most (docs/protocol.md §3). */
export const MAX_STRING_BYTES = 32767

const TWO32 = 4294967296
const TWO21 = 2097152

export class Writer {
  buf: Uint8Array
  pos = 0

  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity)
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n))
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
  }

  u8(v: number, field: string): void {
    if (!(v >= 0 && v <= 255 && v === Math.floor(v))) throw badArg(field, v)
    this.room(1)
    this.buf[this.pos++] = v
  }

  u32(v: number, field: string): void {
    if (!(v >= 0 && v < TWO32 && v === Math.floor(v))) throw badArg(field, v)
    this.room(4)
    this.put32(v)
  }

  private put32(v: number): void {
    const b = this.buf
    b[this.pos++] = v >>> 24
    b[this.pos++] = (v >>> 16) & 255
    b[this.pos++] = (v >>> 8) & 255
    b[this.pos++] = v & 255
  }

  /** A safe integer as a signed 64-bit two's complement value (timestamps, timeDiff, v6 seqs). */
  i64(v: number, field: string): void {
    if (!Number.isSafeInteger(v)) throw badArg(field, v)
    this.room(8)
    if (v >= 0) {
      this.put32(Math.floor(v / TWO32))
      this.put32(v % TWO32)
    } else {
      const m = -v // two's complement of |v| = ~|v| + 1
      let lo = (TWO32 - (m % TWO32)) % TWO32
      let hi = TWO32 - 1 - Math.floor(m / TWO32) + (lo === 0 ? 1 : 0)
      if (hi === TWO32) hi = 0
      this.put32(hi)
      this.put32(lo)
    }
  }

  /** A non-negative safe integer as u64 (v6 messageSeq). */
  u64(v: number, field: string): void {
    if (!(v >= 0)) throw badArg(field, v)
    this.i64(v, field)
  }

  /** A decimal string (optional leading '-') as a 64-bit value: ids, nodeId, EVENT timestamp. */
  i64s(s: string, field: string): void {
    const halves = parseDecimal64(s)
    if (!halves) throw badArg(field, s)
    this.room(8)
    this.put32(halves[0])
    this.put32(halves[1])
  }

  str(s: string, field: string): void {
    this.room(2 + s.length * 3)
    const start = this.pos + 2
    const end = writeUtf8(s, this.buf, start)
    const n = end - start
    if (n > MAX_STRING_BYTES) throw badArg(field, `${n} bytes`)
    this.buf[this.pos] = n >> 8
    this.buf[this.pos + 1] = n & 255
    this.pos = end
  }

}

function badArg(field: string, value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`cannot encode ${field}`, { field, value })
}

/** [hi, lo] u32 halves of a decimal 64-bit integer (two's complement when negative), or null. */
export function parseDecimal64(s: string): [number, number] | null {
  const neg = s.charCodeAt(0) === 45
  const digits = neg ? 1 : 0
  if (s.length === digits || s.length - digits > 20) return null
  let hi = 0
  let lo = 0
  for (let i = digits; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) return null
    lo = lo * 10 + d
    const carry = Math.floor(lo / TWO32)
    lo -= carry * TWO32
    hi = hi * 10 + carry
    if (hi >= TWO32) return null
  }
  if (neg) {
    if (hi > 0x80000000 || (hi === 0x80000000 && lo > 0)) return null
    lo = (TWO32 - lo) % TWO32
    hi = (TWO32 - hi - (lo === 0 ? 0 : 1)) % TWO32
  }
  return [hi, lo]
}

/** Decimal string of the 64-bit value hi:lo, signed (two's complement) or unsigned. */
export function formatDecimal64(hi: number, lo: number, signed: boolean): string {
  if (signed && hi >= 0x80000000) {
    // negate: ~x + 1
    lo = (TWO32 - lo) % TWO32
    hi = (TWO32 - 1 - hi + (lo === 0 ? 1 : 0)) % TWO32
    return '-' + formatDecimal64(hi, lo, false)
  }
  if (hi < TWO21) return String(hi * TWO32 + lo)
  // Long division by 10^6 keeps every intermediate below 2^53 (10^6 * 2^32 < 2^53).
  let out = ''
  while (hi > 0) {
    const rHi = hi % 1e6
    hi = (hi - rHi) / 1e6
    const t = rHi * TWO32 + lo
    const r = t % 1e6
    lo = (t - r) / 1e6
    out = String(r + 1e6).slice(1) + out
  }
  return String(lo) + out
}

export class Reader {
  pos: number

  constructor(
    readonly buf: Uint8Array,
    pos = 0,
  ) {
    this.pos = pos
  }

  get remaining(): number {
    return this.buf.length - this.pos
  }

  private need(n: number, field: string): void {
    if (this.pos + n > this.buf.length) throw new ProtocolError(`truncated packet: ${field}`, { field, offset: this.pos })
  }

  u8(field: string): number {
    this.need(1, field)
    return this.buf[this.pos++] as number
  }

  u32(field: string): number {
    this.need(4, field)
    return this.get32()
  }

  private get32(): number {
    const b = this.buf
    const p = this.pos
    this.pos = p + 4
    return (((b[p] as number) << 24) >>> 0) + (((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number))
  }

  /** 64-bit as decimal string. */
  i64s(field: string, signed = true): string {
    this.need(8, field)
    const hi = this.get32()
    return formatDecimal64(hi, this.get32(), signed)
  }

  /** Signed 64-bit that must be a safe integer (timeDiff, clientTimestamp). */
  i64(field: string): number {
    this.need(8, field)
    const hi = this.get32()
    const lo = this.get32()
    if (hi >= 0x80000000) {
      if (hi < 0xffe00000 || (hi === 0xffe00000 && lo === 0)) throw tooBig(field, this.pos - 8)
      return (hi - TWO32) * TWO32 + lo
    }
    if (hi >= TWO21) throw tooBig(field, this.pos - 8)
    return hi * TWO32 + lo
  }

  /** Unsigned 64-bit that must be at most 2^53 - 1 (v6 messageSeq). */
  u64(field: string): number {
    this.need(8, field)
    const hi = this.get32()
    const lo = this.get32()
    if (hi >= TWO21) throw tooBig(field, this.pos - 8)
    return hi * TWO32 + lo
  }

  str(field: string): string {
    this.need(2, field)
    const b = this.buf
    const n = ((b[this.pos] as number) << 8) | (b[this.pos + 1] as number)
    this.pos += 2
    this.need(n, field)
    const start = this.pos
    this.pos += n
    return decodeUtf8(b, start, this.pos)
  }

  /** All remaining bytes (a view, not a copy). */
  rest(): Uint8Array {
    const out = this.buf.subarray(this.pos)
    this.pos = this.buf.length
    return out
  }
}

function tooBig(field: string, offset: number): ProtocolError {
  return new ProtocolError(`${field} exceeds 2^53 - 1`, { field, offset })
}
