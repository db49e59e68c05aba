/**
 * De-duplication (docs/design.md §4): by messageId, and by (fromUid, clientMsgNo) within a channel since
 * a v2 server stores a re-sent message again under a new id and seq. Both sets are bounded and
 * persisted (store.ts). Seqs at or below a channel's cursor are dropped by the inbox itself.
 */
import type { InboundMessage } from '../types'
import { BoundedSet } from './bounded-set'
import { keyOf } from './channel'

export interface DedupDeps {
  uid: string
  capacity: number
  /** Whether this install made the clientMsgNo (see InboxDeps.ownSend). */
  ownSend?(clientMsgNo: string): boolean
  /** @internal Test-only: nothing is a duplicate. */
  disabled?: boolean
}

export class Dedup {
  private readonly ids: BoundedSet
  private readonly keys: BoundedSet

  constructor(private readonly deps: DedupDeps) {
    this.ids = new BoundedSet(deps.capacity)
    this.keys = new BoundedSet(deps.capacity)
  }

  isDuplicate(msg: InboundMessage): boolean {
    if (this.deps.disabled) return false
    if (this.ids.has(msg.messageId)) return true
    if (msg.clientMsgNo === '') return false
    if (this.keys.has(pairKey(msg))) return true
    return msg.fromUid === this.deps.uid && this.deps.ownSend?.(msg.clientMsgNo) === true
  }

  /** Seen only by messageId (NoPersist messages have no seq to guard them). */
  hasId(messageId: string): boolean {
    return this.ids.has(messageId)
  }

  remember(msg: InboundMessage): void {
    this.ids.add(msg.messageId)
    if (msg.clientMsgNo !== '') this.keys.add(pairKey(msg))
  }

  /** Oldest first; `extra` (messages about to be shown) is appended. */
  toState(extra: InboundMessage[] = []): { ids: string[]; keys: string[] } {
    const ids = this.ids.toArray()
    const keys = this.keys.toArray()
    for (const m of extra) {
      ids.push(m.messageId)
      if (m.clientMsgNo !== '') keys.push(pairKey(m))
    }
    return { ids, keys }
  }

  restore(state: { ids: string[]; keys: string[] }): void {
    for (const id of state.ids) this.ids.add(id)
    for (const key of state.keys) this.keys.add(key)
  }
}

function pairKey(msg: InboundMessage): string {
  return `${keyOf(msg.channelType, msg.channelId)}\n${msg.fromUid}\n${msg.clientMsgNo}`
}
