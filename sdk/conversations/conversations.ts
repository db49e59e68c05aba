/**
 * The conversation list (issue 20): channel, last message, unread count and time per
 * conversation, kept by the SDK and persisted per uid so that a cold start shows it before the
 * socket is up (store.ts).
 *
 * - Fed by the server at every catch-up (`SyncProvider.listConversations`: v2 /conversation/sync,
 *   v3 /conversation/list), by every delivered message (RECV, catch-up, gap fill) and by our own
 *   sends and their outbox status (queued/sending/failed shown as such).
 * - A received message counts as unread once: only when its seq is above the highest seq known
 *   for the channel (the server's count already holds what it listed).
 * - clearUnread / setUnread / deleteConversation are applied at once, written to storage before
 *   the call resolves, and sent (`SyncProvider.updateConversation`) until the server confirms,
 *   with backoff and again at every catch-up. One op per channel is kept: a newer one replaces an
 *   older unconfirmed one (each is idempotent on the server, so sending one twice is harmless).
 *   Until confirmed, a pending op wins over what a server sync says about that channel.
 * - The `conversations` event carries the whole ordered list, at most once per `throttleMs`.
 */
import type { DiagnosticsSink } from '../diagnostics/types'
import { ClientError, InvalidArgumentError } from '../errors'
import type { Platform, TimerId } from '../platform/types'
import type { ConversationOp, SyncProvider } from '../sync/types'
import type { InboundMessage, OutboxMessage } from '../types'
import { isChannelType } from '../codes'
import { backoffDelay } from '../connection/backoff'
import { decodeContent } from '../content/codec'
import { ConversationStore, conversationKey } from './store'
import type { Entry, PendingOp } from './store'
import type { Conversation } from './types'

export interface ConversationsOptions {
  /** Milliseconds between two `conversations` events at most. Default 200. */
  throttleMs?: number
  /** Milliseconds a changed list waits before it is written (changes meanwhile share the write). Default 1 000. */
  writeDelayMs?: number
  /** Backoff for ops the server did not confirm: milliseconds, defaults 1 000 → 60 000. */
  retryInitialMs?: number
  retryMaxMs?: number
}

/** The conversations part of the client (client.ts ClientParts): builds the list the client feeds. */
export interface ConversationsPart {
  create(deps: ConversationListDeps): ConversationList
}

export const conversationsPart: ConversationsPart = {
  create: (deps) => new ConversationList(deps),
}

export interface ConversationListDeps {
  uid: string
  platform: Platform
  /** `<prefix>:<uid>` */
  prefix: string
  sync: SyncProvider
  diagnostics: DiagnosticsSink
  emit(list: Conversation[]): void
  /** Jitter for the op retry backoff, in [0, 1). */
  random(): number | Promise<number>
  options?: ConversationsOptions
  /**
   * Connected, and a catch-up whose conversation sync answered has run since: ops wait for it, as
   * WuKongIM applies them up to the channel's last seq, so one sent earlier would also clear (or
   * delete) messages this device has not been shown yet. Absent: always.
   */
  caughtUp?(): boolean
  /** Test-only switches (options.ts UnsafeSwitches). */
  unsafe?: { volatileConversationOps?: boolean }
}

const byRecency = (a: Conversation, b: Conversation): number =>
  b.timestamp - a.timestamp || (a.channelType - b.channelType) || (a.channelId < b.channelId ? -1 : a.channelId > b.channelId ? 1 : 0)

/** The public copy of an entry (without the seq bookkeeping), the last message with its decoded content. */
function view(e: Entry): Conversation {
  const c: Conversation = { channelId: e.channelId, channelType: e.channelType, unread: e.unread, timestamp: e.timestamp }
  if (e.lastMessage) c.lastMessage = { ...e.lastMessage, content: decodeContent(e.lastMessage.payload) }
  return c
}

function applyOp(entries: Map<string, Entry>, op: ConversationOp): void {
  const key = conversationKey(op.channelType, op.channelId)
  if (op.kind === 'delete') {
    entries.delete(key)
    return
  }
  const e = entries.get(key) ?? { channelId: op.channelId, channelType: op.channelType, unread: 0, timestamp: 0, lastSeq: 0 }
  e.unread = op.kind === 'setUnread' ? op.unread : 0
  entries.set(key, e)
}

export class ConversationList {
  private readonly entries = new Map<string, Entry>()
  private readonly ops = new Map<string, PendingOp>()
  private readonly store: ConversationStore
  private readonly o: Required<ConversationsOptions>
  private nextOpId = 1
  /** Bumped by every local change; a server answer does not undo changes made while it was on the way. */
  private version = 0
  private readonly touched = new Map<string, number>()
  private emitTimer: TimerId | undefined
  private writeTimer: TimerId | undefined
  /** Changed by our own sends only: written with the next write or at flush (hide, close), never alone. */
  private stale = false
  private retryTimer: TimerId | undefined
  private retryAttempt = 0
  private pushing = false
  private closed = false
  private loaded: Promise<void> | undefined

  constructor(private readonly d: ConversationListDeps) {
    this.store = new ConversationStore(d.platform, d.prefix, d.diagnostics)
    const o = d.options ?? {}
    this.o = { throttleMs: o.throttleMs ?? 200, writeDelayMs: o.writeDelayMs ?? 1_000, retryInitialMs: o.retryInitialMs ?? 1_000, retryMaxMs: o.retryMaxMs ?? 60_000 }
  }

  /** Reads the list and the pending ops, and emits the list at once (the first screen). Once. */
  load(): Promise<void> {
    if (!this.loaded) this.loaded = this.restore()
    return this.loaded
  }

  /** The list, newest first. */
  list(): Conversation[] {
    return Array.from(this.entries.values(), view).sort(byRecency)
  }

  /** A message handed to the app (push, catch-up or gap fill). */
  onMessage(msg: InboundMessage): void {
    if (this.closed) return
    const key = conversationKey(msg.channelType, msg.channelId)
    const e = this.entries.get(key) ?? { channelId: msg.channelId, channelType: msg.channelType, unread: 0, timestamp: 0, lastSeq: 0 }
    if (msg.messageSeq > 0 && msg.messageSeq <= e.lastSeq) return
    e.lastSeq = Math.max(e.lastSeq, msg.messageSeq)
    const timestamp = msg.timestamp > 0 ? msg.timestamp * 1000 : this.d.platform.now()
    if (timestamp >= e.timestamp || !e.lastMessage) {
      e.timestamp = Math.max(e.timestamp, timestamp)
      e.lastMessage = { clientMsgNo: msg.clientMsgNo, fromUid: msg.fromUid, payload: msg.payload, messageSeq: msg.messageSeq, timestamp }
    }
    if (msg.fromUid !== this.d.uid) e.unread++
    this.entries.set(key, e)
    this.changed(key)
  }

  /** Our own message changed status in the outbox. */
  onOwn(m: OutboxMessage): void {
    // A restored record whose channel type is damaged fails as invalid: it is no conversation.
    if (this.closed || !isChannelType(m.channelType)) return
    const key = conversationKey(m.channelType, m.channelId)
    if (m.failure === 'cancelled') return this.forget(key, m.clientMsgNo)
    const e = this.entries.get(key) ?? { channelId: m.channelId, channelType: m.channelType, unread: 0, timestamp: 0, lastSeq: 0 }
    const last = e.lastMessage
    // Only the newest message is the preview: an older one changing status does not replace it.
    if (last && last.clientMsgNo !== m.clientMsgNo && last.timestamp > m.createdAt) return
    const seq = m.status === 'sent' ? (m.messageSeq ?? 0) : 0
    e.lastMessage = { clientMsgNo: m.clientMsgNo, fromUid: this.d.uid, payload: m.payload, messageSeq: seq, timestamp: m.createdAt }
    if (m.status !== 'sent') e.lastMessage.status = m.status
    e.lastSeq = Math.max(e.lastSeq, seq)
    e.timestamp = Math.max(e.timestamp, m.createdAt)
    this.entries.set(key, e)
    // The outbox and the server hold the truth of our own messages: not worth a bridge call of its own.
    this.changed(key, true)
  }

  /**
   * At launch, with the outbox restored: a stored preview of our own message takes the status the
   * outbox holds now, or none when the outbox no longer holds it (sent or discarded before the
   * list's last write landed; the next sync shows what the server has).
   */
  reconcile(pending: OutboxMessage[]): void {
    const now = new Map(pending.map((m) => [m.clientMsgNo, m.status]))
    for (const [key, e] of this.entries) {
      const last = e.lastMessage
      if (!last?.status) continue
      const status = now.get(last.clientMsgNo)
      if (status === last.status) continue
      if (status === undefined || status === 'sent') delete last.status
      else last.status = status
      this.changed(key)
    }
  }

  /** Our own message discarded from the outbox: no longer the preview; a conversation that held only it goes. */
  private forget(key: string, clientMsgNo: string): void {
    const e = this.entries.get(key)
    if (e?.lastMessage?.clientMsgNo !== clientMsgNo) return
    if (e.lastSeq === 0 && e.unread === 0) this.entries.delete(key)
    else delete e.lastMessage
    this.changed(key)
  }

  /** clearUnread / setUnread / deleteConversation: applied now, durable when this resolves, sent until confirmed. */
  async change(op: ConversationOp): Promise<void> {
    checkOp(op)
    await this.load()
    if (this.closed) throw new ClientError('CLIENT_CLOSED', 'the client is closed')
    const key = conversationKey(op.channelType, op.channelId)
    applyOp(this.entries, op)
    this.changed(key)
    if (!this.d.sync.updateConversation) return
    const replaced = this.ops.get(key)
    const pending: PendingOp = { ...op, id: this.nextOpId++ }
    this.ops.set(key, pending)
    try {
      await this.saveOps()
    } catch (e) {
      // Not durable, so not sent either (the caller is told it failed); the op it replaced stays pending.
      if (this.ops.get(key) === pending) {
        if (replaced) this.ops.set(key, replaced)
        else this.ops.delete(key)
      }
      this.d.diagnostics.record('storage', 'conversation-ops-not-saved', { error: e instanceof Error ? e.message : String(e) })
      throw e
    }
    this.push()
  }

  /** After a catch-up: the server's list, then the ops it has not confirmed yet. */
  async refresh(): Promise<void> {
    await this.load()
    this.push()
    const listConversations = this.d.sync.listConversations
    if (!listConversations || this.closed) return
    const asked = this.version
    let server
    try {
      server = await listConversations.call(this.d.sync)
    } catch (e) {
      this.d.diagnostics.record('sync', 'conversation-list-failed', { error: e instanceof Error ? e.message : String(e) })
      return
    }
    if (this.closed) return
    const next = new Map<string, Entry>()
    for (const s of server) {
      const key = conversationKey(s.channelType, s.channelId)
      const local = this.entries.get(key)
      if (local && (this.touched.get(key) ?? 0) > asked) {
        next.set(key, local)
        continue
      }
      const e: Entry = { channelId: s.channelId, channelType: s.channelType, unread: s.unread, timestamp: s.timestamp, lastSeq: Math.max(s.lastSeq, local?.lastSeq ?? 0) }
      const m = s.lastMessage
      if (m) e.lastMessage = { clientMsgNo: m.clientMsgNo, fromUid: m.fromUid, payload: m.payload, messageSeq: m.messageSeq, timestamp: s.timestamp || m.timestamp * 1000 }
      // Our own newer message still on its way (or failed) stays the preview.
      if (local?.lastMessage?.status && local.lastMessage.timestamp >= e.timestamp) {
        e.lastMessage = local.lastMessage
        e.timestamp = local.lastMessage.timestamp
      }
      next.set(key, e)
    }
    // Not on the server's list: kept only while changed meanwhile or holding our own unsent message.
    for (const [key, local] of this.entries) {
      if (!next.has(key) && ((this.touched.get(key) ?? 0) > asked || local.lastMessage?.status)) next.set(key, local)
    }
    for (const op of this.ops.values()) applyOp(next, op)
    this.entries.clear()
    for (const [key, e] of next) this.entries.set(key, e)
    this.changed(undefined)
  }

  /** Writes what waits for the write delay now (app hide, close). */
  async flush(): Promise<void> {
    if (this.writeTimer === undefined && !this.stale) return
    if (this.writeTimer !== undefined) this.d.platform.clearTimeout(this.writeTimer)
    this.writeTimer = undefined
    await this.writeList()
  }

  close(): void {
    this.closed = true
    for (const t of [this.emitTimer, this.retryTimer]) if (t !== undefined) this.d.platform.clearTimeout(t)
    this.emitTimer = this.retryTimer = undefined
  }

  /** Pending ops (for tests and diagnose). */
  pendingOps(): ConversationOp[] {
    return Array.from(this.ops.values(), ({ id: _id, ...op }) => op as ConversationOp)
  }

  // ---- internals ------------------------------------------------------------------------------

  private async restore(): Promise<void> {
    const [list, ops] = await Promise.all([this.store.loadList(), this.store.loadOps()])
    for (const e of list.items) this.entries.set(conversationKey(e.channelType, e.channelId), e)
    for (const op of ops.items) {
      this.ops.set(conversationKey(op.channelType, op.channelId), op)
      this.nextOpId = Math.max(this.nextOpId, op.id + 1)
      applyOp(this.entries, op)
    }
    if (!this.closed) this.d.emit(this.list())
  }

  private changed(key: string | undefined, lazy = false): void {
    this.version++
    if (key !== undefined) this.touched.set(key, this.version)
    if (this.emitTimer === undefined && !this.closed) {
      this.emitTimer = this.d.platform.setTimeout(() => {
        this.emitTimer = undefined
        if (!this.closed) this.d.emit(this.list())
      }, this.o.throttleMs)
    }
    if (lazy) this.stale = true
    else if (this.writeTimer === undefined) {
      this.writeTimer = this.d.platform.setTimeout(() => {
        this.writeTimer = undefined
        void this.writeList()
      }, this.o.writeDelayMs)
    }
  }

  private async writeList(): Promise<void> {
    this.stale = false
    try {
      await this.store.saveList(Array.from(this.entries.values()))
    } catch (e) {
      this.d.diagnostics.record('storage', 'conversations-not-saved', { error: e instanceof Error ? e.message : String(e) })
    }
  }

  private async saveOps(): Promise<void> {
    if (this.d.unsafe?.volatileConversationOps) return
    await this.store.saveOps(
      () => Array.from(this.ops.values()),
      (older) => {
        for (const op of older) {
          const key = conversationKey(op.channelType, op.channelId)
          if (!this.ops.has(key)) this.ops.set(key, { ...op, id: this.nextOpId++ })
        }
      },
    )
  }

  private async retryLater(): Promise<void> {
    const delay = backoffDelay(this.retryAttempt++, { initialMs: this.o.retryInitialMs, maxMs: this.o.retryMaxMs }, await this.d.random())
    if (!this.closed) this.retryTimer = this.d.platform.setTimeout(() => ((this.retryTimer = undefined), this.push()), Math.max(delay, this.o.retryInitialMs))
  }

  /** Sends every pending op, one at a time; a failure backs off and tries again. */
  private push(): void {
    const update = this.d.sync.updateConversation
    if (!update || this.pushing || this.closed || this.ops.size === 0) return
    if (this.retryTimer !== undefined) {
      this.d.platform.clearTimeout(this.retryTimer)
      this.retryTimer = undefined
    }
    this.pushing = true
    void (async () => {
      try {
        // Not caught up yet: tried again with backoff, and at once after the next catch-up (refresh).
        if (this.d.caughtUp && !this.d.caughtUp()) return await this.retryLater()
        for (const op of Array.from(this.ops.values())) {
          const { id, ...change } = op
          await update.call(this.d.sync, change as ConversationOp)
          this.d.diagnostics.record('sync', 'conversation-op-confirmed', { kind: op.kind })
          const key = conversationKey(op.channelType, op.channelId)
          if (this.ops.get(key)?.id === id) this.ops.delete(key)
          await this.saveOps().catch((e: unknown) => this.d.diagnostics.record('storage', 'conversation-ops-not-saved', { error: String(e) }))
        }
        this.retryAttempt = 0
      } catch (e) {
        this.d.diagnostics.record('sync', 'conversation-op-failed', { error: e instanceof Error ? e.message : String(e), attempt: this.retryAttempt })
        await this.retryLater()
      } finally {
        this.pushing = false
      }
      // Ops made while this round ran go out now.
      if (this.retryTimer === undefined && this.ops.size > 0) this.push()
    })()
  }
}

function checkOp(op: ConversationOp): void {
  if (typeof op.channelId !== 'string' || op.channelId === '') throw new InvalidArgumentError('channelId must be a non-empty string', { option: 'channelId' })
  if (!Number.isInteger(op.channelType) || op.channelType < 0 || op.channelType > 255) throw new InvalidArgumentError('channelType must be an integer 0..255', { option: 'channelType' })
  if (op.kind === 'setUnread' && !(Number.isInteger(op.unread) && op.unread >= 0)) throw new InvalidArgumentError('unread must be an integer >= 0', { option: 'unread' })
}
