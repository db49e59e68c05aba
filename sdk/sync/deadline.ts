/**
 * A deadline on every call into a SyncProvider (issue 15.7): an app-supplied provider, or a
 * platform request that never settles, must not hold a channel's first push or a gap forever.
 * A call that misses its deadline rejects with a TIMEOUT ImError; the caller retries as after any
 * sync failure. Its late answer, if one ever comes, is ignored.
 */
import type { Platform } from '../platform/types'
import { ClientError } from '../errors'
import type { SyncProvider } from './types'

export function withDeadlines(sync: SyncProvider, timers: Pick<Platform, 'setTimeout' | 'clearTimeout'>, ms: number): SyncProvider {
  const bound = <A, R>(name: string, call: (arg: A) => Promise<R>) =>
    (arg: A): Promise<R> =>
      new Promise<R>((resolve, reject) => {
        const id = timers.setTimeout(() => reject(new ClientError('TIMEOUT', `sync provider: ${name} did not answer within ${ms} ms`, { call: name, timeoutMs: ms })), ms)
        const settle = (): void => timers.clearTimeout(id)
        // A provider that throws synchronously fails like one that rejects.
        Promise.resolve()
          .then(() => call(arg))
          .then(
            (v) => {
              settle()
              resolve(v)
            },
            (e: unknown) => {
              settle()
              reject(e)
            },
          )
      })
  const out: SyncProvider = {
    syncMessages: bound('syncMessages', (req) => sync.syncMessages(req)),
    syncConversations: bound('syncConversations', (cursors) => sync.syncConversations(cursors)),
  }
  const find = sync.findByClientMsgNo
  if (find) out.findByClientMsgNo = bound('findByClientMsgNo', (req) => find.call(sync, req))
  return out
}
