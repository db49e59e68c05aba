/**
 * The message history (issue 20): per channel the newest messages, kept in storage (store.ts) so
 * a chat opens from the device, and paged backwards with messages(), from storage first and then
 * from the server (`SyncProvider.syncMessages`, `/channel/messagesync`).
 *
 * - Fed by every delivered message (RECV, catch-up, gap fill) and by our own messages once
 *   stored (SENDACK: they have their seq). Kept by seq: one message per seq, the newest
 *   `perChannel` per channel.
 * - A page covers `limit` seqs below `before`. Seqs the store lacks are asked from the server;
 *   seqs it does not return either are reported in `gaps`, never closed silently. A message the
 *   server holds twice (a v2 re-send stored again) is shown once.
 * - Writes wait `writeDelayMs` so that a burst costs one write per channel (plus the index);
 *   app hide and close write at once. Over `budgetBytes`, the least recently opened channels are
 *   evicted whole (our unsent messages live in the outbox and are never touched).
 */
import { decodeContent } from '../content/codec'
import type { DiagnosticsSink } from '../diagnostics/types'
import { ClientError, InvalidArgumentError, errorText, isImError } from '../errors'
import type { Platform, TimerId } from '../platform/types'
import type { SyncProvider } from '../sync/types'
import type { InboundMessage, OutboxMessage } from '../types'
import { HistoryStore, channelKey } from './store'
import type { IndexEntry, StoredMessage } from './store'
import type { HistoryMessage, HistoryPage, HistoryQuery } from './types'
import type { ChannelRef } from '../conversations/types'

export interface HistoryOptions {
  /** Messages kept per channel, newest first. Default 200. */
  perChannel?: number
  /** Bytes (characters of JSON) all channels' chunks may take; over it, least recently opened channels are evicted. Default 4 000 000. */
  budgetBytes?: number
  /** Milliseconds a changed channel waits before it is written (changes meanwhile share the write). Default 1 000. */
  writeDelayMs?: number
}

/** The history part of the client (client.ts ClientParts). */
export interface HistoryPart {
  create(deps: HistoryDeps): History
}

export const historyPart: HistoryPart = {
  create: (deps) => new History(deps),
}

export interface HistoryDeps {
  uid: string
  platform: Platform
  /** `<prefix>:<uid>` */
  prefix: string
  sync: SyncProvider
  diagnostics: DiagnosticsSink
  /** Our unsent messages, in send order (the outbox's pending()). */
  pending(): OutboxMessage[]
  /** The highest seq the receive side has for a channel (its newest page ends there at least). */
  topSeq(channelId: string, channelType: number): number | undefined
  options?: HistoryOptions
  /** @internal Test-only: pages come from storage alone; missing seqs are neither fetched nor reported. */
  storeOnly?: boolean
}

interface Chan {
  channelId: string
  channelType: number
  msgs: Map<number, StoredMessage>
  /** The stored chunk merged in (once). */
  ready: Promise<void> | undefined
  dirty: boolean
}

const LIMIT_MAX = 100

export class History {
  private readonly store: HistoryStore
  private readonly o: Required<HistoryOptions>
  private readonly chans = new Map<string, Chan>()
  /** Every channel with a chunk in storage (the index), by channelKey. */
  private readonly index = new Map<string, IndexEntry>()
  private indexDirty = false
  /** Opened channels not written yet: their open time goes into the index with their first write. */
  private readonly openedNew = new Map<string, number>()
  private loaded: Promise<void> | undefined
  private timer: TimerId | undefined
  private flushing: Promise<void> = Promise.resolve()
  private closed = false

  constructor(private readonly d: HistoryDeps) {
    this.store = new HistoryStore(d.platform, d.prefix, d.diagnostics)
    const o = d.options ?? {}
    this.o = { perChannel: o.perChannel ?? 200, budgetBytes: o.budgetBytes ?? 4_000_000, writeDelayMs: o.writeDelayMs ?? 1_000 }
  }

  /** Reads the index only (chunks load when their channel is used). Once. */
  load(): Promise<void> {
    if (!this.loaded) {
      this.loaded = this.store.loadIndex().then((entries) => {
        for (const e of entries) if (!this.index.has(channelKey(e.channelType, e.channelId))) this.index.set(channelKey(e.channelType, e.channelId), e)
      })
    }
    return this.loaded
  }

  /** A message handed to the app (push, catch-up or gap fill). */
  onMessage(msg: InboundMessage): void {
    if (this.closed || msg.messageSeq <= 0) return
    const timestamp = msg.timestamp > 0 ? msg.timestamp * 1000 : this.d.platform.now()
    this.add(msg.channelId, msg.channelType, { messageSeq: msg.messageSeq, messageId: msg.messageId, clientMsgNo: msg.clientMsgNo, fromUid: msg.fromUid, timestamp, payload: msg.payload })
  }

  /** Our own message changed status in the outbox: once sent it is stored with its seq. */
  onOwn(m: OutboxMessage): void {
    if (this.closed || m.status !== 'sent' || !m.messageSeq || m.messageId === undefined) return
    // Written with the next write or at hide/close, not a bridge call of its own: until then a kill
    // costs a gap the next page fills from the server (the outbox held it until the server stored it).
    this.add(m.channelId, m.channelType, { messageSeq: m.messageSeq, messageId: m.messageId, clientMsgNo: m.clientMsgNo, fromUid: this.d.uid, timestamp: m.sentAt ?? m.createdAt, payload: m.payload }, true)
  }

  /** One page of a channel's history (see HistoryPage). */
  async messages(channel: ChannelRef, query: HistoryQuery = {}): Promise<HistoryPage> {
    const { limit, before } = checkQuery(channel, query)
    await this.load()
    if (this.closed) throw new ClientError('CLIENT_CLOSED', 'the client is closed')
    const ch = this.chan(channel.channelId, channel.channelType)
    await this.ready(ch)
    this.opened(ch)
    const hi = before === undefined ? Math.max(maxSeq(ch), this.d.topSeq(ch.channelId, ch.channelType) ?? 0) : before - 1
    const lo = Math.max(1, hi - limit + 1)
    // The page's own copy: a write meanwhile may trim the channel's oldest from memory.
    const have = new Map<number, StoredMessage>()
    for (let seq = lo; seq <= hi; seq++) {
      const m = ch.msgs.get(seq)
      if (m) have.set(seq, m)
    }
    const twice = new Set<number>()
    if (hi >= 1 && !this.d.storeOnly) await this.fill(ch, lo, hi, have, twice)
    const messages: HistoryMessage[] = []
    const gaps: HistoryPage['gaps'] = []
    for (let seq = lo; seq <= hi; seq++) {
      const m = have.get(seq)
      if (m) messages.push(view(ch, m))
      else if (twice.has(seq) || this.d.storeOnly) continue
      else if (gaps.length > 0 && gaps[gaps.length - 1]!.to === seq - 1) gaps[gaps.length - 1]!.to = seq
      else gaps.push({ from: seq, to: seq })
    }
    if (before === undefined) {
      const shown = new Set(messages.map((m) => m.clientMsgNo))
      for (const p of this.d.pending()) {
        if (p.channelId !== ch.channelId || p.channelType !== ch.channelType || p.status === 'sent' || shown.has(p.clientMsgNo)) continue
        messages.push({ clientMsgNo: p.clientMsgNo, messageSeq: 0, fromUid: this.d.uid, channelId: p.channelId, channelType: p.channelType, timestamp: p.createdAt, payload: p.payload, content: decodeContent(p.payload), status: p.status })
      }
    }
    return { messages, more: hi >= 1 && lo > 1, gaps, from: Math.max(1, lo) }
  }

  /** Writes what waits for the write delay now (app hide, close). */
  flush(): Promise<void> {
    if (this.timer !== undefined) this.d.platform.clearTimeout(this.timer)
    this.timer = undefined
    const run = this.flushing.then(() => this.write())
    this.flushing = run.catch(() => undefined)
    return run
  }

  close(): void {
    this.closed = true
    if (this.timer !== undefined) this.d.platform.clearTimeout(this.timer)
    this.timer = undefined
  }

  // ---- internals ------------------------------------------------------------------------------

  private chan(channelId: string, channelType: number): Chan {
    const key = channelKey(channelType, channelId)
    let ch = this.chans.get(key)
    if (!ch) {
      ch = { channelId, channelType, msgs: new Map(), ready: undefined, dirty: false }
      this.chans.set(key, ch)
    }
    return ch
  }

  /** Merges the stored chunk into memory (what memory holds wins), once. */
  private ready(ch: Chan): Promise<void> {
    if (!ch.ready) {
      ch.ready = (async () => {
        await this.load()
        if (!this.index.has(channelKey(ch.channelType, ch.channelId))) return
        for (const m of await this.store.loadChunk(ch.channelType, ch.channelId)) if (!ch.msgs.has(m.messageSeq)) ch.msgs.set(m.messageSeq, m)
      })()
    }
    return ch.ready
  }

  private add(channelId: string, channelType: number, m: StoredMessage, lazy = false): void {
    const ch = this.chan(channelId, channelType)
    if (ch.msgs.has(m.messageSeq)) return
    ch.msgs.set(m.messageSeq, m)
    // Bounded in memory too: a long burst into one channel keeps its newest.
    if (ch.msgs.size > 2 * this.o.perChannel) trim(ch, this.o.perChannel)
    if (lazy) ch.dirty = true
    else this.changed(ch)
  }

  /**
   * Asks the server for the seqs of [lo, hi] that `have` lacks, adding what it returns to `have`
   * and to the store; `twice` gets the seqs that repeat a message already held.
   */
  private async fill(ch: Chan, lo: number, hi: number, have: Map<number, StoredMessage>, twice: Set<number>): Promise<void> {
    let start = lo
    while (start <= hi && have.has(start)) start++
    let end = hi
    while (end >= start && have.has(end)) end--
    if (start > end) return
    const held = new Set<string>()
    for (const m of [...ch.msgs.values(), ...have.values()]) if (m.clientMsgNo !== '') held.add(`${m.fromUid}\u0000${m.clientMsgNo}`)
    let added = false
    while (start <= end) {
      let page
      try {
        page = await this.d.sync.syncMessages({ channelId: ch.channelId, channelType: ch.channelType, startSeq: start, endSeq: end + 1, limit: end - start + 1 })
      } catch (e) {
        this.d.diagnostics.record('sync', 'history-failed', { channelId: ch.channelId, channelType: ch.channelType, startSeq: start, endSeq: end + 1, error: errorText(e) })
        throw isImError(e) ? e : new ClientError('SYNC_FAILED', `history sync failed: ${errorText(e)}`, { channelId: ch.channelId, channelType: ch.channelType }, e)
      }
      if (this.closed) throw new ClientError('CLIENT_CLOSED', 'the client is closed')
      let last = start - 1
      for (const m of page.messages) {
        if (m.messageSeq < start || m.messageSeq > end) continue
        last = Math.max(last, m.messageSeq)
        if (have.has(m.messageSeq)) continue
        // A message the server stored twice (a v2 re-send) has its clientMsgNo twice; an empty one proves nothing.
        const who = m.clientMsgNo === '' ? '' : `${m.fromUid}\u0000${m.clientMsgNo}`
        if (who !== '' && held.has(who)) {
          twice.add(m.messageSeq)
          continue
        }
        if (who !== '') held.add(who)
        const kept: StoredMessage = { messageSeq: m.messageSeq, messageId: m.messageId, clientMsgNo: m.clientMsgNo, fromUid: m.fromUid, timestamp: m.timestamp > 0 ? m.timestamp * 1000 : 0, payload: m.payload }
        have.set(m.messageSeq, kept)
        if (!ch.msgs.has(m.messageSeq)) ch.msgs.set(m.messageSeq, kept)
        added = true
      }
      // The rest of the range only when the server said there is more and this page moved on.
      if (!page.more || last < start) break
      start = last + 1
    }
    if (added) this.changed(ch)
  }

  private opened(ch: Chan): void {
    const e = this.index.get(channelKey(ch.channelType, ch.channelId))
    if (e) {
      e.openedAt = this.d.platform.now()
      this.indexDirty = true
      this.schedule()
    } else {
      this.openedNew.set(channelKey(ch.channelType, ch.channelId), this.d.platform.now())
    }
  }

  private changed(ch: Chan): void {
    ch.dirty = true
    this.schedule()
  }

  private schedule(): void {
    if (this.timer !== undefined || this.closed) return
    this.timer = this.d.platform.setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, this.o.writeDelayMs)
  }

  /** Every changed channel once, then eviction over the budget, then the index. */
  private async write(): Promise<void> {
    await this.load()
    let failed = false
    for (const [key, ch] of this.chans) {
      if (!ch.dirty) continue
      await this.ready(ch)
      trim(ch, this.o.perChannel)
      ch.dirty = false
      try {
        const sorted = Array.from(ch.msgs.values()).sort((a, b) => a.messageSeq - b.messageSeq)
        const { bytes, kept } = await this.store.saveChunk(ch.channelType, ch.channelId, sorted)
        // Dropped to stay under the key limit: memory follows what storage holds.
        for (let i = 0; i < sorted.length - kept; i++) ch.msgs.delete(sorted[i]!.messageSeq)
        const old = this.index.get(key)
        this.index.set(key, { channelType: ch.channelType, channelId: ch.channelId, bytes, openedAt: old?.openedAt ?? this.openedNew.get(key) ?? 0, updatedAt: this.d.platform.now() })
        this.openedNew.delete(key)
        this.indexDirty = true
      } catch (e) {
        ch.dirty = true
        failed = true
        this.d.diagnostics.record('storage', 'history-write-failed', { channelId: ch.channelId, channelType: ch.channelType, error: errorText(e) })
      }
    }
    await this.evict()
    if (this.indexDirty) {
      this.indexDirty = false
      await this.store.saveIndex(Array.from(this.index.values())).catch((e: unknown) => {
        this.indexDirty = failed = true
        this.d.diagnostics.record('storage', 'history-write-failed', { key: this.store.indexKey, error: errorText(e) })
      })
    }
    // What could not be written stays in memory and is tried again after the delay.
    if (failed) this.schedule()
  }

  /** Over the budget: whole channels go, least recently opened first (never the last one). */
  private async evict(): Promise<void> {
    let total = 0
    for (const e of this.index.values()) total += e.bytes
    if (total <= this.o.budgetBytes) return
    const order = Array.from(this.index.entries()).sort(([, a], [, b]) => a.openedAt - b.openedAt || a.updatedAt - b.updatedAt)
    for (const [key, e] of order) {
      if (total <= this.o.budgetBytes || this.index.size <= 1) break
      try {
        await this.store.removeChunk(e.channelType, e.channelId)
      } catch (err) {
        this.d.diagnostics.record('storage', 'history-write-failed', { channelId: e.channelId, channelType: e.channelType, error: errorText(err) })
        continue
      }
      total -= e.bytes
      this.index.delete(key)
      this.chans.delete(key)
      this.indexDirty = true
      this.d.diagnostics.record('storage', 'history-evicted', { channelId: e.channelId, channelType: e.channelType, bytes: e.bytes })
    }
  }
}

const maxSeq = (ch: Chan): number => {
  let max = 0
  for (const seq of ch.msgs.keys()) if (seq > max) max = seq
  return max
}

/** Keeps the newest `keep` seqs. */
function trim(ch: Chan, keep: number): void {
  if (ch.msgs.size <= keep) return
  const seqs = Array.from(ch.msgs.keys()).sort((a, b) => a - b)
  for (let i = 0; i < seqs.length - keep; i++) ch.msgs.delete(seqs[i]!)
}

function view(ch: Chan, m: StoredMessage): HistoryMessage {
  return { clientMsgNo: m.clientMsgNo, messageId: m.messageId, messageSeq: m.messageSeq, fromUid: m.fromUid, channelId: ch.channelId, channelType: ch.channelType, timestamp: m.timestamp, payload: m.payload, content: decodeContent(m.payload) }
}

function checkQuery(channel: ChannelRef, q: HistoryQuery): { limit: number; before: number | undefined } {
  if (typeof channel !== 'object' || channel === null) throw new InvalidArgumentError('channel must be { channelId, channelType }', { option: 'channel' })
  if (typeof channel.channelId !== 'string' || channel.channelId === '') throw new InvalidArgumentError('channelId must be a non-empty string', { option: 'channelId' })
  if (!Number.isInteger(channel.channelType) || channel.channelType < 0 || channel.channelType > 255) throw new InvalidArgumentError('channelType must be an integer 0..255', { option: 'channelType' })
  if (typeof q !== 'object' || q === null) throw new InvalidArgumentError('options must be an object', { option: 'options' })
  const limit = q.limit ?? 20
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMIT_MAX) throw new InvalidArgumentError(`limit must be an integer 1..${LIMIT_MAX}`, { option: 'limit' })
  if (q.before !== undefined && !(Number.isInteger(q.before) && q.before >= 1)) throw new InvalidArgumentError('before must be an integer seq >= 1', { option: 'before' })
  return { limit, before: q.before }
}
