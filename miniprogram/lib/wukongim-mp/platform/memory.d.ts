import type { Clock, HttpRequest, HttpResponse, NetworkStatus, Platform, Timers } from './types';
/** What the far end of a socket calls to reach the client. Shared with the simulated wx. */
export interface SocketPeer {
    /** The socket is open (the WebSocket handshake finished). */
    open(): void;
    /** One WebSocket message: bytes for a binary frame, a string for a text frame. */
    message(data: Uint8Array | string): void;
    /** A socket-level failure as wx reports it (`errMsg`). Does not close by itself. */
    error(errMsg: string): void;
    /** The socket is gone: a close frame (code, reason) or an abnormal closure (1006). */
    close(code: number, reason: string): void;
}
/** What the client side calls to reach the far end. */
export interface SocketServerEnd {
    send(data: Uint8Array): void;
    /** The client closed the socket (a close frame with code and reason). */
    close(code: number, reason: string): void;
}
/**
 * Opens one connection to `url`; the far end talks back through `peer`. `ctx.timers` are the
 * platform's timers (a connector that models latency schedules with them).
 */
export type SocketConnector = (url: string, peer: SocketPeer, ctx: {
    timers: Timers;
}) => SocketServerEnd;
/** Serves `platform.request` in memory. */
export type HttpHandler = (req: HttpRequest) => Promise<HttpResponse>;
export interface StorageLimits {
    /** Largest stored size of one key, in bytes (key + JSON value, UTF-8). Default 1 MiB. */
    perKeyBytes: number;
    /** Largest stored size of all keys together, in bytes. Default 10 MiB. */
    totalBytes: number;
}
export declare const WX_STORAGE_LIMITS: StorageLimits;
export interface MemoryPlatformOptions {
    /** Default: the built-in manual clock, starting at 0 and moved by control.advance(). */
    clock?: Clock;
    /** Default: the built-in manual timers, fired by control.advance(). */
    timers?: Timers;
    /**
     * Source of randomBytes. Default: a deterministic xorshift PRNG seeded by `seed` — NOT secure,
     * fine for tests only.
     */
    random?: (n: number) => Uint8Array;
    /** Seed of the default PRNG (default 1). */
    seed?: number;
    /** Backing map key → JSON text. Pass the same map to a new platform to model a cold restart. */
    data?: Map<string, string>;
    limits?: StorageLimits;
    /** Where openSocket connects. Without one every dial fails (onError, then onClose 1006). */
    connect?: SocketConnector;
    /** Serves request(). Without one every request rejects with NetworkError. */
    http?: HttpHandler;
    /** Default { online: true, type: 'wifi' }. */
    network?: NetworkStatus;
}
export interface MemoryPlatformControl {
    readonly data: Map<string, string>;
    /** Flips the network; going offline ends every open socket (onClose 1006). Listeners hear it. */
    setOnline(online: boolean, type?: string): void;
    show(): void;
    hide(): void;
    /** The next `n` storage writes (set/remove) reject with StorageError STORAGE_FAILED. */
    failNextWrites(n: number): void;
    /** Sockets opened and not yet closed. */
    readonly openSockets: number;
    /** Built-in manual timers only: moves the clock and fires due timers, synchronously. */
    advance(ms: number): void;
}
export interface MemoryPlatform extends Platform {
    readonly control: MemoryPlatformControl;
}
/** UTF-8 byte length of a string (no TextEncoder: the SDK runs where it is missing). */
export declare function utf8ByteLength(s: string): number;
export declare function createMemoryPlatform(options?: MemoryPlatformOptions): MemoryPlatform;
