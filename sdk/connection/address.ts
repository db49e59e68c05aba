/**
 * Where the connection dials: the app's `wsAddr`, a fixed URL or a function asked before every
 * dial. (Without one, the client asks the route lookup in sync/http.ts instead.)
 */
import { withDeadline } from '../deadline'
import { InvalidArgumentError } from '../errors'
import type { Timers } from '../platform/types'

/** A ws:// or wss:// URL (also what a wsAddr function must answer at dial time). */
export const isWsUrl = (v: unknown): v is string => typeof v === 'string' && /^wss?:\/\/[^/\s]/.test(v)

/**
 * The connection's `address()` for a given wsAddr: a function gets `timeoutMs` to answer (none
 * when undefined, the test-only switch) and must answer a ws:// or wss:// URL.
 */
export function appAddress(
  wsAddr: string | (() => string | Promise<string>),
  timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>,
  timeoutMs: number | undefined,
): () => Promise<string> {
  if (typeof wsAddr === 'string') return () => Promise.resolve(wsAddr)
  return async () => {
    const addr = await withDeadline(timers, 'wsAddr', timeoutMs, wsAddr)
    if (!isWsUrl(addr)) throw new InvalidArgumentError('wsAddr() must return a ws:// or wss:// URL', { option: 'wsAddr' })
    return addr
  }
}
