/**
 * Typed message content (docs/content.md): the JSON payload WuKongIM apps put on the wire, with a
 * numeric `type` that is also the discriminant of the `Content` union.
 *
 * Custom types join the union by augmenting `ContentTypeMap` and registering a codec:
 *
 *     declare module 'wukongim-mp' { interface ContentTypeMap { 1001: PollContent } }
 *     registerContent(1001, { encode: (c) => ({ q: c.question }), decode: (j) => ... })
 */

/** Who a message mentions: everyone (`all`) and/or these uids. */
export interface Mention {
  all: boolean
  uids: string[]
}

/** The message this one answers. */
export interface Reply {
  /** Server message id of the quoted message (decimal string). */
  messageId: string
  messageSeq: number
  fromUid: string
  fromName?: string
  /** Id of the first message of the thread, when the quoted message is itself a reply. */
  rootMessageId?: string
  /** The quoted message's content, when the sender included it. */
  content?: Content
}

/** Fields every content may carry. */
export interface ContentCommon {
  mention?: Mention
  reply?: Reply
}

export interface TextContent extends ContentCommon {
  type: 1
  text: string
}

export interface ImageContent extends ContentCommon {
  type: 2
  /** Remote URL of the picture. */
  url: string
  /** Pixels. */
  width: number
  height: number
}

export interface GifContent extends ContentCommon {
  type: 3
  url: string
  width: number
  height: number
}

export interface VoiceContent extends ContentCommon {
  type: 4
  url: string
  /** Seconds. */
  duration: number
  /** Loudness samples, base64 (as the companion apps draw them). */
  waveform?: string
}

export interface VideoContent extends ContentCommon {
  type: 5
  url: string
  /** Remote URL of the poster picture. */
  cover: string
  /** Bytes. */
  size: number
  width: number
  height: number
  /** Seconds. */
  duration: number
}

export interface LocationContent extends ContentCommon {
  type: 6
  /** Longitude and latitude, degrees. */
  lng: number
  lat: number
  title: string
  address: string
  /** Remote URL of a map snapshot. */
  img?: string
}

/** A contact card (a user's business card). */
export interface CardContent extends ContentCommon {
  type: 7
  uid: string
  name: string
  /** Verification code the receiver uses to add the contact. */
  vercode?: string
  avatar?: string
}

export interface FileContent extends ContentCommon {
  type: 8
  url: string
  name: string
  /** Bytes. */
  size: number
  /** Extension without the dot ('pdf'). */
  ext?: string
}

/** One piece of a streamed message (the official SDK's type 98). */
export interface StreamContent extends ContentCommon {
  type: 98
  data: Uint8Array
}

/** A command for the app, not a chat message (type 99): `cmd` names it, `param` is any JSON. */
export interface CmdContent extends ContentCommon {
  type: 99
  cmd: string
  param?: unknown
}

/**
 * A payload no registered codec understood: not JSON, no numeric `type`, an unregistered type, or
 * fields of the wrong kind. The bytes are kept as they came; sending it sends them unchanged.
 */
export interface UnknownContent {
  type: 0
  /** The payload's `type`, when it had a numeric one. */
  wireType?: number
  payload: Uint8Array
  /** Why it is unknown, for logs. */
  reason: string
}

/**
 * Wire type → content shape. Augment it (declaration merging) to add a custom type to `Content`;
 * the key must equal the shape's `type`.
 */
export interface ContentTypeMap {
  1: TextContent
  2: ImageContent
  3: GifContent
  4: VoiceContent
  5: VideoContent
  6: LocationContent
  7: CardContent
  8: FileContent
  98: StreamContent
  99: CmdContent
}

export type ContentType = keyof ContentTypeMap

/** Every content the app can send or receive: switch on `type`. */
export type Content = ContentTypeMap[ContentType] | UnknownContent

/** A JSON object as parsed from the wire. */
export type JsonObject = Record<string, unknown>

/**
 * How one content type becomes JSON and back. `encode` returns the type's own fields (`type`,
 * `mention` and `reply` are added around them) and throws for a content it cannot write; `decode`
 * gets the whole parsed object and returns undefined when it is not a valid one (the message then
 * decodes to UnknownContent). Neither sees bytes.
 */
export interface ContentCodec<C> {
  encode(content: C): JsonObject
  decode(json: JsonObject): Omit<C, 'type' | 'mention' | 'reply'> | undefined
}
