/**
 * Every error the SDK raises or rejects with is an ImError subclass with a stable `code`, the
 * context that explains it, and the underlying `cause` when there is one. Guards are exported so
 * apps can branch without instanceof across bundles.
 */

export type ImErrorCode =
  | 'PROTOCOL'
  | 'INVALID_ARGUMENT'
  | 'STORAGE_FULL'
  | 'STORAGE_FAILED'
  | 'STORAGE_CORRUPT'
  | 'PLATFORM_UNSUPPORTED'
  | 'NETWORK'
  | 'TIMEOUT'
  | 'CLIENT_CLOSED'
  | 'CLIENT_EXISTS'
  | 'AUTH_FAILED'
  | 'KICKED'
  | 'SYNC_FAILED'
  /** A call that needs a part the client was made without (createCoreClient, ClientParts). */
  | 'PART_MISSING'
  /** An app event handler threw or rejected (reported as an `error` event, never rethrown). */
  | 'HANDLER_FAILED'
  /** A broken invariant inside the SDK (a bug): reported, never thrown at the app. */
  | 'INTERNAL'

export class ImError extends Error {
  readonly code: ImErrorCode
  readonly context: Record<string, unknown>
  readonly cause?: unknown

  constructor(code: ImErrorCode, message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super(message)
    this.name = new.target.name
    this.code = code
    this.context = context
    if (cause !== undefined) this.cause = cause
    // ES2017 target: keep the prototype chain for instanceof on down-levelled classes.
    Object.setPrototypeOf(this, new.target.prototype)
  }
}

/**
 * The base of an error class with one code. The narrowed `code` keeps the classes apart for the
 * guards: a guard's false branch is not `never`.
 */
function withCode<C extends ImErrorCode>(code: C) {
  return class extends ImError {
    declare readonly code: C
    constructor(message: string, context: Record<string, unknown> = {}, cause?: unknown) {
      super(code, message, context, cause)
    }
  }
}

/** Malformed or unexpected bytes from the peer. The decoder that raised it stays usable. */
export class ProtocolError extends withCode('PROTOCOL') {}

/** A bad argument to a public API call (empty channel, unknown channel type, oversize payload...). */
export class InvalidArgumentError extends withCode('INVALID_ARGUMENT') {}

/** A bad option passed to createClient: an INVALID_ARGUMENT whose `context.option` names it ('storage.prefix'). */
export class InvalidOptionError extends InvalidArgumentError {}

/** Storage refused a write or read. `code` tells full from other failures; `corrupt` for bad stored data. */
export class StorageError extends ImError {
  declare readonly code: 'STORAGE_FULL' | 'STORAGE_FAILED' | 'STORAGE_CORRUPT'
  constructor(code: 'STORAGE_FULL' | 'STORAGE_FAILED' | 'STORAGE_CORRUPT', message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super(code, message, context, cause)
  }
}

/** The platform lacks a capability the SDK needs (old base library, missing API). */
export class PlatformError extends withCode('PLATFORM_UNSUPPORTED') {}

/** A network-level failure: socket could not open, request failed, link died. */
export class NetworkError extends withCode('NETWORK') {}

/** Any other SDK failure; `code` says which. */
export class ClientError extends ImError {}

/**
 * Marks every ImError, whichever copy of the SDK made it: two bundles (an app and a plugin, or
 * wukongim-mp/testing next to the SDK) each have their own ImError class, so instanceof alone
 * would miss errors from the other copy. Symbol.for is shared by the whole JS realm.
 */
const BRAND = Symbol.for('wukongim-mp.ImError')
Object.defineProperty(ImError.prototype, BRAND, { value: true })

export const isImError = (e: unknown): e is ImError =>
  e instanceof ImError || (typeof e === 'object' && e !== null && (e as { [BRAND]?: unknown })[BRAND] === true)
export const isProtocolError = (e: unknown): e is ProtocolError => isImError(e) && e.code === 'PROTOCOL'
export const isStorageError = (e: unknown): e is StorageError =>
  isImError(e) && (e.code === 'STORAGE_FULL' || e.code === 'STORAGE_FAILED' || e.code === 'STORAGE_CORRUPT')
/** The message of anything thrown, for diagnostics lines and error texts. */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

export const isInvalidArgumentError = (e: unknown): e is InvalidArgumentError => isImError(e) && e.code === 'INVALID_ARGUMENT'
