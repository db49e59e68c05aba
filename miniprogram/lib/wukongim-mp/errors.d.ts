/**
 * Every error the SDK raises or rejects with is an ImError subclass with a stable `code`, the
 * context that explains it, and the underlying `cause` when there is one. Guards are exported so
 * apps can branch without instanceof across bundles.
 */
export type ImErrorCode = 'PROTOCOL' | 'INVALID_ARGUMENT' | 'STORAGE_FULL' | 'STORAGE_FAILED' | 'STORAGE_CORRUPT' | 'PLATFORM_UNSUPPORTED' | 'NETWORK' | 'TIMEOUT' | 'CLIENT_CLOSED' | 'CLIENT_EXISTS' | 'SEND_FAILED' | 'AUTH_FAILED' | 'KICKED' | 'SYNC_FAILED'
/** An app event handler threw or rejected (reported as an `error` event, never rethrown). */
 | 'HANDLER_FAILED'
/** A broken invariant inside the SDK (a bug): reported, never thrown at the app. */
 | 'INTERNAL';
export declare class ImError extends Error {
    readonly code: ImErrorCode;
    readonly context: Record<string, unknown>;
    readonly cause?: unknown;
    constructor(code: ImErrorCode, message: string, context?: Record<string, unknown>, cause?: unknown);
}
/** Malformed or unexpected bytes from the peer. The decoder that raised it stays usable. */
export declare class ProtocolError extends ImError {
    constructor(message: string, context?: Record<string, unknown>, cause?: unknown);
}
/** A bad argument to a public API call (empty channel, unknown channel type, oversize payload...). */
export declare class InvalidArgumentError extends ImError {
    constructor(message: string, context?: Record<string, unknown>);
}
/** A bad option passed to createClient: an INVALID_ARGUMENT whose `context.option` names it ('storage.prefix'). */
export declare class InvalidOptionError extends InvalidArgumentError {
}
/** Storage refused a write or read. `code` tells full from other failures; `corrupt` for bad stored data. */
export declare class StorageError extends ImError {
    constructor(code: 'STORAGE_FULL' | 'STORAGE_FAILED' | 'STORAGE_CORRUPT', message: string, context?: Record<string, unknown>, cause?: unknown);
}
/** The platform lacks a capability the SDK needs (old base library, missing API). */
export declare class PlatformError extends ImError {
    constructor(message: string, context?: Record<string, unknown>, cause?: unknown);
}
/** A network-level failure: socket could not open, request failed, link died. */
export declare class NetworkError extends ImError {
    constructor(message: string, context?: Record<string, unknown>, cause?: unknown);
}
/** Any other SDK failure; `code` says which. */
export declare class ClientError extends ImError {
}
export declare const isImError: (e: unknown) => e is ImError;
export declare const isProtocolError: (e: unknown) => e is ProtocolError;
export declare const isStorageError: (e: unknown) => e is StorageError;
export declare const isInvalidArgumentError: (e: unknown) => e is InvalidArgumentError;
