/**
 * Durable outbox storage. Two layouts, both read at every start (the queue is rebuilt from the key
 * list and sorted by `order`, a number that only grows):
 *
 * - One key per message, `<prefix>:<uid>:out:<clientMsgNo>` → StoredMessage: what a lone send()
 *   writes, and every later change of one record (failed, resent); the only layout before issue 21.
 * - A batch key, `<prefix>:<uid>:out:#<n>` → `{ batch: StoredMessage[] }`: the new records of a
 *   burst, persisted together (group commit: while one write of new records is in flight, the
 *   send() calls that arrive meanwhile form the next group), split so that a key stays far below
 *   WeChat's 1 MB. Acked records are forgotten per batch key: every forget of one turn (and those
 *   arriving while that key is being written) costs one rewrite of the remaining records, or one
 *   remove once none is left.
 *
 * A record lives in one place; a change to a record of a batch is written to its own key first and
 * only then dropped from the batch, so a kill in between leaves two copies and the single key (the
 * newer) wins at load. Records are (de)serialised only by toStored / parse / fromStored below.
 *
 * Only the facts that survive a restart are stored: what to send, and `failed` (queued and sending
 * both mean "to send" after a restart, so those changes are never written).
 */
import { StorageError, isStorageError } from '../errors'
import type { Platform, PlatformStorage, TimerId } from '../platform/types'
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
/** A batch key holds at most this many records... */
const BATCH_RECORDS = 128
/** ...and about this many bytes of JSON (WeChat refuses a key over 1 MB). */
const BATCH_BYTES = 256 * 1024
/** Marks a batch key among the per-message keys (a clientMsgNo never starts with it). */
const BATCH_MARK = '#'
/**
 * A batch key is rewritten to forget acked records at most this often (its first write and its
 * removal once empty are never held back): when SENDACKs come one round trip apart (one SEND per
 * channel in flight, the default on v3), the acks of this span share one write instead of each
 * rewriting the key. `sent` is reported after the write, so up to this much later in a burst.
 */
export const FORGET_SPACING_MS = 200

/** One batch key: the records still in it, and its one-write-at-a-time rewrite state. */
interface Batch {
  key: string
  live: Map<string, StoredMessage>
  /** A write of this key is in flight. */
  writing: boolean
  /** A write is due in this turn (microtask scheduled). */
  due: boolean
  /** When its last write started. */
  writtenAt: number
  /** The spaced rewrite waiting for FORGET_SPACING_MS to pass. */
  timer: TimerId | undefined
  /** A waiting change that must not wait for the spacing (the first write, the removal). */
  urgent: boolean
  /** Callers waiting for a write that reflects their change. */
  waiters: Waiter[]
}

interface Waiter {
  resolve(): void
  reject(error: unknown): void
}

interface NewRecord extends Waiter {
  record: StoredMessage
}

export class OutboxStore {
  private readonly prefix: string
  /** Holds the clientMsgNos of quarantined records already reported, so a relaunch stays quiet. */
  private readonly reportedKey: string
  /** Per-key chains: a write to one key starts only after the previous one settled. */
  private readonly chains = new Map<string, Promise<void>>()
  /** Which batch key holds a record (absent: its own key, or nowhere). */
  private readonly homes = new Map<string, Batch>()
  /** Batched records whose change is being written to their own key (see put). */
  private readonly moving = new Set<string>()
  /** New records waiting for the next group write. */
  private pending: NewRecord[] = []
  /** A group of new records is being written (or is due this turn). */
  private grouping = false
  private nextBatch = 1
  /** Batches whose spaced rewrite waits on a timer (close() clears them). */
  private readonly spaced = new Set<Batch>()
  private closed = false

  constructor(
    private readonly storage: PlatformStorage,
    keyPrefix: string,
    uid: string,
    private readonly clock: Pick<Platform, 'now' | 'setTimeout' | 'clearTimeout'>,
    /** @internal Test-only (chaos `--off batchdurable`): add() of a burst resolves before the write. */
    private readonly resolveEarly = false,
  ) {
    this.prefix = `${keyPrefix}:${uid}:out:`
    this.reportedKey = `${keyPrefix}:${uid}:outbox-reported`
  }

  key(clientMsgNo: string): string {
    return this.prefix + clientMsgNo
  }

  /**
   * Persists a new record, with the others added in the same turn or while the previous group was
   * being written; resolves once a write holding this record is done. Rejects with StorageError
   * (STORAGE_FULL / STORAGE_FAILED); then no copy of it is left in the batch it was part of.
   */
  add(record: StoredMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ record, resolve, reject })
      if (this.grouping) return
      this.grouping = true
      void Promise.resolve().then(() => this.writeGroup())
    })
  }

  /** Writes a change of a stored record (to its own key); rejects with StorageError. */
  put(record: StoredMessage): Promise<void> {
    const key = this.key(record.clientMsgNo)
    const written = this.serial(key, () => this.storage.set(key, record))
    const batch = this.homes.get(record.clientMsgNo)
    if (!batch) return written
    // Out of the batch only once its own key holds it (a kill in between: the single key wins).
    this.moving.add(record.clientMsgNo)
    const moved = (): void => void this.moving.delete(record.clientMsgNo)
    return written.then(() => {
      moved()
      if (this.homes.get(record.clientMsgNo) === batch) void this.forget(batch, record.clientMsgNo).catch(() => undefined)
    }, (error: unknown) => {
      moved()
      throw error
    })
  }

  /** Forgets a record (acked, discarded, or a failed enqueue): one rewrite per batch and turn, or its own key removed. */
  remove(clientMsgNo: string): Promise<void> {
    const batch = this.homes.get(clientMsgNo)
    const key = this.key(clientMsgNo)
    if (!batch) return this.serial(key, () => this.storage.remove(key))
    // Forgotten while its change is on the way to its own key: that key goes too (after the write).
    if (!this.moving.has(clientMsgNo)) return this.forget(batch, clientMsgNo)
    return Promise.all([this.forget(batch, clientMsgNo), this.serial(key, () => this.storage.remove(key))]).then(() => undefined)
  }

  /** The records waiting, written as one key when alone (the old layout) or as batch keys. */
  private async writeGroup(): Promise<void> {
    const group = this.pending
    this.pending = []
    if (group.length === 1) {
      const only = group[0] as NewRecord
      await this.put(only.record).then(only.resolve, only.reject)
    } else {
      // The parts are written side by side, but their senders are answered in send order: a later
      // part whose write lands first waits, so no message of the burst goes out before an earlier one.
      const written = split(group).map((part) => this.writeBatch(part))
      for (const settle of written) (await settle)()
    }
    if (this.pending.length > 0) return this.writeGroup()
    this.grouping = false
  }

  /** Writes one batch key; resolves, once the write settled, to what answers its senders. */
  private async writeBatch(part: NewRecord[]): Promise<() => void> {
    const batch = newBatch(this.key(BATCH_MARK + this.nextBatch++))
    for (const { record } of part) {
      batch.live.set(record.clientMsgNo, record)
      this.homes.set(record.clientMsgNo, batch)
    }
    if (this.resolveEarly) for (const n of part) n.resolve()
    try {
      await this.commit(batch)
      return () => part.forEach((n) => n.resolve())
    } catch (error) {
      // Whatever part of the write landed is taken back; the senders are told it failed.
      for (const { record } of part) if (this.homes.get(record.clientMsgNo) === batch) this.homes.delete(record.clientMsgNo)
      batch.live.clear()
      await this.serial(batch.key, () => this.storage.remove(batch.key)).catch(() => undefined)
      return () => part.forEach((n) => n.reject(error))
    }
  }

  private forget(batch: Batch, clientMsgNo: string): Promise<void> {
    batch.live.delete(clientMsgNo)
    this.homes.delete(clientMsgNo)
    return this.commit(batch, batch.live.size > 0)
  }

  /**
   * Resolves after a write of the batch as it is now (or later) is done: changes of one turn, those
   * made while the key is being written, and (`spaced`) those of FORGET_SPACING_MS after its last
   * write share the next write.
   */
  private commit(batch: Batch, spaced = false): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      batch.waiters.push({ resolve, reject })
      if (!spaced) batch.urgent = true
      this.plan(batch)
    })
  }

  /** Starts the next write of a batch with waiters now (next microtask), or when its spacing is over. */
  private plan(batch: Batch): void {
    if (batch.writing || batch.due || batch.waiters.length === 0) return
    const wait = batch.urgent ? 0 : batch.writtenAt + FORGET_SPACING_MS - this.clock.now()
    if (wait > 0) {
      if (batch.timer === undefined && !this.closed) {
        this.spaced.add(batch)
        batch.timer = this.clock.setTimeout(() => {
          batch.timer = undefined
          this.spaced.delete(batch)
          this.plan(batch)
        }, wait)
      }
      return
    }
    if (batch.timer !== undefined) this.clock.clearTimeout(batch.timer)
    batch.timer = undefined
    this.spaced.delete(batch)
    batch.due = true
    void Promise.resolve().then(() => this.rewrite(batch))
  }

  /**
   * Spaced forgetting stops here (logout removes the keys next: a rewrite after that would bring a
   * batch back; the acked records left behind are re-sent with DUP at the next launch, as after a
   * kill). Writes a send() or a removal is waiting for still go out.
   */
  close(): void {
    this.closed = true
    for (const batch of this.spaced) if (batch.timer !== undefined) this.clock.clearTimeout(batch.timer)
    this.spaced.clear()
  }

  private rewrite(batch: Batch): void {
    batch.due = false
    batch.writing = true
    batch.urgent = false
    batch.writtenAt = this.clock.now()
    const waiters = batch.waiters
    batch.waiters = []
    const value = batch.live.size > 0 ? { batch: Array.from(batch.live.values()) } : undefined
    const op = (): Promise<void> => (value ? this.storage.set(batch.key, value) : this.storage.remove(batch.key))
    void this.serial(batch.key, op).then(
      () => settle(waiters, undefined),
      (error: unknown) => settle(waiters, error),
    ).then(() => {
      batch.writing = false
      this.plan(batch)
    })
  }

  /**
   * Record by record: one key that cannot be read or parsed is quarantined and the rest loads.
   * `strict` (test-only switch) brings back the old all-or-nothing load: any read error rejects.
   */
  async load(strict = false): Promise<LoadResult> {
    const keys = (await wrap(this.storage.keys(), 'list')).filter((k) => k.indexOf(this.prefix) === 0)
    const entries: LoadResult['entries'] = []
    const quarantined: QuarantinedRecord[] = []
    const batched: LoadResult['entries'] = []
    for (const key of keys) {
      const clientMsgNo = key.slice(this.prefix.length)
      const isBatch = clientMsgNo.indexOf(BATCH_MARK) === 0
      // Never reused, not even the number of a batch that cannot be read (it stays quarantined).
      if (isBatch) this.nextBatch = Math.max(this.nextBatch, (Number(clientMsgNo.slice(BATCH_MARK.length)) || 0) + 1)
      const read = await this.read(key, strict ? 1 : READ_ATTEMPTS)
      if (!read.ok) {
        if (strict) throw read.error
        quarantined.push({ clientMsgNo, reason: 'unreadable' })
        continue
      }
      // A batch is written whole in one write: when any of its records is not usable, the key is
      // quarantined whole (kept untouched) rather than guessed at.
      const values = isBatch ? batchOf(read.value) : [read.value]
      const loaded = values?.map((v) => usable(v, isBatch ? undefined : clientMsgNo))
      if (!loaded || loaded.some((e) => !e)) {
        quarantined.push({ clientMsgNo, reason: 'corrupt', raw: read.value })
        continue
      }
      const target = isBatch ? batched : entries
      for (const e of loaded as Array<LoadResult['entries'][number]>) target.push(e)
      if (isBatch) this.adopt(key, loaded as Array<LoadResult['entries'][number]>)
    }
    // A record both in a batch and in its own key was changed after the batch was written and the
    // kill came before it was dropped from the batch: its own key is the newer copy.
    const own = new Set(entries.map((e) => e.record.clientMsgNo))
    for (const e of batched) {
      const batch = this.homes.get(e.record.clientMsgNo) as Batch
      if (own.has(e.record.clientMsgNo)) void this.forget(batch, e.record.clientMsgNo).catch(() => undefined)
      else entries.push(e)
    }
    entries.sort((a, b) => a.record.order - b.record.order)
    return { entries, quarantined, unreported: await this.unreported(quarantined) }
  }

  /** Takes over a batch key found at load, so forgetting its records rewrites it. */
  private adopt(key: string, loaded: LoadResult['entries']): void {
    const batch = newBatch(key)
    for (const { record } of loaded) {
      batch.live.set(record.clientMsgNo, record)
      this.homes.set(record.clientMsgNo, batch)
    }
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

  /** Runs `op` once every earlier operation on `key` settled; at once when none is pending (no turn spent). */
  private serial(key: string, op: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(key)
    const started = previous ? previous.then(op, op) : attempt(op)
    const next = started.then(undefined, (error: unknown) => {
      throw isStorageError(error) ? error : new StorageError('STORAGE_FAILED', 'storage operation failed', { key }, error)
    })
    const done = (): void => {
      if (this.chains.get(key) === settled) this.chains.delete(key)
    }
    const settled: Promise<void> = next.then(done, done)
    this.chains.set(key, settled)
    return next
  }
}

function attempt(op: () => Promise<void>): Promise<void> {
  try {
    return op()
  } catch (error) {
    return Promise.reject(error)
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

/** The group of new records in write groups: at most BATCH_RECORDS and about BATCH_BYTES per batch key. */
function split(group: NewRecord[]): NewRecord[][] {
  const parts: NewRecord[][] = []
  let part: NewRecord[] = []
  let bytes = 0
  for (const n of group) {
    const size = n.record.payload.length + n.record.channelId.length + (n.record.topic?.length ?? 0) + 256
    if (part.length > 0 && (part.length >= BATCH_RECORDS || bytes + size > BATCH_BYTES)) {
      parts.push(part)
      part = []
      bytes = 0
    }
    part.push(n)
    bytes += size
  }
  if (part.length > 0) parts.push(part)
  return parts
}

const newBatch = (key: string): Batch => ({ key, live: new Map(), writing: false, due: false, waiters: [], writtenAt: 0, timer: undefined, urgent: false })

function settle(waiters: Waiter[], error: unknown): void {
  for (const w of waiters) {
    if (error === undefined) w.resolve()
    else w.reject(error)
  }
}

/** The saved media files a quarantined value (a record, or a batch of them) still points at. */
export function savedFiles(raw: unknown): string[] {
  const files: string[] = []
  for (const v of batchOf(raw) ?? [raw]) {
    const file = v && typeof v === 'object' ? (v as { media?: { file?: unknown } }).media?.file : undefined
    if (typeof file === 'string') files.push(file)
  }
  return files
}

/** The records of a batch key's value, or undefined when it is not one. */
function batchOf(value: unknown): unknown[] | undefined {
  const list = value && typeof value === 'object' ? (value as { batch?: unknown }).batch : undefined
  return Array.isArray(list) && list.length > 0 ? list : undefined
}

/** A stored value as a record and its message, or undefined when it is not usable. */
function usable(value: unknown, keyId: string | undefined): LoadResult['entries'][number] | undefined {
  const id = keyId ?? (value && typeof value === 'object' ? (value as { clientMsgNo?: unknown }).clientMsgNo : undefined)
  const record = typeof id === 'string' && id !== '' ? parse(value, id) : undefined
  try {
    return record && { record, message: fromStored(record) }
  } catch {
    return undefined
  }
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
