/**
 * How the inbox pulls what the socket did not bring (docs/design.md §4, docs/protocol.md §8): the default
 * implementation speaks WuKongIM's HTTP API over platform.request; apps that proxy through their
 * own backend pass their own SyncProvider.
 */
import type { InboundMessage } from '../types'

export interface MessageSyncRequest {
  /** As this user sees it (peer uid for person chats). */
  channelId: string
  channelType: number
  /** Inclusive. */
  startSeq: number
  /** Exclusive; 0 = unbounded. */
  endSeq: number
  /** Always > 0. */
  limit: number
}

export interface MessageSyncResult {
  /** Ascending by messageSeq, source 'sync'. */
  messages: InboundMessage[]
  /** The server has more in the requested range. */
  more: boolean
  /** Items of the page that could not be read and were left out (reported, never delivered). */
  malformed?: number
}

export interface ConversationCursor {
  channelId: string
  channelType: number
  /** Highest seq the client has contiguously. */
  lastSeq: number
}

export interface ConversationState {
  channelId: string
  channelType: number
  /** Highest seq the server has in this channel. */
  lastSeq: number
}

/** One conversation as the server keeps it for this user (the conversation list, issue 20). */
export interface ServerConversation {
  /** As this user sees it (peer uid for person chats). */
  channelId: string
  channelType: number
  /** Unread messages as the server counts them. */
  unread: number
  /** Epoch ms of the last message (0 when the server does not say). */
  timestamp: number
  /** Highest seq the server has in this channel. */
  lastSeq: number
  /** The last message, when the server sent it along. */
  lastMessage?: InboundMessage
}

/** A change to one conversation that the server must apply for this user. */
export type ConversationOp =
  | { kind: 'clearUnread'; channelId: string; channelType: number }
  | { kind: 'setUnread'; channelId: string; channelType: number; unread: number }
  | { kind: 'delete'; channelId: string; channelType: number }

export interface SyncProvider {
  /** Messages of one channel in [startSeq, endSeq), pull mode "up". */
  syncMessages(req: MessageSyncRequest): Promise<MessageSyncResult>
  /** Channels with messages newer than the given cursors (v2 /conversation/sync or v3 /conversation/list). */
  syncConversations(cursors: ConversationCursor[]): Promise<ConversationState[]>
  /** Looks a message up by clientMsgNo when the server offers it (diagnostics). */
  findByClientMsgNo?(req: { channelId: string; channelType: number; clientMsgNo: string }): Promise<InboundMessage | undefined>
  /**
   * Which of these messages, sent by this user, the server holds (the outbox asks before re-sending
   * on the v2 line). Rejects when it cannot tell; without it, the outbox re-sends unverified.
   */
  findSent?(req: SentLookup): Promise<SentLookupResult>
  /** Every conversation of this user with unread counts and last messages (the conversation list). */
  listConversations?(): Promise<ServerConversation[]>
  /** Applies one conversation change on the server; resolves once the server confirmed it. Must be idempotent. */
  updateConversation?(op: ConversationOp): Promise<void>
  /**
   * The WuKongIM line this provider talks to, once known (the HTTP provider: `serverLine`, or the
   * line whose conversation route answered). The outbox uses it (ClientOptions.outbox.channelWindow).
   */
  line?(): 'v2' | 'v3' | undefined
}

/** Messages of one channel that may have been stored, looked up by client_msg_no. */
export interface SentLookup {
  /** As this user sees it (peer uid for person chats). */
  channelId: string
  channelType: number
  clientMsgNos: string[]
  /** Epoch ms before which none of them was sent: the lookup need not look at older messages. */
  since: number
}

/** clientMsgNo → where the server stored it; a clientMsgNo that is not a key is absent. */
export type SentLookupResult = Map<string, { messageId: string; messageSeq: number }>
