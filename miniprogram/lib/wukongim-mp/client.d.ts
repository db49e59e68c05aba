import type { DiagnosticReport } from './diagnostics/report';
import type { Listener } from './emitter';
import type { ClientEventName, ClientEvents } from './events';
import type { ClientOptions } from './options';
import type { Unsubscribe } from './platform/types';
import type { ConnectionState, OutboxMessage, SendInput } from './types';
export interface Client {
    /** This client's uid. */
    readonly uid: string;
    /** The connection state (see ConnectionState). */
    readonly state: ConnectionState;
    /**
     * Restores the outbox and the receive-side cursors from storage. Resolves when pending() shows
     * the restored queue. connect() and send() wait for it; call it to render failed messages early.
     */
    ready(): Promise<void>;
    /** Restores (see ready()) and starts connecting; resolves once dialing began, not once connected. */
    connect(): Promise<void>;
    /**
     * Stops everything, releases the uid for a new client. Final. Unsent messages stay in storage
     * and go out when this uid's next client connects (a cold start, or the same user again).
     */
    close(): Promise<void>;
    /**
     * Ends this user's session on this device for good (sign-out, account switch): close(), then
     * removes every storage key of this uid (`<prefix>:<uid>:...`: the outbox with the text of its
     * unsent messages, receive cursors, seen ids) and the in-memory log and traces. Resolves with
     * the messages that were still unsent (queued, sending or failed), now gone from the device and
     * never to be sent, so the app can tell the user. To keep them, wait until pending() is empty, or
     * use close(). Other uids' keys and this install's id (`<prefix>:device`) stay. Rejects with a
     * StorageError when a key could not be removed; calling it again retries.
     */
    logout(): Promise<OutboxMessage[]>;
    /** Validates, writes to the outbox, and resolves once the message is durable (status 'queued'). */
    send(input: SendInput): Promise<OutboxMessage>;
    /** Puts a failed message back in the queue, same clientMsgNo. */
    resend(clientMsgNo: string): Promise<OutboxMessage>;
    /** Removes a failed or queued message for good (reported as failed / 'cancelled'). */
    discard(clientMsgNo: string): Promise<void>;
    /** queued, sending and failed messages, in the order they were sent. */
    pending(): OutboxMessage[];
    /** Subscribes; returns the undo. */
    on<K extends ClientEventName>(event: K, handler: Listener<ClientEvents[K]>): Unsubscribe;
    /** Pulls what the socket may have missed now (conversation sync, then message sync). */
    sync(): Promise<void>;
    /**
     * The message-loss checklist, answered: for `clientMsgNo`, did the server ACK it and with which
     * reason, and what the server knows (looked up by client_msg_no unless `lookup: false`); recent
     * network and connection anomalies; whether gap filling works; delivery metrics. Plain JSON.
     */
    diagnose(options?: {
        clientMsgNo?: string;
        lookup?: boolean;
    }): Promise<DiagnosticReport>;
}
export declare function createClient(options: ClientOptions): Client;
