/**
 * Public data shapes shared by the client, its subsystems, the demo and the tests.
 * Byte payloads are Uint8Array; 64-bit ids are decimal strings.
 */
import type { Content, ContentTypeMap } from './content/types'

/** Outbox status (docs/design.md §3): queued → sending → sent; sending → queued; → failed. */
export type MessageStatus = 'queued' | 'sending' | 'sent' | 'failed'

/**
 * Why a message ended up `failed`: refused by the server, too old, discarded by the app, or
 * 'invalid': a stored message that no longer passes send()'s checks or that the encoder refused
 * (resend() refuses it too; discard() removes it); 'upload': the media upload was refused for good
 * (HTTP 4xx other than 408/429, no URL in the answer, or the saved file is gone).
 */
export type FailureKind = 'rejected' | 'expired' | 'cancelled' | 'invalid' | 'upload'

export interface MessageFlags {
  /** Counts as unread on the receiving side. Default true for send(). */
  redDot: boolean
  /** Command message, consumed once. */
  syncOnce: boolean
  /** Not stored by the server (acked with messageSeq 0). */
  noPersist: boolean
}

/** Where and how a message goes: the part of send()'s input shared by raw and typed sends. */
export interface SendTarget {
  /** Peer uid for person chats (channelType 1), group id for groups. Non-empty, at most 255 UTF-8 bytes. */
  channelId: string
  /** 1 person, 2 group, ... (ChannelType). */
  channelType: number
  topic?: string
  /** Partial header flags; redDot defaults to true, the others to false. */
  flags?: Partial<MessageFlags>
  /** Server-side lifetime in seconds; 0 (default) = never expires. */
  expire?: number
}

/**
 * What the app passes to send(): a typed `content` (encoded as the WuKongIM JSON payload, see
 * docs/content.md), or a raw `payload` for apps with a schema of their own. Not both.
 */
export type SendInput =
  | (SendTarget & {
      /** Bytes, or a string sent as UTF-8. */
      payload: Uint8Array | string
      content?: never
      file?: never
    })
  | (SendTarget & {
      content: Content
      payload?: never
      file?: never
    })
  | (SendTarget & {
      /**
       * A media message: the local file (a temp path from wx.chooseMedia, the recorder, ...) is
       * copied out of the temp area before send() resolves, uploaded, and its URL put into the
       * content (see README "Media messages"). Needs the `media` option.
       */
      file: string
      content: MediaDraft
      payload?: never
    })

/** A media content before its upload: `url` is filled in from the upload. */
export type MediaDraft = {
  [K in MediaContentType]: Omit<ContentTypeMap[K], 'url'> & { url?: string }
}[MediaContentType]

/** The content types that point at an uploaded file (image, GIF, voice, video, file). */
export type MediaContentType = 2 | 3 | 4 | 5 | 8

/** A media message's file and upload, as the outbox keeps them (and restores them after a kill). */
export interface MediaState {
  /** The saved copy under the platform's user directory (removed once the message is sent or discarded). */
  file: string
  /** Set once the upload answered; the payload's content points at it. */
  url?: string
}

/** `messageProgress`: how much of a media message's file was uploaded (throttled). */
export interface MessageProgress {
  clientMsgNo: string
  /** 0..1 */
  progress: number
}

/** One message in the outbox, as reported by send(), pending() and `messageStatus` events. */
export interface OutboxMessage {
  /** Stable for the life of the message, on every attempt. */
  clientMsgNo: string
  channelId: string
  channelType: number
  payload: Uint8Array
  topic?: string
  flags: MessageFlags
  expire: number
  status: MessageStatus
  /** Epoch ms when the message was made durable (send() resolved). */
  createdAt: number
  /** Times it went on the wire. */
  attempts: number
  /**
   * The last SENDACK reason code, when one arrived; 1 (Success) once `sent`, also when the server,
   * asked by client_msg_no before a re-send (v2), was found to hold it without a SENDACK.
   */
  reasonCode?: number
  /** Set when status is `failed`. */
  failure?: FailureKind
  /** Server id and per-channel seq, once sent. */
  messageId?: string
  messageSeq?: number
  /** Epoch ms of the SENDACK that made it `sent`. */
  sentAt?: number
  /** Media messages (sent with `file`): the saved file and, once uploaded, its URL. */
  media?: MediaState
}

/** A message delivered to the app (`message` event), once, in per-channel seq order. */
export interface InboundMessage {
  messageId: string
  messageSeq: number
  clientMsgNo: string
  fromUid: string
  /** As this user sees it: for person chats, the other party's uid. */
  channelId: string
  channelType: number
  /** Server seconds. */
  timestamp: number
  topic?: string
  payload: Uint8Array
  flags: MessageFlags
  /** Pushed over the socket, or pulled over the sync API (gap fill / catch-up). */
  source: 'push' | 'sync'
}

/** A received message as the `message` event delivers it: the payload and its decoded content. */
export interface ReceivedMessage extends InboundMessage {
  /** The payload decoded (never throws: an unknown or malformed payload is UnknownContent). */
  content: Content
}

/**
 * Connection states:
 * - idle: created, connect() not called yet
 * - connecting: dialing, or waiting for CONNACK
 * - connected: CONNACK 1 received; sends flow
 * - waiting: backing off before the next dial
 * - offline: the network watcher says offline; not dialing until it comes back
 * - stopped: kicked or authentication failed; no reconnect until connect() is called again
 * - closed: close() was called; the client is finished
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'offline' | 'stopped' | 'closed'

export interface StateChange {
  from: ConnectionState
  to: ConnectionState
  /** Human-readable cause, e.g. 'connack', 'socket closed 1006', 'heartbeat timeout', 'kicked'. */
  reason: string
  /** Server reason code when the server gave one (CONNACK / DISCONNECT). */
  code?: number
}

export interface GapEvent {
  channelId: string
  channelType: number
  /** Missing range, inclusive. */
  fromSeq: number
  toSeq: number
  outcome: 'detected' | 'filled' | 'unfillable'
}
