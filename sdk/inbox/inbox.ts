/**
 * The receive side (docs/design.md §4): RECV → verify/decrypt → de-duplicate → order → deliver →
 * RECVACK; per-channel cursors; gap detection and filling; offline catch-up.
 *
 * Per channel the inbox keeps a *cursor*: the highest seq delivered (or deliberately skipped) with
 * no hole below it. Messages above cursor + 1 are held until the hole is filled over the sync API,
 * so the app sees each channel strictly in seq order, each message once.
 *
 * Where a channel starts (the first-contact policy):
 * - A RECV on a channel the inbox has never seen, before any catch-up completed on this storage,
 *   starts the channel there: seq 57 means 1..56 are history, not a gap. After one completed, the
 *   channel is new since this device started watching: its earlier messages (at most
 *   `newChannelBacklog`) are pulled first, like a channel first learned from conversation sync.
 *   While a catch-up's conversation sync is in flight such RECVs wait for it, so a live message
 *   cannot hide messages that arrived while offline.
 * - A channel first learned from conversation sync: on a fresh install (no catch-up has ever
 *   completed on this storage) everything already there is history; afterwards the channel is new
 *   since this device started watching, so its newest `newChannelBacklog` messages are pulled.
 *
 * Persistence (store.ts): the cursors, and recent messageIds and (fromUid, clientMsgNo) pairs,
 * both bounded. A message is remembered and its cursor advanced only after its handler settled, so
 * a crash can re-deliver at worst the last few messages, never lose one.
 */
import type { InboundMessage, GapEvent } from '../types'
import type { Platform, TimerId } from '../platform/types'
import type { SyncProvider, ConversationState } from '../sync/types'
import type { DiagnosticsSink } from '../diagnostics/types'
import { PacketType } from '../proto/packets'
import type { RecvPacket, RecvackPacket } from '../proto/packets'
import { openRecv } from '../proto/crypto'
import type { SessionCrypto } from '../proto/crypto'
import { ClientError, ImError, InvalidOptionError, ProtocolError, isImError } from '../errors'
import { BoundedSet } from './bounded-set'
import { InboxStore } from './store'

export interface InboxOptions {
  /** Period of the continuity check (a catch-up) while connected, ms. Default 60 000; 0 = off. */
  continuityCheckMs?: number
  /** Pushed messages held per channel while a gap is filled; beyond it the newest are dropped and pulled later. Default 500. */
  maxHeldPerChannel?: number
  /** `limit` of each message sync request. Default 100. */
  syncPageLimit?: number
  /** Extra attempts to fill a gap before it is reported unfillable and skipped. Default 3. */
  gapRetries?: number
  /** Delay before the first gap-fill retry, doubled on each further one, ms. Default 1 000. */
  gapRetryDelayMs?: number
  /** Remembered messageIds, and separately (fromUid, clientMsgNo) pairs, for de-duplication. Default 1 000 each. */
  dedupCapacity?: number
  /** Channels whose cursor is kept (least recently active forgotten first). Default 2 000. */
  maxChannels?: number
  /** Newest messages pulled from a channel first seen in conversation sync. Default 1 000. */
  newChannelBacklog?: number
}

export interface InboxDeps {
  uid: string
  platform: Platform
  /** `wkmp:<uid>`; the inbox owns `<prefix>:in:*`. */
  storagePrefix: string
  sync: SyncProvider
  diagnostics: DiagnosticsSink
  /** Runs the app's handlers; resolves when they settle; never rejects. */
  deliver(msg: InboundMessage): Promise<void>
  /** Written on the current connection if any, else dropped. */
  sendRecvack(ack: RecvackPacket): void
  emitGap(e: GapEvent): void
  emitError(e: ImError): void
  options?: InboxOptions
  /**
   * Whether this install made the clientMsgNo (it ends with this install's tag). A copy of the
   * user's message with such a clientMsgNo is this device's own send coming back, not an incoming
   * message: a v2 server stores a re-sent SEND twice, and a catch-up
   * can meet a copy whose SENDACK never arrived, even after a restart. The same user's other
   * devices tag their clientMsgNos differently and are delivered as usual.
   */
  ownSend?(clientMsgNo: string): boolean
  /** @internal Test-only switches (chaos simulator). */
  unsafe?: { disableDedup?: boolean }
}

/** What the outbox learnt from a SENDACK: this device's own message, which the server never pushes back to it. */
export interface SentMessage {
  channelId: string
  channelType: number
  messageId: string
  messageSeq: number
  clientMsgNo: string
}

/** The receive side at a glance, for diagnose(). */
export interface InboxSnapshot {
  /** Channels with a cursor. */
  channels: number
  /** Messages held behind a gap, over all channels. */
  held: number
  /** Messages whose handlers have not settled yet. */
  delivering: number
  /** Gap events so far, by outcome. */
  gaps: Record<GapEvent['outcome'], number>
  /** The last catch-up: when it ended (platform ms) and whether its conversation sync answered. */
  lastCatchUp?: { at: number; ok: boolean }
}

interface Held {
  msg: InboundMessage
  /** RECVACKs owed once the message is delivered (pushes only). */
  acks: RecvackPacket[]
}

interface Gap {
  from: number
  to: number
  /** Part of it was reported unfillable, so no 'filled' is reported for it. */
  lost: boolean
}

interface Channel {
  key: string
  channelId: string
  channelType: number
  /** undefined until the channel's starting point is known (see the first-contact policy). */
  cursor: number | undefined
  held: Map<number, Held>
  /** Highest seq the server is known to have (conversation sync, evicted pushes). */
  wantUpTo: number
  /** Highest seq seen pushed, for gap detection. */
  topPushed: number
  gaps: Gap[]
  draining: Promise<void> | null
  again: boolean
}

const keyOf = (channelType: number, channelId: string): string => `${channelType}:${channelId}`

function recvackFor(p: RecvPacket): RecvackPacket {
  return {
    type: PacketType.RECVACK,
    flags: { dup: false, noPersist: p.flags.noPersist, syncOnce: p.flags.syncOnce, redDot: p.flags.redDot },
    messageId: p.messageId,
    messageSeq: p.messageSeq,
  }
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

function asSyncError(e: unknown, context: Record<string, unknown>): ImError {
  return isImError(e) ? e : new ClientError('SYNC_FAILED', `sync failed: ${errorText(e)}`, context, e)
}

const DEFAULTS: Required<InboxOptions> = {
  continuityCheckMs: 60_000,
  maxHeldPerChannel: 500,
  syncPageLimit: 100,
  gapRetries: 3,
  gapRetryDelayMs: 1_000,
  dedupCapacity: 1_000,
  maxChannels: 2_000,
  newChannelBacklog: 1_000,
}
/** Options that must be at least 1; the others at least 0. */
const AT_LEAST_ONE = new Set<keyof InboxOptions>(['maxHeldPerChannel', 'syncPageLimit', 'dedupCapacity', 'maxChannels'])

function resolveOptions(o: InboxOptions): Required<InboxOptions> {
  const out = { ...DEFAULTS }
  for (const name of Object.keys(DEFAULTS) as Array<keyof InboxOptions>) {
    const v = o[name]
    if (v === undefined) continue
    const min = AT_LEAST_ONE.has(name) ? 1 : 0
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new InvalidOptionError(`inbox.${name} must be an integer >= ${min}`, { option: `inbox.${name}`, value: v })
    }
    out[name] = v
  }
  return out
}

export class Inbox {
  private readonly d: InboxDeps
  private readonly opt: Required<InboxOptions>
  private readonly channels = new Map<string, Channel>()
  private readonly seenIds: BoundedSet
  private readonly seenKeys: BoundedSet
  /** Messages handed to the app whose handlers have not settled yet, by messageId. */
  private readonly inflight = new Map<string, Held>()
  private readonly store: InboxStore
  /** A catch-up has completed on this storage at least once (first-contact policy). */
  private baseline = false
  private closed = false
  private connected = false
  private timer: TimerId | undefined
  private readonly sleepers = new Set<() => void>()
  private conversationSyncInFlight = false
  private catchingUp: Promise<void> | null = null
  private catchUpAgain = false
  private readonly gapCounts: Record<GapEvent['outcome'], number> = { detected: 0, filled: 0, unfillable: 0 }
  private lastCatchUp: { at: number; ok: boolean } | undefined

  constructor(deps: InboxDeps) {
    this.d = deps
    this.opt = resolveOptions(deps.options ?? {})
    this.seenIds = new BoundedSet(this.opt.dedupCapacity)
    this.seenKeys = new BoundedSet(this.opt.dedupCapacity)
    this.store = new InboxStore({
      platform: deps.platform,
      prefix: deps.storagePrefix,
      diagnostics: deps.diagnostics,
      emitError: (e) => deps.emitError(e),
      cursors: () => ({ baseline: this.baseline, channels: this.cursorList() }),
      seen: () => ({ ids: this.seenIds.toArray(), keys: this.seenKeys.toArray() }),
    })
  }

  /** Restores persisted cursors and de-duplication state. Corrupt data is reported and reset. */
  async load(): Promise<void> {
    const { cursors, seen } = await this.store.load()
    if (cursors) {
      for (const [channelType, channelId, seq] of cursors.channels) this.channel(channelId, channelType).cursor = seq
      this.baseline = cursors.baseline
    }
    for (const id of seen?.ids ?? []) this.seenIds.add(id)
    for (const key of seen?.keys ?? []) this.seenKeys.add(key)
  }

  /** The highest contiguous seq of a channel, or undefined when the channel is unknown. */
  cursor(channelId: string, channelType: number): number | undefined {
    return this.channels.get(keyOf(channelType, channelId))?.cursor
  }

  snapshot(): InboxSnapshot {
    let channels = 0
    let held = 0
    for (const ch of this.channels.values()) {
      if (ch.cursor !== undefined) channels++
      held += ch.held.size
    }
    const snap: InboxSnapshot = { channels, held, delivering: this.inflight.size, gaps: { ...this.gapCounts } }
    if (this.lastCatchUp) snap.lastCatchUp = { ...this.lastCatchUp }
    return snap
  }

  handleRecv(packet: RecvPacket, session: SessionCrypto | null): void {
    if (this.closed) return
    let payload: Uint8Array
    try {
      payload = openRecv(session, packet)
    } catch (e) {
      // No RECVACK: a v2 server redelivers it, and the gap logic pulls it over HTTP otherwise.
      const detail = { messageId: packet.messageId, messageSeq: packet.messageSeq, channelId: packet.channelId, channelType: packet.channelType }
      this.d.diagnostics.record('receive', 'rejected', { ...detail, error: errorText(e) })
      this.d.emitError(isImError(e) ? e : new ProtocolError('RECV failed verification', detail, e))
      return
    }
    const msg: InboundMessage = {
      messageId: packet.messageId,
      messageSeq: packet.messageSeq,
      clientMsgNo: packet.clientMsgNo,
      fromUid: packet.fromUid,
      channelId: packet.channelId,
      channelType: packet.channelType,
      timestamp: packet.timestamp,
      payload,
      flags: { noPersist: packet.flags.noPersist, syncOnce: packet.flags.syncOnce, redDot: packet.flags.redDot },
      source: 'push',
    }
    if (packet.topic !== undefined) msg.topic = packet.topic
    const ack = recvackFor(packet)
    // A copy of a message being delivered right now (v2 redelivers when the handler is slow): its
    // ack waits for that delivery.
    const inflight = this.inflight.get(msg.messageId)
    if (inflight) return void inflight.acks.push(ack)

    if (msg.messageSeq === 0) {
      // NoPersist: no seq, no cursor; de-duplicated by messageId only.
      if (msg.messageId !== '0' && this.seenIds.has(msg.messageId)) return this.duplicate(msg, [ack])
      void this.deliverOnce({ msg, acks: [ack] })
      return
    }

    const ch = this.channel(msg.channelId, msg.channelType)
    if (ch.cursor === undefined && !this.conversationSyncInFlight) this.firstContact(ch, msg.messageSeq)
    if (ch.cursor !== undefined && msg.messageSeq <= ch.cursor) return this.duplicate(msg, [ack])
    const already = ch.held.get(msg.messageSeq)
    if (already) {
      if (already.msg.messageId === msg.messageId) already.acks.push(ack)
      else this.duplicate(msg, [ack])
      return
    }
    if (ch.cursor !== undefined) {
      // Seqs already expected (catch-up in progress, earlier pushes) are not a new gap.
      const from = Math.max(ch.cursor, ch.topPushed, ch.wantUpTo) + 1
      if (msg.messageSeq > from) this.gapDetected(ch, from, msg.messageSeq - 1)
    }
    ch.topPushed = Math.max(ch.topPushed, msg.messageSeq)
    this.hold(ch, { msg, acks: [ack] })
    if (ch.cursor !== undefined) void this.kick(ch)
  }

  /**
   * Tells the inbox about this device's own stored message (SENDACK 1). The server never pushes it
   * back to this connection, so without this its seq looks like a gap and would be pulled and
   * delivered as an incoming message.
   */
  noteSent(sent: SentMessage): void {
    if (this.closed || sent.messageSeq <= 0) return
    const placeholder: InboundMessage = {
      messageId: sent.messageId,
      messageSeq: sent.messageSeq,
      clientMsgNo: sent.clientMsgNo,
      fromUid: this.d.uid,
      channelId: sent.channelId,
      channelType: sent.channelType,
      timestamp: 0,
      payload: new Uint8Array(0),
      flags: { noPersist: false, syncOnce: false, redDot: false },
      source: 'sync',
    }
    this.remember(placeholder)
    const ch = this.channel(sent.channelId, sent.channelType)
    if (ch.cursor === undefined && !this.conversationSyncInFlight) this.firstContact(ch, sent.messageSeq)
    if ((ch.cursor !== undefined && sent.messageSeq <= ch.cursor) || ch.held.has(sent.messageSeq)) return
    ch.topPushed = Math.max(ch.topPushed, sent.messageSeq)
    ch.held.set(sent.messageSeq, { msg: placeholder, acks: [] })
    // Only step over it now when nothing is missing before it; otherwise the next push or catch-up fills.
    if (ch.cursor !== undefined && sent.messageSeq === ch.cursor + 1) void this.kick(ch)
  }

  /** After every (re)connect and on app show: conversation sync, then message sync per channel. */
  onConnected(): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.connected = true
    this.armContinuityCheck()
    return this.catchUp()
  }

  /** The connection is gone: the continuity check pauses until the next onConnected(). */
  onDisconnected(): void {
    this.connected = false
    this.disarmContinuityCheck()
  }

  /** Runs a catch-up now; concurrent calls share one run (followed by one more when asked meanwhile). */
  catchUp(): Promise<void> {
    if (this.closed) return Promise.resolve()
    if (this.catchingUp) {
      this.catchUpAgain = true
      return this.catchingUp
    }
    this.catchUpAgain = true
    const run = async (): Promise<void> => {
      try {
        while (this.catchUpAgain && !this.closed) {
          this.catchUpAgain = false
          await this.catchUpOnce()
        }
      } catch (e) {
        this.d.diagnostics.record('sync', 'catch-up-crashed', { error: errorText(e) })
      } finally {
        this.catchingUp = null
      }
    }
    this.catchingUp = run()
    return this.catchingUp
  }

  /** Resolves once everything changed so far is in storage. */
  flush(): Promise<void> {
    return this.store.flush()
  }

  /** Stops timers and pending retries. Held messages stay unacknowledged (they are pulled next time). */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.disarmContinuityCheck()
    for (const wake of Array.from(this.sleepers)) wake()
    this.sleepers.clear()
    // What waits for a spaced write goes out now: no timer outlives the inbox.
    void this.store.flush()
  }

  // ---- ordering and delivery ----

  private channel(channelId: string, channelType: number): Channel {
    const key = keyOf(channelType, channelId)
    let ch = this.channels.get(key)
    if (!ch) {
      ch = { key, channelId, channelType, cursor: undefined, held: new Map(), wantUpTo: 0, topPushed: 0, gaps: [], draining: null, again: false }
      this.channels.set(key, ch)
      this.evictChannels()
    }
    return ch
  }

  /** Starts a channel first met on a push or on our own SENDACK at `seq` (the first-contact policy). */
  private firstContact(ch: Channel, seq: number): void {
    ch.cursor = this.baseline ? Math.max(0, seq - 1 - this.opt.newChannelBacklog) : seq - 1
    // What lies below is expected (pulled by the drain), not a gap.
    ch.wantUpTo = Math.max(ch.wantUpTo, seq - 1)
  }

  /** Forgets the least recently active idle channels beyond maxChannels. */
  private evictChannels(): void {
    if (this.channels.size <= this.opt.maxChannels) return
    for (const ch of Array.from(this.channels.values())) {
      if (this.channels.size <= this.opt.maxChannels) break
      if (ch.held.size === 0 && !ch.draining) {
        this.channels.delete(ch.key)
        this.store.cursorsChanged()
      }
    }
  }

  private hold(ch: Channel, h: Held): void {
    ch.held.set(h.msg.messageSeq, h)
    if (ch.held.size <= this.opt.maxHeldPerChannel) return
    // Over the bound: drop the newest. It is stored on the server above the cursor, so it is pulled
    // later; ack it now so a v3 server's un-acked cap is not reached while we wait.
    const top = Math.max(...Array.from(ch.held.keys()))
    const evicted = ch.held.get(top)
    ch.held.delete(top)
    ch.wantUpTo = Math.max(ch.wantUpTo, top)
    this.d.diagnostics.record('receive', 'held-evicted', { channelId: ch.channelId, channelType: ch.channelType, messageSeq: top })
    for (const ack of evicted?.acks ?? []) this.d.sendRecvack(ack)
  }

  private kick(ch: Channel): Promise<void> {
    if (this.closed) return Promise.resolve()
    ch.again = true
    if (ch.draining) return ch.draining
    const run = async (): Promise<void> => {
      try {
        while (ch.again && !this.closed) {
          ch.again = false
          await this.drain(ch)
        }
      } catch (e) {
        this.d.diagnostics.record('receive', 'drain-crashed', { channelId: ch.channelId, channelType: ch.channelType, error: errorText(e) })
      } finally {
        ch.draining = null
      }
    }
    ch.draining = run()
    return ch.draining
  }

  /** Delivers held messages in seq order, filling holes as they are met. */
  private async drain(ch: Channel): Promise<void> {
    while (!this.closed && ch.cursor !== undefined) {
      const next = ch.cursor + 1
      const h = ch.held.get(next)
      if (h) {
        ch.held.delete(next)
        await this.process(ch, h)
        continue
      }
      const lowestHeld = ch.held.size > 0 ? Math.min(...Array.from(ch.held.keys())) : undefined
      const end = lowestHeld ?? ch.wantUpTo + 1
      if (end <= next) break
      if (!(await this.fill(ch, next, end))) break
    }
  }

  private async process(ch: Channel, h: Held): Promise<void> {
    const shown = !this.isDuplicate(h.msg)
    if (shown) await this.deliverOnce(h)
    else this.duplicate(h.msg, h.acks)
    this.advance(ch, h.msg.messageSeq, shown)
  }

  /**
   * Hands a message to the app, then remembers it and acks. It is remembered (and so persisted as
   * seen) only once the handler settled: a crash mid-handler must not turn it into a duplicate.
   */
  private async deliverOnce(h: Held): Promise<void> {
    this.inflight.set(h.msg.messageId, h)
    try {
      await this.d.deliver(h.msg)
    } catch (e) {
      // deliver() promises never to reject; keep the inbox going if it does anyway.
      this.d.diagnostics.record('receive', 'deliver-failed', { messageId: h.msg.messageId, error: errorText(e) })
    }
    this.inflight.delete(h.msg.messageId)
    // Without a seq there is no cursor to guard it: its id is what must reach storage at once.
    this.remember(h.msg, h.msg.messageSeq === 0)
    for (const ack of h.acks) this.d.sendRecvack(ack)
  }

  /** `shown`: the app was just handed this seq, so the cursor is saved at once (see InboxStore). */
  private advance(ch: Channel, seq: number, shown = false): void {
    if (ch.cursor !== undefined && seq <= ch.cursor) return
    ch.cursor = seq
    // Map order = recency, for evictChannels.
    this.channels.delete(ch.key)
    this.channels.set(ch.key, ch)
    while (ch.gaps.length > 0 && ch.gaps[0]!.to <= seq) {
      const g = ch.gaps.shift()!
      if (!g.lost) this.reportGap(ch, g.from, g.to, 'filled')
    }
    this.store.cursorsChanged(shown)
  }

  private isDuplicate(msg: InboundMessage): boolean {
    if (this.d.unsafe?.disableDedup) return false
    if (this.seenIds.has(msg.messageId)) return true
    if (msg.clientMsgNo === '') return false
    if (this.seenKeys.has(this.pairKey(msg))) return true
    return msg.fromUid === this.d.uid && this.d.ownSend?.(msg.clientMsgNo) === true
  }

  /** `urgent`: written without waiting for the store's spacing (see InboxStore). */
  private remember(msg: InboundMessage, urgent = false): void {
    this.seenIds.add(msg.messageId)
    if (msg.clientMsgNo !== '') this.seenKeys.add(this.pairKey(msg))
    this.store.seenChanged(urgent)
  }

  private pairKey(msg: InboundMessage): string {
    return `${keyOf(msg.channelType, msg.channelId)}\n${msg.fromUid}\n${msg.clientMsgNo}`
  }

  /** A duplicate is still acked: a v2 server keeps redelivering what was not acked. */
  private duplicate(msg: InboundMessage, acks: RecvackPacket[]): void {
    this.d.diagnostics.record('receive', 'duplicate', { messageId: msg.messageId, messageSeq: msg.messageSeq, source: msg.source })
    for (const ack of acks) this.d.sendRecvack(ack)
  }

  // ---- gaps ----

  private gapDetected(ch: Channel, from: number, to: number): void {
    ch.gaps.push({ from, to, lost: false })
    this.reportGap(ch, from, to, 'detected')
  }

  private reportGap(ch: Channel, fromSeq: number, toSeq: number, outcome: GapEvent['outcome']): void {
    const e: GapEvent = { channelId: ch.channelId, channelType: ch.channelType, fromSeq, toSeq, outcome }
    this.gapCounts[outcome]++
    this.d.diagnostics.record('receive', `gap-${outcome}`, { ...e })
    this.d.emitGap(e)
  }

  /**
   * Pulls [start, end) into `held`. Returns true when the drain can go on (the next seq is held,
   * or a missing range was skipped), false to stop for now (sync unreachable and nothing waits).
   *
   * A range is unfillable when `start` is still missing after every retry while the server has
   * later messages or some wait behind it (a channel never blocks forever). Later messages alone
   * do not prove `start` gone at the first look: WuKongIM v1.2.6 stores pipelined sends of one
   * channel concurrently, so a lower seq can show up in the sync API after a higher one.
   */
  private async fill(ch: Channel, start: number, end: number): Promise<boolean> {
    let answered = false
    for (let attempt = 0; attempt <= this.opt.gapRetries && !this.closed; attempt++) {
      if (attempt > 0) await this.sleep(this.opt.gapRetryDelayMs * 2 ** (attempt - 1))
      if (this.closed) return false
      // A push may have brought it (or the cursor moved) meanwhile.
      if (ch.held.has(start) || ch.cursor === undefined || ch.cursor + 1 !== start) return true
      const req = { channelId: ch.channelId, channelType: ch.channelType, startSeq: start, endSeq: end, limit: this.opt.syncPageLimit }
      let messages: InboundMessage[]
      try {
        messages = (await this.d.sync.syncMessages(req)).messages
      } catch (e) {
        this.d.diagnostics.record('sync', 'messages-failed', { channelId: ch.channelId, channelType: ch.channelType, startSeq: start, endSeq: end, attempt, error: errorText(e) })
        if (attempt === this.opt.gapRetries) this.d.emitError(asSyncError(e, { channelId: ch.channelId, channelType: ch.channelType, startSeq: start, endSeq: end }))
        continue
      }
      answered = true
      if (this.closed || ch.cursor === undefined || ch.cursor + 1 !== start) return !this.closed
      for (const m of messages) {
        if (m.messageSeq < start || m.messageSeq >= end) continue
        if (!ch.held.has(m.messageSeq)) ch.held.set(m.messageSeq, { msg: { ...m, source: 'sync' }, acks: [] })
      }
      this.d.diagnostics.record('sync', 'messages', { channelId: ch.channelId, channelType: ch.channelType, startSeq: start, endSeq: end, count: messages.length })
      if (ch.held.has(start)) return true
    }
    if (this.closed || ch.cursor === undefined || ch.cursor + 1 !== start) return false
    const waiting = ch.held.size > 0
    if (!answered && !waiting) return false
    const lowestHeld = waiting ? Math.min(...Array.from(ch.held.keys())) : end
    return this.skip(ch, start, lowestHeld - 1)
  }

  private skip(ch: Channel, from: number, to: number): boolean {
    for (const g of ch.gaps) if (g.from <= to && from <= g.to) g.lost = true
    this.reportGap(ch, from, to, 'unfillable')
    this.advance(ch, to)
    return true
  }

  /** A platform-timer delay that close() cuts short (and clears). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let id: TimerId | undefined
      const wake = (): void => {
        this.sleepers.delete(wake)
        if (id !== undefined) this.d.platform.clearTimeout(id)
        resolve()
      }
      this.sleepers.add(wake)
      id = this.d.platform.setTimeout(wake, ms)
    })
  }

  // ---- catch-up ----

  private async catchUpOnce(): Promise<void> {
    const cursors = Array.from(this.channels.values())
      .filter((ch) => ch.cursor !== undefined)
      .map((ch) => ({ channelId: ch.channelId, channelType: ch.channelType, lastSeq: ch.cursor as number }))
    let states: ConversationState[] | undefined
    this.conversationSyncInFlight = true
    try {
      states = await this.d.sync.syncConversations(cursors)
    } catch (e) {
      this.d.diagnostics.record('sync', 'conversations-failed', { error: errorText(e) })
      this.d.emitError(asSyncError(e, { known: cursors.length }))
    } finally {
      this.conversationSyncInFlight = false
    }
    if (this.closed) return
    if (states) {
      this.d.diagnostics.record('sync', 'conversations', { count: states.length })
      for (const s of states) {
        const ch = this.channel(s.channelId, s.channelType)
        if (ch.cursor === undefined) ch.cursor = this.startingCursor(ch, s.lastSeq)
        ch.wantUpTo = Math.max(ch.wantUpTo, s.lastSeq)
      }
      if (!this.baseline) {
        this.baseline = true
        this.store.cursorsChanged()
      }
    }
    for (const ch of Array.from(this.channels.values())) {
      // Pushes that waited for the conversation sync on a channel it did not list.
      if (ch.cursor === undefined && ch.held.size > 0) ch.cursor = Math.min(...Array.from(ch.held.keys())) - 1
    }
    for (const ch of Array.from(this.channels.values())) {
      if (this.closed) return
      if (ch.cursor !== undefined && (ch.held.size > 0 || ch.wantUpTo > ch.cursor)) await this.kick(ch)
    }
    this.lastCatchUp = { at: this.d.platform.now(), ok: states !== undefined }
  }

  private startingCursor(ch: Channel, lastSeq: number): number {
    const start = this.baseline ? Math.max(0, lastSeq - this.opt.newChannelBacklog) : lastSeq
    // Live pushes that waited for this answer are never history.
    return ch.held.size > 0 ? Math.min(start, Math.min(...Array.from(ch.held.keys())) - 1) : start
  }

  private armContinuityCheck(): void {
    this.disarmContinuityCheck()
    if (this.opt.continuityCheckMs <= 0 || this.closed || !this.connected) return
    this.timer = this.d.platform.setTimeout(() => {
      this.timer = undefined
      void this.catchUp().then(() => this.armContinuityCheck())
    }, this.opt.continuityCheckMs)
  }

  private disarmContinuityCheck(): void {
    if (this.timer !== undefined) this.d.platform.clearTimeout(this.timer)
    this.timer = undefined
  }

  private cursorList(): Array<[number, string, number]> {
    const out: Array<[number, string, number]> = []
    for (const ch of this.channels.values()) if (ch.cursor !== undefined) out.push([ch.channelType, ch.channelId, ch.cursor])
    return out
  }
}
