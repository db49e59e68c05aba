/**
 * Where the inbox keeps its state (docs/internals.md, storage layout):
 * - `<prefix>:in:cursors` = `{ v: 1, baseline, channels: [[channelType, channelId, seq], ...] }`
 * - `<prefix>:in:seen` = `{ v: 1, ids: [...], keys: [...], baseline?, channels? }`: the de-dup
 *   sets (oldest first, bounded by the caller) and a second copy of the cursors, which may run
 *   ahead of the first: a catch-up page is claimed in one write of this record before it is
 *   shown (see inbox.ts, "Kills"). A channel's cursor is the higher of the two copies.
 *
 * Writes are coalesced: one in flight at a time, and each carries everything that changed
 * meanwhile. Each key is written at most once per WRITE_SPACING_MS, except when the change must
 * not wait: a message the app was shown moves its channel's cursor, and that small cursor record
 * is written at once (a crash must not show the message again: catch-up starts after the cursor,
 * and a push at or below it is dropped). The seen list — tens of KB of JSON, needed for messages
 * without a seq and for echoes of the client's own sends — follows within the spacing, so a burst
 * of deliveries or acks costs a few writes a second, not one per few messages. flush() skips the
 * spacing; the client flushes on app hide and close, before WeChat may kill a background app, and
 * while the app stays hidden every change is written at once (a message can still come in then,
 * and a kill finding the seen record behind the cursors would show it again should the cursors
 * record turn out unreadable at the next launch). A lazy change (the note of our own SENDACK)
 * waits for the key's next write or a flush; while hidden it too is written at once. A
 * failed write stays pending for the next change and is reported once per failing streak.
 *
 * Unreadable is not empty (issue 15.2). A read that fails is tried again; a key that still cannot
 * be read is never written over: before its next write it is read again and what it holds is
 * merged in (`merge`), and until that works only the other key is written. A value that reads
 * but is not a valid state is kept aside under `<key>:corrupt` before it is replaced. `load()`
 * says when a key could not be used, and the inbox then catches up conservatively instead of
 * starting as a fresh install.
 */
import type { Platform } from '../platform/types'
import type { DiagnosticsSink } from '../diagnostics/types'
import { ImError, StorageError, errorText, isImError } from '../errors'

export type CursorList = Array<[channelType: number, channelId: string, seq: number]>

export interface CursorsState {
  /** A catch-up has completed on this storage (see the first-contact policy in inbox.ts). */
  baseline: boolean
  channels: CursorList
}

export interface SeenState {
  ids: string[]
  keys: string[]
  /** The second copy of the cursors (absent in records written before it existed). */
  cursors?: CursorsState
}

export interface LoadedState {
  cursors?: CursorsState
  seen?: SeenState
  /** A key held something that could not be read or used: this is not a fresh install. */
  unreadable: boolean
}

export interface InboxStoreDeps {
  platform: Platform
  /** `wkmp:<uid>` */
  prefix: string
  diagnostics: DiagnosticsSink
  emitError(e: ImError): void
  /** The current state, read when a write goes out. */
  cursors(): CursorsState
  seen(): SeenState
  /** What a key that could not be read at load held, once it could be read. */
  merge(state: { cursors?: CursorsState; seen?: SeenState }): void
  /** @internal Test-only: the old rule, an unreadable key counts as empty and is overwritten (issue 15.2). */
  unreadableIsEmpty?: boolean
}

const VERSION = 1
/** Least time from one write of a key to the next, unless the change is urgent or flush() is waiting. */
export const WRITE_SPACING_MS = 250
/** Reads of a key at load before it counts as unreadable. */
const READ_ATTEMPTS = 3

const isSeq = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0

function parseChannels(list: unknown): CursorList | undefined {
  if (!Array.isArray(list)) return undefined
  const valid = list.every((c: unknown) => Array.isArray(c) && c.length === 3 && Number.isInteger(c[0]) && typeof c[1] === 'string' && isSeq(c[2]))
  return valid ? (list as CursorList) : undefined
}

function parseCursors(value: unknown): CursorsState | undefined {
  const v = value as { v?: unknown; baseline?: unknown; channels?: unknown }
  if (typeof v !== 'object' || v === null || v.v !== VERSION) return undefined
  const channels = parseChannels(v.channels)
  return channels ? { baseline: v.baseline === true, channels } : undefined
}

function parseSeen(value: unknown): SeenState | undefined {
  const v = value as { v?: unknown; ids?: unknown; keys?: unknown; baseline?: unknown; channels?: unknown }
  const strings = (a: unknown): a is string[] => Array.isArray(a) && a.every((x) => typeof x === 'string')
  if (typeof v !== 'object' || v === null || v.v !== VERSION || !strings(v.ids) || !strings(v.keys)) return undefined
  const out: SeenState = { ids: v.ids, keys: v.keys }
  if (v.channels === undefined) return out
  const channels = parseChannels(v.channels)
  if (!channels) return undefined
  out.cursors = { baseline: v.baseline === true, channels }
  return out
}

/** One stored record and its write state. */
interface Part {
  key: string
  value(): object
  parse(v: unknown): object | undefined
  dirty: boolean
  /** Write without waiting for the spacing. */
  urgent: boolean
  /** Changed, but not worth a write of its own: goes with the key's next write, a flush, or at once while hidden. */
  stale: boolean
  /** When its last write settled (platform clock). */
  writtenAt: number
  /** Could not be read: not written until a read works (its content is merged first). */
  unread: boolean
  /** commit() calls waiting for its next write. */
  commits: Array<(ok: boolean) => void>
}

/** How soon a change must reach storage (see cursorsChanged). */
export type Change = 'urgent' | 'spaced' | 'lazy'

type ReadResult<T> = { ok: true; value: T | undefined } | { ok: false; failed: boolean }

export class InboxStore {
  private readonly cursors: Part
  private readonly seen: Part
  private writing: Promise<void> | null = null
  private failing = false
  /** flush() calls waiting: nothing waits for the spacing while any is. */
  private flushing = 0
  /** The app is in the background, where WeChat may kill it at any moment: nothing waits for the spacing. */
  private hidden = false
  private readonly unsubscribe: Array<() => void>
  /** Ends the current spacing wait early. */
  private wake: (() => void) | null = null

  constructor(private readonly deps: InboxStoreDeps) {
    const part = (key: string, value: () => object, parse: (v: unknown) => object | undefined): Part => ({ key, value, parse, dirty: false, urgent: false, stale: false, writtenAt: -Infinity, unread: false, commits: [] })
    this.cursors = part(`${deps.prefix}:in:cursors`, () => deps.cursors(), parseCursors)
    this.seen = part(
      `${deps.prefix}:in:seen`,
      () => {
        const { ids, keys, cursors } = deps.seen()
        return { ids, keys, ...(cursors && { baseline: cursors.baseline, channels: cursors.channels }) }
      },
      parseSeen,
    )
    const { lifecycle } = deps.platform
    this.unsubscribe = [lifecycle.onHide(() => void (this.hidden = true)), lifecycle.onShow(() => void (this.hidden = false))]
  }

  /** Stops following the app's lifecycle (what is pending is still written by flush()). */
  close(): void {
    for (const off of this.unsubscribe.splice(0)) off()
  }

  /** The stored state; a part that is missing or unusable comes back undefined (see `unreadable`). */
  async load(): Promise<LoadedState> {
    const cursors = await this.load1(this.cursors)
    const seen = await this.load1(this.seen)
    if (this.deps.unreadableIsEmpty && !(cursors.ok && seen.ok)) {
      // The old defect whole: one unreadable part makes a fresh install (the other copy of the cursors unused).
      this.changed(this.cursors, 'spaced')
      this.changed(this.seen, 'spaced')
      return { unreadable: false }
    }
    const out: LoadedState = { unreadable: !cursors.ok || !seen.ok }
    if (cursors.ok && cursors.value) out.cursors = cursors.value as CursorsState
    if (seen.ok && seen.value) out.seen = seen.value as SeenState
    return out
  }

  /**
   * `urgent`: a message the app was shown depends on it; written without waiting for the spacing.
   * `lazy`: nothing is lost if a kill comes first (the inbox's note of its own SENDACK); it goes
   * with the next write of the key, or at flush (app hide, close), never in a write of its own.
   */
  cursorsChanged(how: Change = 'spaced'): void {
    this.changed(this.cursors, how)
  }

  seenChanged(how: Change = 'spaced'): void {
    this.changed(this.seen, how)
  }

  /** Writes a record now; true once a write of it begun after this call succeeded. */
  commit(record: 'cursors' | 'seen'): Promise<boolean> {
    const part = record === 'cursors' ? this.cursors : this.seen
    return new Promise((resolve) => {
      part.commits.push(resolve)
      this.changed(part, 'urgent')
    })
  }

  /** Writes what is unsaved (a write that failed earlier is tried again); resolves once written or failed. */
  async flush(): Promise<void> {
    this.flushing++
    try {
      for (const p of [this.cursors, this.seen]) if (p.stale) p.dirty = true
      if (this.cursors.dirty || this.seen.dirty) this.schedule()
      this.wake?.()
      while (this.writing) await this.writing
    } finally {
      this.flushing--
    }
  }

  private changed(part: Part, how: Change): void {
    if (how === 'lazy' && !this.hidden) return void (part.stale = true)
    part.dirty = true
    if (how === 'urgent' || this.hidden) {
      part.urgent = true
      this.wake?.()
    }
    this.schedule()
  }

  private schedule(): void {
    if (!this.writing) this.writing = this.writeLoop()
  }

  private async writeLoop(): Promise<void> {
    // Yield once so that the changes of one tick become one write.
    await Promise.resolve()
    const parts = [this.cursors, this.seen]
    // Keys still unreadable wait for the next change or flush, never in a loop.
    const blocked = new Set<Part>()
    const pending = (): Part[] => parts.filter((p) => p.dirty && !blocked.has(p))
    while (pending().length > 0) {
      const now = this.deps.platform.now()
      const due = pending().filter((p) => this.flushing > 0 || p.urgent || now >= p.writtenAt + WRITE_SPACING_MS)
      if (due.length === 0) {
        await this.spacing(Math.min(...pending().map((p) => p.writtenAt + WRITE_SPACING_MS)) - now)
        continue
      }
      const urgent = due.map((p) => p.urgent)
      for (const p of due) p.dirty = p.urgent = p.stale = false
      let failed: unknown
      for (const [i, p] of due.entries()) {
        const served = p.commits.splice(0)
        try {
          if (p.unread && !(await this.reread(p))) {
            blocked.add(p)
            p.dirty = true
            p.urgent ||= urgent[i] as boolean
            served.forEach((done) => done(false))
            continue
          }
          await this.deps.platform.storage.set(p.key, { v: VERSION, ...p.value() })
          p.writtenAt = this.deps.platform.now()
          served.forEach((done) => done(true))
        } catch (e) {
          served.forEach((done) => done(false))
          failed = e
          due.forEach((q, j) => {
            if (j < i) return
            q.dirty = true
            q.urgent ||= urgent[j] as boolean
          })
          break
        }
      }
      if (failed === undefined) {
        this.failing = false
        continue
      }
      this.deps.diagnostics.record('storage', 'inbox-write-failed', { error: errorText(failed) })
      if (!this.failing) this.deps.emitError(isImError(failed) ? failed : new StorageError('STORAGE_FAILED', 'inbox state could not be saved', {}, failed))
      this.failing = true
      break
    }
    for (const p of parts) for (const done of p.commits.splice(0)) done(false)
    this.writing = null
  }

  /** Resolves after `ms`, or sooner when flush() or an urgent change calls wake. */
  private spacing(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.wake = null
        resolve()
      }
      const id = this.deps.platform.setTimeout(done, ms)
      this.wake = () => {
        this.deps.platform.clearTimeout(id)
        done()
      }
    })
  }

  /** Loads one key: tried READ_ATTEMPTS times; garbage is kept aside and replaced. */
  private async load1(part: Part): Promise<ReadResult<object>> {
    let r: ReadResult<object> = { ok: false, failed: true }
    for (let i = 0; i < (this.deps.unreadableIsEmpty ? 1 : READ_ATTEMPTS); i++) {
      r = await this.read(part)
      if (r.ok || !r.failed) break
    }
    if (r.ok || this.deps.unreadableIsEmpty) return r
    if (r.failed) {
      part.unread = true
      this.deps.emitError(new StorageError('STORAGE_FAILED', 'inbox state could not be read; it is kept and caught up from the server', { key: part.key }))
    } else {
      this.deps.emitError(new StorageError('STORAGE_CORRUPT', 'stored inbox state was unreadable; it is kept aside and caught up from the server', { key: part.key }))
      // Replaced by the next write, not now: the inbox is still loading, and a write now would store
      // the state before its load (no baseline), read as a fresh install at the next launch (chaos
      // seed 155). Until then the garbage reads as unreadable again, which is safe.
      part.dirty = true
    }
    return r
  }

  /** Before writing over a key that could not be read: read it again and merge what it holds. */
  private async reread(part: Part): Promise<boolean> {
    const r = await this.read(part)
    if (!r.ok && r.failed) return false
    part.unread = false
    if (r.ok && r.value) this.deps.merge(part === this.cursors ? { cursors: r.value as CursorsState } : { seen: r.value as SeenState })
    return true
  }

  private async read(part: Part): Promise<ReadResult<object>> {
    let value: unknown
    try {
      value = await this.deps.platform.storage.get(part.key)
    } catch (e) {
      this.deps.diagnostics.record('storage', 'inbox-read-failed', { key: part.key, error: errorText(e) })
      return { ok: false, failed: true }
    }
    if (value === undefined) return { ok: true, value: undefined }
    const parsed = part.parse(value)
    if (parsed !== undefined) return { ok: true, value: parsed }
    this.deps.diagnostics.record('storage', 'inbox-corrupt', { key: part.key })
    if (!this.deps.unreadableIsEmpty) {
      // Kept aside (best effort) so what was there can still be looked at; the key is then replaced.
      await this.deps.platform.storage.set(`${part.key}:corrupt`, { v: VERSION, raw: value }).catch(() => undefined)
    }
    return { ok: false, failed: false }
  }
}
