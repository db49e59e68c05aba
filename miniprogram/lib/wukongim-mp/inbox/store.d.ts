/**
 * Where the inbox keeps its state (docs/internals.md, storage layout):
 * - `<prefix>:in:cursors` = `{ v: 1, baseline, channels: [[channelType, channelId, seq], ...] }`
 * - `<prefix>:in:seen` = `{ v: 1, ids: [...], keys: [...], baseline?, channels? }`: the de-dup
 *   sets (oldest first, bounded by the caller) and a second copy of the cursors, which may run
 *   ahead of the first: a catch-up page is claimed in one write of this record before it is
 *   shown (see inbox.ts, "Kills"). A channel's cursor is the higher of the two copies.
 *
 * Writes are coalesced: one in flight at a time, and each carries everything that changed
 * meanwhile. Each key is written at most once per WRITE_SPACING_MS, except when the change must
 * not wait: a message the app was shown moves its channel's cursor, and that small cursor record
 * is written at once (a crash must not show the message again: catch-up starts after the cursor,
 * and a push at or below it is dropped). The seen list — tens of KB of JSON, needed for messages
 * without a seq and for echoes of the client's own sends — follows within the spacing, so a burst
 * of deliveries or acks costs a few writes a second, not one per few messages. flush() skips the
 * spacing; the client flushes on app hide and close, before WeChat may kill a background app. A
 * failed write stays pending for the next change and is reported once per failing streak.
 *
 * Unreadable is not empty (issue 15.2). A read that fails is tried again; a key that still cannot
 * be read is never written over: before its next write it is read again and what it holds is
 * merged in (`merge`), and until that works only the other key is written. A value that reads
 * but is not a valid state is kept aside under `<key>:corrupt` before it is replaced. `load()`
 * says when a key could not be used, and the inbox then catches up conservatively instead of
 * starting as a fresh install.
 */
import type { Platform } from '../platform/types';
import type { DiagnosticsSink } from '../diagnostics/types';
import { ImError } from '../errors';
export type CursorList = Array<[channelType: number, channelId: string, seq: number]>;
export interface CursorsState {
    /** A catch-up has completed on this storage (see the first-contact policy in inbox.ts). */
    baseline: boolean;
    channels: CursorList;
}
export interface SeenState {
    ids: string[];
    keys: string[];
    /** The second copy of the cursors (absent in records written before it existed). */
    cursors?: CursorsState;
}
export interface LoadedState {
    cursors?: CursorsState;
    seen?: SeenState;
    /** A key held something that could not be read or used: this is not a fresh install. */
    unreadable: boolean;
}
export interface InboxStoreDeps {
    platform: Platform;
    /** `wkmp:<uid>` */
    prefix: string;
    diagnostics: DiagnosticsSink;
    emitError(e: ImError): void;
    /** The current state, read when a write goes out. */
    cursors(): CursorsState;
    seen(): SeenState;
    /** What a key that could not be read at load held, once it could be read. */
    merge(state: {
        cursors?: CursorsState;
        seen?: SeenState;
    }): void;
}
/** Least time from one write of a key to the next, unless the change is urgent or flush() is waiting. */
export declare const WRITE_SPACING_MS = 250;
export declare class InboxStore {
    private readonly d;
    private readonly cursors;
    private readonly seen;
    private writing;
    private failing;
    /** flush() calls waiting: nothing waits for the spacing while any is. */
    private flushing;
    /** Ends the current spacing wait early. */
    private wake;
    /** commit() calls waiting for the next write of the seen record. */
    private commits;
    constructor(d: InboxStoreDeps);
    /** The stored state; a part that is missing or unusable comes back undefined (see `unreadable`). */
    load(): Promise<LoadedState>;
    /** `urgent`: a message the app was shown depends on it; written without waiting for the spacing. */
    cursorsChanged(urgent?: boolean): void;
    seenChanged(urgent?: boolean): void;
    /** Writes the seen record now; true once a write begun after this call succeeded. */
    commit(): Promise<boolean>;
    /** Writes what is unsaved (a write that failed earlier is tried again); resolves once written or failed. */
    flush(): Promise<void>;
    private changed;
    private schedule;
    private writeLoop;
    /** Resolves after `ms`, or sooner when flush() or an urgent change calls wake. */
    private spacing;
    /** Loads one key: tried READ_ATTEMPTS times; garbage is kept aside and replaced. */
    private load1;
    /** Before writing over a key that could not be read: read it again and merge what it holds. */
    private reread;
    private read;
}
