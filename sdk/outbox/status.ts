/**
 * The outbox status machine (docs/design.md §3), written down and checked by Outbox.transition():
 * queued → sending → sent; sending → queued (link lost, retryable code, stale key);
 * queued | sending → failed (permanent code, expiry, cancel, invalid); failed → queued (resend());
 * queued → sent: a message that may have been stored before (v2 line) found on the server by the
 * lookup that precedes its re-send.
 */
import type { MessageStatus } from '../types'

export const STATUS_TRANSITIONS: Readonly<Record<MessageStatus, readonly MessageStatus[]>> = {
  queued: ['sending', 'failed', 'sent'],
  sending: ['queued', 'sent', 'failed'],
  failed: ['queued'],
  sent: [],
}

export function canMoveTo(from: MessageStatus, to: MessageStatus): boolean {
  return STATUS_TRANSITIONS[from].indexOf(to) >= 0
}
