/**
 * Content ⇄ payload bytes (docs/content.md). The payload is UTF-8 JSON: the type's own fields,
 * `type`, and the common `mention` ({ all: 1, uids }) and `reply` objects, spelled as the official
 * SDK and the companion apps spell them.
 *
 * Decoding never throws: what no codec understands becomes UnknownContent with the bytes kept.
 * Encoding throws InvalidArgumentError for a content that cannot be written.
 */
import { InvalidArgumentError } from '../errors'
import { decodeBase64, encodeBase64 } from '../proto/base64'
import { decodeUtf8, encodeUtf8 } from '../proto/utf8'
import type { Content, ContentCodec, ContentCommon, ContentType, ContentTypeMap, JsonObject, Mention, Reply, UnknownContent } from './types'

/**
 * One field of a built-in type: our name, its name on the wire, its kind (string, number, bytes
 * as base64, any JSON), and whether it may be absent.
 */
type Field = readonly [name: string, wire: string, kind: 's' | 'n' | 'b' | 'j', optional?: 1]

const URL: Field = ['url', 'url', 's']
const SIZE: Field = ['width', 'width', 'n']
const HEIGHT: Field = ['height', 'height', 'n']
const PICTURE = [URL, SIZE, HEIGHT]

/** The built-in types' fields (the mapping, with its sources, is in docs/content.md). */
const BUILT_IN: ReadonlyArray<[number, readonly Field[]]> = [
  [1, [['text', 'content', 's']]],
  [2, PICTURE],
  [3, PICTURE],
  [4, [URL, ['duration', 'timeTrad', 'n'], ['waveform', 'waveform', 's', 1]]],
  [5, [URL, ['cover', 'cover', 's'], ['size', 'size', 'n'], SIZE, HEIGHT, ['duration', 'second', 'n']]],
  [6, [['lng', 'lng', 'n'], ['lat', 'lat', 'n'], ['title', 'title', 's'], ['address', 'address', 's'], ['img', 'img', 's', 1]]],
  [7, [['uid', 'uid', 's'], ['name', 'name', 's'], ['vercode', 'vercode', 's', 1], ['avatar', 'avatar', 's', 1]]],
  [8, [URL, ['name', 'name', 's'], ['size', 'size', 'n'], ['ext', 'ext', 's', 1]]],
  [98, [['data', 'data', 'b']]],
  [99, [['cmd', 'cmd', 's'], ['param', 'param', 'j', 1]]],
]

const registry = new Map<number, ContentCodec<never>>()
for (const [type, fields] of BUILT_IN) registry.set(type, fieldCodec(type, fields) as ContentCodec<never>)

/**
 * Adds (or replaces) the codec of a content type, for every client of the app; returns the undo,
 * which puts back the codec it replaced. Type 0 is UnknownContent and cannot be registered.
 */
export function registerContent<T extends ContentType>(type: T, codec: ContentCodec<ContentTypeMap[T]>): () => void {
  if (!Number.isInteger(type) || type <= 0) throw new InvalidArgumentError('a content type is a positive integer', { type })
  if (!codec || typeof codec.encode !== 'function' || typeof codec.decode !== 'function') {
    throw new InvalidArgumentError('registerContent takes { encode, decode }', { type })
  }
  const before = registry.get(type)
  registry.set(type, codec as ContentCodec<never>)
  return () => {
    if (registry.get(type) !== (codec as ContentCodec<never>)) return
    if (before) registry.set(type, before)
    else registry.delete(type)
  }
}

/** The payload bytes of a content; UnknownContent gives back its bytes unchanged. */
export function encodeContent(content: Content): Uint8Array {
  if (content && content.type === 0) {
    if (!(content.payload instanceof Uint8Array)) throw new InvalidArgumentError('an unknown content carries its payload bytes', { field: 'content.payload' })
    return content.payload.slice()
  }
  return encodeUtf8(JSON.stringify(toJson(content)))
}

/** The content of a payload; never throws (see UnknownContent). */
export function decodeContent(payload: Uint8Array): Content {
  let json: unknown
  try {
    json = JSON.parse(decodeUtf8(payload))
  } catch {
    return unknown(payload, 'not UTF-8 JSON')
  }
  if (!isObject(json) || typeof json.type !== 'number') return unknown(payload, 'no numeric type')
  return fromJson(json) ?? unknown(payload, registry.has(json.type) ? 'malformed' : 'unregistered type', json.type)
}

// ---- internals ------------------------------------------------------------------------------

function toJson(content: Content): JsonObject {
  if (typeof content !== 'object' || content === null) throw new InvalidArgumentError('content must be an object with a numeric type', { field: 'content' })
  const codec = registry.get(content.type)
  if (!codec) throw new InvalidArgumentError('no codec is registered for this content type', { field: 'content.type', type: content.type })
  const json: JsonObject = { ...codec.encode(content as never), type: content.type }
  const { mention, reply } = content as ContentCommon
  if (mention !== undefined) json.mention = mentionJson(mention)
  if (reply !== undefined) json.reply = replyJson(reply)
  return json
}

function fromJson(json: JsonObject): Content | undefined {
  const codec = registry.get(json.type as number)
  let fields: JsonObject | undefined
  try {
    fields = codec?.decode(json) as JsonObject | undefined
  } catch {
    fields = undefined
  }
  if (!isObject(fields)) return undefined
  const content = { ...fields, type: json.type } as Content & JsonObject
  const mention = isObject(json.mention) ? json.mention : undefined
  if (mention) {
    const uids = Array.isArray(mention.uids) ? mention.uids.filter((u): u is string => typeof u === 'string') : []
    // The official SDK writes `all: 1`; some servers write a boolean.
    content.mention = { all: mention.all === 1 || mention.all === true, uids }
  }
  const reply = isObject(json.reply) ? replyFrom(json.reply) : undefined
  if (reply) content.reply = reply
  return content
}

function mentionJson(m: Mention): JsonObject {
  if (typeof m !== 'object' || m === null || (m.uids !== undefined && (!Array.isArray(m.uids) || m.uids.some((u) => typeof u !== 'string')))) {
    throw new InvalidArgumentError('mention is { all, uids: string[] }', { field: 'content.mention' })
  }
  const json: JsonObject = {}
  if (m.all) json.all = 1
  if (m.uids && m.uids.length > 0) json.uids = m.uids.slice()
  return json
}

function replyJson(r: Reply): JsonObject {
  if (typeof r !== 'object' || r === null || typeof r.messageId !== 'string' || typeof r.messageSeq !== 'number' || typeof r.fromUid !== 'string') {
    throw new InvalidArgumentError('reply needs messageId (string), messageSeq and fromUid', { field: 'content.reply' })
  }
  const json: JsonObject = { message_id: r.messageId, message_seq: r.messageSeq, from_uid: r.fromUid, from_name: r.fromName ?? '' }
  if (r.rootMessageId) json.root_message_id = r.rootMessageId
  if (r.content) json.payload = r.content.type === 0 ? unknownJson(r.content) : toJson(r.content)
  return json
}

/** A quoted UnknownContent goes back as the JSON object it came as. */
function unknownJson(content: UnknownContent): JsonObject {
  try {
    const json: unknown = JSON.parse(decodeUtf8(content.payload))
    if (isObject(json)) return json
  } catch {
    // refused below
  }
  throw new InvalidArgumentError('a quoted unknown content must be a JSON object', { field: 'content.reply.content' })
}

function replyFrom(json: JsonObject): Reply | undefined {
  const id = json.message_id
  if ((typeof id !== 'string' && typeof id !== 'number') || typeof json.from_uid !== 'string') return undefined
  const reply: Reply = { messageId: String(id), messageSeq: typeof json.message_seq === 'number' ? json.message_seq : 0, fromUid: json.from_uid }
  if (typeof json.from_name === 'string' && json.from_name !== '') reply.fromName = json.from_name
  if (typeof json.root_message_id === 'string' && json.root_message_id !== '') reply.rootMessageId = json.root_message_id
  if (isObject(json.payload)) reply.content = decodeContent(encodeUtf8(JSON.stringify(json.payload)))
  return reply
}

/** A codec for a built-in type from its field list. */
function fieldCodec(type: number, fields: readonly Field[]): ContentCodec<JsonObject> {
  return {
    encode(content) {
      const json: JsonObject = {}
      for (const [name, wire, kind, optional] of fields) {
        const value = content[name]
        if (value === undefined && optional) continue
        if (!fits(value, kind)) throw new InvalidArgumentError(`content.${name} must be ${KIND[kind]}`, { field: `content.${name}`, type })
        json[wire] = kind === 'b' ? encodeBase64(value as Uint8Array) : value
      }
      return json
    },
    decode(json) {
      const content: JsonObject = {}
      for (const [name, wire, kind, optional] of fields) {
        const value = json[wire]
        if ((value === undefined || value === null) && optional) continue
        if (kind === 'b') {
          if (typeof value !== 'string') return undefined
          content[name] = decodeBase64(value)
        } else if (fits(value, kind)) content[name] = value
        else return undefined
      }
      return content
    },
  }
}

const KIND = { s: 'a string', n: 'a finite number', b: 'a Uint8Array', j: 'JSON' } as const

function fits(value: unknown, kind: Field[2]): boolean {
  switch (kind) {
    case 's':
      return typeof value === 'string'
    case 'n':
      return typeof value === 'number' && isFinite(value)
    case 'b':
      return value instanceof Uint8Array
    case 'j':
      return value !== undefined
  }
}

function unknown(payload: Uint8Array, reason: string, wireType?: number): UnknownContent {
  const content: UnknownContent = { type: 0, payload, reason }
  if (wireType !== undefined) content.wireType = wireType
  return content
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
