/**
 * The durable send queue (docs/design.md §3): persist → send → ack | fail.
 *
 * - send() resolves only after the message is in storage; nothing goes on the wire before that.
 * - Each attempt gets a fresh clientSeq (per client instance, never reused) and is matched back by
 *   it (and by clientMsgNo when a v3 server echoes it), never by position.
 * - SENDs are pipelined up to `window`, in enqueue order; a message waiting out a retry backoff
 *   holds back the later messages of its channel so per-channel order survives retries.
 * - A lost connection puts every `sending` message back to `queued`; they go out again, re-encoded
 *   and re-encrypted for the new socket, with DUP set. There is no re-send on the same socket (a
 *   v2 server would store a duplicate): an overdue SENDACK first probes the link and, when it
 *   stays overdue, rebuilds it.
 * - One timer, re-armed for the nearest deadline: a retry coming due, an expiry, an overdue ack.
 */
import { classifySendack } from '../codes'
import type { DiagnosticsSink } from '../diagnostics/types'
import { ClientError, InvalidArgumentError, StorageError, isStorageError } from '../errors'
import type { ImError } from '../errors'
import type { Platform, TimerId } from '../platform/types'
import { PacketType } from '../proto/packets'
import type { SendPacket, SendackPacket } from '../proto/packets'
import type { FailureKind, MessageStatus, OutboxMessage, SendInput } from '../types'
import { backoffDelay } from '../connection/backoff'
import { canMoveTo } from './status'
import { OutboxStore, toStored } from './store'
import { validateSend } from './validate'

/** What the outbox needs from the connection. */
export interface OutboxTransport {
  /** Id of the connected socket; 0 when not connected. */
  connectionId(): number
  /** Encodes (and encrypts) for the current socket and writes; false when not connected. */
  write(packet: SendPacket): boolean
  /** Check the link with a short deadline. */
  probe(reason: string): void
  /** Drop the socket and dial again at once. */
  rebuild(reason: string): void
}

/** The outbox options after defaults (documented on ClientOptions.outbox). */
export interface OutboxLimits {
  window: number
  /** Per channel; 0 = no limit of its own. */
  channelWindow: number
  maxMessages: number
  sendackTimeoutMs: number
  expireAfterMs: number
  retryInitialMs: number
  retryMaxMs: number
}

export interface OutboxConfig extends OutboxLimits {
  uid: string
  keyPrefix: string
  /** Appended to clientMsgNo: `<32 hex>_<tag>`. */
  deviceTag(): string
}

export interface OutboxDeps {
  platform: Platform
  config: OutboxConfig
  diagnostics: DiagnosticsSink
  transport: OutboxTransport
  random(): Promise<number>
  emitStatus(message: OutboxMessage): void
  emitError(error: ImError): void
  /** @internal Test-only switches (chaos simulator). */
  unsafe?: { disableResend?: boolean }
}

interface Entry {
  msg: OutboxMessage
  order: number
  /** clientSeq of the attempt on the wire (0 when none). */
  clientSeq: number
  connectionId: number
  writtenAt: number
  /** When an ack still missing gets looked at: writtenAt + timeout, then the overdue mark. */
  ackCheckAt: number
  /** Earliest time of the next attempt (retry backoff); 0 = now; Infinity = backoff being drawn. */
  retryAt: number
  retries: number
  /** The one fresh-encode retry after SENDACK 9 was used. */
  reencoded: boolean
  /** May have reached the server already (restored, or attempted): set DUP on the next write. */
  maybeSent: boolean
}

/** How much longer than sendackTimeoutMs an ack may stay overdue before the link is rebuilt. */
const OVERDUE_FACTOR = 3

export class Outbox {
  private readonly store: OutboxStore
  private readonly entries: Entry[] = []
  private readonly byNo = new Map<string, Entry>()
  /** Entries with a retry deadline (backing off), so arm() need not scan the whole queue. */
  private readonly retrying = new Set<Entry>()
  private readonly inFlight = new Map<number, Entry>()
  private nextOrder = 1
  private nextClientSeq = 1
  /** send() calls between validation and their entry joining the queue (count toward maxMessages). */
  private reserved = 0
  private loading: Promise<void> | undefined
  private loaded = false
  private closed = false
  private timer: TimerId | undefined
  private timerAt = Infinity

  constructor(private readonly deps: OutboxDeps) {
    this.store = new OutboxStore(deps.platform.storage, deps.config.keyPrefix, deps.config.uid)
  }

  /** Restores the queue from storage (once; retried on the next call if it failed). */
  load(): Promise<void> {
    if (!this.loading) {
      this.loading = this.restore().then(undefined, (error: unknown) => {
        this.loading = undefined
        throw error
      })
    }
    return this.loading
  }

  async send(input: SendInput): Promise<OutboxMessage> {
    this.assertOpen()
    const valid = validateSend(input)
    await this.load()
    this.assertOpen()
    if (this.entries.length + this.reserved >= this.deps.config.maxMessages) {
      throw new StorageError('STORAGE_FULL', 'the outbox is full', { limit: this.deps.config.maxMessages })
    }
    this.reserved++
    try {
      const clientMsgNo = `${hex(await this.deps.platform.randomBytes(16))}_${this.deps.config.deviceTag()}`
      const order = this.nextOrder++
      const msg: OutboxMessage = { clientMsgNo, ...valid, status: 'queued', createdAt: this.deps.platform.now(), attempts: 0 }
      try {
        await this.store.put(toStored(msg, order))
      } catch (error) {
        // Nothing half-written may stay behind: drop whatever part of the write landed.
        await this.store.remove(clientMsgNo).catch(() => undefined)
        this.deps.diagnostics.record('storage', 'enqueue failed', { code: isStorageError(error) ? error.code : 'STORAGE_FAILED' })
        throw error
      }
      this.deps.diagnostics.trace(clientMsgNo, 'persisted', { order, channelId: msg.channelId, channelType: msg.channelType })
      const entry = this.insert(msg, order, false)
      const durable = snapshot(msg)
      this.emit(entry)
      this.flush()
      return durable
    } finally {
      this.reserved--
    }
  }

  /** Puts a failed message back in the queue (same clientMsgNo). */
  async resend(clientMsgNo: string): Promise<OutboxMessage> {
    this.assertOpen()
    await this.load()
    const entry = this.byNo.get(clientMsgNo)
    if (!entry || entry.msg.status !== 'failed') {
      throw new InvalidArgumentError('only a failed message can be resent', { clientMsgNo, status: entry?.msg.status })
    }
    this.transition(entry, 'queued', 'resend')
    delete entry.msg.failure
    entry.retries = 0
    entry.retryAt = 0
    this.retrying.delete(entry)
    entry.reencoded = false
    // The stored copy must stop saying failed, or a restart would show it failed again.
    await this.store.put(toStored(entry.msg, entry.order)).catch((error: unknown) => this.deps.emitError(asStorageError(error)))
    this.emit(entry)
    this.flush()
    return snapshot(entry.msg)
  }

  /** Removes a failed or queued (not in-flight) message for good; reported as failed / 'cancelled'. */
  async discard(clientMsgNo: string): Promise<void> {
    this.assertOpen()
    await this.load()
    const entry = this.byNo.get(clientMsgNo)
    if (!entry) throw new InvalidArgumentError('no such message in the outbox', { clientMsgNo })
    if (entry.msg.status === 'sending') throw new InvalidArgumentError('the message is on the wire; wait for its SENDACK', { clientMsgNo })
    // Failed first (so no flush picks it up meanwhile), out of storage, and only then out of memory:
    // when the remove fails it stays listed and discard() can be called again.
    if (entry.msg.status === 'queued') this.transition(entry, 'failed', 'discarded')
    entry.msg.failure = 'cancelled'
    await this.store.remove(clientMsgNo)
    this.drop(entry)
    this.deps.diagnostics.trace(clientMsgNo, 'discarded')
    this.emit(entry)
  }

  /** queued, sending and failed messages, in enqueue order. */
  pending(): OutboxMessage[] {
    return this.entries.map((e) => snapshot(e.msg))
  }

  /** Whether a clientMsgNo was made by this install (it carries this install's tag). */
  madeHere(clientMsgNo: string): boolean {
    return clientMsgNo.endsWith(`_${this.deps.config.deviceTag()}`)
  }

  onConnected(): void {
    this.flush()
  }

  /** The socket an attempt went out on is gone: back to queued, re-sent after reconnect. */
  onDisconnected(reason: string): void {
    const lost = Array.from(this.inFlight.values()).sort((a, b) => a.order - b.order)
    this.inFlight.clear()
    if (this.deps.unsafe?.disableResend) return this.arm()
    for (const entry of lost) {
      entry.clientSeq = 0
      this.transition(entry, 'queued', reason)
      this.deps.diagnostics.trace(entry.msg.clientMsgNo, 'requeued', { reason })
      this.emit(entry)
    }
    this.arm()
  }

  handleSendack(ack: SendackPacket, connectionId: number): void {
    const entry = this.inFlight.get(ack.clientSeq)
    if (!entry || entry.connectionId !== connectionId || (ack.clientMsgNo && ack.clientMsgNo !== entry.msg.clientMsgNo)) {
      this.deps.diagnostics.record('ack', 'unmatched SENDACK', { clientSeq: ack.clientSeq, reasonCode: ack.reasonCode })
      return
    }
    this.inFlight.delete(ack.clientSeq)
    entry.clientSeq = 0
    const m = entry.msg
    const now = this.deps.platform.now()
    m.reasonCode = ack.reasonCode
    this.deps.diagnostics.trace(m.clientMsgNo, 'ack', {
      reasonCode: ack.reasonCode,
      messageId: ack.messageId,
      messageSeq: ack.messageSeq,
      latencyMs: now - entry.writtenAt,
    })
    switch (classifySendack(ack.reasonCode)) {
      case 'done':
        m.messageId = ack.messageId
        m.messageSeq = ack.messageSeq
        m.sentAt = now
        this.drop(entry)
        this.transition(entry, 'sent', 'sendack')
        // Remove from storage first, then tell the app: `sent` must never be reported for a
        // message a restart could still bring back... except when storage refuses the remove;
        // then a restart re-sends it (v3 dedups, the receive side dedups by clientMsgNo).
        void this.store.remove(m.clientMsgNo).then(
          () => this.emit(entry),
          (error: unknown) => {
            this.deps.emitError(asStorageError(error))
            this.emit(entry)
          },
        )
        break
      case 'reencode':
        if (!entry.reencoded) {
          entry.reencoded = true
          this.requeue(entry, 'stale session key (9)', 0)
          break
        }
        void this.fail(entry, 'rejected', 'SENDACK 9 again after a fresh encode')
        break
      case 'retry':
        this.requeue(entry, `retryable reason ${ack.reasonCode}`, Infinity)
        void this.deps.random().then((r) => {
          if (entry.retryAt !== Infinity) return
          this.retrying.add(entry)
          entry.retryAt = this.deps.platform.now() + backoffDelay(entry.retries++, { initialMs: this.deps.config.retryInitialMs, maxMs: this.deps.config.retryMaxMs }, r)
          this.flush()
        })
        break
      case 'permanent':
        void this.fail(entry, 'rejected', `rejected with reason ${ack.reasonCode}`)
        break
    }
    this.flush()
  }

  close(): void {
    this.closed = true
    if (this.timer !== undefined) this.deps.platform.clearTimeout(this.timer)
    this.timer = undefined
  }

  // ---- internals ------------------------------------------------------------------------------

  private async restore(): Promise<void> {
    const { entries, corrupt } = await this.store.load()
    for (const error of corrupt) this.deps.emitError(error)
    for (const { record, message } of entries) {
      if (this.byNo.has(message.clientMsgNo)) continue
      this.insert(message, record.order, message.status === 'queued')
      this.nextOrder = Math.max(this.nextOrder, record.order + 1)
    }
    this.loaded = true
    this.deps.diagnostics.record('storage', 'outbox restored', { messages: entries.length, corrupt: corrupt.length })
    this.flush()
  }

  /** Writes as many queued messages as the window allows, in enqueue order. */
  private flush(): void {
    if (this.closed || !this.loaded) return
    this.expire()
    const connectionId = this.deps.transport.connectionId()
    if (connectionId !== 0) {
      const now = this.deps.platform.now()
      const { window: limit, channelWindow } = this.deps.config
      const held = new Set<string>()
      const onWire = new Map<string, number>()
      if (channelWindow > 0) {
        for (const e of this.inFlight.values()) onWire.set(channelOf(e.msg), (onWire.get(channelOf(e.msg)) ?? 0) + 1)
      }
      for (const entry of this.entries) {
        if (this.inFlight.size >= limit) break
        const m = entry.msg
        if (m.status !== 'queued') continue
        const channel = channelOf(m)
        if (held.has(channel)) continue
        // A later message never overtakes an earlier one of its channel.
        if (entry.retryAt > now || (channelWindow > 0 && (onWire.get(channel) ?? 0) >= channelWindow)) {
          held.add(channel)
          continue
        }
        this.write(entry, connectionId, now)
        if (channelWindow > 0) onWire.set(channel, (onWire.get(channel) ?? 0) + 1)
      }
    }
    this.arm()
  }

  private write(entry: Entry, connectionId: number, now: number): void {
    const m = entry.msg
    const clientSeq = this.nextClientSeq++
    const packet: SendPacket = {
      type: PacketType.SEND,
      flags: { dup: entry.maybeSent, syncOnce: m.flags.syncOnce, redDot: m.flags.redDot, noPersist: m.flags.noPersist },
      setting: 0,
      clientSeq,
      clientMsgNo: m.clientMsgNo,
      channelId: m.channelId,
      channelType: m.channelType,
      expire: m.expire,
      msgKey: '',
      payload: m.payload,
    }
    if (m.topic !== undefined) {
      packet.topic = m.topic
      packet.setting |= 0x08 // Setting.TOPIC
    }
    entry.clientSeq = clientSeq
    entry.connectionId = connectionId
    entry.writtenAt = now
    entry.ackCheckAt = now + this.deps.config.sendackTimeoutMs
    entry.retryAt = 0
    this.retrying.delete(entry)
    entry.maybeSent = true
    m.attempts++
    this.inFlight.set(clientSeq, entry)
    this.transition(entry, 'sending', 'written')
    this.deps.diagnostics.trace(m.clientMsgNo, 'attempt', { attempt: m.attempts, connectionId, clientSeq, dup: packet.flags.dup })
    this.emit(entry)
    if (!this.deps.transport.write(packet)) {
      this.inFlight.delete(clientSeq)
      entry.clientSeq = 0
      this.transition(entry, 'queued', 'not connected')
      this.emit(entry)
    }
  }

  private requeue(entry: Entry, reason: string, retryAt: number): void {
    entry.retryAt = retryAt
    if (retryAt > 0) this.retrying.add(entry)
    this.transition(entry, 'queued', reason)
    this.deps.diagnostics.trace(entry.msg.clientMsgNo, 'requeued', { reason })
    this.emit(entry)
  }

  /** → failed, persisted (so it survives a restart), then reported. */
  private async fail(entry: Entry, failure: FailureKind, reason: string): Promise<void> {
    if (entry.clientSeq) this.inFlight.delete(entry.clientSeq)
    entry.clientSeq = 0
    this.transition(entry, 'failed', reason)
    entry.msg.failure = failure
    this.deps.diagnostics.trace(entry.msg.clientMsgNo, 'failed', { reasonCode: entry.msg.reasonCode, failure })
    try {
      await this.store.put(toStored(entry.msg, entry.order))
    } catch (error) {
      this.deps.emitError(asStorageError(error))
    }
    // Discarded or resent meanwhile: that call reports the newer state.
    if (entry.msg.status === 'failed' && this.byNo.get(entry.msg.clientMsgNo) === entry) this.emit(entry)
  }

  private expire(): void {
    const limit = this.deps.config.expireAfterMs
    if (limit <= 0) return
    const now = this.deps.platform.now()
    // Enqueue order is creation order: stop at the first entry too young to expire (was O(queue) per flush).
    for (const entry of this.entries) {
      if (now - entry.msg.createdAt < limit) break
      if (entry.msg.status === 'queued') void this.fail(entry, 'expired', 'expired')
    }
  }

  /** Re-arms the one timer for the nearest deadline. */
  private arm(): void {
    if (this.closed) return
    const { expireAfterMs } = this.deps.config
    const now = this.deps.platform.now()
    let at = Infinity
    // Only entries backing off can hold a retry deadline: scanning the whole queue here made every
    // enqueue O(queue depth).
    for (const entry of this.retrying) {
      // A retry already due waits for the next flush (connect), not for a timer: no spinning offline.
      if (entry.msg.status === 'queued' && entry.retryAt > now && entry.retryAt < Infinity) at = Math.min(at, entry.retryAt)
    }
    if (expireAfterMs > 0) {
      // Enqueue order is creation order: the first queued entry expires first.
      for (const entry of this.entries) {
        if (entry.msg.status !== 'queued') continue
        at = Math.min(at, entry.msg.createdAt + expireAfterMs)
        break
      }
    }
    for (const entry of this.inFlight.values()) at = Math.min(at, entry.ackCheckAt)
    if (at === this.timerAt) return
    if (this.timer !== undefined) this.deps.platform.clearTimeout(this.timer)
    this.timer = undefined
    this.timerAt = at
    if (at === Infinity) return
    this.timer = this.deps.platform.setTimeout(() => {
      this.timer = undefined
      this.timerAt = Infinity
      this.tick()
    }, Math.max(0, at - this.deps.platform.now()))
  }

  private tick(): void {
    if (this.closed) return
    const now = this.deps.platform.now()
    const overdueAfter = this.deps.config.sendackTimeoutMs * OVERDUE_FACTOR
    let rebuild = false
    let probe = false
    for (const entry of this.inFlight.values()) {
      if (entry.ackCheckAt > now) continue
      if (now - entry.writtenAt >= overdueAfter) rebuild = true
      else {
        probe = true
        entry.ackCheckAt = entry.writtenAt + overdueAfter
      }
    }
    if (rebuild) {
      this.deps.diagnostics.record('ack', 'sendack overdue', { inFlight: this.inFlight.size })
      this.deps.transport.rebuild('sendack overdue')
    } else if (probe) {
      this.deps.transport.probe('sendack timeout')
    }
    this.flush()
  }

  private insert(msg: OutboxMessage, order: number, maybeSent: boolean): Entry {
    const entry: Entry = { msg, order, clientSeq: 0, connectionId: 0, writtenAt: 0, ackCheckAt: 0, retryAt: 0, retries: 0, reencoded: false, maybeSent }
    // Concurrent send() calls finish their writes in any order; keep the queue in enqueue order.
    let i = this.entries.length
    while (i > 0 && (this.entries[i - 1] as Entry).order > order) i--
    this.entries.splice(i, 0, entry)
    this.byNo.set(msg.clientMsgNo, entry)
    return entry
  }

  private drop(entry: Entry): void {
    const i = this.entries.indexOf(entry)
    // Acks come mostly in order: shift() is O(1) in V8 where splice(0, 1) moves the whole queue.
    if (i === 0) this.entries.shift()
    else if (i > 0) this.entries.splice(i, 1)
    this.byNo.delete(entry.msg.clientMsgNo)
    this.retrying.delete(entry)
  }

  private transition(entry: Entry, to: MessageStatus, reason: string): void {
    const from = entry.msg.status
    if (!canMoveTo(from, to)) throw new ClientError('INTERNAL', `outbox transition ${from} → ${to} refused`, { clientMsgNo: entry.msg.clientMsgNo, reason })
    entry.msg.status = to
  }

  private emit(entry: Entry): void {
    this.deps.emitStatus(snapshot(entry.msg))
  }

  private assertOpen(): void {
    if (this.closed) throw new ClientError('CLIENT_CLOSED', 'the client is closed')
  }
}

/** A copy the app may keep; the payload bytes are shared, treat them as read-only. */
const channelOf = (m: OutboxMessage): string => `${m.channelType}:${m.channelId}`

function snapshot(m: OutboxMessage): OutboxMessage {
  return { ...m, flags: { ...m.flags } }
}

function hex(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += ((bytes[i] as number) + 0x100).toString(16).slice(1)
  return s
}

function asStorageError(error: unknown): StorageError {
  return isStorageError(error) ? error : new StorageError('STORAGE_FAILED', 'storage operation failed', {}, error)
}
