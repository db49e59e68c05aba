/**
 * Where the message history lives in storage (docs/history.md):
 * - `<prefix>:h` = `{ v: 1, ch: [[channelType, channelId, bytes, openedAt, updatedAt]...] }`: the
 *   small index read at start (never the chunks: they load when a channel is used).
 * - `<prefix>:h:<channelType>:<channelId>` = `{ v: 1, m: [[seq, messageId, clientMsgNo, fromUid,
 *   timestampMs, payloadBase64]...] }`: one channel's newest messages, ascending, under 1 MB.
 * It is a cache of what the server holds: an unreadable or corrupt chunk is dropped (reported) and
 * its messages are fetched again from the server when that channel's history is read; a bad entry
 * is dropped alone. A failed write is reported and the data stays in memory for the next write.
 */
import type { DiagnosticsSink } from '../diagnostics/types'
import { errorText } from '../errors'
import { decodeBase64, encodeBase64 } from '../proto/base64'
import type { Platform } from '../platform/types'

/** A stored message (the payload only; its content is decoded when a page is read). */
export interface StoredMessage {
  messageSeq: number
  messageId: string
  clientMsgNo: string
  fromUid: string
  /** Epoch ms. */
  timestamp: number
  payload: Uint8Array
}

/** One channel in the index. */
export interface IndexEntry {
  channelType: number
  channelId: string
  /** Characters of its chunk as last written. */
  bytes: number
  /** Epoch ms messages() was last called on it (0: never). */
  openedAt: number
  /** Epoch ms its chunk was last written. */
  updatedAt: number
}

/** Largest chunk written, in characters of JSON (wx refuses a key over 1 MB). */
export const CHUNK_MAX = 1_000_000

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0
const isStr = (v: unknown): v is string => typeof v === 'string'

export const channelKey = (channelType: number, channelId: string): string => `${channelType}:${channelId}`

function decodeMessage(v: unknown): StoredMessage | undefined {
  if (!Array.isArray(v) || v.length !== 6) return undefined
  const [seq, id, no, from, ts, p] = v as unknown[]
  if (!isInt(seq) || seq === 0 || !isStr(id) || !isStr(no) || !isStr(from) || !isInt(ts) || !isStr(p)) return undefined
  try {
    return { messageSeq: seq, messageId: id, clientMsgNo: no, fromUid: from, timestamp: ts, payload: decodeBase64(p) }
  } catch {
    return undefined
  }
}

const encodeMessage = (m: StoredMessage): unknown[] => [m.messageSeq, m.messageId, m.clientMsgNo, m.fromUid, m.timestamp, encodeBase64(m.payload)]

function decodeIndexEntry(v: unknown): IndexEntry | undefined {
  if (!Array.isArray(v) || v.length !== 5) return undefined
  const [t, id, bytes, openedAt, updatedAt] = v as unknown[]
  if (!isInt(t) || !isStr(id) || id === '' || !isInt(bytes) || !isInt(openedAt) || !isInt(updatedAt)) return undefined
  return { channelType: t, channelId: id, bytes, openedAt, updatedAt }
}

export class HistoryStore {
  readonly indexKey: string

  constructor(
    private readonly platform: Platform,
    prefix: string,
    private readonly diagnostics: DiagnosticsSink,
  ) {
    this.indexKey = `${prefix}:h`
  }

  chunkKey(channelType: number, channelId: string): string {
    return `${this.indexKey}:${channelType}:${channelId}`
  }

  /** The index; unreadable or corrupt → empty (the chunks it named are found again by their keys). */
  async loadIndex(): Promise<IndexEntry[]> {
    const raw = await this.get(this.indexKey)
    if (raw === undefined) return []
    const list = isObject(raw) && raw.v === 1 && Array.isArray(raw.ch) ? (raw.ch as unknown[]) : undefined
    if (!list) {
      this.diagnostics.record('storage', 'history-corrupt', { key: this.indexKey })
      return this.orphans()
    }
    const out: IndexEntry[] = []
    for (const v of list) {
      const e = decodeIndexEntry(v)
      if (e) out.push(e)
    }
    return out
  }

  /** One channel's messages, ascending; a chunk that cannot be read is dropped (reported) and reads as empty. */
  async loadChunk(channelType: number, channelId: string): Promise<StoredMessage[]> {
    const key = this.chunkKey(channelType, channelId)
    const raw = await this.get(key)
    if (raw === undefined) return []
    const list = isObject(raw) && raw.v === 1 && Array.isArray(raw.m) ? (raw.m as unknown[]) : undefined
    if (!list) {
      this.diagnostics.record('storage', 'history-corrupt', { key })
      await this.platform.storage.remove(key).catch(() => undefined)
      return []
    }
    const out: StoredMessage[] = []
    for (const v of list) {
      const m = decodeMessage(v)
      if (m) out.push(m)
    }
    if (out.length < list.length) this.diagnostics.record('storage', 'history-corrupt', { key, dropped: list.length - out.length })
    return out
  }

  /**
   * Writes one channel's messages (ascending), dropping the oldest until the chunk is under
   * CHUNK_MAX. Resolves with the characters written and how many were kept; rejects when storage refused.
   */
  async saveChunk(channelType: number, channelId: string, messages: StoredMessage[]): Promise<{ bytes: number; kept: number }> {
    const rows = messages.map(encodeMessage)
    let text = JSON.stringify({ v: 1, m: rows })
    let from = 0
    while (text.length > CHUNK_MAX && from < rows.length) {
      // Drop about as many oldest as the excess needs (rows are of similar size), at least one.
      const over = text.length - CHUNK_MAX
      const avg = text.length / (rows.length - from)
      from += Math.max(1, Math.ceil(over / avg))
      text = JSON.stringify({ v: 1, m: rows.slice(from) })
    }
    await this.platform.storage.set(this.chunkKey(channelType, channelId), { v: 1, m: rows.slice(from) })
    return { bytes: text.length, kept: rows.length - from }
  }

  removeChunk(channelType: number, channelId: string): Promise<void> {
    return this.platform.storage.remove(this.chunkKey(channelType, channelId))
  }

  saveIndex(entries: IndexEntry[]): Promise<void> {
    return this.platform.storage.set(this.indexKey, { v: 1, ch: entries.map((e) => [e.channelType, e.channelId, e.bytes, e.openedAt, e.updatedAt]) })
  }

  /** A read, tried twice; a failure reads as nothing (reported: the cache is refilled from the server). */
  private async get(key: string): Promise<unknown> {
    try {
      return await this.platform.storage.get(key).catch(() => this.platform.storage.get(key))
    } catch (e) {
      this.diagnostics.record('storage', 'history-unreadable', { key, error: errorText(e) })
      return undefined
    }
  }

  /** The chunks present without an index (it was lost): listed by key, sizes unknown until written again. */
  private async orphans(): Promise<IndexEntry[]> {
    const head = `${this.indexKey}:`
    const keys = await this.platform.storage.keys().catch(() => [] as string[])
    const out: IndexEntry[] = []
    for (const key of keys) {
      if (!key.startsWith(head)) continue
      const rest = key.slice(head.length)
      const colon = rest.indexOf(':')
      const t = Number(rest.slice(0, colon))
      if (colon > 0 && Number.isInteger(t) && t >= 0) out.push({ channelType: t, channelId: rest.slice(colon + 1), bytes: 0, openedAt: 0, updatedAt: 0 })
    }
    return out
  }
}
