/**
 * Incremental frame splitter for the WKProto byte stream (docs/protocol.md §2). Feed it whatever the
 * socket delivers (any chunking, several frames per WebSocket message) and pull whole frames.
 *
 * `next()` returns a frame, or `undefined` when more bytes are needed. Bytes that can never form a
 * valid frame (packet type 0 or 13..15, a remaining length longer than 4 varint bytes or above
 * `maxRemainingLength`) raise ProtocolError; the buffered bytes are then dropped and the decoder
 * takes fresh input (the connection is normally closed anyway: the stream has lost its framing).
 *
 * Frame bodies are views into the pushed chunks, never copied; chunks must not be mutated after
 * `push`. PING (0x70) and PONG (0x80) are one byte with no remaining length.
 */
import { ProtocolError } from '../errors'
import { MAX_REMAINING_LENGTH, PacketType, type Frame } from './packets'

const EMPTY = new Uint8Array(0)

export class FrameDecoder {
  private buf: Uint8Array = EMPTY
  private pos = 0

  constructor(private readonly maxRemainingLength = MAX_REMAINING_LENGTH) {}

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return
    if (this.pos >= this.buf.length) {
      this.buf = chunk
    } else {
      const left = this.buf.length - this.pos
      const joined = new Uint8Array(left + chunk.length)
      joined.set(this.buf.subarray(this.pos))
      joined.set(chunk, left)
      this.buf = joined
    }
    this.pos = 0
  }

  /** Bytes buffered but not yet returned as frames. */
  get buffered(): number {
    return this.buf.length - this.pos
  }

  next(): Frame | undefined {
    const buf = this.buf
    const start = this.pos
    if (start >= buf.length) return undefined
    const header = buf[start] as number
    const type = header >> 4
    if (type === 0 || type > PacketType.EVENT) this.fail(`invalid packet type ${type}`, { header })
    if (type === PacketType.PING || type === PacketType.PONG) {
      this.pos = start + 1
      return { type, flags: header & 15, body: EMPTY }
    }
    let length = 0
    let i = start + 1
    for (let shift = 0; ; shift += 7) {
      if (i >= buf.length) return undefined
      const b = buf[i++] as number
      length += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) break
      if (shift === 21) this.fail('remaining length longer than 4 bytes', { header })
    }
    if (length > this.maxRemainingLength) this.fail('remaining length above the limit', { length, limit: this.maxRemainingLength })
    if (buf.length - i < length) return undefined
    this.pos = i + length
    if (this.pos === buf.length) {
      this.buf = EMPTY
      this.pos = 0
    }
    return { type, flags: header & 15, body: buf.subarray(i, i + length) }
  }

  /** Drops everything buffered. */
  reset(): void {
    this.buf = EMPTY
    this.pos = 0
  }

  private fail(message: string, context: Record<string, unknown>): never {
    this.reset()
    throw new ProtocolError(message, context)
  }
}
