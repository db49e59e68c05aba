/**
 * Gap filling: pulls a missing range [start, end) of one channel over the sync API into the
 * channel's held messages, and decides when a range may be given up.
 *
 * A range is given up (reported unfillable, the cursor stepped over it) only on proof: the server
 * answered, and the last answer of the round (after `gapRetries` backed-off retries) held a seq
 * above `start` but not `start`, with no malformed item. One such answer is not proof at the first
 * look (WuKongIM v1.2.6 stores pipelined sends of a channel concurrently, so a lower seq can show
 * up after a higher one), and an answer that ends before `start` proves nothing: a v3 cluster's
 * sync API can lack a channel's newest messages for a while. Such an answer makes the next request
 * reach up to a seq the server is known to have (the lowest held one), so that it can prove.
 *
 * Without proof (the sync API failed, timed out, answered garbage or too little) the gap stays
 * open: the channel's later messages stay held, in order, a round is retried with backoff doubling
 * up to `gapRetryMaxDelayMs` while something waits, every catch-up (continuity check, `sync()`,
 * reconnect, app show) tries again, and diagnose() shows the stall.
 */
import type { DiagnosticsSink } from '../diagnostics/types'
import type { Platform } from '../platform/types'
import type { SyncProvider } from '../sync/types'
import { ClientError, type ImError, errorText, isImError } from '../errors'
import { type Channel, lowestHeld } from './channel'

export interface GapFillOptions {
  syncPageLimit: number
  gapRetries: number
  gapRetryDelayMs: number
  gapRetryMaxDelayMs: number
}

export interface GapFillDeps {
  platform: Platform
  sync: SyncProvider
  diagnostics: DiagnosticsSink
  emitError(e: ImError): void
  options: GapFillOptions
  isClosed(): boolean
  /** A platform-timer delay that close() cuts short. */
  sleep(ms: number): Promise<void>
  /** Steps the cursor over [from, to], reporting it unfillable. */
  skip(ch: Channel, from: number, to: number): void
  /** Runs the channel's drain again. */
  retry(ch: Channel): void
  /** @internal Test-only: the old rule, a gap given up after its retries even without an answer (issue 15.1). */
  giveUpOnError?: boolean
}

export function asSyncError(e: unknown, context: Record<string, unknown>): ImError {
  return isImError(e) ? e : new ClientError('SYNC_FAILED', `sync failed: ${errorText(e)}`, context, e)
}

export class GapFiller {
  /** Sync answers with malformed items, and failed or timed-out requests, for diagnose(). */
  readonly faults = { failed: 0, malformed: 0, lastError: undefined as string | undefined }

  constructor(private readonly deps: GapFillDeps) {}

  /**
   * Pulls [start, end) into `held`. Returns true when the drain can go on (the next seq is held, or
   * a range was given up on proof), false to stop for now (the gap stays open).
   */
  async fill(ch: Channel, start: number, end: number): Promise<boolean> {
    const o = this.deps.options
    const where = { channelId: ch.channelId, channelType: ch.channelType, startSeq: start }
    // Reach up to a seq the server is known to have (the lowest held one), so an answer can prove.
    const probe = (): number => Math.max(end, (lowestHeld(ch) ?? ch.wantUpTo) + 1)
    let reqEnd = ch.stall?.fromSeq === start ? probe() : end
    let answered = false
    let proof = false
    let failure: unknown
    // A push may have brought it, or the cursor moved, while we waited.
    const moved = (): boolean => ch.held.has(start) || ch.cursor === undefined || ch.cursor + 1 !== start
    for (let attempt = 0; attempt <= o.gapRetries; attempt++) {
      if (attempt > 0) await this.deps.sleep(o.gapRetryDelayMs * 2 ** (attempt - 1))
      if (this.deps.isClosed()) return false
      if (moved()) return true
      let page
      try {
        page = await this.deps.sync.syncMessages({ channelId: ch.channelId, channelType: ch.channelType, startSeq: start, endSeq: reqEnd, limit: o.syncPageLimit })
      } catch (e) {
        failure = e
        proof = false
        this.faults.failed++
        this.faults.lastError = errorText(e)
        this.deps.diagnostics.record('sync', 'messages-failed', { ...where, endSeq: reqEnd, attempt, error: errorText(e) })
        continue
      }
      failure = undefined
      answered = true
      if (this.deps.isClosed()) return false
      if (moved()) return true
      const malformed = page.malformed ?? 0
      for (const m of page.messages) {
        if (m.messageSeq < start || m.messageSeq >= reqEnd) continue
        if (!ch.held.has(m.messageSeq)) ch.held.set(m.messageSeq, { msg: { ...m, source: 'sync' }, acks: [] })
      }
      this.deps.diagnostics.record('sync', 'messages', { ...where, endSeq: reqEnd, count: page.messages.length, ...(malformed > 0 && { malformed }) })
      if (malformed > 0) {
        this.faults.malformed += malformed
        this.faults.lastError = `${malformed} malformed message(s) left out of a sync page`
        this.deps.diagnostics.record('sync', 'messages-malformed', { ...where, count: malformed })
      }
      if (ch.held.has(start)) return true
      proof = malformed === 0 && page.messages.some((m) => m.messageSeq > start && m.messageSeq < reqEnd)
      if (!proof) reqEnd = Math.max(reqEnd, probe())
    }
    if (this.deps.isClosed() || moved()) return !this.deps.isClosed()
    const giveUp = this.deps.giveUpOnError ? answered || ch.held.size > 0 : proof
    if (giveUp) {
      this.deps.skip(ch, start, (lowestHeld(ch) ?? end) - 1)
      return true
    }
    this.stall(ch, start, failure, where)
    return false
  }

  /** The cursor moved: whatever stalled there is over. */
  resolved(ch: Channel): void {
    if (!ch.stall) return
    if (ch.stall.retry !== undefined) this.deps.platform.clearTimeout(ch.stall.retry)
    this.deps.diagnostics.record('receive', 'gap-resumed', { channelId: ch.channelId, channelType: ch.channelType, fromSeq: ch.stall.fromSeq, stalledMs: this.deps.platform.now() - ch.stall.since })
    ch.stall = undefined
  }

  /** Clears a pending retry (close()). */
  cancel(ch: Channel): void {
    if (ch.stall?.retry !== undefined) this.deps.platform.clearTimeout(ch.stall.retry)
    if (ch.stall) ch.stall.retry = undefined
  }

  private stall(ch: Channel, start: number, failure: unknown, where: Record<string, unknown>): void {
    const o = this.deps.options
    const lastError = failure === undefined ? 'no answer proved the range gone' : errorText(failure)
    if (!ch.stall || ch.stall.fromSeq !== start) {
      this.resolved(ch)
      ch.stall = { fromSeq: start, since: this.deps.platform.now(), rounds: 0, lastError, retry: undefined }
      this.deps.diagnostics.record('receive', 'gap-stalled', { ...where, error: lastError })
      if (failure !== undefined) this.deps.emitError(asSyncError(failure, where))
    }
    const s = ch.stall
    s.rounds++
    s.lastError = lastError
    // Only what waits needs the timer; a gap with nothing held behind it is retried by the next catch-up.
    if (ch.held.size === 0 || s.retry !== undefined) return
    const delay = Math.min(o.gapRetryMaxDelayMs, o.gapRetryDelayMs * 2 ** (o.gapRetries + s.rounds - 1))
    s.retry = this.deps.platform.setTimeout(() => {
      s.retry = undefined
      this.deps.retry(ch)
    }, delay)
  }
}
