/**
 * Durable outbox storage. One key per message, `<prefix>:<uid>:out:<clientMsgNo>`, so enqueue is
 * one write and ack one remove (the happy path costs 2 storage operations per message); the
 * queue is rebuilt at start from the key list and sorted by `order`, a number that only grows.
 *
 * Only the facts that survive a restart are stored: what to send, and `failed` (queued and sending
 * both mean "to send" after a restart, so those changes are never written).
 */
import { StorageError } from '../errors';
import type { PlatformStorage } from '../platform/types';
import type { FailureKind, MessageFlags, OutboxMessage } from '../types';
/** Stored JSON value (version 1). */
export interface StoredMessage {
    v: 1;
    clientMsgNo: string;
    channelId: string;
    channelType: number;
    /** base64 of the payload bytes. */
    payload: string;
    topic?: string;
    flags: MessageFlags;
    expire: number;
    createdAt: number;
    /** Enqueue order, unique and increasing per uid. */
    order: number;
    /** Present once the message failed (it stays failed after a restart). */
    failed?: {
        failure: FailureKind;
        reasonCode?: number;
    };
}
export interface LoadResult {
    /** In enqueue order. */
    entries: Array<{
        record: StoredMessage;
        message: OutboxMessage;
    }>;
    corrupt: StorageError[];
}
export declare class OutboxStore {
    private readonly storage;
    private readonly prefix;
    /** Per-key chains: a write to one key starts only after the previous one settled. */
    private readonly chains;
    constructor(storage: PlatformStorage, keyPrefix: string, uid: string);
    key(clientMsgNo: string): string;
    /** Writes the record; rejects with StorageError (STORAGE_FULL / STORAGE_FAILED). */
    put(record: StoredMessage): Promise<void>;
    remove(clientMsgNo: string): Promise<void>;
    load(): Promise<LoadResult>;
    private serial;
}
export declare function toStored(m: OutboxMessage, order: number): StoredMessage;
export declare function fromStored(r: StoredMessage): OutboxMessage;
