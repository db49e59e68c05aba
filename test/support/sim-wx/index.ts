/**
 * A simulated `wx`, faithful to docs/platform.md, for running the real wx adapter (and so the whole
 * client) in tests. What it models:
 * - storage: see storage.ts; async callbacks of operations issued in the same tick complete in a
 *   seeded shuffled order (an order holds only if the caller waits), injected failures, and
 *   writes not yet applied are lost on a cold restart;
 * - sockets: SocketTask with only onOpen/onMessage/onError/onClose/send/close (no off*, no
 *   readyState), the concurrency cap (closed tasks count until released), `send` wanting a string
 *   or ArrayBuffer, `close` refusing bad codes, long reasons, dead tasks and not-yet-open tasks
 *   (the docs warn a close before open does nothing), plus the global `wx.onSocketClose`;
 * - network: getNetworkType / onNetworkStatusChange / offNetworkStatusChange; offline makes dials
 *   and requests fail and ends live sockets;
 * - lifecycle: onAppShow/onAppHide; 5 s after hide the app is suspended (timers and every callback
 *   wait until show, then arrive late; requests in flight fail `request:fail interrupted`); 10 s
 *   later sockets are closed (1001) — with `iosNoOnClose` the task's onClose never fires, only the
 *   global wx.onSocketClose, once; 30 min suspended = destroyed (cold-restart to go on);
 * - one clock: a VirtualScheduler (virtual time) or the real clock ('real').
 *
 * Error texts marked "sim" below are this simulator's choice where WeChat's text is unknown.
 *
 * Usage — virtual time against the in-process server (test/support/server/core.ts):
 *   const scheduler = new VirtualScheduler()
 *   const core = new ServerCore({ ..., clock: scheduler, timers: scheduler })
 *   const sim = createSimWx({ scheduler, connect: virtualConnector((sink) => core.accept(sink)), http: serverHttpHandler(core) })
 *   const client = createClient({ ..., platform: sim.control.platform() })
 *   await scheduler.advance(1000)              // or runUntil(() => ..., maxMs)
 * Real time against a real ws URL (startLocalServer or any WuKongIM):
 *   const sim = createSimWx({ scheduler: 'real', connect: realConnector() })   // requests use fetch
 * Then: sim.control.hide()/show(), setNetwork({ online }), storage.failNext(n), sockets()[i].kill(),
 * and `const next = sim.control.coldRestart()` for a fresh wx over the same storage.
 */
import type { WxApi } from '../../../sdk/platform/wx'
import { createWxPlatform, type WxPlatform, type WxPlatformOptions } from '../../../sdk/platform/wx'
import type { SocketConnector, SocketPeer, SocketServerEnd } from '../../../sdk/platform/memory'
import type { Clock, TimerId, Timers } from '../../../sdk/platform/types'
import { createSeededRandom, type VirtualScheduler } from '../virtual-time'
import { SimStorageData, type SimStorageLimits } from './storage'
import type { SimHttpHandler, SimHttpRequest } from './connectors'
import { SimFileData, USER_DATA_PATH, fileSystemManager, noSuchFile } from './files'
import * as http from 'http'

export { SimStorageData } from './storage'
export { SimFileData, USER_DATA_PATH, FILES_BUDGET_BYTES } from './files'
/** sim: the uploadFile texts below follow wx.request's; WeChat's exact ones are not documented. */
export const OFFLINE_UPLOAD_TEXT = 'uploadFile:fail net::ERR_INTERNET_DISCONNECTED'
export const UPLOAD_ABORT_TEXT = 'uploadFile:fail abort'
export { virtualConnector, realConnector, serverHttpHandler } from './connectors'
export type { AcceptFn, AcceptSink, SimHttpHandler, SimHttpRequest, SimHttpResponse } from './connectors'
export type SimConnector = SocketConnector
export type SimSocketPeer = SocketPeer
export type SimServerEnd = SocketServerEnd

export const SOCKET_CAP_TEXT = 'createSocketTask: fail exceed max cocurrent count'
export const NOT_CONNECTED_TEXT = 'closeSocket:fail WebSocket is not connected'
export const INTERRUPTED_TEXT = 'request:fail interrupted'
/** sim: WeChat's offline texts vary by OS and client. */
export const OFFLINE_REQUEST_TEXT = 'request:fail net::ERR_INTERNET_DISCONNECTED'
/** sim: the text WeChat uses for the request cap is not documented. */
export const REQUEST_CAP_TEXT = 'request:fail exceed max task count'
export const OFFLINE_SOCKET_TEXT = 'connectSocket:fail net::ERR_INTERNET_DISCONNECTED'

export interface SimWxOptions {
  /** A VirtualScheduler (virtual time) or 'real' (global timers and Date.now). */
  scheduler: VirtualScheduler | 'real'
  /** Where sockets go. Without one every dial fails like an unreachable host. */
  connect?: SocketConnector
  /** Serves wx.request in virtual mode (in real mode requests use fetch unless this is given). */
  http?: SimHttpHandler
  /** The "disk"; pass the same object to model a cold restart. Default: a new one. */
  storage?: SimStorageData
  /** The file system (USER_DATA_PATH and temp files); kept across coldRestart(), temp files dropped. Default: a new one. */
  files?: SimFileData
  /** Serves wx.uploadFile in virtual mode (in real mode uploads are real multipart POSTs unless this is given). */
  upload?: SimUploadHandler
  /** Seed for the storage completion order and getRandomValues (default 1). */
  seed?: number
  /** Concurrent socket cap (default 5). */
  socketCap?: number
  /** How long a closed task still counts toward the cap (default 50 ms). */
  socketReleaseMs?: number
  /** Concurrent wx.request cap (default 10, shared with upload/download in WeChat). */
  requestCap?: number
  /** One-way latency of wx.request in virtual mode (default 5 ms). */
  requestLatencyMs?: number
  /** iOS: a background socket close fires only the global wx.onSocketClose, never the task's onClose. */
  iosNoOnClose?: boolean
  /** Fire the global wx.onSocketClose before the task's onClose (default after). */
  globalCloseFirst?: boolean
  /** What going offline does to open sockets: 'close' = onError + onClose 1006 (default); 'silent' = nothing arrives any more. */
  offlineSockets?: 'close' | 'silent'
  /** Initial network (default online wifi). */
  network?: { online: boolean; type?: string }
  /** wx functions to leave out, modelling an older base library (e.g. ['getRandomValues']). */
  missing?: string[]
  /** Background timeline in ms (defaults 5 000, 10 000, 1 800 000). */
  suspendAfterMs?: number
  socketKillAfterSuspendMs?: number
  destroyAfterSuspendMs?: number
}

/** One wx.uploadFile as a virtual-mode handler sees it. */
export interface SimUploadRequest {
  url: string
  name: string
  fileName: string
  bytes: Uint8Array
  formData: Record<string, string>
  header: Record<string, string>
}
export type SimUploadHandler = (req: SimUploadRequest) => Promise<{ statusCode: number; data: string }>

/** A live (or closing) simulated socket, for tests. */
export interface SimSocket {
  readonly id: number
  readonly url: string
  readonly state: 'connecting' | 'open' | 'closed'
  /** Binary messages the client sent (copies). */
  readonly sent: Uint8Array[]
  /** Deliver a frame to the client as the server would (a string = text frame). */
  push(data: Uint8Array | string): void
  /** Close from the far side: 'reset' = onClose 1006, 'silent' = the link dies and nothing arrives. */
  kill(mode: 'reset' | 'silent', code?: number, reason?: string): void
}

export interface SimStorageControl {
  readonly data: SimStorageData
  /** The next `n` writes (set/remove) fail with `errMsg` (default `<api>:fail sim injected failure`). */
  failNext(n: number, errMsg?: string): void
  /** The next `n` getStorage calls on keys containing `keyPart` (default: any key) fail, as a flaky read does. */
  failReads(n: number, keyPart?: string): void
  /** The next `n` setStorage calls on keys containing `keyPart` fail (nothing written), as a write refused midway through a batch does. */
  failWrites(n: number, keyPart: string): void
  setLimits(limits: Partial<SimStorageLimits>): void
  /**
   * The process is about to die: operations not yet applied, and every later one, never complete
   * (no callback), as a kill loses the writes still in flight (used to end a process at the close
   * of the current task with the storage it had now).
   */
  freeze(): void
}

export interface SimWxControl {
  readonly clock: Clock
  /** The mini-program's setTimeout/clearTimeout: they stop while suspended and fire late on show. */
  readonly timers: Timers
  readonly storage: SimStorageControl
  /** The file system: `files.addTemp(bytes, 'jpg')` is what wx.chooseMedia hands out. */
  readonly files: SimFileData
  /** Progress events delivered by uploads so far (all tasks). */
  readonly uploadProgressEvents: number
  /**
   * What the user picks at the next wx.chooseMedia (each becomes a temp file); none queued = the
   * user cancels (`chooseMedia:fail cancel`).
   */
  choose(files: Array<{ bytes: Uint8Array; ext?: string; width?: number; height?: number }>): void
  /** What the recorder captures next (wx.getRecorderManager: start, then stop gives this as a temp file). */
  record(bytes: Uint8Array, durationMs: number): void
  readonly hidden: boolean
  readonly suspended: boolean
  readonly destroyed: boolean
  /** False after coldRestart() or destruction: nothing reaches this instance's callbacks any more. */
  readonly alive: boolean
  readonly network: { online: boolean; type: string }
  setNetwork(status: { online: boolean; type?: string }): void
  hide(): void
  /** Back to the foreground: onAppShow, then every callback held while suspended, in order. Throws when destroyed. */
  show(): void
  /** Live sockets (not yet released), oldest first. */
  sockets(): SimSocket[]
  /** Sockets counting toward the cap. */
  readonly openSocketCount: number
  /** Most sockets ever counted at once. */
  readonly maxSocketCount: number
  /** Realtime log lines written through getRealtimeLogManager. */
  readonly logs: string[]
  /** Kills this instance (its timers, sockets, listeners) and starts a fresh wx over the same storage. */
  coldRestart(overrides?: Partial<SimWxOptions>): SimWx
  /** createWxPlatform over this wx with its timers and clock. */
  platform(opts?: Omit<WxPlatformOptions, 'timers' | 'clock'>): WxPlatform
}

export interface SimWx {
  wx: WxApi
  control: SimWxControl
}

/** Sims created without a seed still differ from each other (two phones never share keys). */
let nextDefaultSeed = 1
const deriveSeed = (seed: number): number => (Math.imul(seed, 0x9e3779b1) + 0x7f4a7c15) >>> 0

type Cb<T = Record<string, unknown>> = ((res: T) => void) | undefined
interface CallbackOpts {
  success?: Cb<any>
  fail?: Cb<{ errMsg: string }>
  complete?: Cb<any>
}

const realBase: Clock & Timers = {
  now: () => Date.now(),
  // unref: a pending app or simulator timer never keeps a finished test process alive
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (id) => clearTimeout(id as NodeJS.Timeout),
}

const validCloseCode = (code: number): boolean => code === 1000 || (code >= 3000 && code <= 4999)

export function createSimWx(options: SimWxOptions): SimWx {
  const base: Clock & Timers = options.scheduler === 'real' ? realBase : options.scheduler
  const data = options.storage ?? new SimStorageData()
  const fileData = options.files ?? new SimFileData()
  const rng = createSeededRandom(options.seed ?? nextDefaultSeed++)
  const cap = options.socketCap ?? 5
  const releaseMs = options.socketReleaseMs ?? 50
  const reqLatency = options.requestLatencyMs ?? 5
  const suspendAfter = options.suspendAfterMs ?? 5000
  const killAfter = options.socketKillAfterSuspendMs ?? 10_000
  const destroyAfter = options.destroyAfterSuspendMs ?? 30 * 60_000

  let alive = true
  let hidden = false
  let suspended = false
  let destroyed = false
  let network = { online: options.network?.online ?? true, type: options.network?.type ?? (options.network?.online === false ? 'none' : 'wifi') }
  const held: Array<() => void> = []
  const baseTimers = new Set<TimerId>()
  const logs: string[] = []

  /** Runs app code now, later (held while suspended), or never (dead instance). */
  const deliver = (fn: () => void): void => {
    if (!alive) return
    if (suspended) held.push(fn)
    else fn()
  }
  /** A simulator-internal delay (not an app timer). */
  const later = (fn: () => void, ms: number): TimerId => {
    const id = base.setTimeout(() => {
      baseTimers.delete(id)
      if (alive) fn()
    }, ms)
    baseTimers.add(id)
    return id
  }
  const cancel = (id: TimerId | undefined): void => {
    if (id === undefined) return
    base.clearTimeout(id)
    baseTimers.delete(id)
  }
  const call = (o: CallbackOpts, ok: boolean, res: Record<string, unknown>): void => {
    deliver(() => {
      if (ok) o.success?.(res)
      else o.fail?.(res as { errMsg: string })
      o.complete?.(res)
    })
  }

  // ---- app timers -----------------------------------------------------------------------------

  let timerSeq = 0
  const appTimers = new Map<number, { baseId: TimerId; cleared: boolean }>()
  const timers: Timers = {
    setTimeout(fn, ms) {
      const id = ++timerSeq
      const entry = { baseId: undefined as TimerId, cleared: false }
      entry.baseId = later(() => {
        appTimers.delete(id)
        deliver(() => {
          if (!entry.cleared) fn()
        })
      }, ms)
      appTimers.set(id, entry)
      return id
    },
    clearTimeout(id) {
      const entry = appTimers.get(id as number)
      if (!entry) return
      entry.cleared = true
      appTimers.delete(id as number)
      cancel(entry.baseId)
    },
  }
  const clock: Clock = { now: () => base.now() }

  // ---- listeners ------------------------------------------------------------------------------

  const listeners = {
    show: new Set<(res: unknown) => void>(),
    hide: new Set<(res: unknown) => void>(),
    net: new Set<(res: { isConnected: boolean; networkType: string }) => void>(),
    socketClose: new Set<(res: { code: number; reason: string }) => void>(),
  }
  const emit = <T>(set: Set<(res: T) => void>, res: T): void => {
    for (const l of [...set]) l(res)
  }
  const offer = <T>(set: Set<T>) => (l?: T): void => {
    if (l === undefined) set.clear()
    else set.delete(l)
  }

  // ---- storage --------------------------------------------------------------------------------

  let failNext = 0
  let failText: string | undefined
  let failReads = { n: 0, keyPart: '' }
  let failWrites = { n: 0, keyPart: '' }
  let frozen = false
  const batch: Array<() => void> = []
  const queueStorage = (apply: () => void): void => {
    if (frozen) return
    batch.push(apply)
    if (batch.length > 1) return
    void Promise.resolve().then(() => {
      const ops = batch.splice(0)
      if (!alive || frozen) return // a cold restart lost writes not yet applied
      // Ops issued in the same tick complete in a seeded shuffled order.
      for (let i = ops.length - 1; i > 0; i--) {
        const j = rng.int(i + 1)
        const t = ops[i] as () => void
        ops[i] = ops[j] as () => void
        ops[j] = t
      }
      for (const op of ops) op()
    })
  }
  const injected = (api: string): string | undefined => {
    if (failNext <= 0) return undefined
    failNext--
    return failText ?? `${api}:fail sim injected failure`
  }
  type SetOpts = CallbackOpts & { key: string; data: unknown; encrypt?: boolean }
  type KeyOpts = CallbackOpts & { key: string; encrypt?: boolean }

  const storageApi = {
    setStorage(o: SetOpts) {
      let inj = injected('setStorage')
      if (inj === undefined && failWrites.n > 0 && o.key.includes(failWrites.keyPart)) {
        failWrites.n--
        inj = 'setStorage:fail sim injected failure'
      }
      queueStorage(() => {
        const err = inj ?? data.write(o.key, o.data, o.encrypt === true)
        if (err === undefined) call(o, true, { errMsg: 'setStorage:ok' })
        else call(o, false, { errMsg: inj ?? `setStorage:fail ${err}` })
      })
    },
    getStorage(o: KeyOpts) {
      const inj = failReads.n > 0 && o.key.includes(failReads.keyPart)
      if (inj) failReads.n--
      queueStorage(() => {
        if (inj) return call(o, false, { errMsg: 'getStorage:fail sim injected read failure' })
        const r = data.read(o.key, o.encrypt === true)
        if ('data' in r) call(o, true, { data: r.data, errMsg: 'getStorage:ok' })
        else call(o, false, { errMsg: `getStorage:fail ${r.fail}` })
      })
    },
    removeStorage(o: KeyOpts) {
      const inj = injected('removeStorage')
      queueStorage(() => {
        if (inj) return call(o, false, { errMsg: inj })
        data.delete(o.key)
        call(o, true, { errMsg: 'removeStorage:ok' })
      })
    },
    getStorageInfo(o: CallbackOpts) {
      queueStorage(() => call(o, true, { ...data.info(), errMsg: 'getStorageInfo:ok' }))
    },
    // Sync forms: applied at once, so they can overtake pending async writes (docs/platform.md §3).
    setStorageSync(key: string, value: unknown) {
      const err = injected('setStorageSync') ?? data.write(key, value, false)
      if (err !== undefined) throw new Error(err.includes(':fail') ? err : `APP-SERVICE-SDK:setStorageSync:fail ${err}`)
    },
    getStorageSync(key: string): unknown {
      const r = data.read(key, false)
      return 'data' in r ? r.data : ''
    },
    getStorageInfoSync() {
      return data.info()
    },
  }

  // ---- sockets --------------------------------------------------------------------------------

  let socketSeq = 0
  const counted = new Set<SimSocketImpl>()
  let maxCount = 0

  interface SimSocketImpl extends SimSocket {
    state: 'connecting' | 'open' | 'closed'
    end?: SocketServerEnd
    dead: boolean // link dead silently: nothing arrives, sends vanish
    finish(code: number, reason: string, fireTask: boolean): void
    /** onError(errMsg) then onClose 1006, as a broken link reports it. */
    fail(errMsg: string): void
  }

  function connectSocket(o: CallbackOpts & { url: string }) {
    const on = { open: [] as Cb<any>[], message: [] as Cb<any>[], error: [] as Cb<any>[], close: [] as Cb<any>[] }
    const fire = (list: Cb<any>[], res: unknown): void => deliver(() => list.forEach((l) => l?.(res)))
    const task = {
      onOpen: (l: Cb) => void on.open.push(l),
      onMessage: (l: Cb) => void on.message.push(l),
      onError: (l: Cb) => void on.error.push(l),
      onClose: (l: Cb) => void on.close.push(l),
      send(s: CallbackOpts & { data: unknown }) {
        const d = s.data
        if (sock.state !== 'open') return call(s, false, { errMsg: 'sendSocketMessage:fail WebSocket is not connected' })
        if (typeof d !== 'string' && !(d instanceof ArrayBuffer)) return call(s, false, { errMsg: 'sendSocketMessage:fail parameter error: data should be String or ArrayBuffer' })
        const bytes = typeof d === 'string' ? new Uint8Array(Buffer.from(d, 'utf8')) : new Uint8Array(d.slice(0))
        if (!sock.dead) {
          sock.sent.push(bytes)
          sock.end?.send(bytes)
        }
        call(s, true, { errMsg: 'sendSocketMessage:ok' })
      },
      close(c: CallbackOpts & { code?: number; reason?: string } = {}) {
        const code = c.code ?? 1000
        const reason = c.reason ?? ''
        if (sock.state !== 'open') return call(c, false, { errMsg: NOT_CONNECTED_TEXT })
        if (!validCloseCode(code)) return call(c, false, { errMsg: 'closeSocket:fail The code must be either 1000, or between 3000 and 4999' })
        if (Buffer.byteLength(reason, 'utf8') > 123) return call(c, false, { errMsg: 'closeSocket:fail The message must not be greater than 123 bytes' })
        sock.state = 'closed'
        call(c, true, { errMsg: 'closeSocket:ok' })
        if (sock.dead) sock.finish(code, reason, true)
        else sock.end?.close(code, reason) // its echo arrives through peer.close
      },
    }
    const sock: SimSocketImpl = {
      id: ++socketSeq,
      url: o.url,
      state: 'connecting',
      sent: [],
      dead: false,
      push(d) {
        peer.message(d)
      },
      kill(mode, code = 1006, reason = 'abnormal closure') {
        if (mode === 'silent') {
          sock.dead = true
          return
        }
        sock.end?.close(1006, 'reset')
        sock.finish(code, reason, true)
      },
      fail(errMsg) {
        peer.error(errMsg)
        sock.finish(1006, 'abnormal closure', true)
      },
      finish(code, reason, fireTask) {
        if (!counted.has(sock) || closedOnce) return
        closedOnce = true
        sock.state = 'closed'
        later(() => counted.delete(sock), releaseMs)
        const global = (): void => deliver(() => emit(listeners.socketClose, { code, reason }))
        if (options.globalCloseFirst) global()
        if (fireTask) fire(on.close, { code, reason })
        if (!options.globalCloseFirst) global()
      },
    }
    let closedOnce = false
    const peer: SocketPeer = {
      open() {
        if (sock.dead || closedOnce || sock.state !== 'connecting') return
        sock.state = 'open'
        fire(on.open, { header: {}, profile: {} })
      },
      message(d) {
        if (sock.dead || closedOnce) return
        const copy = typeof d === 'string' ? d : d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength)
        fire(on.message, { data: copy })
      },
      error(errMsg) {
        if (!sock.dead && !closedOnce) fire(on.error, { errMsg })
      },
      close(code, reason) {
        if (!sock.dead) sock.finish(code, reason, true)
      },
    }

    if (counted.size >= cap) {
      later(() => {
        call(o, false, { errMsg: SOCKET_CAP_TEXT })
        fire(on.error, { errMsg: SOCKET_CAP_TEXT })
      }, 0)
      sock.state = 'closed'
      closedOnce = true
      return task
    }
    counted.add(sock)
    maxCount = Math.max(maxCount, counted.size)
    later(() => call(o, true, { errMsg: 'connectSocket:ok' }), 0)
    if (!network.online || !options.connect) {
      const text = network.online ? 'connectSocket:fail sim no server (no connector)' : OFFLINE_SOCKET_TEXT
      later(() => sock.fail(text), 1)
      return task
    }
    sock.end = options.connect(o.url, peer, { timers: { setTimeout: later, clearTimeout: cancel } })
    return task
  }

  // ---- requests -------------------------------------------------------------------------------

  const inflight = new Set<(errMsg: string) => void>()
  type RequestOpts = CallbackOpts & { url: string; method?: string; data?: unknown; header?: Record<string, string>; timeout?: number; dataType?: string }
  function request(o: RequestOpts) {
    let done = false
    let timeout: TimerId | undefined
    const finish = (ok: boolean, res: Record<string, unknown>): void => {
      if (done) return
      done = true
      inflight.delete(abortWith)
      cancel(timeout)
      call(o, ok, res)
    }
    const abortWith = (errMsg: string): void => finish(false, { errMsg })
    if (inflight.size >= (options.requestCap ?? 10)) {
      later(() => abortWith(REQUEST_CAP_TEXT), 0)
      return { abort: () => undefined }
    }
    inflight.add(abortWith)
    timeout = later(() => abortWith('request:fail timeout'), o.timeout ?? 60_000)
    const req: SimHttpRequest = {
      url: o.url,
      method: (o.method ?? 'GET').toUpperCase(),
      ...(o.data !== undefined ? { data: JSON.parse(JSON.stringify(o.data)) } : {}),
      header: { ...(o.header ?? {}) },
    }
    const respond = (statusCode: number, body: unknown): void => {
      if (!network.online) return abortWith(OFFLINE_REQUEST_TEXT)
      let parsed = body
      if (typeof body === 'string' && o.dataType !== 'text') {
        try {
          parsed = JSON.parse(body)
        } catch {
          parsed = body // not JSON: wx hands the text over
        }
      } else if (body !== undefined && typeof body !== 'string') parsed = JSON.parse(JSON.stringify(body))
      finish(true, { statusCode, data: parsed, header: {}, errMsg: 'request:ok' })
    }
    if (!network.online) later(() => abortWith(OFFLINE_REQUEST_TEXT), 1)
    else if (options.scheduler === 'real' && !options.http) {
      fetch(req.url, { method: req.method, headers: { 'content-type': 'application/json', ...req.header }, body: req.method === 'GET' ? undefined : JSON.stringify(req.data ?? {}) })
        .then(async (res) => respond(res.status, await res.text()))
        .catch((e: Error) => abortWith(`request:fail ${e.message}`))
    } else if (!options.http) later(() => abortWith('request:fail sim no http handler'), reqLatency)
    else {
      const handler = options.http
      later(() => {
        handler(req).then(
          (res) => later(() => respond(res.statusCode, res.data), reqLatency),
          (e: Error) => later(() => abortWith(`request:fail ${e.message}`), reqLatency),
        )
      }, reqLatency)
    }
    return { abort: () => abortWith('request:fail abort') }
  }

  // ---- uploads --------------------------------------------------------------------------------

  let progressEvents = 0
  type UploadOpts = CallbackOpts & { url: string; filePath: string; name: string; header?: Record<string, string>; formData?: Record<string, string>; timeout?: number }
  function uploadFile(o: UploadOpts) {
    let done = false
    let timeout: TimerId | undefined
    let cancelTransfer: (() => void) | undefined
    const progress = new Set<(res: { progress: number; totalBytesSent: number; totalBytesExpectedToSend: number }) => void>()
    const finish = (ok: boolean, res: Record<string, unknown>): void => {
      if (done) return
      done = true
      inflight.delete(abortWith)
      cancel(timeout)
      cancelTransfer?.()
      call(o, ok, res)
    }
    // Shares the request cap and the suspend abort with wx.request (texts rewritten to this api).
    const abortWith = (errMsg: string): void => finish(false, { errMsg: errMsg.replace(/^request:/, 'uploadFile:') })
    const sent = (n: number, total: number): void => {
      if (done) return
      const res = { progress: Math.round((n / total) * 100), totalBytesSent: n, totalBytesExpectedToSend: total }
      deliver(() => {
        if (done) return
        progressEvents++
        for (const l of [...progress]) l(res)
      })
    }
    const task = {
      onProgressUpdate: (l: (res: { progress: number; totalBytesSent: number; totalBytesExpectedToSend: number }) => void) => void progress.add(l),
      offProgressUpdate: (l?: (res: { progress: number; totalBytesSent: number; totalBytesExpectedToSend: number }) => void) => (l ? void progress.delete(l) : progress.clear()),
      onHeadersReceived: () => undefined,
      offHeadersReceived: () => undefined,
      abort: () => abortWith(UPLOAD_ABORT_TEXT),
    }
    if (inflight.size >= (options.requestCap ?? 10)) {
      later(() => abortWith(REQUEST_CAP_TEXT), 0)
      return task
    }
    inflight.add(abortWith)
    timeout = later(() => abortWith('uploadFile:fail timeout'), o.timeout ?? 60_000)
    const bytes = fileData.read(o.filePath)
    const fileName = o.filePath.replace(/^.*\//, '')
    if (!bytes) later(() => abortWith(noSuchFile('uploadFile', o.filePath)), 1)
    else if (!network.online) later(() => abortWith(OFFLINE_UPLOAD_TEXT), 1)
    else if (options.scheduler === 'real' && !options.upload) cancelTransfer = realUpload(o, bytes, fileName, sent, finish, abortWith)
    else if (!options.upload) later(() => abortWith('uploadFile:fail sim no upload handler'), reqLatency)
    else {
      const handler = options.upload
      const total = bytes.length
      // Progress in quarters, one request latency apart, then the handler's answer.
      for (let q = 1; q <= 4; q++) later(() => sent(Math.round((total * q) / 4), total), reqLatency * q)
      later(() => {
        handler({ url: o.url, name: o.name, fileName, bytes: bytes.slice(), formData: { ...(o.formData ?? {}) }, header: { ...(o.header ?? {}) } }).then(
          (res) => later(() => (network.online ? finish(true, { statusCode: res.statusCode, data: res.data, errMsg: 'uploadFile:ok' }) : abortWith(OFFLINE_UPLOAD_TEXT)), reqLatency),
          (e: Error) => later(() => abortWith(`uploadFile:fail ${e.message}`), reqLatency),
        )
      }, reqLatency * 4)
    }
    return task
  }

  // ---- media pickers ----------------------------------------------------------------------------

  const chosen: Array<Array<{ bytes: Uint8Array; ext?: string; width?: number; height?: number }>> = []
  let recording: { bytes: Uint8Array; durationMs: number } = { bytes: new Uint8Array([0x23, 0x21, 0x41, 0x4d, 0x52]), durationMs: 1_000 }
  function chooseMedia(o: CallbackOpts): void {
    const picked = chosen.shift()
    if (!picked) {
      later(() => call(o, false, { errMsg: 'chooseMedia:fail cancel' }), 0)
      return
    }
    const tempFiles = picked.map((f) => ({ tempFilePath: fileData.addTemp(f.bytes, f.ext ?? 'jpg'), size: f.bytes.length, width: f.width ?? 0, height: f.height ?? 0, fileType: 'image', duration: 0, thumbTempFilePath: '' }))
    later(() => call(o, true, { tempFiles, type: 'image', errMsg: 'chooseMedia:ok' }), 0)
  }
  // One recorder per app, as wx.getRecorderManager() returns the same manager every call.
  const stops = new Set<(res: { tempFilePath: string; duration: number; fileSize: number }) => void>()
  let started = false
  const recorder = {
      onStop: (l: (res: { tempFilePath: string; duration: number; fileSize: number }) => void) => void stops.add(l),
      onError: () => undefined,
      onStart: () => undefined,
      start: () => void (started = true),
      stop() {
        if (!started) return
        started = false
        const res = { tempFilePath: fileData.addTemp(recording.bytes, 'mp3'), duration: recording.durationMs, fileSize: recording.bytes.length }
        later(() => deliver(() => stops.forEach((l) => l(res))), 0)
      },
  }
  const getRecorderManager = () => recorder

  // ---- lifecycle ------------------------------------------------------------------------------

  let phase: TimerId | undefined
  const suspend = (): void => {
    suspended = true
    // Requests not finished by now fail; the app hears it on return (docs/platform.md §1.5).
    for (const abort of [...inflight]) abort(INTERRUPTED_TEXT)
    phase = later(() => {
      for (const s of [...counted]) {
        if (s.state === 'closed') continue
        s.end?.close(1001, 'app in background')
        if (options.iosNoOnClose) {
          s.dead = true
          s.finish(1001, '', false)
        } else s.finish(1001, '', true)
      }
      phase = later(() => kill(true), destroyAfter - killAfter)
    }, killAfter)
  }
  const kill = (asDestroyed: boolean): void => {
    if (!alive) return
    alive = false
    destroyed = asDestroyed
    held.length = 0
    for (const id of [...baseTimers]) cancel(id)
    for (const s of [...counted]) {
      if (s.state !== 'closed') s.end?.close(1006, 'mini-program destroyed')
    }
    counted.clear()
    for (const set of Object.values(listeners)) set.clear()
  }

  // ---- the wx object --------------------------------------------------------------------------

  const wxObject: Record<string, unknown> = {
    connectSocket,
    onSocketClose: (l: (res: { code: number; reason: string }) => void) => void listeners.socketClose.add(l),
    ...storageApi,
    getNetworkType(o: CallbackOpts) {
      later(() => call(o, true, { networkType: network.online ? network.type : 'none', signalStrength: 0, errMsg: 'getNetworkType:ok' }), 0)
    },
    onNetworkStatusChange: (l: (res: { isConnected: boolean; networkType: string }) => void) => void listeners.net.add(l),
    offNetworkStatusChange: offer(listeners.net),
    onAppShow: (l: (res: unknown) => void) => void listeners.show.add(l),
    onAppHide: (l: (res: unknown) => void) => void listeners.hide.add(l),
    offAppShow: offer(listeners.show),
    offAppHide: offer(listeners.hide),
    request,
    uploadFile,
    chooseMedia,
    getRecorderManager,
    getFileSystemManager: () => fileSystemManager(fileData, (o, ok, res) => later(() => call(o, ok, res), 0)),
    env: { USER_DATA_PATH },
    getRandomValues(o: CallbackOpts & { length: number }) {
      const bytes = rng.bytes(o.length)
      void Promise.resolve().then(() => call(o, true, { randomValues: bytes.buffer, errMsg: 'getRandomValues:ok' }))
    },
    getRealtimeLogManager() {
      const line = (level: string) => (...args: unknown[]) => void logs.push(`${level} ${args.map(String).join(' ')}`)
      return { info: line('info'), warn: line('warn'), error: line('error'), setFilterMsg: () => undefined, addFilterMsg: () => undefined }
    },
  }
  for (const name of options.missing ?? []) delete wxObject[name]
  const wx = wxObject as unknown as WxApi

  const control: SimWxControl = {
    clock,
    timers,
    storage: {
      data,
      failNext(n, errMsg) {
        failNext = n
        failText = errMsg
      },
      failReads(n, keyPart = '') {
        failReads = { n, keyPart }
      },
      failWrites(n, keyPart) {
        failWrites = { n, keyPart }
      },
      setLimits(limits) {
        data.limits = { ...data.limits, ...limits }
      },
      freeze() {
        frozen = true
      },
    },
    files: fileData,
    get uploadProgressEvents() {
      return progressEvents
    },
    choose: (files) => void chosen.push(files),
    record: (bytes, durationMs) => void (recording = { bytes, durationMs }),
    get hidden() {
      return hidden
    },
    get suspended() {
      return suspended
    },
    get destroyed() {
      return destroyed
    },
    get alive() {
      return alive
    },
    get network() {
      return { ...network }
    },
    setNetwork(status) {
      network = { online: status.online, type: status.type ?? (status.online ? 'wifi' : 'none') }
      if (!network.online) {
        for (const s of [...counted]) {
          if (s.state === 'closed' || s.dead) continue
          if (options.offlineSockets === 'silent') {
            s.dead = true
            continue
          }
          s.end?.close(1006, 'network lost')
          s.fail('sim: network lost')
        }
      }
      const res = { isConnected: network.online, networkType: network.online ? network.type : 'none' }
      deliver(() => emit(listeners.net, res))
    },
    hide() {
      if (!alive || hidden) return
      hidden = true
      deliver(() => emit(listeners.hide, {}))
      phase = later(suspend, suspendAfter)
    },
    show() {
      if (destroyed) throw new Error('sim wx: the mini-program was destroyed; use control.coldRestart()')
      if (!alive || !hidden) return
      hidden = false
      cancel(phase)
      phase = undefined
      suspended = false
      emit(listeners.show, { path: 'pages/index/index', scene: 1001, query: {} })
      for (const fn of held.splice(0)) if (alive) fn()
    },
    sockets: () => [...counted].filter((s) => s.state !== 'closed'),
    get openSocketCount() {
      return counted.size
    },
    get maxSocketCount() {
      return maxCount
    },
    logs,
    coldRestart(overrides = {}) {
      kill(false)
      // A restarted app draws fresh randomness (new deviceId, keys, clientMsgNos), as a real phone
      // would; deriving the seed keeps replays exact.
      const seed = overrides.seed ?? deriveSeed(options.seed ?? 1)
      fileData.dropTemp()
      return createSimWx({ ...options, network, ...overrides, seed, storage: data, files: fileData })
    },
    platform: (opts = {}) => createWxPlatform(wx, { ...opts, timers, clock }),
  }
  return { wx, control }
}

/**
 * A real multipart/form-data POST of `bytes` (node http), written in 16 KB chunks with a progress
 * report after each; the returned function cuts it off.
 */
function realUpload(
  o: { url: string; name: string; header?: Record<string, string>; formData?: Record<string, string> },
  bytes: Uint8Array,
  fileName: string,
  sent: (n: number, total: number) => void,
  finish: (ok: boolean, res: Record<string, unknown>) => void,
  abortWith: (errMsg: string) => void,
): () => void {
  const boundary = `----simwx${Math.random().toString(16).slice(2)}`
  const fields = Object.entries(o.formData ?? {}).map(([k, v]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('')
  const head = Buffer.from(`${fields}--${boundary}\r\ncontent-disposition: form-data; name="${o.name}"; filename="${fileName}"\r\ncontent-type: application/octet-stream\r\n\r\n`)
  const body = Buffer.concat([head, Buffer.from(bytes), Buffer.from(`\r\n--${boundary}--\r\n`)])
  const req = http.request(o.url, { method: 'POST', headers: { ...(o.header ?? {}), 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length } })
  req.on('response', (res) => {
    const chunks: Buffer[] = []
    res.on('data', (c: Buffer) => chunks.push(c))
    res.on('end', () => finish(true, { statusCode: res.statusCode ?? 0, data: Buffer.concat(chunks).toString('utf8'), errMsg: 'uploadFile:ok' }))
    res.on('error', (e) => abortWith(`uploadFile:fail ${e.message}`))
  })
  req.on('error', (e) => abortWith(`uploadFile:fail ${e.message}`))
  let offset = 0
  const CHUNK = 16 * 1024
  const next = (): void => {
    if (req.destroyed) return
    if (offset >= body.length) return void req.end()
    const end = Math.min(body.length, offset + CHUNK)
    req.write(body.subarray(offset, end), () => {
      offset = end
      sent(Math.max(0, Math.min(bytes.length, offset - head.length)), bytes.length)
      next()
    })
  }
  next()
  return () => {
    if (!req.destroyed) req.destroy()
  }
}
