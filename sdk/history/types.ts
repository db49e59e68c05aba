/** The message history's public shapes (issue 20). */
import type { Content } from '../content/types'

/** One message of a channel's history, as messages() returns it. */
export interface HistoryMessage {
  clientMsgNo: string
  /** The server's id; absent while our own message is unsent. */
  messageId?: string
  /** The server's per-channel seq; 0 while our own message is unsent. */
  messageSeq: number
  fromUid: string
  /** As this user sees it (the peer's uid for person chats). */
  channelId: string
  channelType: number
  /** Epoch ms (when the server stored it, or when our own unsent message was sent). */
  timestamp: number
  payload: Uint8Array
  /** The payload decoded (docs/content.md), as the `message` event carries it. */
  content: Content
  /** Our own message still in the outbox: queued, sending or failed. Absent once it is stored. */
  status?: 'queued' | 'sending' | 'failed'
}

/** One page of a channel's history, from messages(). */
export interface HistoryPage {
  /** Oldest first; the first page (no `before`) ends with our unsent messages in send order. */
  messages: HistoryMessage[]
  /** Older messages exist (ask again with `before` = the first message's seq). */
  more: boolean
  /** Seq ranges (inclusive) inside this page that the server could not fill: deleted, or unreadable. */
  gaps: Array<{ from: number; to: number }>
  /** The lowest seq this page covers: pass it as `before` for the next older page (1 = none older). */
  from: number
}

/** What messages() takes besides the channel. */
export interface HistoryQuery {
  /** Seq, exclusive: the page ends just below it. Default: the newest. */
  before?: number
  /** Seqs the page covers, 1..100. Default 20. */
  limit?: number
}
