/** The conversation list's public shapes (issue 20). */
import type { Content } from '../content/types'

/** A conversation's last message, as the list shows it. */
export interface ConversationPreview {
  clientMsgNo: string
  fromUid: string
  payload: Uint8Array
  /** The server's seq; 0 while our own message is not stored yet. */
  messageSeq: number
  /** Epoch ms (when it was stored, or when our own message was sent). */
  timestamp: number
  /** The payload decoded (docs/content.md), as the `message` event carries it. */
  content: Content
  /** Our own message still in the outbox: queued, sending or failed. Absent once it is stored. */
  status?: 'queued' | 'sending' | 'failed'
}

/** One conversation of this user. */
export interface Conversation {
  /** As this user sees it (the peer's uid for person chats). */
  channelId: string
  channelType: number
  /** Messages from others not read yet. */
  unread: number
  /** Epoch ms of the last message; the list is ordered by it, newest first. */
  timestamp: number
  lastMessage?: ConversationPreview
}

/** A channel, as clearUnread/setUnread/deleteConversation take it. */
export interface ChannelRef {
  channelId: string
  channelType: number
}
