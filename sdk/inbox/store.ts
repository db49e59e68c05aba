/**
 * Where the inbox keeps its state (docs/internals.md, storage layout):
 * - `<prefix>:in:cursors` = `{ v: 1, baseline, channels: [[channelType, channelId, seq], ...] }`
 * - `<prefix>:in:seen` = `{ v: 1, ids: [...], keys: [...] }` (oldest first, bounded by the caller)
 *
 * Writes are coalesced: one in flight at a time, and each carries everything that changed
 * meanwhile. Each key is written at most once per WRITE_SPACING_MS, except when the change must
 * not wait: a message the app was shown moves its channel's cursor, and that small cursor record
 * is written at once (a crash must not show the message again: catch-up starts after the cursor,
 * and a push at or below it is dropped). The seen list — tens of KB of JSON, needed for messages
 * without a seq and for echoes of the client's own sends — follows within the spacing, so a burst
 * of deliveries or acks costs a few writes a second, not one per few messages. flush() skips the
 * spacing; the client flushes on app hide and close, before WeChat may kill a background app. A
 * failed write stays pending for the next change and is reported once per failing streak.
 * Unreadable stored data is reported, ignored and overwritten.
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
/** Least time from one write of a key to the next, unless the change is urgent or flush() is waiting. */
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

/** One stored record and its write state. */
interface Part {
  key: string
  value(): object
  dirty: boolean
  /** Write without waiting for the spacing. */
  urgent: boolean
  /** When its last write settled (platform clock). */
  writtenAt: number
}

export class InboxStore {
  private readonly cursors: Part
  private readonly seen: Part
  private writing: Promise<void> | null = null
  private failing = false
  /** flush() calls waiting: nothing waits for the spacing while any is. */
  private flushing = 0
  /** Ends the current spacing wait early. */
  private wake: (() => void) | null = null

  constructor(private readonly d: InboxStoreDeps) {
    const part = (key: string, value: () => object): Part => ({ key, value, dirty: false, urgent: false, writtenAt: -Infinity })
    this.cursors = part(`${d.prefix}:in:cursors`, () => d.cursors())
    this.seen = part(`${d.prefix}:in:seen`, () => d.seen())
  }

  /** The stored state; a part that is missing, unreadable or corrupt comes back undefined. */
  async load(): Promise<{ cursors?: CursorsState; seen?: SeenState }> {
    const cursors = await this.read(this.cursors, parseCursors)
    const seen = await this.read(this.seen, parseSeen)
    return { ...(cursors && { cursors }), ...(seen && { seen }) }
  }

  /** `urgent`: a message the app was shown depends on it; written without waiting for the spacing. */
  cursorsChanged(urgent = false): void {
    this.changed(this.cursors, urgent)
  }

  seenChanged(urgent = false): void {
    this.changed(this.seen, urgent)
  }

  /** Writes what is unsaved (a write that failed earlier is tried again); resolves once written or failed. */
  async flush(): Promise<void> {
    this.flushing++
    try {
      if (this.cursors.dirty || this.seen.dirty) this.schedule()
      this.wake?.()
      while (this.writing) await this.writing
    } finally {
      this.flushing--
    }
  }

  private changed(part: Part, urgent: boolean): void {
    part.dirty = true
    if (urgent) {
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
    while (parts.some((p) => p.dirty)) {
      const now = this.d.platform.now()
      const due = parts.filter((p) => p.dirty && (this.flushing > 0 || p.urgent || now >= p.writtenAt + WRITE_SPACING_MS))
      if (due.length === 0) {
        await this.spacing(Math.min(...parts.filter((p) => p.dirty).map((p) => p.writtenAt + WRITE_SPACING_MS)) - now)
        continue
      }
      const urgent = due.map((p) => p.urgent)
      for (const p of due) p.dirty = p.urgent = false
      try {
        for (const p of due) {
          await this.d.platform.storage.set(p.key, { v: VERSION, ...p.value() })
          p.writtenAt = this.d.platform.now()
        }
        this.failing = false
      } catch (e) {
        due.forEach((p, i) => {
          p.dirty = true
          p.urgent ||= urgent[i] as boolean
        })
        this.d.diagnostics.record('storage', 'inbox-write-failed', { error: errorText(e) })
        if (!this.failing) this.d.emitError(isImError(e) ? e : new StorageError('STORAGE_FAILED', 'inbox state could not be saved', {}, e))
        this.failing = true
        break
      }
    }
    this.writing = null
  }

  /** Resolves after `ms`, or sooner when flush() or an urgent change calls wake. */
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

  private async read<T>(part: Part, parse: (v: unknown) => T | undefined): Promise<T | undefined> {
    const key = part.key
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
      this.changed(part, false)
    }
    return parsed
  }
}
