/**
 * createClient options, every one with its unit and default (docs/style.md habit 9), and the one
 * function that validates them and fills the defaults.
 */
import { DeviceFlag } from './codes'
import { isWsUrl } from './connection/address'
import type { ConnectionOptions } from './connection/connection'
import type { DiagnosticsSettings, DiagnosticsSink } from './diagnostics/types'
import { InvalidOptionError } from './errors'
import type { Platform } from './platform/types'
import type { ConversationsOptions } from './conversations/conversations'
import type { HistoryOptions } from './history/history'
import type { InboxOptions, InboxSettings } from './inbox/inbox'
import type { OutboxLimits } from './outbox/outbox'
import { SYNC_DEADLINE_MS } from './sync/deadline'
import type { ApiHeaders } from './sync/http'
import type { SyncProvider } from './sync/types'
import type { MediaSupport } from './media/media'

export type { DiagnosticsSettings }

/**
 * Every option is checked by createClient (resolveOptions below): a wrong type or range, and an
 * unknown name at any level (a typo such as `wsAdrr` would otherwise be silently ignored), throw
 * InvalidOptionError (code 'INVALID_ARGUMENT', `context.option` names it, e.g. 'storage.prefix').
 */
export interface ClientOptions {
  /** This user's uid. Required, non-empty, without ':' (storage keys are `<prefix>:<uid>:...`). */
  uid: string
  /**
   * WebSocket address (ws:// or wss://), e.g. `wss://im.example.com:5200`, or a function returning
   * one that is called before every dial (and given `callbackTimeoutMs` to answer). When absent, `GET <apiAddr>/route?uid=<uid>` is asked before every
   * dial and its `wss_addr` (or `ws_addr` when wss_addr is empty) is used.
   */
  wsAddr?: string | (() => string | Promise<string>)
  /** Which address of the route lookup to dial (the other is used when it is empty). Default 'wss_addr' (mini-programs need wss). */
  routeAddr?: 'wss_addr' | 'ws_addr'
  /** Base URL (http:// or https://) of the WuKongIM HTTP API (route lookup and message sync), e.g. `https://im.example.com:5001`. */
  apiAddr?: string
  /**
   * Headers on every HTTP API request (route lookup, message and conversation sync), e.g. the
   * user's token for the app's server in front of WuKongIM: `{ Authorization: 'Bearer <token>' }`.
   * A function is asked before every request (a token that changes). Default: none. Pointing
   * `apiAddr` at WuKongIM's own API port without such a server is for development only (README).
   */
  apiHeaders?: ApiHeaders
  /** Static token for CONNECT. Give this or `tokenProvider`; default '' (server without token auth). */
  token?: string
  /**
   * Asked for a token before the first dial and again after the server closed a socket before
   * its CONNACK (how a v2 server reports a bad token). Wins over `token`. Given `callbackTimeoutMs`
   * to answer; a failed or late answer is retried with backoff.
   */
  tokenProvider?: () => string | Promise<string>
  /** CONNECT deviceFlag: 0 app, 1 web, 2 pc. Default 1 (web, like the official JS SDK). */
  deviceFlag?: number
  /** CONNECT deviceID. Default: this install's id, 32 random hex chars + 'M', made once and kept in storage (`<prefix>:device`). */
  deviceId?: string
  heartbeat?: {
    /** Milliseconds between PINGs. Default 25 000. */
    intervalMs?: number
    /** Milliseconds of inbound silence after which the link is dead. Default 2 × interval + 5 000 (55 s). */
    deadAfterMs?: number
    /** Milliseconds a probe PING (after onAppShow, overdue SENDACK) waits for any inbound byte. Default 3 000. */
    probeTimeoutMs?: number
  }
  /** Reconnect delays: full jitter over min(maxMs, initialMs × 2^attempt). */
  backoff?: {
    /** Milliseconds, default 500. */
    initialMs?: number
    /** Milliseconds, default 30 000. Also how often the network status is re-checked while offline. */
    maxMs?: number
  }
  /** Milliseconds to wait for CONNACK after the socket opened (or for the socket to open). Default 10 000. */
  connectTimeoutMs?: number
  /**
   * Milliseconds the client waits for one answer of `tokenProvider` or a `wsAddr` function. A
   * callback that has not settled by then counts as a failed dial: an `error` event with code
   * 'TIMEOUT', a diagnostics line, and the next dial after the usual backoff (which calls it
   * again). A late answer is ignored. Default 10 000.
   */
  callbackTimeoutMs?: number
  /** Milliseconds hidden after which onAppShow rebuilds the socket instead of probing it. Default 5 000. */
  rebuildAfterHiddenMs?: number
  /**
   * Send the packets written in one turn of the event loop (a window of SENDs, the RECVACKs of a
   * burst, a PING) as one WebSocket message of at most 16 KB: one `SocketTask.send` bridge call
   * instead of one per packet; a lone packet is sent at the end of its turn, never later. WuKongIM
   * v1.2.6 and v3 read a socket's messages as one byte stream (checked by the real-server suite).
   * Set false for a server that wants exactly one packet per WebSocket message. Default true.
   */
  coalesceFrames?: boolean
  outbox?: {
    /** SENDs on the wire without a SENDACK, at most. Default 32. */
    window?: number
    /**
     * SENDs of one channel on the wire without a SENDACK, at most; 0 = only `window` limits.
     * Default: 1 unless the server line is known to be v2 (`serverLine: 'v2'`, or detected by the
     * catch-up), then 0. A v3 server (commit b249d3a6) handles a session's SENDs asynchronously and
     * was seen to lose pipelined ones and to store one under another's payload; one SEND per channel
     * on the wire avoids that, at one round trip per message per channel (other channels still
     * pipeline). Set 1 for WuKongIM v1.2.x too, which may store one channel's pipelined sends out
     * of order. Set 0 for a server known to handle pipelining.
     */
    channelWindow?: number
    /** Messages in the outbox (queued, sending and failed), at most; send() beyond it rejects STORAGE_FULL. Default 1 000. */
    maxMessages?: number
    /** Milliseconds without a SENDACK before the link is probed (and rebuilt when the ack stays overdue 3× as long). Default 10 000. */
    sendackTimeoutMs?: number
    /** Milliseconds after which a message still not sent fails with failure 'expired'. Default 0 = never. */
    expireAfterMs?: number
    /** Backoff for retryable SENDACK codes (15, 22, ...): milliseconds, defaults 1 000 → 60 000. */
    retryInitialMs?: number
    retryMaxMs?: number
  }
  storage?: {
    /** Key prefix; keys are `<prefix>:<uid>:...`. Default 'wkmp'. */
    prefix?: string
    /**
     * Ask the default wx platform for encrypted storage (wx `encrypt: true`, base library 2.21.3+;
     * limits drop to 0.7 MB per key and 7.1 MB total). Ignored when `platform` is given: configure
     * that platform instead. Default false.
     */
    encrypt?: boolean
  }
  /** Platform door (sockets, storage, timers...). Default: the real wx (createWxPlatform). */
  platform?: Platform
  /**
   * Diagnostics. The client always keeps a bounded event log and per-message traces for
   * diagnose(); pass settings for them, or an extra sink that receives every record too.
   */
  diagnostics?: DiagnosticsSink | DiagnosticsSettings
  /** How missed messages are pulled. Default: WuKongIM's HTTP API at `apiAddr`. */
  sync?: SyncProvider
  /**
   * Media messages (send with `file`): `mediaSupport({ uploadUrl })` or `mediaSupport({ uploader })`
   * (README "Media messages"). Without it send() with a file is refused (PLATFORM_UNSUPPORTED).
   */
  media?: MediaSupport
  /** Which server line the default sync provider speaks. Default 'auto'. */
  serverLine?: 'v2' | 'v3' | 'auto'
  /** Receive-side tuning (continuity check period, gap-fill retries...), see InboxOptions. */
  inbox?: InboxOptions
  /** The conversation list's event throttle, write delay and op retry backoff, see ConversationsOptions. */
  conversations?: ConversationsOptions
  /** The message history's per-channel count, storage budget and write delay, see HistoryOptions. */
  history?: HistoryOptions
  /**
   * Source of uniform floats in [0, 1) for backoff jitter (e.g. a seeded generator in tests).
   * Default: derived from platform.randomBytes. A call that throws or returns anything outside
   * [0, 1) is replaced by platform.randomBytes and noted in diagnostics ('random-invalid').
   */
  random?: () => number
  /** @internal Test-only switches (see UnsafeSwitches). Never set this in an app. */
  _unsafe?: UnsafeSwitches
}

/**
 * @internal Test-only: switches single protections off so the chaos simulator (test/chaos) can
 * show that its checker notices. Not exported from index.ts; never set in an app.
 */
export interface UnsafeSwitches {
  /** Inbox: no de-duplication by messageId or (fromUid, clientMsgNo). */
  disableDedup?: boolean
  /** Outbox: an attempt whose SENDACK will not come (link lost, ack dropped) is not put back in the queue. */
  disableResend?: boolean
  /** Inbox: a gap is given up after its retries even when the sync API never answered (issue 15.1). */
  giveUpGapsOnSyncError?: boolean
  /** Inbox: an unreadable stored state (one read, either key) starts as a fresh install (issue 15.2). */
  unreadableStateIsEmpty?: boolean
  /** Outbox: one unreadable record fails the whole restore (issue 15.3). */
  strictOutboxLoad?: boolean
  /** Outbox: restored records are not validated like send() input (issue 15.6). */
  skipRestoreValidation?: boolean
  /** No deadline on app callbacks (tokenProvider, wsAddr, SyncProvider) (issue 15.7). */
  noCallbackDeadlines?: boolean
  /** Sync: the server line is switched for good on a single 404 (issue 15.5). */
  stickyLineDetection?: boolean
  /** Inbox: a RECV without encryption on an encrypted session is accepted (issue 15.8). */
  acceptPlainRecv?: boolean
  /** Connection: any DISCONNECT stops the client (issue 15.9). */
  stopOnAnyDisconnect?: boolean
  /** Inbox: a catch-up page is handed to the app before its cursor is stored (issue 15.12). */
  cursorAfterDelivery?: boolean
  /** Outbox: on the v2 line, a possibly stored message is re-sent without asking the server (issue 15.13). */
  resendWithoutLookup?: boolean
  /** Media: the file is not copied out of the temp area; the record points at the temp path (issue 19). */
  uploadFromTempPath?: boolean
  /** Outbox: send() of a burst resolves before its batch key is written (issue 21). */
  resolveBeforeBatchWrite?: boolean
  /** Inbox: RECVACKs owed during drains are written only once 64 are owed, not when the drain ends (issue 21). */
  holdRecvacks?: boolean
  /** History: pages come from storage alone; seqs it lacks are neither fetched nor reported as gaps (issue 20). */
  historyStoreOnly?: boolean
  /** Conversations: clearUnread/setUnread/delete are kept in memory only, never written (issue 20). */
  volatileConversationOps?: boolean
}


/**
 * Options after validation, with every default filled in: one slice per subsystem (each declares
 * the slice it reads), plus what the client itself wires.
 */
export interface ResolvedOptions {
  uid: string
  /** Where to dial; when absent, the route lookup at apiAddr answers before every dial. */
  wsAddr?: string | (() => string | Promise<string>)
  /** Without trailing slashes. */
  apiAddr?: string
  apiHeaders?: ApiHeaders
  routeAddr: 'wss_addr' | 'ws_addr'
  /** The conversations part's slice as given (the part fills its defaults). */
  conversations?: ConversationsOptions
  /** The history part's slice as given (the part fills its defaults). */
  history?: HistoryOptions
  serverLine: 'v2' | 'v3' | 'auto'
  deviceId?: string
  connection: ConnectionOptions
  outbox: OutboxLimits
  inbox: InboxSettings
  /** The log's settings (defaults applied by Diagnostics), or the app's extra sink when it passed one instead. */
  diagnostics: { settings: DiagnosticsSettings; sink?: DiagnosticsSink }
  storage: { prefix: string; encrypt: boolean }
  random?: () => number
  /** @internal Test-only switches (see UnsafeSwitches); each subsystem reads its own. */
  unsafe: UnsafeSwitches
}

/** The one validation pass (every option, every level), then the defaults. */
export function resolveOptions(o: ClientOptions): ResolvedOptions {
  CLIENT_OPTIONS(o, '')
  if (o.uid === undefined) throw new InvalidOptionError('uid is required', { option: 'uid' })
  if (o.wsAddr === undefined && o.apiAddr === undefined) {
    throw new InvalidOptionError('give wsAddr, or apiAddr for the route lookup', { option: 'wsAddr' })
  }
  const heartbeat = o.heartbeat ?? {}
  const intervalMs = heartbeat.intervalMs ?? 25_000
  const unsafe = o._unsafe ?? {}
  const sink = o.diagnostics && 'record' in o.diagnostics ? o.diagnostics : undefined
  return {
    uid: o.uid,
    wsAddr: o.wsAddr,
    apiAddr: o.apiAddr?.replace(/\/+$/, ''),
    apiHeaders: o.apiHeaders,
    conversations: o.conversations,
    history: o.history,
    routeAddr: o.routeAddr ?? 'wss_addr',
    serverLine: o.serverLine ?? 'auto',
    deviceId: o.deviceId,
    connection: {
      uid: o.uid,
      token: o.token ?? '',
      tokenProvider: o.tokenProvider,
      deviceFlag: o.deviceFlag ?? DeviceFlag.Web,
      heartbeat: {
        intervalMs,
        deadAfterMs: heartbeat.deadAfterMs ?? 2 * intervalMs + 5_000,
        probeTimeoutMs: heartbeat.probeTimeoutMs ?? 3_000,
      },
      backoff: { initialMs: o.backoff?.initialMs ?? 500, maxMs: o.backoff?.maxMs ?? 30_000 },
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      callbackTimeoutMs: o.callbackTimeoutMs ?? 10_000,
      rebuildAfterHiddenMs: o.rebuildAfterHiddenMs ?? 5_000,
      coalesceFrames: o.coalesceFrames ?? true,
      unsafe,
    },
    inbox: inboxSettings(o.inbox),
    diagnostics: sink ? { settings: {}, sink } : { settings: (o.diagnostics as DiagnosticsSettings | undefined) ?? {} },
    outbox: withDefaults(o.outbox, OUTBOX_DEFAULTS),
    storage: { prefix: o.storage?.prefix ?? 'wkmp', encrypt: o.storage?.encrypt === true },
    random: o.random,
    unsafe,
  }
}

const OUTBOX_DEFAULTS: OutboxLimits = {
  window: 32,
  channelWindow: undefined,
  maxMessages: 1_000,
  sendackTimeoutMs: 10_000,
  expireAfterMs: 0,
  retryInitialMs: 1_000,
  retryMaxMs: 60_000,
}

const INBOX_DEFAULTS: InboxSettings = {
  continuityCheckMs: 60_000,
  maxHeldPerChannel: 500,
  syncPageLimit: 100,
  gapRetries: 3,
  gapRetryDelayMs: 1_000,
  gapRetryMaxDelayMs: 60_000,
  syncDeadlineMs: SYNC_DEADLINE_MS,
  dedupCapacity: 1_000,
  maxChannels: 2_000,
  newChannelBacklog: 1_000,
}

/** The inbox's slice with its defaults (the values were checked by resolveOptions). */
export function inboxSettings(o?: InboxOptions): InboxSettings {
  return withDefaults(o, INBOX_DEFAULTS)
}

/** `defaults`, with every value `given` defines in its place. */
function withDefaults<T extends object>(given: Partial<T> | undefined, defaults: T): T {
  const out = { ...defaults }
  for (const key of Object.keys(defaults) as Array<keyof T>) {
    const value = given?.[key]
    if (value !== undefined) out[key] = value as T[keyof T]
  }
  return out
}

// ---- the rules ----------------------------------------------------------------------------------

/** Throws InvalidOptionError naming `option` when `value` is not acceptable (never called with undefined). */
type Check = (value: unknown, option: string) => void

function rule(must: string, ok: (v: unknown) => boolean): Check {
  return (value, option) => {
    if (!ok(value)) throw new InvalidOptionError(`${option || 'options'} must be ${must}`, { option, value })
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isFunction = (v: unknown): boolean => typeof v === 'function'

const text = rule('a string', (v) => typeof v === 'string')
const name = rule('a non-empty string without ":"', (v) => typeof v === 'string' && v !== '' && v.indexOf(':') < 0)
const fn = rule('a function', isFunction)
const flag = rule('true or false', (v) => typeof v === 'boolean')
const positive = rule('a positive finite number', (v) => typeof v === 'number' && v > 0 && Number.isFinite(v))
const nonNegative = rule('a finite number >= 0', (v) => typeof v === 'number' && v >= 0 && Number.isFinite(v))
const integer = (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  rule(`an integer ${min}..${max}`, (v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max)
const oneOf = (...values: string[]): Check => rule(`one of ${values.join(', ')}`, (v) => values.indexOf(v as string) >= 0)

/**
 * An options object: every key must have a rule (the mapped type makes a new option without a
 * rule a compile error) and every key given must be known.
 */
function shape<T>(rules: { [K in keyof Required<T>]: Check }): Check {
  const table = rules as Record<string, Check>
  return (value, option) => {
    if (!isObject(value)) throw new InvalidOptionError(`${option || 'options'} must be an object`, { option, value })
    for (const key of Object.keys(value)) {
      const path = option ? `${option}.${key}` : key
      if (!Object.prototype.hasOwnProperty.call(table, key)) throw new InvalidOptionError(`unknown option ${path}`, { option: path })
      if (value[key] !== undefined) (table[key] as Check)(value[key], path)
    }
  }
}

const diagnosticsSettings = shape<DiagnosticsSettings>({ capacity: integer(1), traceCapacity: integer(1), includeBodies: flag, realtimeLog: flag })
const diagnosticsSink = rule('a DiagnosticsSink (record and trace functions)', (v) => isObject(v) && isFunction(v.record) && isFunction(v.trace))

const CLIENT_OPTIONS = shape<ClientOptions>({
  uid: name,
  wsAddr: rule('a ws:// or wss:// URL, or a function returning one', (v) => isFunction(v) || isWsUrl(v)),
  routeAddr: oneOf('wss_addr', 'ws_addr'),
  apiAddr: rule('an http:// or https:// URL', (v) => typeof v === 'string' && /^https?:\/\/[^/\s]/.test(v)),
  apiHeaders: rule('an object of header strings, or a function returning one', (v) => isFunction(v) || (isObject(v) && Object.keys(v).every((k) => typeof v[k] === 'string'))),
  token: text,
  tokenProvider: fn,
  deviceFlag: integer(0, 255),
  deviceId: rule('a non-empty string', (v) => typeof v === 'string' && v !== ''),
  heartbeat: shape<NonNullable<ClientOptions['heartbeat']>>({ intervalMs: positive, deadAfterMs: positive, probeTimeoutMs: positive }),
  backoff: shape<NonNullable<ClientOptions['backoff']>>({ initialMs: positive, maxMs: positive }),
  connectTimeoutMs: positive,
  callbackTimeoutMs: positive,
  rebuildAfterHiddenMs: nonNegative,
  coalesceFrames: flag,
  outbox: shape<NonNullable<ClientOptions['outbox']>>({
    window: integer(1),
    channelWindow: integer(0),
    maxMessages: integer(1),
    sendackTimeoutMs: positive,
    expireAfterMs: nonNegative,
    retryInitialMs: positive,
    retryMaxMs: positive,
  }),
  storage: shape<NonNullable<ClientOptions['storage']>>({ prefix: name, encrypt: flag }),
  platform: rule('a Platform (createWxPlatform or createMemoryPlatform)', (v) => isObject(v) && isFunction(v.openSocket) && isFunction(v.setTimeout) && isObject(v.storage)),
  diagnostics: (v, option) => (isObject(v) && 'record' in v ? diagnosticsSink : diagnosticsSettings)(v, option),
  sync: rule('a SyncProvider (syncMessages and syncConversations functions)', (v) => isObject(v) && isFunction(v.syncMessages) && isFunction(v.syncConversations)),
  media: rule('what mediaSupport() returns', (v) => isObject(v) && isFunction(v.attach)),
  serverLine: oneOf('v2', 'v3', 'auto'),
  inbox: shape<InboxOptions>({
    continuityCheckMs: integer(0),
    maxHeldPerChannel: integer(1),
    syncPageLimit: integer(1),
    gapRetries: integer(0),
    gapRetryDelayMs: integer(0),
    gapRetryMaxDelayMs: integer(0),
    syncDeadlineMs: integer(1),
    dedupCapacity: integer(1),
    maxChannels: integer(1),
    newChannelBacklog: integer(0),
  }),
  conversations: shape<ConversationsOptions>({ throttleMs: integer(0), writeDelayMs: integer(0), retryInitialMs: positive, retryMaxMs: positive }),
  history: shape<HistoryOptions>({ perChannel: integer(1, 10_000), budgetBytes: integer(1), writeDelayMs: integer(0) }),
  random: fn,
  _unsafe: shape<UnsafeSwitches>({
    disableDedup: flag,
    disableResend: flag,
    giveUpGapsOnSyncError: flag,
    unreadableStateIsEmpty: flag,
    strictOutboxLoad: flag,
    skipRestoreValidation: flag,
    noCallbackDeadlines: flag,
    stickyLineDetection: flag,
    acceptPlainRecv: flag,
    stopOnAnyDisconnect: flag,
    cursorAfterDelivery: flag,
    resendWithoutLookup: flag,
    uploadFromTempPath: flag,
    resolveBeforeBatchWrite: flag,
    holdRecvacks: flag,
    historyStoreOnly: flag,
    volatileConversationOps: flag,
  }),
})
