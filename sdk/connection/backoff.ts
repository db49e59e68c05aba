import type { DiagnosticsSink } from '../diagnostics/types'
import { errorText } from '../errors'
import type { Platform } from '../platform/types'

/**
 * Reconnect and retry delays: exponential with full jitter, capped
 * (delay = random × min(maxMs, initialMs × 2^attempt)). Full jitter spreads a crowd of clients
 * that lost the same server at the same moment.
 */
export interface BackoffPolicy {
  initialMs: number
  maxMs: number
}

/** `attempt` counts from 0; `random` is uniform in [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  // Cap the exponent so 2^attempt never overflows into Infinity × 0 = NaN.
  const ceiling = Math.min(policy.maxMs, policy.initialMs * Math.pow(2, Math.min(attempt, 30)))
  return Math.floor(Math.min(Math.max(random, 0), 0.999999) * ceiling)
}

/** A uniform float in [0, 1) from 4 random bytes. */
export function floatFromBytes(bytes: Uint8Array): number {
  const n = (((bytes[0] ?? 0) << 24) >>> 0) + ((bytes[1] ?? 0) << 16) + ((bytes[2] ?? 0) << 8) + (bytes[3] ?? 0)
  return n / 4294967296
}

/**
 * The one jitter source of a client (connection and outbox): the app's `random` while it returns a
 * float in [0, 1), else the platform's random bytes. A generator that throws or returns NaN would
 * otherwise leave a backoff stuck (a rejected wait) or at 0 ms (a reconnect storm); it is noted
 * once in diagnostics.
 */
export function jitterSource(random: (() => number) | undefined, platform: Pick<Platform, 'randomBytes'>, diagnostics: DiagnosticsSink): () => Promise<number> {
  const fromPlatform = async (): Promise<number> => {
    try {
      return floatFromBytes(await platform.randomBytes(4))
    } catch {
      return 0.5
    }
  }
  if (!random) return fromPlatform
  let reported = false
  return async () => {
    let value: unknown
    try {
      value = random()
    } catch (error) {
      value = `threw ${errorText(error)}`
    }
    if (typeof value === 'number' && value >= 0 && value < 1) return value
    if (!reported) diagnostics.record('connection', 'random-invalid', { value: String(value) })
    reported = true
    return fromPlatform()
  }
}
