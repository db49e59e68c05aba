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
import type { FailureKind, MessageFlags, OutboxMessage } from '../types'

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
}

export interface LoadResult {
  /** In enqueue order. */
  entries: Array<{ record: StoredMessage; message: OutboxMessage }>
  corrupt: StorageError[]
}

export class OutboxStore {
  private readonly prefix: string
  /** Per-key chains: a write to one key starts only after the previous one settled. */
  private readonly chains = new Map<string, Promise<void>>()

  constructor(private readonly storage: PlatformStorage, keyPrefix: string, uid: string) {
    this.prefix = `${keyPrefix}:${uid}:out:`
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

  async load(): Promise<LoadResult> {
    const keys = (await wrap(this.storage.keys(), 'list')).filter((k) => k.indexOf(this.prefix) === 0)
    const entries: LoadResult['entries'] = []
    const corrupt: StorageError[] = []
    for (const key of keys) {
      const value = await wrap(this.storage.get(key), 'read')
      const record = parse(value, key.slice(this.prefix.length))
      let message: OutboxMessage | undefined
      try {
        message = record && fromStored(record)
      } catch {
        message = undefined
      }
      if (record && message) entries.push({ record, message })
      else corrupt.push(new StorageError('STORAGE_CORRUPT', 'unreadable outbox entry skipped', { key }))
    }
    entries.sort((a, b) => a.record.order - b.record.order)
    return { entries, corrupt }
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
    (r.failed === undefined || (typeof r.failed === 'object' && typeof r.failed.failure === 'string'))
  return ok ? (r as StoredMessage) : undefined
}

function wrap<T>(p: Promise<T>, what: string): Promise<T> {
  return p.then(undefined, (error: unknown) => {
    throw isStorageError(error) ? error : new StorageError('STORAGE_FAILED', `could not ${what} the outbox storage`, {}, error)
  })
}
