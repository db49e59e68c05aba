/**
 * Every call into a SyncProvider gets a deadline (sdk/deadline.ts): an app-supplied provider, or a
 * platform request that never settles, must not hold a channel's first push or a gap forever. The
 * caller retries as after any sync failure.
 */
import type { Timers } from '../platform/types'
import { withDeadline } from '../deadline'
import type { SyncProvider } from './types'

/** Default deadline of one sync call (`inbox.syncDeadlineMs`). */
export const SYNC_DEADLINE_MS = 15_000

export function withDeadlines(sync: SyncProvider, timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>, ms: number): SyncProvider {
  const bound =
    <A, R>(name: string, call: (arg: A) => Promise<R>) =>
    (arg: A): Promise<R> =>
      withDeadline(timers, `sync provider: ${name}`, ms, () => call(arg))
  const out: SyncProvider = {
    syncMessages: bound('syncMessages', (req) => sync.syncMessages(req)),
    syncConversations: bound('syncConversations', (cursors) => sync.syncConversations(cursors)),
  }
  const find = sync.findByClientMsgNo
  if (find) out.findByClientMsgNo = bound('findByClientMsgNo', (req) => find.call(sync, req))
  const findSent = sync.findSent
  if (findSent) out.findSent = bound('findSent', (req) => findSent.call(sync, req))
  const list = sync.listConversations
  if (list) out.listConversations = bound('listConversations', (_: void) => list.call(sync))
  const update = sync.updateConversation
  if (update) out.updateConversation = bound('updateConversation', (op) => update.call(sync, op))
  return out
}
