/**
 * What the conversation list shows, from the SDK's list (`client.conversations()` and the
 * `conversations` event): one row per conversation, newest first, with the unread badge, the last
 * message as a short text (content-view.ts), its time (dayjs) and a mark when it is our own
 * message still queued, sending or failed.
 */
import type { Conversation } from 'wukongim-mp'
import { contentView } from './content-view'
import { formatTime } from './format'

export interface ConversationRow {
  /** `<channelType>:<channelId>`. */
  key: string
  channelId: string
  channelType: number
  lastText: string
  lastTime: string
  unread: number
  /** 'Sending…' or 'Failed' for our own unsent last message, else ''. */
  mark: string
  failed: boolean
}

export function conversationRows(list: Conversation[], uid: string, nowMs: number): ConversationRow[] {
  return list.map((c) => {
    const last = c.lastMessage
    const text = last ? contentView(last.content).text : ''
    const status = last?.status
    return {
      key: `${c.channelType}:${c.channelId}`,
      channelId: c.channelId,
      channelType: c.channelType,
      lastText: last && last.fromUid === uid ? `You: ${text}` : text,
      lastTime: c.timestamp > 0 ? formatTime(c.timestamp, nowMs) : '',
      unread: c.unread,
      mark: status === 'failed' ? 'Failed' : status ? 'Sending…' : '',
      failed: status === 'failed',
    }
  })
}
