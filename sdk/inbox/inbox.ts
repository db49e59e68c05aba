/**
 * The receive side (docs/design.md §4): RECV (already opened by the connection) → de-duplicate →
 * order → deliver → RECVACK; per-channel cursors; gap detection and filling; offline catch-up. This file orders
 * and delivers; de-duplication is in dedup.ts, gap filling in gap-fill.ts, catch-up in
 * catch-up.ts, stored state in store.ts, the per-channel state in channel.ts.
 *
 * Per channel the inbox keeps a *cursor*: the highest seq delivered (or deliberately skipped) with
 * no hole below it. Messages above cursor + 1 are held until the hole is filled over the sync API,
 * so the app sees each channel strictly in seq order, each message once. A hole the sync API
 * cannot fill yet keeps the channel's later messages held (see gap-fill.ts for when one is given up).
 *
 * Where a channel starts (the first-contact policy):
 * - A RECV on a channel the inbox has never seen, before any catch-up completed on this storage,
 *   starts the channel there: seq 57 means 1..56 are history, not a gap. After one completed, the
 *   channel is new since this device started watching: its earlier messages (at most
 *   `newChannelBacklog`) are pulled first, like a channel first learned from conversation sync.
 *   While a catch-up's conversation sync is in flight such RECVs wait for it (at most
 *   `syncDeadlineMs`), so a live message cannot hide messages that arrived while offline.
 * - A channel first learned from conversation sync: on a fresh install (no catch-up has ever
 *   completed on this storage) everything already there is history; afterwards the channel is new
 *   since this device started watching, so its newest `newChannelBacklog` messages are pulled.
 * - Stored state that could not be read is not a fresh install: the inbox then acts as if a
 *   catch-up had completed, so channels it no longer has a cursor for are pulled (up to
 *   `newChannelBacklog`) rather than started at the server's last seq.
 *
 * Persistence (store.ts): the cursors, and recent messageIds and (fromUid, clientMsgNo) pairs,
 * both bounded. A message is remembered and its cursor advanced after its handler settled, so a
 * crash re-delivers the message whose handler was running, never loses one; and the next message
 * (on any channel) is handed over only once that cursor is in storage, so a crash inside the next
 * handler re-delivers that handler's message only.
 *
 * Kills during a catch-up: a run of MIN_CLAIMED_RUN (8) or more held messages (a sync page) is
 * claimed before it is shown: one write of the seen record carries its ids and the cursor at its end. Its messages then
 * go to the app one by one as usual; while the app's handlers settle within a few microtasks (a
 * `setData`-style handler) the whole run is shown before any timer or I/O callback can run, so a
 * kill lands either before the claim reached storage (nothing of the run was shown) or after the
 * run. A shorter run (under 8 messages, not worth the write of tens of KB) goes one message at a
 * time, each cursor in storage before the next is shown (see `saving`). A handler
 * that turns out slow inside a run withdraws the rest of the claim (written again at once) and
 * the run goes on one message at a time, each after the previous handler settled, as before.
 */
import type { InboundMessage, GapEvent } from '../types'
import type { Platform, TimerId } from '../platform/types'
import type { SyncProvider } from '../sync/types'
import type { DiagnosticsSink } from '../diagnostics/types'
import type { RecvPacket, RecvackPacket } from '../proto/packets'
import { ImError, errorText } from '../errors'
import { withDeadlines } from '../sync/deadline'
import { type Channel, type Held, keyOf, lowestHeld, newChannel, recvackFor, runEnd } from './channel'
import { Dedup } from './dedup'
import { CatchUp } from './catch-up'
import { GapFiller } from './gap-fill'
import { InboxStore, type Change, type CursorList, type CursorsState, type SeenState } from './store'

export interface InboxOptions {
  /** Period of the continuity check (a catch-up) while connected, ms. Default 60 000; 0 = off. */
  continuityCheckMs?: number
  /** Pushed messages held per channel while a gap is filled; beyond it the newest are dropped and pulled later. Default 500. */
  maxHeldPerChannel?: number
  /** `limit` of each message sync request. Default 100. */
  syncPageLimit?: number
  /** Retries of a gap-fill round before the gap is given up (only on proof, see gap-fill.ts) or left open and retried later. Default 3. */
  gapRetries?: number
  /** Delay before the first gap-fill retry, doubled on each further one, ms. Default 1 000. */
  gapRetryDelayMs?: number
  /** Longest delay between retries of a gap the sync API could not fill yet, ms. Default 60 000. */
  gapRetryMaxDelayMs?: number
  /** Deadline of every call into the sync provider (the app's own or the HTTP one), ms. Default 15 000. */
  syncDeadlineMs?: number
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
  options: InboxSettings
  /**
   * Whether this install made the clientMsgNo (it ends with this install's tag). A copy of the
   * user's message with such a clientMsgNo is this device's own send coming back, not an incoming
   * message: a v2 server stores a re-sent SEND twice, and a catch-up
   * can meet a copy whose SENDACK never arrived, even after a restart. The same user's other
   * devices tag their clientMsgNos differently and are delivered as usual.
   */
  ownSend?(clientMsgNo: string): boolean
  /** @internal Test-only switches (chaos simulator): each brings back one old defect. */
  unsafe?: {
    disableDedup?: boolean
    giveUpGapsOnSyncError?: boolean
    unreadableStateIsEmpty?: boolean
    noCallbackDeadlines?: boolean
    cursorAfterDelivery?: boolean
    holdRecvacks?: boolean
  }
}

/** The inbox's slice of the client options, every default filled in (options.ts inboxSettings). */
export type InboxSettings = Required<InboxOptions>

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
  /** The last catch-up: when it ended (platform ms) and whether its conversation sync answered. */
  lastCatchUp?: { at: number; ok: boolean }
  /** Gaps kept open because the sync API could not fill them yet (failed, timed out, proved nothing). */
  stalled: Array<{ channelId: string; channelType: number; fromSeq: number; since: number; rounds: number; lastError: string }>
  /** Sync requests that failed or timed out, and malformed items left out of sync pages, so far. */
  syncFaults: { failed: number; malformed: number; lastError?: string }
  /** The stored state could not be read at start; the inbox caught up conservatively. */
  unreadableState: boolean
}

/** Microtask turns within which a handler counts as quick (it cannot have waited for a timer or I/O). */
const QUICK_TURNS = 12
/** Shortest run worth a claim (one write of the seen record); a shorter one can be shown again after a kill. */
const MIN_CLAIMED_RUN = 8
/** RECVACKs owed during drains are written at this count at the latest (a v3 server stops pushing at 1,024 un-acked). */
const ACK_BATCH = 64

/** Whether `p` settles within QUICK_TURNS microtask turns. */
async function settlesQuickly(p: Promise<unknown>): Promise<boolean> {
  let done = false
  const settled = (): void => void (done = true)
  p.then(settled, settled)
  for (let i = 0; i < QUICK_TURNS && !done; i++) await Promise.resolve()
  return done
}

export class Inbox {
  private readonly deps: InboxDeps
  private readonly options: InboxSettings
  private readonly sync: SyncProvider
  private readonly channels = new Map<string, Channel>()
  private readonly dedup: Dedup
  private readonly gaps: GapFiller
  /** Messages handed to the app whose handlers have not settled yet, by messageId. */
  private readonly inflight = new Map<string, Held>()
  private readonly store: InboxStore
  /** A catch-up has completed on this storage at least once (first-contact policy). */
  private baseline = false
  private unreadableState = false
  private closed = false
  private readonly sleepers = new Set<() => void>()
  private readonly catchUps: CatchUp
  /** The app's last handler settled within a few microtasks: runs may be claimed (see "Kills"). */
  private quick = false
  /** Runs claimed in storage whose handlers have not all settled: messages, and cursor per channel key. */
  private readonly claimed = { messages: [] as InboundMessage[], cursors: new Map<string, number>() }
  /**
   * The write of the last shown message's cursor while it is under way. No message, on any
   * channel, is handed over before it is done: a kill inside the next handler then shows again
   * only that handler's message (see "Kills").
   */
  private saving: Promise<void> | null = null
  /**
   * RECVACKs owed by the messages a channel drain handed over, written together when a drain
   * ends, before it fills a gap, when a handler is slow, or at ACK_BATCH: the connection sends what
   * is written in one turn as one WebSocket message, so a burst costs one bridge call, not one per
   * message, while an ack never waits for anything slower than the handlers of its burst. Acks due
   * outside a drain (a pushed duplicate, a message without seq) are written at once.
   */
  private owed: RecvackPacket[] = []

  constructor(deps: InboxDeps) {
    this.deps = deps
    this.options = deps.options
    const unsafe = deps.unsafe ?? {}
    this.sync = unsafe.noCallbackDeadlines ? deps.sync : withDeadlines(deps.sync, deps.platform, this.options.syncDeadlineMs)
    this.dedup = new Dedup({ uid: deps.uid, capacity: this.options.dedupCapacity, ...(deps.ownSend && { ownSend: deps.ownSend }), disabled: unsafe.disableDedup === true })
    // What the gap filler and the catch-up both get.
    const common = {
      platform: deps.platform,
      sync: this.sync,
      diagnostics: deps.diagnostics,
      emitError: (e: ImError) => deps.emitError(e),
      options: this.options,
      isClosed: () => this.closed,
    }
    this.gaps = new GapFiller({
      ...common,
      sleep: (ms) => this.sleep(ms),
      skip: (ch, from, to) => this.skip(ch, from, to),
      retry: (ch) => void this.drainSoon(ch),
      giveUpOnError: unsafe.giveUpGapsOnSyncError === true,
    })
    this.catchUps = new CatchUp({
      ...common,
      channels: () => Array.from(this.channels.values()),
      channel: (id, type) => this.channel(id, type),
      baseline: () => this.baseline,
      setBaseline: () => {
        this.baseline = true
        this.store.cursorsChanged()
      },
      firstContact: (ch, seq) => this.firstContact(ch, seq),
      drain: (ch) => this.drainSoon(ch),
    })
    this.store = new InboxStore({
      platform: deps.platform,
      prefix: deps.storagePrefix,
      diagnostics: deps.diagnostics,
      emitError: (e) => deps.emitError(e),
      cursors: () => ({ baseline: this.baseline, channels: this.cursorList() }),
      seen: () => ({ ...this.dedup.toState(this.claimed.messages), cursors: { baseline: this.baseline, channels: this.cursorList(this.claimed.cursors) } }),
      merge: (state) => this.restore(state),
      unreadableIsEmpty: unsafe.unreadableStateIsEmpty === true,
    })
  }

  /** Restores persisted cursors and de-duplication state. Unreadable data is reported, kept, and caught up from the server. */
  async load(): Promise<void> {
    const { cursors, seen, unreadable } = await this.store.load()
    this.restore({ ...(cursors && { cursors }), ...(seen && { seen }) })
    // Either copy of the cursors stands in when the other is lost. A kill can leave one behind (the
    // seen record waits for the write spacing); it is brought up to date now, not at its next change.
    if (this.behind(cursors)) this.store.cursorsChanged()
    if (this.behind(seen?.cursors)) this.store.seenChanged()
    if (unreadable) {
      this.unreadableState = true
      this.baseline = true
      this.deps.diagnostics.record('storage', 'inbox-state-unreadable', { channels: this.cursorList().length })
    }
  }

  /** The highest contiguous seq of a channel, or undefined when the channel is unknown. */
  cursor(channelId: string, channelType: number): number | undefined {
    return this.channels.get(keyOf(channelType, channelId))?.cursor
  }

  snapshot(): InboxSnapshot {
    let channels = 0
    let held = 0
    const stalled: InboxSnapshot['stalled'] = []
    for (const ch of this.channels.values()) {
      if (ch.cursor !== undefined) channels++
      held += ch.held.size
      const s = ch.stall
      if (s) stalled.push({ channelId: ch.channelId, channelType: ch.channelType, fromSeq: s.fromSeq, since: s.since, rounds: s.rounds, lastError: s.lastError })
    }
    const f = this.gaps.faults
    const snap: InboxSnapshot = {
      channels,
      held,
      delivering: this.inflight.size,
      stalled,
      syncFaults: { failed: f.failed, malformed: f.malformed, ...(f.lastError !== undefined && { lastError: f.lastError }) },
      unreadableState: this.unreadableState,
    }
    if (this.catchUps.last) snap.lastCatchUp = { ...this.catchUps.last }
    return snap
  }

  /**
   * A RECV that failed verification in the connection (bad msgKey, undecryptable, plaintext on an
   * encrypted session): reported and dropped. No RECVACK: a v2 server redelivers it, and the gap
   * logic pulls the message over HTTP otherwise.
   */
  tampered(packet: RecvPacket, error: ImError): void {
    if (this.closed) return
    const detail = { messageId: packet.messageId, messageSeq: packet.messageSeq, channelId: packet.channelId, channelType: packet.channelType }
    this.deps.diagnostics.record('receive', 'rejected', { ...detail, error: error.message })
    this.deps.emitError(error)
  }

  /** A pushed RECV, already opened by the connection (`payload` is the plaintext). */
  handleRecv(packet: RecvPacket): void {
    if (this.closed) return
    const payload = packet.payload
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
      if (msg.messageId !== '0' && this.dedup.hasId(msg.messageId)) return this.duplicate(msg, [ack])
      const held: Held = { msg, acks: [ack] }
      // Its acks include those of copies that came while it was with the app.
      void this.deliverOnce(held).then(() => this.sendAcks(held.acks))
      return
    }

    const ch = this.channel(msg.channelId, msg.channelType)
    if (ch.cursor === undefined && !this.catchUps.conversationSyncInFlight) this.firstContact(ch, msg.messageSeq)
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
    if (ch.cursor !== undefined) void this.drainSoon(ch)
  }

  /**
   * Tells the inbox about this device's own stored message (SENDACK 1). The server never pushes it
   * back to this connection, so without this its seq looks like a gap and would be pulled and
   * delivered as an incoming message.
   */
  noteSent(sent: SentMessage): void {
    if (this.closed || sent.messageSeq <= 0) return
    // Kept in storage lazily (with the next write, or at hide/close): a kill before that costs a
    // re-pull of our own message at the next catch-up, which drops it (ownSend), never an echo.
    // Built only when something keeps it (the usual own send steps over its seq without one).
    const placeholder = (): InboundMessage => ({
      messageId: sent.messageId,
      messageSeq: sent.messageSeq,
      clientMsgNo: sent.clientMsgNo,
      fromUid: this.deps.uid,
      channelId: sent.channelId,
      channelType: sent.channelType,
      timestamp: 0,
      payload: new Uint8Array(0),
      flags: { noPersist: false, syncOnce: false, redDot: false },
      source: 'sync',
    })
    // A copy coming back (sync, a v2 double store) is known by its clientMsgNo (ownSend): the
    // de-dup sets are left to incoming messages, which our own would otherwise push out.
    if (!this.deps.ownSend) this.remember(placeholder(), 'lazy')
    const ch = this.channel(sent.channelId, sent.channelType)
    if (ch.cursor === undefined && !this.catchUps.conversationSyncInFlight) this.firstContact(ch, sent.messageSeq)
    if ((ch.cursor !== undefined && sent.messageSeq <= ch.cursor) || ch.held.has(sent.messageSeq)) return
    ch.topPushed = Math.max(ch.topPushed, sent.messageSeq)
    // The usual case: the next seq of an idle channel is stepped over at once, without a drain.
    if (ch.cursor === sent.messageSeq - 1 && !ch.draining && ch.held.size === 0) return this.advance(ch, sent.messageSeq, 'lazy')
    ch.held.set(sent.messageSeq, { msg: placeholder(), acks: [], own: true })
    // Only step over it now when nothing is missing before it; otherwise the next push or catch-up fills.
    if (ch.cursor !== undefined && sent.messageSeq === ch.cursor + 1) void this.drainSoon(ch)
  }

  /** After every (re)connect and on app show: conversation sync, then message sync per channel. */
  onConnected(): Promise<void> {
    if (this.closed) return Promise.resolve()
    return this.catchUps.onConnected()
  }

  /** The connection is gone: the continuity check pauses until the next onConnected(). */
  onDisconnected(): void {
    this.catchUps.onDisconnected()
  }

  /** Runs a catch-up now; concurrent calls share one run (followed by one more when asked meanwhile). */
  catchUp(): Promise<void> {
    return this.catchUps.run()
  }

  /** Resolves once everything changed so far is in storage. */
  flush(): Promise<void> {
    return this.store.flush()
  }

  /** Stops timers and pending retries. Held messages stay unacknowledged (they are pulled next time). */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.catchUps.close()
    for (const ch of this.channels.values()) this.gaps.cancel(ch)
    for (const wake of Array.from(this.sleepers)) wake()
    this.sleepers.clear()
    // What waits for a spaced write goes out now: no timer outlives the inbox.
    this.store.close()
    void this.store.flush()
  }

  // ---- ordering and delivery ----

  private channel(channelId: string, channelType: number): Channel {
    const key = keyOf(channelType, channelId)
    let ch = this.channels.get(key)
    if (!ch) {
      ch = newChannel(channelId, channelType)
      this.channels.set(key, ch)
      this.evictChannels()
    }
    return ch
  }

  /** Starts a channel first met on a push or on our own SENDACK at `seq` (the first-contact policy). */
  private firstContact(ch: Channel, seq: number): void {
    ch.cursor = this.baseline ? Math.max(0, seq - 1 - this.options.newChannelBacklog) : seq - 1
    // What lies below is expected (pulled by the drain), not a gap.
    ch.wantUpTo = Math.max(ch.wantUpTo, seq - 1)
  }

  /** Forgets the least recently active idle channels beyond maxChannels. */
  private evictChannels(): void {
    if (this.channels.size <= this.options.maxChannels) return
    for (const ch of Array.from(this.channels.values())) {
      if (this.channels.size <= this.options.maxChannels) break
      if (ch.held.size === 0 && !ch.draining && !ch.stall) {
        this.channels.delete(ch.key)
        this.store.cursorsChanged()
      }
    }
  }

  private hold(ch: Channel, h: Held): void {
    ch.held.set(h.msg.messageSeq, h)
    if (ch.held.size <= this.options.maxHeldPerChannel) return
    // Over the bound: drop the newest. It is stored on the server above the cursor, so it is pulled
    // later; ack it now so a v3 server's un-acked cap is not reached while we wait.
    const top = Math.max(...Array.from(ch.held.keys()))
    const evicted = ch.held.get(top)
    ch.held.delete(top)
    ch.wantUpTo = Math.max(ch.wantUpTo, top)
    this.deps.diagnostics.record('receive', 'held-evicted', { channelId: ch.channelId, channelType: ch.channelType, messageSeq: top })
    for (const ack of evicted?.acks ?? []) this.deps.sendRecvack(ack)
  }

  /** Starts the channel's drain, or asks the running one for another pass; resolves when it stops. */
  private drainSoon(ch: Channel): Promise<void> {
    if (this.closed) return Promise.resolve()
    ch.drainAgain = true
    if (ch.draining) return ch.draining
    const run = async (): Promise<void> => {
      try {
        while (ch.drainAgain && !this.closed) {
          ch.drainAgain = false
          await this.drain(ch)
        }
      } catch (e) {
        this.deps.diagnostics.record('receive', 'drain-crashed', { channelId: ch.channelId, channelType: ch.channelType, error: errorText(e) })
      } finally {
        ch.draining = null
        if (!this.deps.unsafe?.holdRecvacks) this.payAcks()
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
        const to = runEnd(ch, next)
        if (to - next + 1 >= MIN_CLAIMED_RUN && this.quick && !this.claimed.cursors.has(ch.key) && !this.deps.unsafe?.cursorAfterDelivery) await this.claim(ch, next, to)
        while (this.saving) await this.saving
        if (ch.held.get(next) !== h) continue
        ch.held.delete(next)
        await this.process(ch, h)
        if ((this.claimed.cursors.get(ch.key) ?? Infinity) <= next) this.unclaim(ch, next + 1)
        continue
      }
      // A claim never reaches past a hole.
      this.unclaim(ch, next)
      const end = lowestHeld(ch) ?? ch.wantUpTo + 1
      if (end <= next) break
      this.payAcks()
      if (!(await this.gaps.fill(ch, next, end))) break
    }
  }

  private async process(ch: Channel, h: Held): Promise<void> {
    const seq = h.msg.messageSeq
    // Our own message (noteSent): a seq to step over, nothing to show.
    // A RECV of it may have joined it (pushed to this connection after all): acked all the same.
    if (h.own) {
      this.owe(h.acks)
      return this.advance(ch, seq, 'lazy')
    }
    const shown = !this.dedup.isDuplicate(h.msg)
    if (shown) {
      this.quick = await this.deliverOnce(h, () => this.unclaim(ch, seq))
      this.owe(h.acks)
    } else this.duplicate(h.msg, h.acks, true)
    // A claimed seq is in storage already: no urgent write.
    const unsaved = shown && (this.claimed.cursors.get(ch.key) ?? 0) < seq
    this.advance(ch, seq, unsaved ? 'urgent' : 'spaced')
    if (unsaved && !this.deps.unsafe?.cursorAfterDelivery) {
      const saving: Promise<void> = this.store.commit('cursors').then(() => {
        if (this.saving === saving) this.saving = null
      })
      this.saving = saving
    }
  }

  /** Stores [from, to] as shown (with the messages' de-dup entries) before they are (see "Kills"). */
  private async claim(ch: Channel, from: number, to: number): Promise<void> {
    for (let seq = from; seq <= to; seq++) this.claimed.messages.push((ch.held.get(seq) as Held).msg)
    this.claimed.cursors.set(ch.key, to)
    const ok = await this.store.commit('seen')
    if (!ok || this.closed || ch.cursor !== from - 1 || runEnd(ch, from) < to) this.unclaim(ch, from)
  }

  /**
   * Narrows the channel's claim to the seqs below `seq`: at the run's end (what was claimed is now
   * plain state), when its write failed, or when the handler of `seq` turned out slow, so the rest
   * goes one by one; a withdrawn claim is written again at once (see "Kills").
   */
  private unclaim(ch: Channel, seq: number): void {
    const top = this.claimed.cursors.get(ch.key)
    if (top === undefined) return
    const floor = ch.cursor ?? 0
    const ours = (m: InboundMessage): boolean => m.channelType === ch.channelType && m.channelId === ch.channelId
    this.claimed.messages = this.claimed.messages.filter((m) => !ours(m) || (m.messageSeq > floor && m.messageSeq < seq))
    if (seq - 1 > floor) this.claimed.cursors.set(ch.key, seq - 1)
    else this.claimed.cursors.delete(ch.key)
    if (seq <= top) void this.store.commit('seen')
  }

  /**
   * Hands a message to the app, then remembers it (the caller acks). It is remembered (and so persisted as
   * seen) only once the handler settled: a crash mid-handler must not turn it into a duplicate.
   * Resolves true when the handler settled quickly; `onSlow` runs as soon as it did not (see "Kills").
   */
  private async deliverOnce(h: Held, onSlow?: () => void): Promise<boolean> {
    this.inflight.set(h.msg.messageId, h)
    let quick = false
    try {
      const p = this.deps.deliver(h.msg)
      quick = await settlesQuickly(p)
      if (!quick) {
        this.payAcks()
        onSlow?.()
      }
      await p
    } catch (e) {
      // deliver() promises never to reject; keep the inbox going if it does anyway.
      this.deps.diagnostics.record('receive', 'deliver-failed', { messageId: h.msg.messageId, error: errorText(e) })
    }
    this.inflight.delete(h.msg.messageId)
    // Without a seq there is no cursor to guard it: its id is what must reach storage at once.
    this.remember(h.msg, h.msg.messageSeq === 0 ? 'urgent' : 'spaced')
    return quick
  }

  /** `how`: 'urgent' when the app was just handed this seq, so the cursor is saved at once (see InboxStore). */
  private advance(ch: Channel, seq: number, how: Change = 'spaced'): void {
    if (ch.cursor !== undefined && seq <= ch.cursor) return
    ch.cursor = seq
    this.gaps.resolved(ch)
    // Map order = recency, for evictChannels.
    this.channels.delete(ch.key)
    this.channels.set(ch.key, ch)
    while (ch.gaps.length > 0 && ch.gaps[0]!.to <= seq) {
      const g = ch.gaps.shift()!
      if (!g.lost) this.reportGap(ch, g.from, g.to, 'filled')
    }
    this.store.cursorsChanged(how)
  }

  private remember(msg: InboundMessage, how: Change): void {
    this.dedup.remember(msg)
    this.store.seenChanged(how)
  }

  /** A duplicate is still acked (`inDrain`: with its drain's acks): a v2 server keeps redelivering what was not acked. */
  private duplicate(msg: InboundMessage, acks: RecvackPacket[], inDrain = false): void {
    this.deps.diagnostics.record('receive', 'duplicate', { messageId: msg.messageId, messageSeq: msg.messageSeq, source: msg.source })
    if (inDrain) this.owe(acks)
    else this.sendAcks(acks)
  }

  /** Acks of a message a drain handled: written with the others of the drain (see `owed`). */
  private owe(acks: RecvackPacket[]): void {
    for (const ack of acks) this.owed.push(ack)
    if (this.owed.length >= ACK_BATCH) this.payAcks()
  }

  private payAcks(): void {
    const acks = this.owed
    this.owed = []
    this.sendAcks(acks)
  }

  private sendAcks(acks: RecvackPacket[]): void {
    for (const ack of acks) this.deps.sendRecvack(ack)
  }

  // ---- gaps ----

  private gapDetected(ch: Channel, from: number, to: number): void {
    ch.gaps.push({ from, to, lost: false })
    this.reportGap(ch, from, to, 'detected')
  }

  private reportGap(ch: Channel, fromSeq: number, toSeq: number, outcome: GapEvent['outcome']): void {
    const e: GapEvent = { channelId: ch.channelId, channelType: ch.channelType, fromSeq, toSeq, outcome }
    this.deps.diagnostics.record('receive', `gap-${outcome}`, { ...e })
    this.deps.emitGap(e)
  }

  private skip(ch: Channel, from: number, to: number): void {
    for (const g of ch.gaps) if (g.from <= to && from <= g.to) g.lost = true
    this.reportGap(ch, from, to, 'unfillable')
    this.advance(ch, to)
  }

  /** A platform-timer delay that close() cuts short (and clears). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let id: TimerId | undefined
      const wake = (): void => {
        this.sleepers.delete(wake)
        if (id !== undefined) this.deps.platform.clearTimeout(id)
        resolve()
      }
      this.sleepers.add(wake)
      id = this.deps.platform.setTimeout(wake, ms)
    })
  }

  /** Merges stored state in: cursors only move forward, de-dup entries are added. */
  private restore(state: { cursors?: CursorsState; seen?: SeenState }): void {
    for (const copy of [state.cursors, state.seen?.cursors]) {
      if (!copy) continue
      for (const [channelType, channelId, seq] of copy.channels) {
        const ch = this.channel(channelId, channelType)
        if (ch.cursor === undefined || seq > ch.cursor) ch.cursor = seq
      }
      this.baseline ||= copy.baseline
    }
    if (state.seen) this.dedup.restore(state.seen)
  }

  /** Whether a stored copy of the cursors is missing something the inbox now knows. */
  private behind(copy: CursorsState | undefined): boolean {
    const stored = new Map(copy?.channels.map(([type, id, seq]) => [keyOf(type, id), seq]))
    return (this.baseline && !copy?.baseline) || this.cursorList().some(([type, id, seq]) => (stored.get(keyOf(type, id)) ?? -1) < seq)
  }

  /** Every known cursor; `ahead` raises some (claimed runs). */
  private cursorList(ahead?: Map<string, number>): CursorList {
    const out: CursorList = []
    for (const ch of this.channels.values()) {
      if (ch.cursor !== undefined) out.push([ch.channelType, ch.channelId, Math.max(ch.cursor, ahead?.get(ch.key) ?? 0)])
    }
    return out
  }
}
