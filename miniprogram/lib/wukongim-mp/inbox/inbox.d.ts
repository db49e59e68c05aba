/**
 * The receive side (DESIGN.md §4): RECV → verify/decrypt → de-duplicate → order → deliver →
 * RECVACK; per-channel cursors; gap detection and filling; offline catch-up. This file orders
 * and delivers; de-duplication is in dedup.ts, gap filling in gap-fill.ts, catch-up in
 * catch-up.ts, stored state in store.ts, the per-channel state in channel.ts.
 *
 * Per channel the inbox keeps a *cursor*: the highest seq delivered (or deliberately skipped) with
 * no hole below it. Messages above cursor + 1 are held until the hole is filled over the sync API,
 * so the app sees each channel strictly in seq order, each message once. A hole the sync API
 * cannot fill yet keeps the channel's later messages held (see gap-fill.ts for when one is given up).
 *
 * Where a channel starts (the first-contact policy):
 * - A RECV on a channel the inbox has never seen, before any catch-up completed on this storage,
 *   starts the channel there: seq 57 means 1..56 are history, not a gap. After one completed, the
 *   channel is new since this device started watching: its earlier messages (at most
 *   `newChannelBacklog`) are pulled first, like a channel first learned from conversation sync.
 *   While a catch-up's conversation sync is in flight such RECVs wait for it (at most
 *   `syncDeadlineMs`), so a live message cannot hide messages that arrived while offline.
 * - A channel first learned from conversation sync: on a fresh install (no catch-up has ever
 *   completed on this storage) everything already there is history; afterwards the channel is new
 *   since this device started watching, so its newest `newChannelBacklog` messages are pulled.
 * - Stored state that could not be read is not a fresh install: the inbox then acts as if a
 *   catch-up had completed, so channels it no longer has a cursor for are pulled (up to
 *   `newChannelBacklog`) rather than started at the server's last seq.
 *
 * Persistence (store.ts): the cursors, and recent messageIds and (fromUid, clientMsgNo) pairs,
 * both bounded. A message is remembered and its cursor advanced after its handler settled, so a
 * crash re-delivers the message whose handler was running, never loses one.
 *
 * Kills during a catch-up: a run of MIN_CLAIMED_RUN (8) or more held messages (a sync page) is
 * claimed before it is shown: one write of the seen record carries its ids and the cursor at its end. Its messages then
 * go to the app one by one as usual; while the app's handlers settle within a few microtasks (a
 * `setData`-style handler) the whole run is shown before any timer or I/O callback can run, so a
 * kill lands either before the claim reached storage (nothing of the run was shown) or after the
 * run. After a relaunch at most the message shown singly before a run, or a shorter run (under
 * 8 messages, not worth the write of tens of KB), is shown again. A handler
 * that turns out slow inside a run withdraws the rest of the claim (written again at once) and
 * the run goes on one message at a time, each after the previous handler settled, as before.
 */
import type { InboundMessage, GapEvent } from '../types';
import type { Platform } from '../platform/types';
import type { SyncProvider } from '../sync/types';
import type { DiagnosticsSink } from '../diagnostics/types';
import type { RecvPacket, RecvackPacket } from '../proto/packets';
import type { SessionCrypto } from '../proto/crypto';
import { ImError } from '../errors';
export interface InboxOptions {
    /** Period of the continuity check (a catch-up) while connected, ms. Default 60 000; 0 = off. */
    continuityCheckMs?: number;
    /** Pushed messages held per channel while a gap is filled; beyond it the newest are dropped and pulled later. Default 500. */
    maxHeldPerChannel?: number;
    /** `limit` of each message sync request. Default 100. */
    syncPageLimit?: number;
    /** Retries of a gap-fill round before the gap is given up (only on proof, see gap-fill.ts) or left open and retried later. Default 3. */
    gapRetries?: number;
    /** Delay before the first gap-fill retry, doubled on each further one, ms. Default 1 000. */
    gapRetryDelayMs?: number;
    /** Longest delay between retries of a gap the sync API could not fill yet, ms. Default 60 000. */
    gapRetryMaxDelayMs?: number;
    /** Deadline of every call into the sync provider (the app's own or the HTTP one), ms. Default 15 000. */
    syncDeadlineMs?: number;
    /** Remembered messageIds, and separately (fromUid, clientMsgNo) pairs, for de-duplication. Default 1 000 each. */
    dedupCapacity?: number;
    /** Channels whose cursor is kept (least recently active forgotten first). Default 2 000. */
    maxChannels?: number;
    /** Newest messages pulled from a channel first seen in conversation sync. Default 1 000. */
    newChannelBacklog?: number;
}
export interface InboxDeps {
    uid: string;
    platform: Platform;
    /** `wkmp:<uid>`; the inbox owns `<prefix>:in:*`. */
    storagePrefix: string;
    sync: SyncProvider;
    diagnostics: DiagnosticsSink;
    /** Runs the app's handlers; resolves when they settle; never rejects. */
    deliver(msg: InboundMessage): Promise<void>;
    /** Written on the current connection if any, else dropped. */
    sendRecvack(ack: RecvackPacket): void;
    emitGap(e: GapEvent): void;
    emitError(e: ImError): void;
    options?: InboxOptions;
    /**
     * Whether this install made the clientMsgNo (it ends with this install's tag). A copy of the
     * user's message with such a clientMsgNo is this device's own send coming back, not an incoming
     * message: a v2 server stores a re-sent SEND twice, and a catch-up
     * can meet a copy whose SENDACK never arrived, even after a restart. The same user's other
     * devices tag their clientMsgNos differently and are delivered as usual.
     */
    ownSend?(clientMsgNo: string): boolean;
}
/** What the outbox learnt from a SENDACK: this device's own message, which the server never pushes back to it. */
export interface SentMessage {
    channelId: string;
    channelType: number;
    messageId: string;
    messageSeq: number;
    clientMsgNo: string;
}
/** The receive side at a glance, for diagnose(). */
export interface InboxSnapshot {
    /** Channels with a cursor. */
    channels: number;
    /** Messages held behind a gap, over all channels. */
    held: number;
    /** Messages whose handlers have not settled yet. */
    delivering: number;
    /** Gap events so far, by outcome. */
    gaps: Record<GapEvent['outcome'], number>;
    /** The last catch-up: when it ended (platform ms) and whether its conversation sync answered. */
    lastCatchUp?: {
        at: number;
        ok: boolean;
    };
    /** Gaps kept open because the sync API could not fill them yet (failed, timed out, proved nothing). */
    stalled: Array<{
        channelId: string;
        channelType: number;
        fromSeq: number;
        since: number;
        rounds: number;
        lastError: string;
    }>;
    /** Sync requests that failed or timed out, and malformed items left out of sync pages, so far. */
    syncFaults: {
        failed: number;
        malformed: number;
        lastError?: string;
    };
    /** The stored state could not be read at start; the inbox caught up conservatively. */
    unreadableState: boolean;
}
export declare class Inbox {
    private readonly d;
    private readonly opt;
    private readonly sync;
    private readonly channels;
    private readonly dedup;
    private readonly gaps;
    /** Messages handed to the app whose handlers have not settled yet, by messageId. */
    private readonly inflight;
    private readonly store;
    /** A catch-up has completed on this storage at least once (first-contact policy). */
    private baseline;
    private unreadableState;
    private closed;
    private readonly sleepers;
    private readonly catchUps;
    private readonly gapCounts;
    /** The app's last handler settled within a few microtasks: runs may be claimed (see "Kills"). */
    private quick;
    /** Runs claimed in storage whose handlers have not all settled: messages, and cursor per channel key. */
    private readonly claimed;
    constructor(deps: InboxDeps);
    /** Restores persisted cursors and de-duplication state. Unreadable data is reported, kept, and caught up from the server. */
    load(): Promise<void>;
    /** The highest contiguous seq of a channel, or undefined when the channel is unknown. */
    cursor(channelId: string, channelType: number): number | undefined;
    snapshot(): InboxSnapshot;
    handleRecv(packet: RecvPacket, session: SessionCrypto | null): void;
    /**
     * Tells the inbox about this device's own stored message (SENDACK 1). The server never pushes it
     * back to this connection, so without this its seq looks like a gap and would be pulled and
     * delivered as an incoming message.
     */
    noteSent(sent: SentMessage): void;
    /** After every (re)connect and on app show: conversation sync, then message sync per channel. */
    onConnected(): Promise<void>;
    /** The connection is gone: the continuity check pauses until the next onConnected(). */
    onDisconnected(): void;
    /** Runs a catch-up now; concurrent calls share one run (followed by one more when asked meanwhile). */
    catchUp(): Promise<void>;
    /** Resolves once everything changed so far is in storage. */
    flush(): Promise<void>;
    /** Stops timers and pending retries. Held messages stay unacknowledged (they are pulled next time). */
    close(): void;
    private channel;
    /** Starts a channel first met on a push or on our own SENDACK at `seq` (the first-contact policy). */
    private firstContact;
    /** Forgets the least recently active idle channels beyond maxChannels. */
    private evictChannels;
    private hold;
    private kick;
    /** Delivers held messages in seq order, filling holes as they are met. */
    private drain;
    private process;
    /** Stores [from, to] as shown (with the messages' de-dup entries) before they are (see "Kills"). */
    private claim;
    /**
     * Narrows the channel's claim to the seqs below `seq`: at the run's end (what was claimed is now
     * plain state), when its write failed, or when the handler of `seq` turned out slow, so the rest
     * goes one by one; a withdrawn claim is written again at once (see "Kills").
     */
    private unclaim;
    /**
     * Hands a message to the app, then remembers it and acks. It is remembered (and so persisted as
     * seen) only once the handler settled: a crash mid-handler must not turn it into a duplicate.
     * Resolves true when the handler settled quickly; `onSlow` runs as soon as it did not (see "Kills").
     */
    private deliverOnce;
    /** `shown`: the app was just handed this seq, so the cursor is saved at once (see InboxStore). */
    private advance;
    /** `urgent`: written without waiting for the store's spacing (see InboxStore). */
    private remember;
    /** A duplicate is still acked: a v2 server keeps redelivering what was not acked. */
    private duplicate;
    private gapDetected;
    private reportGap;
    private skip;
    /** A platform-timer delay that close() cuts short (and clears). */
    private sleep;
    /** Merges stored state in: cursors only move forward, de-dup entries are added. */
    private restore;
    /** Every known cursor; `ahead` raises some (claimed runs). */
    private cursorList;
}
