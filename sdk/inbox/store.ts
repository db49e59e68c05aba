/**
 * Where the inbox keeps its state (docs/internals.md, storage layout):
 * - `<prefix>:in:cursors` = `{ v: 1, baseline, channels: [[channelType, channelId, seq], ...] }`
 * - `<prefix>:in:seen` = `{ v: 1, ids: [...], keys: [...] }` (oldest first, bounded by the caller)
 *
 * Writes are coalesced: one in flight at a time, and the next one carries everything that changed
 * meanwhile. A message the app was shown is written without delay (a crash must not show it
 * again); the rest — the client's own acked sends, cursor moves — may wait WRITE_SPACING_MS after
 * the previous write, so a burst of sends costs a few writes a second, not one per few messages
 * (the seen list is tens of KB of JSON). flush() skips the wait; the client flushes on app hide
 * and close, before WeChat may kill a background app. A failed write stays pending for the next
 * change and is reported once per failing streak. Unreadable stored data is reported, ignored and
 * overwritten.
 */
import type { Platform } from '../platform/types'
import type { DiagnosticsSink } from '../diagnostics/types'
import { ImError, StorageError, isImError } from '../errors'

export interface CursorsState {
  /** A catch-up has completed on this storage (see the first-contact policy in inbox.ts). */
  baseline: boolean
  channels: Array<[channelType: number, channelId: string, seq: number]>
}

export interface SeenState {
  ids: string[]
  keys: string[]
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
}

const VERSION = 1
/** Least time from the end of one state write to the start of the next, unless a shown message or flush() is waiting. */
export const WRITE_SPACING_MS = 250
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

function parseCursors(value: unknown): CursorsState | undefined {
  const v = value as { v?: unknown; baseline?: unknown; channels?: unknown }
  if (typeof v !== 'object' || v === null || v.v !== VERSION || !Array.isArray(v.channels)) return undefined
  const valid = v.channels.every(
    (c: unknown) => Array.isArray(c) && c.length === 3 && Number.isInteger(c[0]) && typeof c[1] === 'string' && Number.isInteger(c[2]) && (c[2] as number) >= 0,
  )
  return valid ? { baseline: v.baseline === true, channels: v.channels as CursorsState['channels'] } : undefined
}

function parseSeen(value: unknown): SeenState | undefined {
  const v = value as { v?: unknown; ids?: unknown; keys?: unknown }
  const strings = (a: unknown): a is string[] => Array.isArray(a) && a.every((x) => typeof x === 'string')
  if (typeof v !== 'object' || v === null || v.v !== VERSION || !strings(v.ids) || !strings(v.keys)) return undefined
  return { ids: v.ids, keys: v.keys }
}

export class InboxStore {
  private readonly cursorsKey: string
  private readonly seenKey: string
  private cursorsDirty = false
  private seenDirty = false
  private writing: Promise<void> | null = null
  private failing = false
  /** flush() calls waiting: the write loop does not space its writes while any is. */
  private flushing = 0
  /** A pending change records a message the app was shown: no spacing before its write. */
  private shown = false
  /** When the last write settled (platform clock). */
  private lastWriteAt = -Infinity
  /** Ends the current spacing wait early. */
  private wake: (() => void) | null = null

  constructor(private readonly d: InboxStoreDeps) {
    this.cursorsKey = `${d.prefix}:in:cursors`
    this.seenKey = `${d.prefix}:in:seen`
  }

  /** The stored state; a part that is missing, unreadable or corrupt comes back undefined. */
  async load(): Promise<{ cursors?: CursorsState; seen?: SeenState }> {
    const cursors = await this.read(this.cursorsKey, parseCursors)
    const seen = await this.read(this.seenKey, parseSeen)
    return { ...(cursors && { cursors }), ...(seen && { seen }) }
  }

  cursorsChanged(): void {
    this.cursorsDirty = true
    this.schedule()
  }

  seenChanged(shown = false): void {
    this.seenDirty = true
    if (shown) {
      this.shown = true
      this.wake?.()
    }
    this.schedule()
  }

  /** Writes what is unsaved (a write that failed earlier is tried again); resolves once written or failed. */
  async flush(): Promise<void> {
    this.flushing++
    try {
      if (this.cursorsDirty || this.seenDirty) this.schedule()
      this.wake?.()
      while (this.writing) await this.writing
    } finally {
      this.flushing--
    }
  }

  private schedule(): void {
    if (!this.writing) this.writing = this.writeLoop()
  }

  private async writeLoop(): Promise<void> {
    // Yield once so that the changes of one tick become one write.
    await Promise.resolve()
    while (this.cursorsDirty || this.seenDirty) {
      const wait = this.lastWriteAt + WRITE_SPACING_MS - this.d.platform.now()
      if (wait > 0 && this.flushing === 0 && !this.shown) {
        await this.spacing(wait)
        continue
      }
      const cursors = this.cursorsDirty
      const seen = this.seenDirty
      const shown = this.shown
      this.cursorsDirty = this.seenDirty = this.shown = false
      try {
        if (cursors) await this.d.platform.storage.set(this.cursorsKey, { v: VERSION, ...this.d.cursors() })
        if (seen) await this.d.platform.storage.set(this.seenKey, { v: VERSION, ...this.d.seen() })
        this.failing = false
      } catch (e) {
        this.cursorsDirty ||= cursors
        this.seenDirty ||= seen
        this.shown ||= shown
        this.d.diagnostics.record('storage', 'inbox-write-failed', { error: errorText(e) })
        if (!this.failing) this.d.emitError(isImError(e) ? e : new StorageError('STORAGE_FAILED', 'inbox state could not be saved', {}, e))
        this.failing = true
        break
      } finally {
        this.lastWriteAt = this.d.platform.now()
      }
    }
    this.writing = null
  }

  /** Resolves after `ms`, or sooner when flush() or a shown message calls wake. */
  private spacing(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.wake = null
        resolve()
      }
      const id = this.d.platform.setTimeout(done, ms)
      this.wake = () => {
        this.d.platform.clearTimeout(id)
        done()
      }
    })
  }

  private async read<T>(key: string, parse: (v: unknown) => T | undefined): Promise<T | undefined> {
    let value: unknown
    try {
      value = await this.d.platform.storage.get(key)
    } catch (e) {
      this.d.diagnostics.record('storage', 'inbox-read-failed', { key, error: errorText(e) })
      this.d.emitError(isImError(e) ? e : new StorageError('STORAGE_FAILED', 'inbox state could not be read', { key }, e))
      return undefined
    }
    if (value === undefined) return undefined
    const parsed = parse(value)
    if (parsed === undefined) {
      this.d.diagnostics.record('storage', 'inbox-corrupt', { key })
      this.d.emitError(new StorageError('STORAGE_CORRUPT', 'stored inbox state was unreadable and has been reset', { key }))
      if (key === this.cursorsKey) this.cursorsChanged()
      else this.seenChanged()
    }
    return parsed
  }
}
