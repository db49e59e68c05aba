/**
 * De-duplication (DESIGN.md §4): by messageId, and by (fromUid, clientMsgNo) within a channel since
 * a v2 server stores a re-sent message again under a new id and seq. Both sets are bounded and
 * persisted (store.ts). Seqs at or below a channel's cursor are dropped by the inbox itself.
 */
import type { InboundMessage } from '../types';
export interface DedupDeps {
    uid: string;
    capacity: number;
    /** Whether this install made the clientMsgNo (see InboxDeps.ownSend). */
    ownSend?(clientMsgNo: string): boolean;
}
export declare class Dedup {
    private readonly d;
    private readonly ids;
    private readonly keys;
    constructor(d: DedupDeps);
    isDuplicate(msg: InboundMessage): boolean;
    /** Seen only by messageId (NoPersist messages have no seq to guard them). */
    hasId(messageId: string): boolean;
    remember(msg: InboundMessage): void;
    /** Oldest first; `extra` (messages about to be shown) is appended. */
    toState(extra?: InboundMessage[]): {
        ids: string[];
        keys: string[];
    };
    restore(state: {
        ids: string[];
        keys: string[];
    }): void;
}
