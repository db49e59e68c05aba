/**
 * The durable send queue (docs/design.md §3): persist → send → ack | fail.
 *
 * - send() resolves only after the message is in storage; nothing goes on the wire before that.
 * - Each attempt gets a fresh clientSeq (per client instance, never reused) and is matched back by
 *   it (and by clientMsgNo when a v3 server echoes it), never by position.
 * - SENDs are pipelined up to `window`, in enqueue order; a message waiting out a retry backoff
 *   holds back the later messages of its channel so per-channel order survives retries.
 * - A lost connection puts every `sending` message back to `queued`; they go out again, re-encoded
 *   and re-encrypted for the new socket, with DUP set.
 * - A SENDACK missing for ACK_LATE_MS starts a PING round trip; when the PONG comes back and the
 *   ack still has not, the server read the SEND and the ack was lost: the message is re-sent on the
 *   same socket. No PONG = dead link, torn down by the connection's probe deadline. An ack overdue
 *   for OVERDUE_FACTOR × sendackTimeoutMs rebuilds the link whatever the round trip said.
 * - Before a message that may already be stored goes out again (it was on the wire, or restored
 *   after a kill) and when `lookup` is given (the v2 line stores every re-send again), the server
 *   is asked by client_msg_no, per channel in one batch: found → `sent` (queued → sent in the
 *   table), absent → re-sent. A lookup that fails is retried with backoff, holding the channel;
 *   after LOOKUP_GIVE_UP_MS of failures the message is re-sent unverified (a v2 copy is possible,
 *   a stranded message is not).
 * - Restored records pass the same checks as send(); one that does not, or that the encoder
 *   refuses at write time, becomes `failed` with failure 'invalid'; the flush carries on.
 * - A stored record that cannot be read or parsed is quarantined: left untouched in storage,
 *   reported once (not at every launch), shown by quarantined(), removed by discard().
 * - One timer, re-armed for the nearest deadline: a retry coming due, an expiry, an overdue ack.
 */
import { ReasonCode, classifySendack } from '../codes'
import type { DiagnosticsSink } from '../diagnostics/types'
import { ClientError, InvalidArgumentError, StorageError, errorText, isImError, isStorageError } from '../errors'
import type { ImError } from '../errors'
import type { Platform, TimerId } from '../platform/types'
import { hex } from '../proto/hex'
import { PacketType } from '../proto/packets'
import type { SendPacket, SendackPacket } from '../proto/packets'
import type { SentLookup, SentLookupResult } from '../sync/types'
import type { FailureKind, MessageStatus, OutboxMessage, SendInput } from '../types'
import { backoffDelay } from '../connection/backoff'
import { canMoveTo } from './status'
import { Queue } from './queue'
import { OutboxStore, savedFiles, toStored } from './store'
import type { QuarantinedRecord } from './store'
import { decodeContent, encodeContent } from '../content/codec'
import type { Content } from '../content/types'
import { invalidReason, validateSend } from './validate'

/** What the outbox needs from the connection. */
export interface OutboxTransport {
  /** Id of the connected socket; 0 when not connected. */
  connectionId(): number
  /** Encodes (and encrypts) for the current socket and writes; false when not connected. */
  write(packet: SendPacket): boolean
  /**
   * PINGs on the connected socket and calls `answered` once its PONG is back (everything written
   * before it was read by the server); a link that does not answer is torn down. False when not connected.
   */
  roundTrip(answered: () => void): boolean
  /** Drop the socket and dial again at once. */
  rebuild(reason: string): void
}

/**
 * Media messages (sdk/media): the outbox keeps their state in the record and holds their channel
 * while they upload; this side copies files, uploads, retries, and answers through
 * Outbox.uploaded() / uploadFailed().
 */
export interface OutboxMedia {
  /** Copies the app's file out of the temp area for `clientMsgNo`; resolves with the saved path. */
  persist(file: string, clientMsgNo: string): Promise<string>
  /** Uploads its file unless already doing so or waiting to (idempotent). */
  upload(message: OutboxMessage): void
  /** Stops its upload, if any, and deletes its saved file. */
  release(message: OutboxMessage): void
  /** Deletes one saved file of this uid (a path outside this uid's saved names is left alone). */
  removeSaved(file: string): void
  /**
   * During load, before any send() can copy a file: deletes the saved files of this uid that no
   * message points at (a kill between a copy and its record). Never rejects.
   */
  sweep(keep: ReadonlySet<string>): Promise<void>
  close(): void
}

/** The outbox options after defaults (documented on ClientOptions.outbox). */
export interface OutboxLimits {
  window: number
  /** Per channel; 0 = no limit of its own; undefined = by server line (see OutboxDeps.line). */
  channelWindow: number | undefined
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
  /**
   * Asks the server which of these possibly stored messages it holds (v2 line, where a re-send is
   * stored again). Undefined: never ask (v3 de-duplicates by clientMsgNo itself). Rejects when it
   * cannot tell.
   */
  lookup?(req: SentLookup): Promise<SentLookupResult>
  /**
   * The server line, once known. On 'v3' no lookup is made (it de-duplicates re-sends itself) and,
   * unless config.channelWindow says otherwise, one SEND per channel is on the wire: a v3 server
   * processes a session's SENDs asynchronously and was seen to lose pipelined ones and store one
   * with the next one's payload (docs/wukongim-real-server.md §7). Unknown counts as v3 for the
   * window; only a known 'v2' pipelines a channel.
   */
  line?(): 'v2' | 'v3' | undefined
  /** Media messages; without it send() with a `file` is refused. */
  media?: OutboxMedia
  /** @internal Test-only switches (chaos simulator). */
  unsafe?: { disableResend?: boolean; strictOutboxLoad?: boolean; skipRestoreValidation?: boolean; resendWithoutLookup?: boolean; resolveBeforeBatchWrite?: boolean }
}

interface Entry {
  msg: OutboxMessage
  order: number
  /** `<channelType>:<channelId>`, the key of the per-channel rules. */
  channel: string
  /** clientSeq of the attempt on the wire (0 when none). */
  clientSeq: number
  connectionId: number
  writtenAt: number
  /** When an ack still missing gets looked at: writtenAt + late, then the overdue mark. */
  ackCheckAt: number
  /** A round trip was started for this attempt (a link is rebuilt only after one). */
  probed: boolean
  /** Earliest time of the next attempt (retry backoff); 0 = now; Infinity = backoff being drawn. */
  retryAt: number
  retries: number
  /** The one fresh-encode retry after SENDACK 9 was used. */
  reencoded: boolean
  /** May have reached the server already (restored, or attempted): set DUP on the next write. */
  maybeSent: boolean
  /** To be looked up on the server before its next write (see `lookup`). */
  verify: boolean
  /** When the first failed lookup of the current run happened (0 = none failed). */
  lookupFailingSince: number
}

/** How much longer than sendackTimeoutMs an ack may stay overdue before the link is rebuilt. */
const OVERDUE_FACTOR = 3
/** A SENDACK missing this long (or sendackTimeoutMs if shorter) starts a PING round trip. */
const ACK_LATE_MS = 1_000
/** Lookups failing this long: the message is re-sent unverified rather than held for ever. */
export const LOOKUP_GIVE_UP_MS = 5 * 60_000

export class Outbox {
  private readonly store: OutboxStore
  private readonly entries = new Queue<Entry>()
  private readonly byNo = new Map<string, Entry>()
  /** Entries with a retry deadline (backing off), so arm() need not scan the whole queue. */
  private readonly retrying = new Set<Entry>()
  private readonly inFlight = new Map<number, Entry>()
  /** Channels with a lookup on the way. */
  private readonly lookups = new Set<string>()
  /** Acked messages whose record is being removed, in SENDACK order: `sent` is reported in that order. */
  private readonly sentReports = new Queue<{ entry: Entry; forgotten: boolean }>()
  /** How many queued entries each channel has: flush() stops once every such channel is held. */
  private readonly queuedIn = new Map<string, number>()
  private readonly quarantine = new Map<string, QuarantinedRecord>()
  private nextOrder = 1
  /** clientMsgNo = 20 random hex for this outbox's life + 12 hex of a counter: one randomBytes call per session, not per message. */
  private idPrefix: string | undefined
  private idCount = 0
  private nextClientSeq = 1
  /** send() calls between validation and their entry joining the queue (count toward maxMessages). */
  private reserved = 0
  private loading: Promise<void> | undefined
  private loaded = false
  /** load() has resolved (the restore, media sweep included, is over). */
  private restored = false
  /** send() calls waiting for load(). */
  private awaitingLoad = 0
  private closed = false
  private timer: TimerId | undefined
  private timerAt = Infinity

  constructor(private readonly deps: OutboxDeps) {
    this.store = new OutboxStore(deps.platform.storage, deps.config.keyPrefix, deps.config.uid, deps.platform, deps.unsafe?.resolveBeforeBatchWrite === true)
  }

  /** Restores the queue from storage (once; retried on the next call if it failed). */
  load(): Promise<void> {
    if (!this.loading) {
      this.loading = this.restore().then(() => {
        this.restored = true
      }, (error: unknown) => {
        this.loading = undefined
        throw error
      })
    }
    return this.loading
  }

  async send(input: SendInput): Promise<OutboxMessage> {
    this.assertOpen()
    const valid = validateSend(input)
    const file = valid.file
    const media = this.deps.media
    if (file !== undefined && !media) throw new ClientError('PLATFORM_UNSUPPORTED', 'media messages need the `media` option (and a platform with files and uploads)')
    // Restored and nobody still waiting for it (the usual case): no turn spent on the settled load;
    // otherwise behind the calls already waiting, so enqueue order stays call order.
    if (!this.restored || this.awaitingLoad > 0) {
      this.awaitingLoad++
      try {
        await this.load()
      } finally {
        this.awaitingLoad--
      }
    }
    this.assertOpen()
    if (this.entries.length + this.reserved >= this.deps.config.maxMessages) {
      throw new StorageError('STORAGE_FULL', 'the outbox is full', { limit: this.deps.config.maxMessages })
    }
    this.reserved++
    try {
      const clientMsgNo = `${this.idPrefix ?? (await this.newIdPrefix())}${(this.idCount++).toString(16).padStart(12, '0')}_${this.deps.config.deviceTag()}`
      const order = this.nextOrder++
      const msg: OutboxMessage = { clientMsgNo, channelId: valid.channelId, channelType: valid.channelType, payload: valid.payload, flags: valid.flags, expire: valid.expire, status: 'queued', createdAt: this.deps.platform.now(), attempts: 0 }
      if (valid.topic !== undefined) msg.topic = valid.topic
      // The file first: a record must never point at a file that is not saved yet.
      if (file !== undefined && media) msg.media = { file: await media.persist(file, clientMsgNo) }
      try {
        await this.store.add(toStored(msg, order))
      } catch (error) {
        // Nothing half-written may stay behind: drop whatever part of the write landed.
        await this.store.remove(clientMsgNo).catch(() => undefined)
        if (msg.media) media?.release(msg)
        this.deps.diagnostics.record('storage', 'enqueue-failed', { code: isStorageError(error) ? error.code : 'STORAGE_FAILED' })
        throw error
      }
      this.deps.diagnostics.trace(clientMsgNo, 'persisted', { order, channelId: msg.channelId, channelType: msg.channelType })
      const entry = this.insert(msg, order, false)
      const durable = snapshot(msg)
      this.emit(entry)
      this.startUpload(entry)
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
    const invalid = invalidReason(entry.msg)
    if (invalid) throw invalid
    this.transition(entry, 'queued', 'resend')
    delete entry.msg.failure
    entry.retries = 0
    entry.retryAt = 0
    this.retrying.delete(entry)
    entry.reencoded = false
    // The stored copy must stop saying failed, or a restart would show it failed again.
    await this.store.put(toStored(entry.msg, entry.order)).catch((error: unknown) => this.deps.emitError(asStorageError(error)))
    this.emit(entry)
    this.startUpload(entry)
    this.flush()
    return snapshot(entry.msg)
  }

  /**
   * Removes a failed or queued (not in-flight) message for good; reported as failed / 'cancelled'.
   * A quarantined record is removed from storage (no status event: it never was a message).
   */
  async discard(clientMsgNo: string): Promise<void> {
    this.assertOpen()
    await this.load()
    const entry = this.byNo.get(clientMsgNo)
    const quarantined = this.quarantine.get(clientMsgNo)
    if (!entry && quarantined) {
      await this.store.remove(clientMsgNo)
      this.quarantine.delete(clientMsgNo)
      // Its saved media files go with it (discard() deletes the saved file, readable record or not).
      for (const file of savedFiles(quarantined.raw)) this.deps.media?.removeSaved(file)
      this.deps.diagnostics.record('storage', 'quarantined-record-discarded', { clientMsgNo })
      return
    }
    if (!entry) throw new InvalidArgumentError('no such message in the outbox', { clientMsgNo })
    if (entry.msg.status === 'sending') throw new InvalidArgumentError('the message is on the wire; wait for its SENDACK', { clientMsgNo })
    // Failed first (so no flush picks it up meanwhile), out of storage, and only then out of memory:
    // when the remove fails it stays listed and discard() can be called again.
    if (entry.msg.status === 'queued') this.transition(entry, 'failed', 'discarded')
    entry.msg.failure = 'cancelled'
    await this.store.remove(clientMsgNo)
    this.drop(entry)
    if (entry.msg.media) this.deps.media?.release(entry.msg)
    this.deps.diagnostics.trace(clientMsgNo, 'discarded')
    this.emit(entry)
    // A discarded media message that was still uploading held its channel back.
    this.flush()
  }

  /** queued, sending and failed messages, in enqueue order. */
  /** Deletes every saved media file of this uid (logout; the records are gone). Never rejects. */
  removeSavedFiles(): Promise<void> {
    return this.deps.media?.sweep(new Set()) ?? Promise.resolve()
  }

  pending(): OutboxMessage[] {
    return this.entries.toArray().map((e) => snapshot(e.msg))
  }

  /** Stored records that could not be read or parsed at load (kept in storage until discarded). */
  quarantined(): QuarantinedRecord[] {
    return Array.from(this.quarantine.values(), (q) => ({ ...q }))
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
    for (const entry of lost) this.unconfirmed(entry, reason)
    this.arm()
  }

  handleSendack(ack: SendackPacket, connectionId: number): void {
    const entry = this.inFlight.get(ack.clientSeq)
    if (!entry || entry.connectionId !== connectionId || (ack.clientMsgNo && ack.clientMsgNo !== entry.msg.clientMsgNo)) {
      this.deps.diagnostics.record('ack', 'sendack-unmatched', { clientSeq: ack.clientSeq, reasonCode: ack.reasonCode })
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
        this.sent(entry, ack.messageId, ack.messageSeq, 'sendack')
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

  /**
   * The upload of a media message answered: the URL is recorded first (a kill from here on never
   * uploads again), then the content points at it and the message goes out like any other.
   */
  async uploaded(clientMsgNo: string, url: string, fields: Record<string, unknown> = {}): Promise<void> {
    const entry = this.byNo.get(clientMsgNo)
    const m = entry?.msg
    if (!entry || !m?.media || m.media.url !== undefined || m.status !== 'queued') return
    const content = decodeContent(m.payload)
    let payload: Uint8Array
    try {
      payload = encodeContent({ ...content, ...fields, url, type: content.type } as Content)
    } catch (error) {
      return void this.fail(entry, 'upload', `the upload's answer does not fit the content: ${error instanceof Error ? error.message : String(error)}`)
    }
    const problem = invalidReason({ ...m, payload })
    if (problem) return void this.fail(entry, 'invalid', problem.message)
    m.payload = payload
    m.media = { ...m.media, url }
    this.deps.diagnostics.trace(clientMsgNo, 'uploaded', { url })
    await this.store.put(toStored(m, entry.order)).catch((error: unknown) => this.deps.emitError(asStorageError(error)))
    if (this.byNo.get(clientMsgNo) !== entry || m.status !== 'queued') return
    this.emit(entry)
    this.flush()
  }

  /** The upload of a media message was refused for good: failed ('upload'); resend() uploads again. */
  uploadFailed(clientMsgNo: string, reason: string): void {
    const entry = this.byNo.get(clientMsgNo)
    if (entry && entry.msg.status === 'queued' && entry.msg.media?.url === undefined) {
      void this.fail(entry, 'upload', reason)
      // The messages its channel held back go on now (they waited for its URL).
      this.flush()
    }
  }

  close(): void {
    this.closed = true
    this.store.close()
    this.deps.media?.close()
    if (this.timer !== undefined) this.deps.platform.clearTimeout(this.timer)
    this.timer = undefined
  }

  // ---- internals ------------------------------------------------------------------------------

  private async restore(): Promise<void> {
    const unsafe = this.deps.unsafe ?? {}
    const { entries, quarantined, unreported } = await this.store.load(unsafe.strictOutboxLoad)
    for (const q of quarantined) this.quarantine.set(q.clientMsgNo, q)
    for (const error of unreported) this.deps.emitError(error)
    const invalid: Array<[Entry, InvalidArgumentError]> = []
    for (const { record, message } of entries) {
      if (this.byNo.has(message.clientMsgNo)) continue
      const queued = message.status === 'queued'
      const entry = this.insert(message, record.order, queued)
      // It may have been stored before the kill: on v2, ask before sending it again.
      entry.verify = queued && this.verifies()
      this.nextOrder = Math.max(this.nextOrder, record.order + 1)
      const problem = queued && !unsafe.skipRestoreValidation ? invalidReason(message) : undefined
      if (problem) invalid.push([entry, problem])
    }
    this.loaded = true
    this.deps.diagnostics.record('storage', 'outbox-restored', { messages: entries.length, quarantined: quarantined.length, invalid: invalid.length })
    // Persisted as failed, so the next launch restores it failed and reports nothing again.
    for (const [entry, problem] of invalid) void this.fail(entry, 'invalid', problem.message)
    const media = this.deps.media
    if (media) {
      const files = new Set<string>()
      for (const q of quarantined) for (const file of savedFiles(q.raw)) files.add(file)
      for (const entry of this.entries.toArray()) if (entry.msg.media) files.add(entry.msg.media.file)
      await media.sweep(files)
      for (const entry of this.entries.toArray()) this.startUpload(entry)
    }
    this.flush()
  }

  private async newIdPrefix(): Promise<string> {
    const prefix = hex(await this.deps.platform.randomBytes(10))
    // Concurrent first sends: the first answer wins; the counter keeps their numbers apart.
    return (this.idPrefix ??= prefix)
  }

  /** Whether a message that may be stored is looked up before it is re-sent. */
  private verifies(): boolean {
    return this.deps.lookup !== undefined && this.deps.line?.() !== 'v3' && !this.deps.unsafe?.resendWithoutLookup
  }

  /** SENDs of one channel on the wire at most (0 = no limit of its own); see OutboxDeps.line. */
  private channelWindow(): number {
    return this.deps.config.channelWindow ?? (this.deps.line?.() === 'v2' ? 0 : 1)
  }

  /** An attempt whose SENDACK will not come (link lost, ack dropped): back to queued. */
  private unconfirmed(entry: Entry, reason: string): void {
    // The switch covers every way an unacked attempt comes back (lost link, dropped ack): left `sending`.
    if (this.deps.unsafe?.disableResend) return
    entry.clientSeq = 0
    entry.verify = this.verifies()
    entry.lookupFailingSince = 0
    this.transition(entry, 'queued', reason)
    this.deps.diagnostics.trace(entry.msg.clientMsgNo, 'requeued', { reason })
    this.emit(entry)
  }

  /**
   * The server stored it (SENDACK 1, or found by a lookup). `sent` always carries reasonCode 1
   * (Success) and the stored ids; the trace tells an ack from a lookup.
   */
  private sent(entry: Entry, messageId: string, messageSeq: number, reason: string): void {
    const m = entry.msg
    m.reasonCode = ReasonCode.Success
    m.messageId = messageId
    m.messageSeq = messageSeq
    m.sentAt = this.deps.platform.now()
    this.drop(entry)
    this.transition(entry, 'sent', reason)
    // Remove from storage first, then tell the app: `sent` must never be reported for a
    // message a restart could still bring back... except when storage refuses the remove;
    // then a restart re-sends it (v3 dedups, the receive side dedups by clientMsgNo).
    // Reported in SENDACK order, whichever remove the storage finishes first.
    const report = { entry, forgotten: false }
    this.sentReports.insertAt(this.sentReports.length, report)
    const forgotten = (): void => {
      report.forgotten = true
      while (this.sentReports.length > 0 && this.sentReports.at(0).forgotten) {
        const head = this.sentReports.at(0).entry
        this.sentReports.removeAt(0)
        this.emit(head)
      }
    }
    void this.store.remove(m.clientMsgNo).then(
      () => {
        if (m.media) this.deps.media?.release(m)
        forgotten()
      },
      (error: unknown) => {
        this.deps.emitError(asStorageError(error))
        forgotten()
      },
    )
  }

  /**
   * One lookup for every message of `channel` waiting to be verified. Found → sent; absent →
   * written by the next flush; failed → backoff, until LOOKUP_GIVE_UP_MS.
   */
  private lookUp(channel: string): void {
    const lookup = this.deps.lookup
    if (!lookup || this.lookups.has(channel)) return
    const batch = this.entries.toArray().filter((e) => e.verify && e.msg.status === 'queued' && e.channel === channel)
    const first = batch[0]
    if (!first) return
    this.lookups.add(channel)
    const since = batch.reduce((min, e) => Math.min(min, e.msg.createdAt), Infinity)
    const current = (e: Entry): boolean => this.byNo.get(e.msg.clientMsgNo) === e && e.msg.status === 'queued' && e.verify
    const req: SentLookup = { channelId: first.msg.channelId, channelType: first.msg.channelType, clientMsgNos: batch.map((e) => e.msg.clientMsgNo), since }
    void lookup(req)
      .then(
        (found) => {
          for (const entry of batch) {
            if (this.closed || !current(entry)) continue
            const hit = found.get(entry.msg.clientMsgNo)
            this.deps.diagnostics.trace(entry.msg.clientMsgNo, 'lookup', { found: !!hit, messageSeq: hit?.messageSeq })
            if (hit) this.sent(entry, hit.messageId, hit.messageSeq, 'found stored by lookup')
            else entry.verify = false
          }
        },
        async (error: unknown) => {
          const now = this.deps.platform.now()
          this.deps.diagnostics.record('ack', 'lookup-failed', { channel, messages: batch.length, error: errorText(error) })
          const r = await this.deps.random()
          for (const entry of batch) {
            if (this.closed || !current(entry)) continue
            if (!entry.lookupFailingSince) entry.lookupFailingSince = now
            if (now - entry.lookupFailingSince >= LOOKUP_GIVE_UP_MS) {
              entry.verify = false
              this.deps.diagnostics.trace(entry.msg.clientMsgNo, 'resent-unverified', { failingForMs: now - entry.lookupFailingSince })
              continue
            }
            entry.retryAt = now + backoffDelay(entry.retries++, { initialMs: this.deps.config.retryInitialMs, maxMs: this.deps.config.retryMaxMs }, r)
            this.retrying.add(entry)
          }
        },
      )
      .then(undefined, (error: unknown) => this.deps.emitError(isImError(error) ? error : new ClientError('INTERNAL', 'outbox lookup handling failed', { channel }, error)))
      // Whatever happened above, the channel is not left held by a lookup that is over.
      .then(() => {
        this.lookups.delete(channel)
        this.flush()
      })
  }

  /** Writes as many queued messages as the window allows, in enqueue order. */
  private flush(): void {
    if (this.closed || !this.loaded) return
    this.expire()
    const connectionId = this.deps.transport.connectionId()
    if (connectionId !== 0) {
      const now = this.deps.platform.now()
      const limit = this.deps.config.window
      const channelWindow = this.channelWindow()
      const held = new Set<string>()
      const onWire = new Map<string, number>()
      if (channelWindow > 0) {
        for (const e of this.inFlight.values()) onWire.set(e.channel, (onWire.get(e.channel) ?? 0) + 1)
      }
      for (let k = 0; k < this.entries.length; k++) {
        // Nothing more can go out once the window is full or every channel with a queued message
        // is held (a burst on one channel waiting for its SENDACK: was a scan of the whole queue).
        if (this.inFlight.size >= limit || held.size === this.queuedIn.size) break
        const entry = this.entries.at(k)
        const m = entry.msg
        if (m.status !== 'queued') continue
        const channel = entry.channel
        if (held.has(channel)) continue
        // A later message never overtakes an earlier one of its channel.
        if (entry.retryAt > now || (channelWindow > 0 && (onWire.get(channel) ?? 0) >= channelWindow)) {
          held.add(channel)
          continue
        }
        // A media message goes out once uploaded; the later messages of its channel wait for it.
        if (m.media && m.media.url === undefined) {
          held.add(channel)
          continue
        }
        // The line turned out to be v3 while it waited for a lookup: re-sent without one.
        if (entry.verify && !this.verifies()) entry.verify = false
        if (entry.verify) {
          held.add(channel)
          this.lookUp(channel)
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
    entry.ackCheckAt = now + Math.min(ACK_LATE_MS, this.deps.config.sendackTimeoutMs)
    entry.probed = false
    entry.retryAt = 0
    this.retrying.delete(entry)
    entry.maybeSent = true
    m.attempts++
    this.inFlight.set(clientSeq, entry)
    this.transition(entry, 'sending', 'written')
    this.deps.diagnostics.trace(m.clientMsgNo, 'attempt', { attempt: m.attempts, connectionId, clientSeq, dup: packet.flags.dup })
    this.emit(entry)
    let written: boolean
    try {
      written = this.deps.transport.write(packet)
    } catch (error) {
      // The encoder refused it: this message can never go out; the ones behind it still can.
      if (this.deps.unsafe?.skipRestoreValidation) throw error
      this.deps.emitError(new InvalidArgumentError('a queued message could not be encoded; it is failed', { clientMsgNo: m.clientMsgNo }))
      void this.fail(entry, 'invalid', `encoder refused it: ${errorText(error)}`)
      return
    }
    if (!written) {
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
    for (let k = 0; k < this.entries.length; k++) {
      const entry = this.entries.at(k)
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
      for (let k = 0; k < this.entries.length; k++) {
        const entry = this.entries.at(k)
        if (entry.msg.status !== 'queued') continue
        at = Math.min(at, entry.msg.createdAt + expireAfterMs)
        break
      }
    }
    for (const entry of this.inFlight.values()) at = Math.min(at, entry.ackCheckAt)
    // A timer already due no later than the nearest deadline is kept: at worst it fires early and
    // tick() arms the next one. (Re-arming whenever the earliest deadline moved cost a clearTimeout
    // and a setTimeout per SENDACK.)
    if (at >= this.timerAt) return
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
    let late = false
    for (const entry of this.inFlight.values()) {
      if (entry.ackCheckAt > now) continue
      // A stalled event loop can make an ack look overdue at the first look: round trip first.
      if (entry.probed && now - entry.writtenAt >= overdueAfter) rebuild = true
      else {
        late = true
        entry.probed = true
        entry.ackCheckAt = Math.max(entry.writtenAt + overdueAfter, now + this.deps.config.sendackTimeoutMs)
      }
    }
    if (rebuild) {
      this.deps.diagnostics.record('ack', 'sendack-overdue', { inFlight: this.inFlight.size })
      this.deps.transport.rebuild('sendack overdue')
    } else if (late) {
      const connectionId = this.deps.transport.connectionId()
      this.deps.transport.roundTrip(() => this.acksDropped(connectionId, now))
    }
    this.flush()
  }

  /** The PONG of a PING sent at `pingAt` came back: SENDs written before it without an ack lost their ack. */
  private acksDropped(connectionId: number, pingAt: number): void {
    if (this.closed) return
    const lost = Array.from(this.inFlight.values())
      .filter((e) => e.connectionId === connectionId && e.writtenAt <= pingAt)
      .sort((a, b) => a.order - b.order)
    if (lost.length === 0) return
    this.deps.diagnostics.record('ack', 'sendack-dropped', { messages: lost.length })
    for (const entry of lost) {
      this.inFlight.delete(entry.clientSeq)
      this.unconfirmed(entry, 'sendack dropped')
    }
    this.flush()
  }

  private insert(msg: OutboxMessage, order: number, maybeSent: boolean): Entry {
    const entry: Entry = { msg, order, channel: `${msg.channelType}:${msg.channelId}`, clientSeq: 0, connectionId: 0, writtenAt: 0, ackCheckAt: 0, probed: false, retryAt: 0, retries: 0, reencoded: false, maybeSent, verify: false, lookupFailingSince: 0 }
    // Concurrent send() calls finish their writes in any order; keep the queue in enqueue order.
    let i = this.entries.length
    while (i > 0 && this.entries.at(i - 1).order > order) i--
    this.entries.insertAt(i, entry)
    this.byNo.set(msg.clientMsgNo, entry)
    if (msg.status === 'queued') this.countQueued(entry, 1)
    return entry
  }

  private drop(entry: Entry): void {
    const i = this.entries.indexOf(entry)
    // Acks come mostly in order: the head goes in O(1) (see Queue).
    if (i >= 0) this.entries.removeAt(i)
    if (this.byNo.get(entry.msg.clientMsgNo) === entry && entry.msg.status === 'queued') this.countQueued(entry, -1)
    this.byNo.delete(entry.msg.clientMsgNo)
    this.retrying.delete(entry)
  }

  private transition(entry: Entry, to: MessageStatus, reason: string): void {
    const from = entry.msg.status
    if (!canMoveTo(from, to)) throw new ClientError('INTERNAL', `outbox transition ${from} → ${to} refused`, { clientMsgNo: entry.msg.clientMsgNo, reason })
    entry.msg.status = to
    if (from !== to && (from === 'queued' || to === 'queued') && this.byNo.get(entry.msg.clientMsgNo) === entry) this.countQueued(entry, to === 'queued' ? 1 : -1)
  }

  private countQueued(entry: Entry, delta: 1 | -1): void {
    const n = (this.queuedIn.get(entry.channel) ?? 0) + delta
    if (n > 0) this.queuedIn.set(entry.channel, n)
    else this.queuedIn.delete(entry.channel)
  }

  /** A queued media message without its URL yet: hand it to the uploads. */
  private startUpload(entry: Entry): void {
    const m = entry.msg
    if (m.status === 'queued' && m.media && m.media.url === undefined) this.deps.media?.upload(snapshot(m))
  }

  private emit(entry: Entry): void {
    this.deps.emitStatus(snapshot(entry.msg))
  }

  private assertOpen(): void {
    if (this.closed) throw new ClientError('CLIENT_CLOSED', 'the client is closed')
  }
}

/** A copy the app may keep; the payload bytes are shared, treat them as read-only. */
function snapshot(m: OutboxMessage): OutboxMessage {
  const copy = { ...m, flags: { ...m.flags } }
  if (m.media) copy.media = { ...m.media }
  return copy
}

function asStorageError(error: unknown): StorageError {
  return isStorageError(error) ? error : new StorageError('STORAGE_FAILED', 'storage operation failed', {}, error)
}
