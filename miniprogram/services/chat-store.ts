/**
 * The demo's app-level view of the chats: one per signed-in client, held on the App next to the
 * client, so a page switch loses nothing. It listens to the client for its whole life (pages
 * listen to the store and unsubscribe on unload) and keeps, per conversation, the rows a chat page
 * renders: local echoes of our own messages with their outbox status, and received messages.
 */
import type { Client, InboundMessage, OutboxMessage, Unsubscribe } from 'wukongim-mp'
import { formatTime, statusLabel, type ItemStatus } from './format'
import { payloadText, textPayload } from './text'

/** One row of a chat. */
export interface ChatItem {
  /** Stable row key: `<fromUid>:<clientMsgNo>`. */
  key: string
  clientMsgNo: string
  fromUid: string
  mine: boolean
  text: string
  status: ItemStatus
  statusLabel: string
  /** Epoch ms: when it was made durable (ours) or stored by the server (theirs). */
  at: number
  time: string
  /** Per-channel seq once known. */
  seq?: number
  /** Failed: the row offers retry and discard. */
  failed: boolean
}

export interface Conversation {
  /** `<channelType>:<channelId>`. */
  key: string
  channelId: string
  channelType: number
  lastText: string
  lastTime: string
  lastAt: number
  unread: number
  /** Own messages not yet sent (queued, sending or failed). */
  unsent: number
}

export interface StoreChange {
  /** The conversation that changed. */
  key: string
}

export const conversationKey = (channelType: number, channelId: string): string => `${channelType}:${channelId}`

export class ChatStore {
  private readonly chats = new Map<string, { channelId: string; channelType: number; items: ChatItem[]; unread: number }>()
  private readonly listeners = new Set<(change: StoreChange) => void>()
  private readonly offs: Unsubscribe[]
  private readonly now: () => number

  constructor(readonly client: Client, options: { now?: () => number } = {}) {
    this.now = options.now ?? (() => Date.now())
    this.offs = [
      client.on('messageStatus', (m) => this.onStatus(m)),
      client.on('message', (m) => this.onMessage(m)),
    ]
    // After a cold start the outbox comes back from storage: show those rows (failed ones with retry).
    client.restored().then(
      () => client.pending().forEach((m) => this.onStatus(m)),
      () => undefined,
    )
  }

  /** Subscribes to changes; returns the undo (pages call it on unload). */
  on(listener: (change: StoreChange) => void): Unsubscribe {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Number of page listeners right now (a page that forgot to unsubscribe shows up here). */
  get listenerCount(): number {
    return this.listeners.size
  }

  /** Sends a text; the row appears at once as 'queued' (local echo). Rejects as client.send() does. */
  async sendText(channelId: string, channelType: number, content: string): Promise<OutboxMessage> {
    const m = await this.client.send({ channelId, channelType, payload: textPayload(content) })
    this.onStatus(m)
    return m
  }

  messages(channelType: number, channelId: string): ChatItem[] {
    return (this.chats.get(conversationKey(channelType, channelId))?.items ?? []).slice()
  }

  conversations(): Conversation[] {
    const list: Conversation[] = []
    this.chats.forEach((chat, key) => {
      const last = chat.items[chat.items.length - 1]
      list.push({
        key,
        channelId: chat.channelId,
        channelType: chat.channelType,
        lastText: last ? last.text : '',
        lastAt: last ? last.at : 0,
        lastTime: last ? formatTime(last.at, this.now()) : '',
        unread: chat.unread,
        unsent: chat.items.filter((i) => i.mine && i.status !== 'sent').length,
      })
    })
    return list.sort((a, b) => b.lastAt - a.lastAt)
  }

  markRead(channelType: number, channelId: string): void {
    const chat = this.chats.get(conversationKey(channelType, channelId))
    if (chat && chat.unread > 0) {
      chat.unread = 0
      this.changed(conversationKey(channelType, channelId))
    }
  }

  /** Stops listening to the client (sign-out, or the app going away). */
  dispose(): void {
    this.offs.forEach((off) => off())
    this.listeners.clear()
  }

  private chat(channelType: number, channelId: string) {
    const key = conversationKey(channelType, channelId)
    let chat = this.chats.get(key)
    if (!chat) {
      chat = { channelId, channelType, items: [], unread: 0 }
      this.chats.set(key, chat)
    }
    return chat
  }

  private onStatus(m: OutboxMessage): void {
    const key = conversationKey(m.channelType, m.channelId)
    const chat = this.chat(m.channelType, m.channelId)
    const rowKey = `${this.client.uid}:${m.clientMsgNo}`
    const index = chat.items.findIndex((i) => i.key === rowKey)
    if (m.status === 'failed' && m.failure === 'cancelled') {
      // discarded: the row goes away
      if (index >= 0) chat.items.splice(index, 1)
      this.changed(key)
      return
    }
    const existing = index >= 0 ? chat.items[index] : undefined
    // send() resolves after the 'queued' event; events carry the newer status, so keep theirs.
    if (existing && existing.status === 'sent') return
    const at = m.createdAt
    const item: ChatItem = {
      key: rowKey,
      clientMsgNo: m.clientMsgNo,
      fromUid: this.client.uid,
      mine: true,
      text: existing ? existing.text : payloadText(m.payload),
      status: m.status,
      statusLabel: statusLabel(m.status, m.reasonCode),
      at,
      time: formatTime(m.sentAt ?? at, this.now()),
      ...(m.messageSeq !== undefined ? { seq: m.messageSeq } : {}),
      failed: m.status === 'failed',
    }
    if (existing) chat.items[index] = item
    else chat.items.push(item)
    this.changed(key)
  }

  private onMessage(m: InboundMessage): void {
    const key = conversationKey(m.channelType, m.channelId)
    const chat = this.chat(m.channelType, m.channelId)
    const rowKey = `${m.fromUid}:${m.clientMsgNo}`
    if (chat.items.some((i) => i.key === rowKey)) return // the SDK de-duplicates; a row is never shown twice either
    const at = m.timestamp * 1000
    chat.items.push({
      key: rowKey,
      clientMsgNo: m.clientMsgNo,
      fromUid: m.fromUid,
      mine: m.fromUid === this.client.uid,
      text: payloadText(m.payload),
      status: 'received',
      statusLabel: '',
      at,
      time: formatTime(at, this.now()),
      seq: m.messageSeq,
      failed: false,
    })
    chat.unread++
    this.changed(key)
  }

  private changed(key: string): void {
    for (const l of Array.from(this.listeners)) {
      try {
        l({ key })
      } catch (error) {
        console.error('[demo] chat store listener failed', error)
      }
    }
  }
}
