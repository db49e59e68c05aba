/**
 * The outbox status machine (DESIGN.md §3), written down and checked by Outbox.transition():
 * queued → sending → sent; sending → queued (link lost, retryable code, stale key);
 * queued | sending → failed (permanent code, expiry, cancel); failed → queued (resend()).
 */
import type { MessageStatus } from '../types';
export declare const STATUS_TRANSITIONS: Readonly<Record<MessageStatus, readonly MessageStatus[]>>;
export declare function canMoveTo(from: MessageStatus, to: MessageStatus): boolean;
