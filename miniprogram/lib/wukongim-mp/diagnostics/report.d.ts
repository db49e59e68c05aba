import type { InboxSnapshot } from '../inbox/inbox';
import type { SyncProvider } from '../sync/types';
import type { ConnectionState, MessageStatus, OutboxMessage } from '../types';
import type { DiagnosticCounters, Diagnostics, LogEntry, TraceStep } from './diagnostics';
export interface MessageDiagnosis {
    clientMsgNo: string;
    /** Known to this client (in the outbox or in the kept traces). */
    known: boolean;
    status?: MessageStatus;
    persistedAt?: number;
    attempts: Array<{
        at: number;
        connectionId?: unknown;
        clientSeq?: unknown;
        dup?: unknown;
    }>;
    /** (1) The SENDACK, when one arrived. */
    ack?: {
        at: number;
        reasonCode: number;
        reason: string;
        messageId?: string;
        messageSeq?: number;
        latencyMs?: number;
    };
    /** (2) What the server says about it, when looked up through the sync API. */
    server?: {
        lookedUp: boolean;
        found?: boolean;
        messageId?: string;
        messageSeq?: number;
        error?: string;
    };
    trace: TraceStep[];
}
export interface DiagnosticReport {
    generatedAt: number;
    uid: string;
    state: ConnectionState;
    /** The platform, and what it lacks (an old wx base library), with what that costs. */
    platform: {
        name: string;
        missing: string[];
    };
    message?: MessageDiagnosis;
    delivery: {
        outboxDepth: number;
        queued: number;
        sending: number;
        failed: number;
        oldestPendingAgeMs?: number;
        ackLatencyMs: {
            count: number;
            p50?: number;
            p90?: number;
            p99?: number;
        };
        retries: number;
        reconnects: number;
    };
    /** (3) */
    connection: {
        disconnectReasons: Record<string, number>;
        failedDials: number;
        backgroundKills: number;
        networkChanges: number;
        recentAnomalies: LogEntry[];
    };
    /** (4) */
    gapFilling: DiagnosticCounters['gaps'] & {
        held: number;
        rejectedRecvs: number;
        lastCatchUp?: {
            at: number;
            ok: boolean;
            agoMs: number;
        };
        /** Gaps kept open because the sync API could not fill them yet; their channels' later messages wait. */
        stalled: InboxSnapshot['stalled'];
        /** Sync requests that failed or timed out, and malformed items left out of sync pages. */
        syncFaults: InboxSnapshot['syncFaults'];
        /** The stored receive state could not be read at start (a conservative catch-up followed). */
        unreadableState: boolean;
    };
    /** One line per checklist question, for people. */
    summary: string[];
}
export interface ReportInput {
    uid: string;
    state: ConnectionState;
    platform: {
        name: string;
        missing?: readonly string[];
    };
    now: number;
    pending: OutboxMessage[];
    inbox: InboxSnapshot;
    diagnostics: Diagnostics;
    sync?: SyncProvider;
    clientMsgNo?: string;
    /** Ask the server (sync API) about the message. Default true when a clientMsgNo is given. */
    lookup?: boolean;
}
export declare function buildReport(input: ReportInput): Promise<DiagnosticReport>;
