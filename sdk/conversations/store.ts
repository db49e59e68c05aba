/**
 * Where the conversation list lives in storage (docs/internals.md, storage layout):
 * - `<prefix>:conversations` = `{ v: 1, list: [StoredConversation...] }`: a cache of what the
 *   server and this device know, written in batches. Unreadable or not a valid record: kept
 *   aside under `<key>:corrupt`, started empty and filled again by the next sync (the server
 *   holds the truth); an invalid entry is dropped alone.
 * - `<prefix>:conversation-ops` = `{ v: 1, ops: [PendingOp...] }`: unread/delete changes the
 *   server has not confirmed. Only this device knows them, so they follow the outbox's rules
 *   (issue 15.2/15.3): written before the call that made them resolves, a failed read is never
 *   written over (read again and merged before the next write), an invalid entry is dropped
 *   alone and a record that is no list at all is kept aside under `<key>:corrupt`.
 */
import type { DiagnosticsSink } from '../diagnostics/types'
import { decodeBase64, encodeBase64 } from '../proto/base64'
import type { Platform } from '../platform/types'
import type { ConversationOp } from '../sync/types'
import type { Conversation, ConversationPreview } from './types'

/** A conversation as kept in memory: the public shape plus the highest seq known (RECVs at or below it are counted already). */
export interface Entry extends Omit<Conversation, 'lastMessage'> {
  lastSeq: number
  /** The preview without its decoded content (view() in conversations.ts decodes it). */
  lastMessage?: Preview
}

/** A last message as kept: the payload only, its content is decoded when the list is read. */
export type Preview = Omit<ConversationPreview, 'content'>

/** An op waiting for the server, numbered so that a late confirmation of a replaced op is ignored. */
export type PendingOp = ConversationOp & { id: number }

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0
const isStr = (v: unknown): v is string => typeof v === 'string'

export const conversationKey = (channelType: number, channelId: string): string => `${channelType}:${channelId}`

function encodeEntry(e: Entry): Json {
  const out: Json = { c: e.channelId, t: e.channelType, u: e.unread, ts: e.timestamp, s: e.lastSeq }
  const m = e.lastMessage
  if (m) out.m = { n: m.clientMsgNo, f: m.fromUid, p: encodeBase64(m.payload), s: m.messageSeq, ts: m.timestamp, ...(m.status && { st: m.status }) }
  return out
}

function decodeEntry(v: unknown): Entry | undefined {
  if (!isObject(v) || !isStr(v.c) || !isInt(v.t) || !isInt(v.u) || !isInt(v.ts) || !isInt(v.s)) return undefined
  const entry: Entry = { channelId: v.c, channelType: v.t, unread: v.u, timestamp: v.ts, lastSeq: v.s }
  if (v.m !== undefined) {
    const m = v.m
    if (!isObject(m) || !isStr(m.n) || !isStr(m.f) || !isStr(m.p) || !isInt(m.s) || !isInt(m.ts)) return undefined
    if (m.st !== undefined && m.st !== 'queued' && m.st !== 'sending' && m.st !== 'failed') return undefined
    let payload: Uint8Array
    try {
      payload = decodeBase64(m.p)
    } catch {
      return undefined
    }
    const preview: Preview = { clientMsgNo: m.n, fromUid: m.f, payload, messageSeq: m.s, timestamp: m.ts }
    if (m.st) preview.status = m.st as ConversationPreview['status']
    entry.lastMessage = preview
  }
  return entry
}

function decodeOp(v: unknown): PendingOp | undefined {
  if (!isObject(v) || !isInt(v.id) || !isStr(v.channelId) || v.channelId === '' || !isInt(v.channelType)) return undefined
  const base = { id: v.id, channelId: v.channelId, channelType: v.channelType }
  if (v.kind === 'clearUnread' || v.kind === 'delete') return { ...base, kind: v.kind }
  if (v.kind === 'setUnread' && isInt(v.unread)) return { ...base, kind: 'setUnread', unread: v.unread }
  return undefined
}

export interface Loaded<T> {
  items: T[]
  /** Entries that could not be read and were dropped. */
  dropped: number
  /** The key could not be read at all (a read error, not a missing key). */
  unreadable: boolean
}

export class ConversationStore {
  readonly listKey: string
  readonly opsKey: string
  /** The ops key could not be read: merge what it holds before writing over it. */
  private opsUnread = false
  private writing: Promise<void> = Promise.resolve()

  constructor(
    private readonly platform: Platform,
    prefix: string,
    private readonly diagnostics: DiagnosticsSink,
  ) {
    this.listKey = `${prefix}:conversations`
    this.opsKey = `${prefix}:conversation-ops`
  }

  loadList(): Promise<Loaded<Entry>> {
    return this.read(this.listKey, 'list', decodeEntry)
  }

  async loadOps(): Promise<Loaded<PendingOp>> {
    const loaded = await this.read(this.opsKey, 'ops', decodeOp)
    this.opsUnread = loaded.unreadable
    return loaded
  }

  /** Writes the list (a cache: a failure is reported and the next change writes it again). */
  saveList(entries: Entry[]): Promise<void> {
    return this.queue(() => this.platform.storage.set(this.listKey, { v: 1, list: entries.map(encodeEntry) }))
  }

  /**
   * Writes the pending ops; rejects when they are not durable. When the key could not be read
   * at load, what it holds is read and merged first (`merge` gets those ops), so ops made before
   * the failed read are never written over.
   */
  saveOps(ops: () => PendingOp[], merge: (older: PendingOp[]) => void): Promise<void> {
    return this.queue(async () => {
      if (this.opsUnread) {
        const again = await this.read(this.opsKey, 'ops', decodeOp)
        if (again.unreadable) throw new Error(`${this.opsKey} still cannot be read; not written over`)
        merge(again.items)
        this.opsUnread = false
      }
      await this.platform.storage.set(this.opsKey, { v: 1, ops: ops() })
    })
  }

  /** One write at a time, in call order; a failed write does not stop the next. */
  private queue(write: () => Promise<void>): Promise<void> {
    const run = this.writing.then(write, write)
    this.writing = run.catch(() => undefined)
    return run
  }

  private async read<T>(key: string, field: 'list' | 'ops', decode: (v: unknown) => T | undefined): Promise<Loaded<T>> {
    let raw: unknown
    try {
      raw = await this.platform.storage.get(key).catch(() => this.platform.storage.get(key))
    } catch (e) {
      this.diagnostics.record('storage', 'conversations-unreadable', { key, error: e instanceof Error ? e.message : String(e) })
      return { items: [], dropped: 0, unreadable: true }
    }
    if (raw === undefined) return { items: [], dropped: 0, unreadable: false }
    const list = isObject(raw) && raw.v === 1 && Array.isArray(raw[field]) ? (raw[field] as unknown[]) : undefined
    if (!list) {
      this.diagnostics.record('storage', 'conversations-corrupt', { key })
      await this.platform.storage.set(`${key}:corrupt`, raw).catch(() => undefined)
      return { items: [], dropped: 1, unreadable: false }
    }
    const items: T[] = []
    for (const v of list) {
      const item = decode(v)
      if (item !== undefined) items.push(item)
    }
    if (items.length < list.length) this.diagnostics.record('storage', 'conversations-entries-dropped', { key, dropped: list.length - items.length })
    return { items, dropped: list.length - items.length, unreadable: false }
  }
}
