/**
 * Catch-up (docs/design.md §4): servers never push stored messages on connect, so after every
 * (re)connect, on app show, on `sync()` and by a periodic continuity check the inbox asks the
 * conversation sync which channels have more, then drains each such channel (message sync fills
 * what is missing). Concurrent requests share one run. A conversation sync that fails or misses
 * its deadline is reported and retried with backoff while connected; pushes that waited for it
 * start their channels by the first-contact policy (inbox.ts).
 */
import type { DiagnosticsSink } from '../diagnostics/types'
import { errorText, type ImError } from '../errors'
import type { Platform, TimerId } from '../platform/types'
import type { ConversationState, SyncProvider } from '../sync/types'
import { type Channel, lowestHeld } from './channel'
import { asSyncError } from './gap-fill'

export interface CatchUpDeps {
  platform: Platform
  sync: SyncProvider
  diagnostics: DiagnosticsSink
  emitError(e: ImError): void
  options: { continuityCheckMs: number; gapRetries: number; gapRetryDelayMs: number; gapRetryMaxDelayMs: number; newChannelBacklog: number }
  isClosed(): boolean
  channels(): Channel[]
  channel(channelId: string, channelType: number): Channel
  /** A catch-up has completed on this storage (first-contact policy). */
  baseline(): boolean
  /** Records that one has. */
  setBaseline(): void
  firstContact(ch: Channel, seq: number): void
  /** Runs the channel's drain; resolves when it stops. */
  drain(ch: Channel): Promise<void>
}

export class CatchUp {
  /** Pushes on unknown channels wait while this is true (first-contact policy). */
  conversationSyncInFlight = false
  /** When the last run ended (platform ms) and whether its conversation sync answered. */
  last: { at: number; ok: boolean } | undefined
  private connected = false
  private running: Promise<void> | null = null
  private runAgain = false
  private timer: TimerId | undefined
  private retryTimer: TimerId | undefined
  /** Conversation syncs failed in a row, for the retry's backoff. */
  private failures = 0

  constructor(private readonly deps: CatchUpDeps) {}

  onConnected(): Promise<void> {
    this.connected = true
    this.armContinuityCheck()
    return this.run()
  }

  onDisconnected(): void {
    this.connected = false
    this.disarm()
  }

  /** Runs a catch-up now; concurrent calls share one run (followed by one more when asked meanwhile). */
  run(): Promise<void> {
    if (this.deps.isClosed()) return Promise.resolve()
    this.runAgain = true
    if (this.running) return this.running
    const loop = async (): Promise<void> => {
      try {
        while (this.runAgain && !this.deps.isClosed()) {
          this.runAgain = false
          await this.once()
        }
      } catch (e) {
        this.deps.diagnostics.record('sync', 'catch-up-crashed', { error: errorText(e) })
      } finally {
        this.running = null
      }
    }
    this.running = loop()
    return this.running
  }

  close(): void {
    this.disarm()
    if (this.retryTimer !== undefined) this.deps.platform.clearTimeout(this.retryTimer)
    this.retryTimer = undefined
  }

  private async once(): Promise<void> {
    const cursors = this.deps
      .channels()
      .filter((ch) => ch.cursor !== undefined)
      .map((ch) => ({ channelId: ch.channelId, channelType: ch.channelType, lastSeq: ch.cursor as number }))
    let states: ConversationState[] | undefined
    this.conversationSyncInFlight = true
    try {
      states = await this.deps.sync.syncConversations(cursors)
    } catch (e) {
      this.deps.diagnostics.record('sync', 'conversations-failed', { error: errorText(e) })
      this.deps.emitError(asSyncError(e, { known: cursors.length }))
    } finally {
      this.conversationSyncInFlight = false
    }
    if (this.deps.isClosed()) return
    if (states) {
      this.failures = 0
      this.deps.diagnostics.record('sync', 'conversations', { count: states.length })
      for (const s of states) {
        const ch = this.deps.channel(s.channelId, s.channelType)
        if (ch.cursor === undefined) ch.cursor = this.startingCursor(ch, s.lastSeq)
        ch.wantUpTo = Math.max(ch.wantUpTo, s.lastSeq)
      }
      if (!this.deps.baseline()) this.deps.setBaseline()
    } else {
      this.retryLater()
    }
    for (const ch of this.deps.channels()) {
      // Pushes that waited for the conversation sync on a channel it did not list (or it failed).
      const low = ch.cursor === undefined ? lowestHeld(ch) : undefined
      if (low !== undefined) this.deps.firstContact(ch, low)
    }
    for (const ch of this.deps.channels()) {
      if (this.deps.isClosed()) return
      if (ch.cursor !== undefined && (ch.held.size > 0 || ch.wantUpTo > ch.cursor)) await this.deps.drain(ch)
    }
    this.last = { at: this.deps.platform.now(), ok: states !== undefined }
  }

  /** A conversation sync failed: another catch-up later, backing off like a stalled gap. */
  private retryLater(): void {
    if (this.retryTimer !== undefined || !this.connected) return
    const o = this.deps.options
    const delay = Math.min(o.gapRetryMaxDelayMs, o.gapRetryDelayMs * 2 ** (o.gapRetries + this.failures++))
    this.retryTimer = this.deps.platform.setTimeout(() => {
      this.retryTimer = undefined
      void this.run()
    }, delay)
  }

  private startingCursor(ch: Channel, lastSeq: number): number {
    const start = this.deps.baseline() ? Math.max(0, lastSeq - this.deps.options.newChannelBacklog) : lastSeq
    // Live pushes that waited for this answer are never history.
    const low = lowestHeld(ch)
    return low !== undefined ? Math.min(start, low - 1) : start
  }

  private armContinuityCheck(): void {
    this.disarm()
    if (this.deps.options.continuityCheckMs <= 0 || this.deps.isClosed() || !this.connected) return
    this.timer = this.deps.platform.setTimeout(() => {
      this.timer = undefined
      void this.run().then(() => this.armContinuityCheck())
    }, this.deps.options.continuityCheckMs)
  }

  private disarm(): void {
    if (this.timer !== undefined) this.deps.platform.clearTimeout(this.timer)
    this.timer = undefined
  }
}
