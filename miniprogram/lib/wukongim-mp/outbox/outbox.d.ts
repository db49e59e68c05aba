import type { DiagnosticsSink } from '../diagnostics/types';
import type { ImError } from '../errors';
import type { Platform } from '../platform/types';
import type { SendPacket, SendackPacket } from '../proto/packets';
import type { OutboxMessage, SendInput } from '../types';
/** What the outbox needs from the connection. */
export interface OutboxTransport {
    /** Id of the connected socket; 0 when not connected. */
    connectionId(): number;
    /** Encodes (and encrypts) for the current socket and writes; false when not connected. */
    write(packet: SendPacket): boolean;
    /** Check the link with a short deadline. */
    probe(reason: string): void;
    /** Drop the socket and dial again at once. */
    rebuild(reason: string): void;
}
/** The outbox options after defaults (documented on ClientOptions.outbox). */
export interface OutboxLimits {
    window: number;
    /** Per channel; 0 = no limit of its own. */
    channelWindow: number;
    maxMessages: number;
    sendackTimeoutMs: number;
    expireAfterMs: number;
    retryInitialMs: number;
    retryMaxMs: number;
}
export interface OutboxConfig extends OutboxLimits {
    uid: string;
    keyPrefix: string;
    /** Appended to clientMsgNo: `<32 hex>_<tag>`. */
    deviceTag(): string;
}
export interface OutboxDeps {
    platform: Platform;
    config: OutboxConfig;
    diagnostics: DiagnosticsSink;
    transport: OutboxTransport;
    random(): Promise<number>;
    emitStatus(message: OutboxMessage): void;
    emitError(error: ImError): void;
}
export declare class Outbox {
    private readonly deps;
    private readonly store;
    private readonly entries;
    private readonly byNo;
    /** Entries with a retry deadline (backing off), so arm() need not scan the whole queue. */
    private readonly retrying;
    private readonly inFlight;
    private nextOrder;
    private nextClientSeq;
    /** send() calls between validation and their entry joining the queue (count toward maxMessages). */
    private reserved;
    private loading;
    private loaded;
    private closed;
    private timer;
    private timerAt;
    constructor(deps: OutboxDeps);
    /** Restores the queue from storage (once; retried on the next call if it failed). */
    load(): Promise<void>;
    send(input: SendInput): Promise<OutboxMessage>;
    /** Puts a failed message back in the queue (same clientMsgNo). */
    resend(clientMsgNo: string): Promise<OutboxMessage>;
    /** Removes a failed or queued (not in-flight) message for good; reported as failed / 'cancelled'. */
    discard(clientMsgNo: string): Promise<void>;
    /** queued, sending and failed messages, in enqueue order. */
    pending(): OutboxMessage[];
    /** Whether a clientMsgNo was made by this install (it carries this install's tag). */
    madeHere(clientMsgNo: string): boolean;
    onConnected(): void;
    /** The socket an attempt went out on is gone: back to queued, re-sent after reconnect. */
    onDisconnected(reason: string): void;
    handleSendack(ack: SendackPacket, connectionId: number): void;
    close(): void;
    private restore;
    /** Writes as many queued messages as the window allows, in enqueue order. */
    private flush;
    private write;
    private requeue;
    /** → failed, persisted (so it survives a restart), then reported. */
    private fail;
    private expire;
    /** Re-arms the one timer for the nearest deadline. */
    private arm;
    private tick;
    private insert;
    private drop;
    private transition;
    private emit;
    private assertOpen;
}
