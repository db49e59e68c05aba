// utf8, base64, md5 and the BigInt-free 64-bit helpers against Node's own implementations.
import { createHash } from 'crypto'
import fc from 'fast-check'
import { md5 as nobleMd5 } from '@noble/hashes/legacy'
import { bytesToHex } from '@noble/hashes/utils'
import { decodeBase64, encodeBase64 } from '../../../sdk/proto/base64'
import { formatDecimal64, parseDecimal64, Reader, Writer } from '../../../sdk/proto/bytes'
import { hex } from '../../../sdk/proto/hex'
import { md5Hex } from '../../../sdk/proto/md5'
import { decodeUtf8, encodeUtf8, utf8Length } from '../../../sdk/proto/utf8'

describe('utf8', () => {
  it('encodes like Buffer (TextEncoder semantics: lone surrogates become U+FFFD)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(Buffer.from(encodeUtf8(s)).toString('hex')).toBe(Buffer.from(s, 'utf8').toString('hex'))
      }),
      { numRuns: 2000 },
    )
  })

  it('utf8Length counts what encoding writes (Buffer.byteLength), lone surrogates included', () => {
    for (const s of ['', 'a', '\u00e9', '\u4e2d', '\ud83d\ude00', '\ud83d', '\ude00', 'x\ud83dy', '\ude00\ud83d']) expect(utf8Length(s)).toBe(Buffer.byteLength(s, 'utf8'))
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(utf8Length(s)).toBe(encodeUtf8(s).length)
        expect(utf8Length(s)).toBe(Buffer.byteLength(s, 'utf8'))
      }),
      { numRuns: 2000 },
    )
  })

  it('decodes valid UTF-8 back to the string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
        expect(decodeUtf8(encodeUtf8(s))).toBe(s)
      }),
      { numRuns: 2000 },
    )
    const long = '中😀a'.repeat(3000)
    expect(decodeUtf8(encodeUtf8(long))).toBe(long)
  })

  it('raises ProtocolError exactly where a strict decoder (TextDecoder fatal) refuses', () => {
    const strict = new TextDecoder('utf-8', { fatal: true })
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (b) => {
        let want: string | null
        try {
          want = strict.decode(b)
        } catch {
          want = null
        }
        if (want === null) expect(() => decodeUtf8(b)).toThrow(expect.objectContaining({ code: 'PROTOCOL' }))
        else expect(decodeUtf8(b)).toBe(want)
      }),
      { numRuns: 5000 },
    )
    for (const bad of [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe4, 0xbd]]) expect(() => decodeUtf8(Uint8Array.from(bad))).toThrow(expect.objectContaining({ code: 'PROTOCOL' }))
  })
})

describe('hex', () => {
  it('matches Buffer for any bytes, across its chunks of 2,048 bytes', () => {
    for (const n of [0, 1, 16, 2047, 2048, 2049, 5000]) {
      const b = new Uint8Array(n).map((_, i) => (i * 131 + 7) & 255)
      expect(hex(b)).toBe(Buffer.from(b).toString('hex'))
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (b) => expect(hex(b)).toBe(Buffer.from(b).toString('hex'))))
  })
})

describe('base64', () => {
  it('matches Buffer both ways', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        const s = encodeBase64(b)
        expect(s).toBe(Buffer.from(b).toString('base64'))
        expect(decodeBase64(s)).toEqual(b)
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses malformed input with ProtocolError', () => {
    for (const bad of ['A', 'AB=C', 'A===', '@@@@', 'AAAA=AAA', 'éAAA']) expect(() => decodeBase64(bad)).toThrow(expect.objectContaining({ code: 'PROTOCOL' }))
  })
})

describe('md5', () => {
  it('matches node:crypto and @noble/hashes for any input, across block boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const want = createHash('md5').update(b).digest('hex')
        expect(md5Hex(b)).toBe(want)
        expect(bytesToHex(nobleMd5(b))).toBe(want)
      }),
      { numRuns: 1000 },
    )
    for (const n of [55, 56, 63, 64, 65, 119, 120, 100000]) {
      const b = new Uint8Array(n).fill(n & 255)
      expect(md5Hex(b)).toBe(createHash('md5').update(b).digest('hex'))
    }
  })
})

describe('64-bit integers without BigInt', () => {
  const TWO64 = BigInt(2) ** BigInt(64)
  it('decimal strings round-trip through two u32 halves, signed and unsigned', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(TWO64 / BigInt(2)), max: TWO64 / BigInt(2) - BigInt(1) }), (n) => {
        const halves = parseDecimal64(String(n))!
        const u = BigInt.asUintN(64, n)
        expect(halves).toEqual([Number(u >> BigInt(32)), Number(u & BigInt(0xffffffff))])
        expect(formatDecimal64(halves[0], halves[1], true)).toBe(String(n))
        expect(formatDecimal64(halves[0], halves[1], false)).toBe(String(u))
      }),
      { numRuns: 5000 },
    )
    for (const bad of ['', '-', '18446744073709551616', '-9223372036854775809', '1a', ' 1']) expect(parseDecimal64(bad)).toBeNull()
  })

  it('safe-integer i64 fields round-trip and out-of-range ones are refused', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const w = new Writer(8)
        w.i64(n, 'x')
        expect(Buffer.from(w.buf).readBigInt64BE()).toBe(BigInt(n))
        expect(new Reader(w.buf).i64('x')).toBe(n)
      }),
      { numRuns: 5000 },
    )
    const tooBig = new Uint8Array([0, 0x20, 0, 0, 0, 0, 0, 0])
    expect(() => new Reader(tooBig).i64('x')).toThrow(expect.objectContaining({ code: 'PROTOCOL' }))
    expect(() => new Reader(Uint8Array.of(0xff, 0xe0, 0, 0, 0, 0, 0, 0)).i64('x')).toThrow(expect.objectContaining({ code: 'PROTOCOL' }))
    expect(() => new Writer().i64(2 ** 53, 'x')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
