/**
 * Durable outbox storage. One key per message, `<prefix>:<uid>:out:<clientMsgNo>`, so enqueue is
 * one write and ack one remove (the happy path costs 2 storage operations per message); the
 * queue is rebuilt at start from the key list and sorted by `order`, a number that only grows.
 *
 * Only the facts that survive a restart are stored: what to send, and `failed` (queued and sending
 * both mean "to send" after a restart, so those changes are never written).
 */
import { StorageError, isStorageError } from '../errors'
import type { PlatformStorage } from '../platform/types'
import { decodeBase64, encodeBase64 } from '../proto/base64'
import type { FailureKind, MediaState, MessageFlags, OutboxMessage } from '../types'

/** Stored JSON value (version 1). */
export interface StoredMessage {
  v: 1
  clientMsgNo: string
  channelId: string
  channelType: number
  /** base64 of the payload bytes. */
  payload: string
  topic?: string
  flags: MessageFlags
  expire: number
  createdAt: number
  /** Enqueue order, unique and increasing per uid. */
  order: number
  /** Present once the message failed (it stays failed after a restart). */
  failed?: { failure: FailureKind; reasonCode?: number }
  /** Media messages: the saved file, and the upload's URL once it answered. */
  media?: MediaState
}

/**
 * A stored record the outbox cannot use: kept in storage untouched (never overwritten), listed in
 * diagnose() with the value as read, removed only by discard(clientMsgNo).
 */
export interface QuarantinedRecord {
  clientMsgNo: string
  /** 'unreadable': storage refused the read (every attempt); 'corrupt': the value is not a record. */
  reason: 'unreadable' | 'corrupt'
  /** The value as read (absent when unreadable). */
  raw?: unknown
}

export interface LoadResult {
  /** In enqueue order. */
  entries: Array<{ record: StoredMessage; message: OutboxMessage }>
  quarantined: QuarantinedRecord[]
  /** Quarantined records not reported at an earlier launch (each is reported once). */
  unreported: StorageError[]
}

/** Reads of one key before it is quarantined as unreadable (a failed read is often transient). */
const READ_ATTEMPTS = 3

export class OutboxStore {
  private readonly prefix: string
  /** Holds the clientMsgNos of quarantined records already reported, so a relaunch stays quiet. */
  private readonly reportedKey: string
  /** Per-key chains: a write to one key starts only after the previous one settled. */
  private readonly chains = new Map<string, Promise<void>>()

  constructor(private readonly storage: PlatformStorage, keyPrefix: string, uid: string) {
    this.prefix = `${keyPrefix}:${uid}:out:`
    this.reportedKey = `${keyPrefix}:${uid}:outbox-reported`
  }

  key(clientMsgNo: string): string {
    return this.prefix + clientMsgNo
  }

  /** Writes the record; rejects with StorageError (STORAGE_FULL / STORAGE_FAILED). */
  put(record: StoredMessage): Promise<void> {
    const key = this.key(record.clientMsgNo)
    return this.serial(key, () => this.storage.set(key, record))
  }

  remove(clientMsgNo: string): Promise<void> {
    const key = this.key(clientMsgNo)
    return this.serial(key, () => this.storage.remove(key))
  }

  /**
   * Record by record: one key that cannot be read or parsed is quarantined and the rest loads.
   * `strict` (test-only switch) brings back the old all-or-nothing load: any read error rejects.
   */
  async load(strict = false): Promise<LoadResult> {
    const keys = (await wrap(this.storage.keys(), 'list')).filter((k) => k.indexOf(this.prefix) === 0)
    const entries: LoadResult['entries'] = []
    const quarantined: QuarantinedRecord[] = []
    for (const key of keys) {
      const clientMsgNo = key.slice(this.prefix.length)
      const read = await this.read(key, strict ? 1 : READ_ATTEMPTS)
      if (!read.ok) {
        if (strict) throw read.error
        quarantined.push({ clientMsgNo, reason: 'unreadable' })
        continue
      }
      const record = parse(read.value, clientMsgNo)
      let message: OutboxMessage | undefined
      try {
        message = record && fromStored(record)
      } catch {
        message = undefined
      }
      if (record && message) entries.push({ record, message })
      else quarantined.push({ clientMsgNo, reason: 'corrupt', raw: read.value })
    }
    entries.sort((a, b) => a.record.order - b.record.order)
    return { entries, quarantined, unreported: await this.unreported(quarantined) }
  }

  /**
   * The quarantined records not reported before, as errors; remembers the current set. When that
   * memory cannot be read or written, a record is reported again rather than never.
   */
  private async unreported(quarantined: QuarantinedRecord[]): Promise<StorageError[]> {
    const stored = await this.storage.get(this.reportedKey).catch(() => undefined)
    const before = new Set(Array.isArray(stored) ? stored.filter((x): x is string => typeof x === 'string') : [])
    const now = quarantined.map((q) => q.clientMsgNo)
    const fresh = quarantined.filter((q) => !before.has(q.clientMsgNo))
    if (fresh.length > 0 || now.length !== before.size) {
      await this.serial(this.reportedKey, () => (now.length ? this.storage.set(this.reportedKey, now) : this.storage.remove(this.reportedKey))).catch(() => undefined)
    }
    return fresh.map((q) =>
      q.reason === 'corrupt'
        ? new StorageError('STORAGE_CORRUPT', 'corrupt outbox record quarantined (see diagnose(); discard(clientMsgNo) removes it)', { key: this.key(q.clientMsgNo), clientMsgNo: q.clientMsgNo })
        : new StorageError('STORAGE_FAILED', 'unreadable outbox record quarantined (kept in storage; retried at the next launch)', { key: this.key(q.clientMsgNo), clientMsgNo: q.clientMsgNo }),
    )
  }

  private async read(key: string, attempts: number): Promise<{ ok: true; value: unknown } | { ok: false; error: StorageError }> {
    let error: StorageError | undefined
    for (let i = 0; i < attempts; i++) {
      try {
        return { ok: true, value: await wrap(this.storage.get(key), 'read') }
      } catch (e) {
        error = e as StorageError
      }
    }
    return { ok: false, error: error as StorageError }
  }

  private serial(key: string, op: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(key) ?? Promise.resolve()
    const next = previous.then(op, op).then(undefined, (error: unknown) => {
      throw isStorageError(error) ? error : new StorageError('STORAGE_FAILED', 'storage operation failed', { key }, error)
    })
    const settled = next.then(
      () => undefined,
      () => undefined,
    )
    this.chains.set(key, settled)
    void settled.then(() => {
      if (this.chains.get(key) === settled) this.chains.delete(key)
    })
    return next
  }
}

export function toStored(m: OutboxMessage, order: number): StoredMessage {
  const record: StoredMessage = {
    v: 1,
    clientMsgNo: m.clientMsgNo,
    channelId: m.channelId,
    channelType: m.channelType,
    payload: encodeBase64(m.payload),
    flags: { redDot: m.flags.redDot, syncOnce: m.flags.syncOnce, noPersist: m.flags.noPersist },
    expire: m.expire,
    createdAt: m.createdAt,
    order,
  }
  if (m.topic !== undefined) record.topic = m.topic
  if (m.media) record.media = { ...m.media }
  if (m.status === 'failed' && m.failure) {
    record.failed = m.reasonCode === undefined ? { failure: m.failure } : { failure: m.failure, reasonCode: m.reasonCode }
  }
  return record
}

export function fromStored(r: StoredMessage): OutboxMessage {
  const m: OutboxMessage = {
    clientMsgNo: r.clientMsgNo,
    channelId: r.channelId,
    channelType: r.channelType,
    payload: decodeBase64(r.payload),
    flags: { ...r.flags },
    expire: r.expire,
    status: r.failed ? 'failed' : 'queued',
    createdAt: r.createdAt,
    attempts: 0,
  }
  if (r.topic !== undefined) m.topic = r.topic
  if (r.media) m.media = { ...r.media }
  if (r.failed) {
    m.failure = r.failed.failure
    if (r.failed.reasonCode !== undefined) m.reasonCode = r.failed.reasonCode
  }
  return m
}

function parse(value: unknown, keyId: string): StoredMessage | undefined {
  if (!value || typeof value !== 'object') return undefined
  const r = value as Partial<StoredMessage>
  const f = r.flags as Partial<MessageFlags> | undefined
  const ok =
    r.v === 1 &&
    r.clientMsgNo === keyId &&
    typeof r.channelId === 'string' &&
    r.channelId !== '' &&
    typeof r.channelType === 'number' &&
    typeof r.payload === 'string' &&
    typeof r.expire === 'number' &&
    typeof r.createdAt === 'number' &&
    typeof r.order === 'number' &&
    (r.topic === undefined || typeof r.topic === 'string') &&
    !!f &&
    typeof f.redDot === 'boolean' &&
    typeof f.syncOnce === 'boolean' &&
    typeof f.noPersist === 'boolean' &&
    (r.failed === undefined || (typeof r.failed === 'object' && typeof r.failed.failure === 'string')) &&
    (r.media === undefined || (typeof r.media === 'object' && typeof r.media.file === 'string' && (r.media.url === undefined || typeof r.media.url === 'string')))
  return ok ? (r as StoredMessage) : undefined
}

function wrap<T>(p: Promise<T>, what: string): Promise<T> {
  return p.then(undefined, (error: unknown) => {
    throw isStorageError(error) ? error : new StorageError('STORAGE_FAILED', `could not ${what} the outbox storage`, {}, error)
  })
}
