/**
 * send() input checks. Everything the server would refuse for the shape of the message (not for
 * permissions) is refused here, before anything is written.
 */
import { isChannelType } from '../codes'
import { encodeContent } from '../content/codec'
import type { Content } from '../content/types'
import { InvalidArgumentError } from '../errors'
import { MAX_REMAINING_LENGTH } from '../proto/packets'
import { encodeUtf8, utf8Length } from '../proto/utf8'
import type { OutboxMessage, SendInput } from '../types'

export type ValidSend = Pick<OutboxMessage, 'channelId' | 'channelType' | 'payload' | 'topic' | 'flags' | 'expire'>

/**
 * The send() checks applied to a message already in the outbox (restored from storage, or about to
 * be resent): the error send() would have thrown, or undefined when it passes.
 */
export function invalidReason(m: ValidSend): InvalidArgumentError | undefined {
  try {
    validateSend(m)
    return undefined
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error
    throw error
  }
}

/** Content types a `file` can be sent with: those whose content points at the uploaded file. */
const MEDIA_TYPES: ReadonlySet<number> = new Set([2, 3, 4, 5, 8])

export function validateSend(input: SendInput): ValidSend & { file?: string } {
  if (!input || typeof input !== 'object') throw new InvalidArgumentError('send() takes { channelId, channelType, content } or { ..., payload }')
  const { channelId, channelType, topic, expire = 0 } = input
  if (typeof channelId !== 'string' || channelId === '') throw new InvalidArgumentError('channelId must be a non-empty string', { field: 'channelId' })
  const channelBytes = utf8Length(channelId)
  if (channelBytes > 255) throw new InvalidArgumentError('channelId is longer than 255 UTF-8 bytes', { field: 'channelId', bytes: channelBytes })
  if (!isChannelType(channelType)) {
    throw new InvalidArgumentError('unknown channelType', { field: 'channelType', channelType })
  }
  let payload: Uint8Array
  const { file } = input
  if (file !== undefined) {
    if (typeof file !== 'string' || file === '') throw new InvalidArgumentError('file must be a local file path', { field: 'file' })
    if (!input.content || !MEDIA_TYPES.has(input.content.type)) {
      throw new InvalidArgumentError('a file is sent with an image, GIF, voice, video or file content', { field: 'content.type', type: input.content?.type })
    }
  }
  if (input.content !== undefined) {
    if (input.payload !== undefined) throw new InvalidArgumentError('send() takes payload or content, not both', { field: 'content' })
    // A media draft has no URL yet: it goes out empty and is filled in when the upload answers.
    payload = encodeContent((file === undefined ? input.content : { ...input.content, url: input.content.url ?? '' }) as Content)
  } else if (typeof input.payload === 'string') payload = encodeUtf8(input.payload)
  else if (input.payload instanceof Uint8Array) payload = input.payload.slice()
  else throw new InvalidArgumentError('payload must be a Uint8Array or a string', { field: 'payload', type: typeof input.payload })
  if (payload.length === 0) throw new InvalidArgumentError('payload is empty', { field: 'payload' })
  if (topic !== undefined && (typeof topic !== 'string' || utf8Length(topic) > 255)) {
    throw new InvalidArgumentError('topic must be a string of at most 255 UTF-8 bytes', { field: 'topic' })
  }
  if (typeof expire !== 'number' || !Number.isInteger(expire) || expire < 0 || expire > 0xffffffff) {
    throw new InvalidArgumentError('expire must be whole seconds, 0..2^32-1', { field: 'expire', expire })
  }
  const f = input.flags ?? {}
  for (const name of ['redDot', 'syncOnce', 'noPersist'] as const) {
    if (f[name] !== undefined && typeof f[name] !== 'boolean') throw new InvalidArgumentError(`flags.${name} must be a boolean`, { field: `flags.${name}` })
  }
  const frame = sendFrameBound(payload.length, channelBytes, topic === undefined ? 0 : utf8Length(topic))
  if (frame > MAX_REMAINING_LENGTH) {
    throw new InvalidArgumentError('payload too large for one frame', { field: 'payload', bytes: payload.length, frameBytes: frame, limit: MAX_REMAINING_LENGTH })
  }
  const out: ValidSend = {
    channelId,
    channelType,
    payload,
    flags: { redDot: f.redDot ?? true, syncOnce: f.syncOnce ?? false, noPersist: f.noPersist ?? false },
    expire,
  }
  if (topic !== undefined) out.topic = topic
  return file === undefined ? out : { ...out, file }
}

/**
 * Upper bound of a SEND's remaining length (docs/protocol.md §4.3) when the payload is encrypted:
 * AES-CBC pads to the next 16 bytes, the wire carries base64 of that (4/3), plus the fields.
 */
export function sendFrameBound(payloadBytes: number, channelBytes: number, topicBytes: number): number {
  const cipher = (Math.floor(payloadBytes / 16) + 1) * 16
  const wirePayload = Math.ceil(cipher / 3) * 4
  // setting 1, clientSeq 4, clientMsgNo 2+64, channelId 2+n, channelType 1, expire 4, msgKey 2+32, topic 2+n
  return wirePayload + 1 + 4 + 66 + 2 + channelBytes + 1 + 4 + 34 + (topicBytes ? 2 + topicBytes : 0)
}
