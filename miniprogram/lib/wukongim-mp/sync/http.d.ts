/**
 * The default SyncProvider: WuKongIM's HTTP API over platform.request (protocol.md §8).
 *
 * - Messages: `POST /channel/messagesync` (both server lines), pull mode "up", always a limit.
 * - Conversations: v2 `POST /conversation/sync` (last_msg_seqs, msg_count ≥ 1); v3 removed it for
 *   `POST /conversation/list` (cursor paging). `serverLine: 'auto'` asks the line that answered
 *   last (v2 first) and, on a 404, the other one; a line counts as detected only once its route
 *   answered, and a 404 from it later makes it ask the other one again. One 404 (a gateway
 *   hiccup, a restart) therefore never pins a line whose catch-up can only fail.
 * - findByClientMsgNo: `POST /message` with login_uid (v2.2; 404 = not found), so person channels
 *   are addressed as the user sees them (`GET /message/byclientmsgno` wants the canonical `a@b` id).
 *   Servers without the route answer 404 too, so "not found" can also mean "cannot tell".
 * - Message objects carry the channel as the *sender* addressed it (observed on a real v2 server),
 *   so results are keyed by the channel that was asked for.
 *
 * HTTP payloads are plaintext base64 (never AES-encrypted). Every failure is an ImError with code
 * SYNC_FAILED carrying the path and status. A malformed item in a message page is left out and
 * counted in `malformed` (the inbox reports it and does not take that page as proof that a seq
 * is gone); only an answer that is not a page at all fails the request.
 */
import type { Platform } from '../platform/types';
import type { SyncProvider } from './types';
export interface HttpSyncOptions {
    /** Base URL of the WuKongIM HTTP API, e.g. `https://im.example.com:5001`. */
    apiAddr: string;
    /** The logged-in user (login_uid / uid in requests). */
    uid: string;
    platform: Platform;
    /** Which server line's conversation API to use. Default 'auto'. */
    serverLine?: 'v2' | 'v3' | 'auto';
    /** Extra headers on every request (e.g. for a gateway in front of the API). */
    headers?: Record<string, string>;
    /** Per-request timeout, ms. Default 10 000. */
    timeoutMs?: number;
}
export declare function createHttpSyncProvider(options: HttpSyncOptions): SyncProvider;
