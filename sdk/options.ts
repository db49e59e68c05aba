/**
 * createClient options, every one with its unit and default (docs/style.md habit 9), and the one
 * function that validates them and fills the defaults.
 */
import { DeviceFlag } from './codes'
import type { DiagnosticsSink } from './diagnostics/types'

export interface DiagnosticsSettings {
  /** Event-log entries kept. Default 500. */
  capacity?: number
  /** Messages whose traces are kept. Default 500. */
  traceCapacity?: number
  /** Keep token / payload / body fields in log details. Default false (never logged). */
  includeBodies?: boolean
  /** Forward anomalies to WeChat's realtime log manager (≤ 5 KB a line, ≤ 200 lines). Default false. */
  realtimeLog?: boolean
}
import { InvalidOptionError } from './errors'
import type { Platform } from './platform/types'
import type { InboxOptions } from './inbox/inbox'
import type { OutboxLimits } from './outbox/outbox'
import type { SyncProvider } from './sync/types'

export interface ClientOptions {
  /** This user's uid. Required, non-empty. */
  uid: string
  /**
   * WebSocket address, e.g. `wss://im.example.com:5200`, or a function returning one that is
   * called before every dial. When absent, `GET <apiAddr>/route?uid=<uid>` is asked before every
   * dial and its `wss_addr` (or `ws_addr` when wss_addr is empty) is used.
   */
  wsAddr?: string | (() => string | Promise<string>)
  /** Which address of the route lookup to dial (the other is used when it is empty). Default 'wss_addr' (mini-programs need wss). */
  routeAddr?: 'wss_addr' | 'ws_addr'
  /** Base URL of the WuKongIM HTTP API (route lookup and message sync), e.g. `https://im.example.com:5001`. */
  apiAddr?: string
  /** Static token for CONNECT. Give this or `tokenProvider`; default '' (server without token auth). */
  token?: string
  /**
   * Asked for a token before the first dial and again after the server closed a socket before
   * its CONNACK (how a v2 server reports a bad token). Wins over `token`.
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
  /** Milliseconds hidden after which onAppShow rebuilds the socket instead of probing it. Default 5 000. */
  rebuildAfterHiddenMs?: number
  outbox?: {
    /** SENDs on the wire without a SENDACK, at most. Default 32. */
    window?: number
    /**
     * SENDs of one channel on the wire without a SENDACK, at most. Default 0 = only `window` limits.
     * Set 1 for WuKongIM v1.2.x, which may store one channel's pipelined sends out of order: the
     * server then stores them in send() order, at one round trip per message per channel.
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
  /** Which server line the default sync provider speaks. Default 'auto'. */
  serverLine?: 'v2' | 'v3' | 'auto'
  /** Receive-side tuning (continuity check period, gap-fill retries...), see InboxOptions. */
  inbox?: InboxOptions
  /**
   * Source of uniform floats in [0, 1) for backoff jitter (e.g. a seeded generator in tests).
   * Default: derived from platform.randomBytes.
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
  /** Outbox: messages on a lost connection are not put back in the queue. */
  disableResend?: boolean
  /** Inbox: a gap is given up after its retries even when the sync API never answered (issue 15.1). */
  giveUpGapsOnSyncError?: boolean
  /** Inbox: an unreadable stored state starts as a fresh install (issue 15.2). */
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
}

/** Options after validation, with every default filled in. */
export interface ResolvedOptions {
  uid: string
  wsAddr?: string | (() => string | Promise<string>)
  apiAddr?: string
  routeAddr: 'wss_addr' | 'ws_addr'
  token: string
  tokenProvider?: () => string | Promise<string>
  deviceFlag: number
  deviceId?: string
  heartbeat: { intervalMs: number; deadAfterMs: number; probeTimeoutMs: number }
  backoff: { initialMs: number; maxMs: number }
  connectTimeoutMs: number
  rebuildAfterHiddenMs: number
  outbox: OutboxLimits
  storage: { prefix: string; encrypt: boolean }
  random?: () => number
}

export function resolveOptions(o: ClientOptions): ResolvedOptions {
  if (!o || typeof o !== 'object') throw new InvalidOptionError('options must be an object')
  if (typeof o.uid !== 'string' || o.uid === '') throw new InvalidOptionError('uid must be a non-empty string', { option: 'uid' })
  if (o.wsAddr === undefined && !o.apiAddr) {
    throw new InvalidOptionError('give wsAddr, or apiAddr for the route lookup', { option: 'wsAddr' })
  }
  if (o.wsAddr !== undefined && typeof o.wsAddr !== 'string' && typeof o.wsAddr !== 'function') {
    throw new InvalidOptionError('wsAddr must be a string or a function', { option: 'wsAddr' })
  }
  if (o.token !== undefined && typeof o.token !== 'string') throw new InvalidOptionError('token must be a string', { option: 'token' })
  if (o.tokenProvider !== undefined && typeof o.tokenProvider !== 'function') {
    throw new InvalidOptionError('tokenProvider must be a function', { option: 'tokenProvider' })
  }
  const interval = positive(o.heartbeat?.intervalMs, 25_000, 'heartbeat.intervalMs')
  const backoffInitial = positive(o.backoff?.initialMs, 500, 'backoff.initialMs')
  const retryInitial = positive(o.outbox?.retryInitialMs, 1_000, 'outbox.retryInitialMs')
  const deviceFlag = o.deviceFlag ?? DeviceFlag.Web
  if (!Number.isInteger(deviceFlag) || deviceFlag < 0 || deviceFlag > 255) {
    throw new InvalidOptionError('deviceFlag must be an integer 0..255', { option: 'deviceFlag' })
  }
  const prefix = o.storage?.prefix ?? 'wkmp'
  if (prefix === '' || prefix.indexOf(':') >= 0) throw new InvalidOptionError('storage.prefix must be non-empty without ":"', { option: 'storage.prefix' })
  return {
    uid: o.uid,
    wsAddr: o.wsAddr,
    apiAddr: o.apiAddr ? o.apiAddr.replace(/\/+$/, '') : undefined,
    routeAddr: o.routeAddr === 'ws_addr' ? 'ws_addr' : 'wss_addr',
    token: o.token ?? '',
    tokenProvider: o.tokenProvider,
    deviceFlag,
    deviceId: o.deviceId,
    heartbeat: {
      intervalMs: interval,
      deadAfterMs: positive(o.heartbeat?.deadAfterMs, 2 * interval + 5_000, 'heartbeat.deadAfterMs'),
      probeTimeoutMs: positive(o.heartbeat?.probeTimeoutMs, 3_000, 'heartbeat.probeTimeoutMs'),
    },
    backoff: { initialMs: backoffInitial, maxMs: positive(o.backoff?.maxMs, 30_000, 'backoff.maxMs') },
    connectTimeoutMs: positive(o.connectTimeoutMs, 10_000, 'connectTimeoutMs'),
    rebuildAfterHiddenMs: nonNegative(o.rebuildAfterHiddenMs, 5_000, 'rebuildAfterHiddenMs'),
    outbox: {
      window: positive(o.outbox?.window, 32, 'outbox.window'),
      channelWindow: nonNegative(o.outbox?.channelWindow, 0, 'outbox.channelWindow'),
      maxMessages: positive(o.outbox?.maxMessages, 1_000, 'outbox.maxMessages'),
      sendackTimeoutMs: positive(o.outbox?.sendackTimeoutMs, 10_000, 'outbox.sendackTimeoutMs'),
      expireAfterMs: nonNegative(o.outbox?.expireAfterMs, 0, 'outbox.expireAfterMs'),
      retryInitialMs: retryInitial,
      retryMaxMs: positive(o.outbox?.retryMaxMs, 60_000, 'outbox.retryMaxMs'),
    },
    storage: { prefix, encrypt: o.storage?.encrypt === true },
    random: o.random,
  }
}

function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new InvalidOptionError(`${option} must be a positive number`, { option, value })
  }
  return value
}

function nonNegative(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new InvalidOptionError(`${option} must be a number >= 0`, { option, value })
  }
  return value
}
