// Property tests: round trips for every packet type and version, chunking independence, and a
// fuzzer showing the decoders only ever raise ProtocolError and stay usable.
import fc from 'fast-check'
import { decodeServerPacket, encodeClientPacket } from '../../../sdk/proto/codec'
import { isProtocolError } from '../../../sdk/errors'
import { FrameDecoder } from '../../../sdk/proto/frame-decoder'
import { splitFrames } from '../../support/frames'
import { PacketType, type Frame } from '../../../sdk/proto/packets'
import { decodeClientPacket, encodeServerPacket } from '../../support/server/codec'
import { clientPacketArb, serverPacketArb, version } from './arbitraries'

const decodeAll = (bytes: Uint8Array): Frame[] => splitFrames(bytes)
const withVersion = <T>(arb: (v: number) => fc.Arbitrary<T>) => version.chain((v) => arb(v).map((p) => ({ v, p })))

describe('round trip', () => {
  it('client packets: encode → frame → decodeClientPacket gives the packet back (versions 2..6)', () => {
    fc.assert(
      fc.property(withVersion(clientPacketArb), ({ v, p }) => {
        const frames = decodeAll(encodeClientPacket(p, v))
        expect(frames).toHaveLength(1)
        expect(decodeClientPacket(frames[0]!, v)).toEqual(p)
      }),
      { numRuns: 2000 },
    )
  })

  it('server packets: encode → frame → decodeServerPacket gives the packet back (versions 2..6)', () => {
    fc.assert(
      fc.property(withVersion(serverPacketArb), ({ v, p }) => {
        const frames = decodeAll(encodeServerPacket(p, v))
        expect(frames).toHaveLength(1)
        expect(decodeServerPacket(frames[0]!, v)).toEqual(p)
      }),
      { numRuns: 2000 },
    )
  })

  it('pooled frames never overlap: thousands of frames encoded back to back all keep their bytes', () => {
    const packets = fc.sample(withVersion(clientPacketArb), { numRuns: 3000, seed: 7 })
    const frames = packets.map(({ v, p }) => encodeClientPacket(p, v))
    frames.forEach((f, i) => {
      const { v, p } = packets[i]!
      const [frame, ...extra] = splitFrames(f) // throws on any byte beyond the frame
      expect(extra).toHaveLength(0)
      expect(decodeClientPacket(frame!, v)).toEqual(p)
    })
    expect(new Set(frames.map((f) => f.buffer)).size).toBeLessThan(frames.length) // pooling is in use
  })

  it('refuses to encode values that do not fit their field', () => {
    const send = { type: PacketType.SEND, flags: { dup: false, syncOnce: false, redDot: false, noPersist: false }, setting: 0, clientSeq: 1, clientMsgNo: 'x', channelId: 'c', channelType: 1, expire: 0, msgKey: '', payload: new Uint8Array(0) } as const
    expect(() => encodeClientPacket({ ...send, clientSeq: 2 ** 32 }, 5)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => encodeClientPacket({ ...send, channelType: 256 }, 5)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => encodeClientPacket({ ...send, channelId: 'a'.repeat(32768) }, 5)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => encodeClientPacket({ ...send, payload: new Uint8Array(1024 * 1024) }, 5)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => encodeClientPacket({ type: PacketType.RECVACK, flags: send.flags, messageId: '18446744073709551616', messageSeq: 1 }, 5)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })

  it('rejects a v6 messageSeq above 2^53 - 1 with ProtocolError', () => {
    const body = new Uint8Array(21)
    body.set([0, 0x20, 0, 0, 0, 0, 0, 0], 12) // messageSeq = 2^53
    expect(() => decodeServerPacket({ type: PacketType.SENDACK, flags: 0, body }, 6)).toThrow(expect.objectContaining({ code: 'PROTOCOL' }))
    body.set([0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 12)
    expect(decodeServerPacket({ type: PacketType.SENDACK, flags: 0, body }, 6)).toMatchObject({ messageSeq: Number.MAX_SAFE_INTEGER })
  })
})

describe('FrameDecoder', () => {
  it('yields the same frames for any chunking of a valid stream', () => {
    fc.assert(
      fc.property(
        version.chain((v) => fc.tuple(fc.constant(v), fc.array(serverPacketArb(v), { minLength: 1, maxLength: 8 }))),
        fc.array(fc.nat(), { maxLength: 20 }),
        ([v, packets], cuts) => {
          const encoded = packets.map((p) => encodeServerPacket(p, v))
          const stream = new Uint8Array(Buffer.concat(encoded))
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
          const d = new FrameDecoder()
          const got: Packet[] = []
          let prev = 0
          for (const at of [...points, stream.length]) {
            d.push(stream.subarray(prev, at))
            prev = at
            for (let f = d.next(); f; f = d.next()) got.push(decodeServerPacket(f, v))
          }
          expect(got).toEqual(packets)
          expect(d.buffered).toBe(0)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('splits one byte at a time', () => {
    const stream = Buffer.concat([encodeClientPacket({ type: PacketType.PING }, 5), encodeServerPacket({ type: PacketType.DISCONNECT, reasonCode: 12, reason: '账号在其他设备上登录'.repeat(20) }, 5), Uint8Array.of(0x80)])
    const d = new FrameDecoder()
    const types: number[] = []
    for (const b of stream) {
      d.push(Uint8Array.of(b))
      for (let f = d.next(); f; f = d.next()) types.push(f.type)
    }
    expect(types).toEqual([PacketType.PING, PacketType.DISCONNECT, PacketType.PONG])
  })

  it('tells "need more bytes" from invalid bytes and stays usable', () => {
    const d = new FrameDecoder(100)
    d.push(Uint8Array.of(0x30, 0x80))
    expect(d.next()).toBeUndefined() // incomplete varint: need more
    d.reset()
    for (const bad of [[0x00, 0x00], [0xd0, 0x00], [0xf0], [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], [0x30, 0x65]]) {
      d.push(Uint8Array.from(bad))
      expect(() => d.next()).toThrow(expect.objectContaining({ code: 'PROTOCOL' }))
      expect(d.buffered).toBe(0)
      d.push(Uint8Array.of(0x80))
      expect(d.next()).toEqual({ type: PacketType.PONG, flags: 0, body: new Uint8Array(0) })
    }
  })

  it('accepts a remaining length of exactly 1 MiB by default and refuses one byte more', () => {
    const d = new FrameDecoder()
    d.push(Uint8Array.of(0x50, 0x80, 0x80, 0x40)) // 2^20
    expect(d.next()).toBeUndefined()
    d.push(new Uint8Array(1024 * 1024))
    expect(d.next()?.body.length).toBe(1024 * 1024)
    d.push(Uint8Array.of(0x50, 0x81, 0x80, 0x40))
    expect(() => d.next()).toThrow(expect.objectContaining({ code: 'PROTOCOL' }))
  })
})

type Packet = ReturnType<typeof decodeServerPacket>

describe('fuzz: 100,000 random and mutated frames', () => {
  const valid = [
    ...fc.sample(serverPacketArb(5), { numRuns: 40, seed: 1 }).map((p) => encodeServerPacket(p, 5)),
    ...fc.sample(clientPacketArb(3), { numRuns: 40, seed: 2 }).map((p) => encodeClientPacket(p, 3)),
  ]
  const mutated = fc
    .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 4 }), fc.nat(), fc.boolean())
    .map(([frame, edits, cut, truncate]) => {
      const out = Uint8Array.from(frame)
      for (const [at, b] of edits) out[at % out.length] = b
      return truncate ? out.subarray(0, cut % (out.length + 1)) : out
    })
  const frameArb = fc.oneof(fc.uint8Array({ maxLength: 48 }), mutated)

  it('never throws anything but ProtocolError, never hangs, and the decoder stays usable', () => {
    const d = new FrameDecoder(4096)
    let frames = 0
    let errors = 0
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 100, maxLength: 100 }), (inputs) => {
        for (const bytes of inputs) {
          frames++
          d.reset()
          d.push(bytes)
          let failed = false
          try {
            for (let guard = 0; ; guard++) {
              if (guard > bytes.length) throw new Error('FrameDecoder.next() does not make progress')
              const f = d.next()
              if (!f) break
              for (const v of [2, 5, 6]) {
                for (const decode of [decodeServerPacket, decodeClientPacket]) {
                  try {
                    decode(f, v)
                  } catch (e) {
                    if (!isProtocolError(e)) throw e
                  }
                }
              }
            }
          } catch (e) {
            if (!isProtocolError(e)) throw e
            failed = true
            errors++
          }
          if (failed && d.buffered !== 0) throw new Error('buffer kept after an error')
          d.reset()
          d.push(Uint8Array.of(0x70))
          if (d.next()?.type !== PacketType.PING) throw new Error('decoder unusable')
        }
      }),
      { numRuns: 1000, seed: 42 },
    )
    expect(frames).toBe(100_000)
    expect(errors).toBeGreaterThan(1000)
  })
})
