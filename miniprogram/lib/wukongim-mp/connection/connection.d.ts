import type { DiagnosticsSink } from '../diagnostics/types';
import { ImError } from '../errors';
import type { ResolvedOptions } from '../options';
import type { Platform } from '../platform/types';
import type { SessionCrypto } from '../proto/crypto';
import type { ClientPacket, ServerPacket } from '../proto/packets';
import type { ConnectionState, StateChange } from '../types';
/** What the connection tells its owner (the client). */
export interface ConnectionHooks {
    onState(change: StateChange): void;
    /** CONNACK 1 arrived; `connectionId` names this socket until onDisconnected. */
    onConnected(info: {
        connectionId: number;
        version: number;
        session: SessionCrypto | null;
    }): void;
    /** The connected socket is gone (any reason). */
    onDisconnected(info: {
        connectionId: number;
        reason: string;
    }): void;
    /** SENDACK, RECV, EVENT, SUBACK of the current connected socket. */
    onPacket(packet: ServerPacket, connectionId: number): void;
    /** The app came back to the foreground and the link was kept (probed, not rebuilt). */
    onShown(): void;
    /** The app went to the background: persist what is pending. */
    onHidden(): void;
    onError(error: ImError): void;
}
export declare class Connection {
    private readonly platform;
    private readonly options;
    private readonly diagnostics;
    private readonly hooks;
    /** CONNECT deviceID (known once the client restored). */
    private readonly deviceId;
    /** Uniform floats in [0, 1) for backoff jitter (backoff.ts jitterSource). */
    private readonly random;
    private current;
    /** Socket generation: bumped by every dial and every teardown. */
    private gen;
    private socket;
    /** Frames written in this turn of the event loop, sent together by sendBatch(). */
    private batch;
    private batchBytes;
    private decoder;
    /** Released with the socket: its timers. */
    private socketTimers;
    private waitTimer;
    private appSubs;
    private attempt;
    /**
     * Why the link or dial in progress, should it fail, is dialled again at once instead of after a
     * backoff: the network came back during a dial that began offline, or an app-show probe is
     * checking a socket WeChat may have killed in the background. Cleared by the next dial, and by
     * the probe's answer.
     */
    private redialAtOnce;
    private connackSeen;
    /** The current socket opened (a refused dial is not a refused token). */
    private socketOpened;
    private negotiated;
    private sessionCrypto;
    private secretKey;
    private lastInboundAt;
    private lastPingAt;
    private connectedAt;
    private probeSince;
    private heartbeatTimer;
    private hiddenAt;
    private token;
    private tokenStale;
    constructor(platform: Platform, options: ResolvedOptions, diagnostics: DiagnosticsSink, hooks: ConnectionHooks, 
    /** CONNECT deviceID (known once the client restored). */
    deviceId: () => string, 
    /** Uniform floats in [0, 1) for backoff jitter (backoff.ts jitterSource). */
    random: () => Promise<number>);
    get state(): ConnectionState;
    /** Id of the connected socket, or 0 when not connected. */
    get connectionId(): number;
    get version(): number;
    get session(): SessionCrypto | null;
    /** connect(): from idle, or again after a kick / auth failure. */
    start(): void;
    /** close(): final. */
    stop(): void;
    /**
     * Writes one packet on the connected socket; SENDs are sealed with this connection's session
     * key here, so a re-send is always encrypted for the socket it goes out on. False when not connected.
     */
    write(packet: ClientPacket): boolean;
    /**
     * Don't trust the socket: PING now and tear the link down unless some byte arrives within
     * heartbeat.probeTimeoutMs.
     */
    probe(reason: string): void;
    /** Rebuild the socket at once (no backoff). */
    rebuild(reason: string): void;
    private setState;
    /** The one teardown path. */
    private teardown;
    private dial;
    private open;
    private socketEnded;
    private resolveAddress;
    private resolveToken;
    /** App code on the dial path gets callbackTimeoutMs to answer (unless the test-only switch is on). */
    private appCallback;
    private scheduleDial;
    /**
     * Network events are hints (platform.md §4: some clients never report "back online"): while
     * offline, look again every backoff.maxMs and dial when the status says online.
     */
    private pollNetwork;
    private clearWait;
    private receive;
    private handle;
    private handleConnack;
    /**
     * The server refused the session (CONNACK failure) or ended it (DISCONNECT): stop only when the
     * reason means "do not come back" (endsSession); otherwise back off and dial again.
     */
    private refused;
    /** One timer, re-armed for the nearest of: next PING, dead-link deadline, probe deadline. */
    private armHeartbeat;
    private heartbeat;
    private ping;
    private rawWrite;
    /**
     * Frames written in one turn go out as one WebSocket message, sent in a microtask: the server
     * reads the socket as a byte stream (WuKongIM appends every message to its inbound buffer), and
     * in a mini-program each SocketTask.send is a bridge call, so a window of 32 SENDs costs one.
     */
    private send;
    private sendBatch;
    /** A timer owned by the socket of generation `gen`: cleared by teardown, ignored if stale. */
    private later;
    private watchApp;
    private networkChanged;
    private shown;
}
