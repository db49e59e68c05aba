/**
 * The demo's app-level view of the chats: one per signed-in client, held on the App next to the
 * client, so a page switch loses nothing. It listens to the client for its whole life (pages
 * listen to the store and unsubscribe on unload). A chat's rows come from the SDK's history
 * (`client.messages()`: stored messages first, older pages from the server, our unsent ones with
 * their status); live messages and status changes are applied to the chats loaded so far (a chat
 * not opened yet gets its rows from the SDK when it is).
 * The conversation list itself is the SDK's (`client.conversations()`, conversation-rows.ts).
 */
import { decodeContent } from 'wukongim-mp'
import type { Client, HistoryMessage, MessageProgress, OutboxMessage, ReceivedMessage, Unsubscribe } from 'wukongim-mp'
import { contentView, type ContentKind } from './content-view'
import { formatTime, statusLabel, type ItemStatus } from './format'

/** One row of a chat. */
export interface ChatItem {
  /** Stable row key: `<fromUid>:<clientMsgNo>`. */
  key: string
  clientMsgNo: string
  fromUid: string
  mine: boolean
  /** What the row shows (content-view.ts): a text, a photo, a voice note, ... or a placeholder. */
  kind: ContentKind
  text: string
  /** Remote URL of a media message; for our own before its upload, the saved local copy. */
  url?: string
  width?: number
  height?: number
  /** Our media message uploading: 0..100 (from `messageProgress`). */
  progress?: number
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

export interface StoreChange {
  /** The conversation that changed. */
  key: string
}

export const conversationKey = (channelType: number, channelId: string): string => `${channelType}:${channelId}`

export class ChatStore {
  private readonly chats = new Map<string, { channelId: string; channelType: number; items: ChatItem[]; from?: number; more?: boolean }>()
  private readonly listeners = new Set<(change: StoreChange) => void>()
  private readonly offs: Unsubscribe[]
  private readonly now: () => number

  constructor(readonly client: Client, options: { now?: () => number } = {}) {
    this.now = options.now ?? (() => Date.now())
    this.offs = [
      client.on('messageStatus', (m) => this.onStatus(m)),
      client.on('message', (m) => this.onMessage(m)),
      client.on('messageProgress', (p) => this.onProgress(p)),
    ]
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
  async sendText(channelId: string, channelType: number, text: string): Promise<OutboxMessage> {
    const m = await this.client.send({ channelId, channelType, content: { type: 1, text } })
    this.onStatus(m)
    return m
  }

  /** Sends a photo (a temp path from wx.chooseMedia); the row shows it from the saved copy while it uploads. */
  async sendImage(channelId: string, channelType: number, file: string, width: number, height: number): Promise<OutboxMessage> {
    const m = await this.client.send({ channelId, channelType, file, content: { type: 2, width, height } })
    this.onStatus(m)
    return m
  }

  /** Sends a voice note (the recorder's temp path; duration in ms). */
  async sendVoice(channelId: string, channelType: number, file: string, durationMs: number): Promise<OutboxMessage> {
    const m = await this.client.send({ channelId, channelType, file, content: { type: 4, duration: Math.max(1, Math.round(durationMs / 1000)) } })
    this.onStatus(m)
    return m
  }

  messages(channelType: number, channelId: string): ChatItem[] {
    return (this.chats.get(conversationKey(channelType, channelId))?.items ?? []).slice()
  }

  /** Loads a chat's newest page from the SDK's history (storage first, then the server). */
  async load(channelType: number, channelId: string): Promise<void> {
    // Opened before the page arrives, so live messages and statuses meanwhile are kept.
    const chat = this.chat(channelType, channelId)
    const page = await this.client.messages({ channelId, channelType })
    chat.items = this.merge(chat.items, page.messages.map((m) => this.historyRow(m)))
    chat.from = page.from
    chat.more = page.more
    this.changed(conversationKey(channelType, channelId))
  }

  /** Loads the page before the oldest row shown (pull-down); false when there is none. */
  async loadOlder(channelType: number, channelId: string): Promise<boolean> {
    const chat = this.chat(channelType, channelId)
    if (chat.from === undefined || !chat.more) return false
    const page = await this.client.messages({ channelId, channelType }, { before: chat.from })
    chat.items = this.merge(chat.items, page.messages.map((m) => this.historyRow(m)))
    chat.from = page.from
    chat.more = page.more
    this.changed(conversationKey(channelType, channelId))
    return true
  }

  /** Older messages exist beyond what is loaded. */
  hasOlder(channelType: number, channelId: string): boolean {
    return this.chats.get(conversationKey(channelType, channelId))?.more === true
  }

  /** The chat is on screen: clears its unread count in the SDK's list and on the server, when it has any. */
  markRead(channelType: number, channelId: string): void {
    const c = this.client.conversations().find((x) => x.channelType === channelType && x.channelId === channelId)
    if (c && c.unread > 0) this.client.clearUnread({ channelId, channelType }).catch((error: unknown) => console.error('[demo] clearUnread failed', error))
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
      chat = { channelId, channelType, items: [] }
      this.chats.set(key, chat)
    }
    return chat
  }

  private onStatus(m: OutboxMessage): void {
    const key = conversationKey(m.channelType, m.channelId)
    const chat = this.chats.get(key)
    if (!chat) return // not opened: its rows come from messages() when it is
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
    const view = contentView(decodeContent(m.payload))
    const item: ChatItem = {
      key: rowKey,
      clientMsgNo: m.clientMsgNo,
      fromUid: this.client.uid,
      mine: true,
      ...view,
      // Before its upload a media row shows the saved copy; the progress stays until it is uploaded.
      ...(m.media && !m.media.url ? { url: m.media.file } : {}),
      ...(m.media && !m.media.url && existing?.progress !== undefined ? { progress: existing.progress } : {}),
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

  /** A history message as a row: ours with its outbox status while unsent. */
  private historyRow(m: HistoryMessage): ChatItem {
    const mine = m.fromUid === this.client.uid
    const status: ItemStatus = m.status ?? (mine ? 'sent' : 'received')
    return {
      key: `${m.fromUid}:${m.clientMsgNo}`,
      clientMsgNo: m.clientMsgNo,
      fromUid: m.fromUid,
      mine,
      ...contentView(m.content),
      status,
      statusLabel: statusLabel(status),
      at: m.timestamp,
      time: formatTime(m.timestamp, this.now()),
      ...(m.messageSeq > 0 ? { seq: m.messageSeq } : {}),
      failed: m.status === 'failed',
    }
  }

  /** Rows by seq (unsent ones last, in their order), once each: a row already shown keeps its newer state. */
  private merge(shown: ChatItem[], loaded: ChatItem[]): ChatItem[] {
    const keys = new Set(shown.map((i) => i.key))
    const all = shown.concat(loaded.filter((i) => !keys.has(i.key)))
    const order = new Map(all.map((i, n) => [i, n]))
    const seq = (i: ChatItem): number => i.seq ?? Number.MAX_SAFE_INTEGER
    return all.sort((a, b) => seq(a) - seq(b) || (order.get(a) ?? 0) - (order.get(b) ?? 0))
  }

  private onProgress(p: MessageProgress): void {
    this.chats.forEach((chat, key) => {
      const item = chat.items.find((i) => i.mine && i.clientMsgNo === p.clientMsgNo)
      if (!item) return
      item.progress = Math.round(p.progress * 100)
      this.changed(key)
    })
  }

  private onMessage(m: ReceivedMessage): void {
    const key = conversationKey(m.channelType, m.channelId)
    const chat = this.chats.get(key)
    if (!chat) return // not opened: its rows come from messages() when it is
    const rowKey = `${m.fromUid}:${m.clientMsgNo}`
    if (chat.items.some((i) => i.key === rowKey)) return // the SDK de-duplicates; a row is never shown twice either
    const at = m.timestamp * 1000
    chat.items.push({
      key: rowKey,
      clientMsgNo: m.clientMsgNo,
      fromUid: m.fromUid,
      mine: m.fromUid === this.client.uid,
      ...contentView(m.content),
      status: 'received',
      statusLabel: '',
      at,
      time: formatTime(at, this.now()),
      seq: m.messageSeq,
      failed: false,
    })
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
