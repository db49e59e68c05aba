/**
 * Events a Client emits. Subscribe with `client.on(name, handler)`, which returns its own undo.
 * Handlers run over a copy of the listener list; a throwing handler is reported as an `error`
 * event and never disturbs the client.
 */
import type { Conversation } from './conversations/types'
import type { ImError } from './errors'
import type { GapEvent, MessageProgress, OutboxMessage, ReceivedMessage, StateChange } from './types'

/** A server EVENT packet (docs/protocol.md §4.11), passed through as is. */
export interface ServerEvent {
  id: string
  eventType: string
  /** Server epoch milliseconds, as a decimal string. */
  timestamp: string
  data: Uint8Array
}

/** Catch-up finished (after a (re)connect, onAppShow or client.sync()). */
export interface SyncedEvent {
  /** Why the catch-up ran: 'connected', 'app show', 'manual'. */
  reason: string
}

/**
 * Event name → payload. A type alias, not an interface extending Record<string, unknown>: that
 * index signature made every string a valid name, so `on('mesage', …)` compiled.
 */
export type ClientEvents = {
  /** The connection state changed: `{from, to, reason, code?}`. */
  state: StateChange
  /** A received message with its decoded `content`, once, in per-channel seq order; a returned promise delays its RECVACK. */
  message: ReceivedMessage
  /** An outbox message changed status (queued, sending, sent, failed). */
  messageStatus: OutboxMessage
  /** A media message's upload progressed: `{clientMsgNo, progress}` (0..1, throttled). */
  messageProgress: MessageProgress
  /** A sequence gap was detected, filled, or found unfillable. */
  gap: GapEvent
  /** Something went wrong that the app may want to see (storage, protocol, handler errors...). */
  error: ImError
  /** The receive side caught up with the server. */
  synced: SyncedEvent
  /** A server EVENT packet (custom server-side events), passed through. */
  serverEvent: ServerEvent
  /** The conversation list changed (newest first, whole list; at most once per `conversations.throttleMs`, and once from storage at start). Needs the conversations part (createClient). */
  conversations: Conversation[]
}

export type ClientEventName = keyof ClientEvents
