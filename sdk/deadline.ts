/**
 * A deadline on app code (issue 15.7): a tokenProvider, wsAddr() or SyncProvider call that never
 * settles must not hold a dial, a gap or a channel's first push for good. The answer is awaited for
 * at most `ms`; after that the call counts as failed with a TIMEOUT error and a late answer is
 * dropped. A synchronous throw fails like a rejection.
 */
import { ClientError } from './errors'
import type { Timers } from './platform/types'

export function withDeadline<T>(timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>, callback: string, ms: number | undefined, call: () => T | Promise<T>): Promise<T> {
  // A synchronous throw in app code becomes a rejection like any other failure.
  const answer = new Promise<T>((resolve) => resolve(call()))
  if (ms === undefined) return answer
  return new Promise<T>((resolve, reject) => {
    const id = timers.setTimeout(() => reject(new ClientError('TIMEOUT', `${callback} did not answer within ${ms} ms`, { callback, timeoutMs: ms })), ms)
    answer.then(
      (value) => (timers.clearTimeout(id), resolve(value)),
      (error: unknown) => (timers.clearTimeout(id), reject(error)),
    )
  })
}
