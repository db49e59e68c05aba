/// <reference types="miniprogram-api-typings" preserve="true" />
/**
 * The real Platform: the only code in sdk/ that touches `wx` (and the global timers and clock,
 * which in WeChat are globals, not members of `wx`). Facts behind each choice: docs/platform.md.
 *
 * Sockets: binary ArrayBuffer frames only (a text frame is a ProtocolError); SocketTask has no
 * off* methods, so a closed flag silences every callback after close() or onClose; close() on a
 * dead task never throws; iOS may drop the task's onClose after backgrounding and fire only the
 * global `wx.onSocketClose`, which is routed to the newest live socket.
 * Storage: async API; a later async write can land before an earlier one, so the operations on
 * one key run one after another.
 * Randomness: `wx.getRandomValues` (base 2.15.0) is async, so bytes come from a refilled pool;
 * there is no Math.random fallback — without it randomBytes rejects with PlatformError.
 */
import { NetworkError, PlatformError, ProtocolError, StorageError } from '../errors'
import type { ImError } from '../errors'
import type {
  Clock, HttpResponse, NetworkStatus, Platform, PlatformFiles, PlatformSocket, RealtimeLog, SocketHandlers, Timers, Unsubscribe,
} from './types'

type Wx = WechatMiniprogram.Wx

/** Exactly the part of `wx` the adapter uses. The optional ones are missing on older base libraries. */
export type WxApi = Pick<
  Wx,
  | 'connectSocket'
  | 'setStorage'
  | 'getStorage'
  | 'removeStorage'
  | 'getStorageInfo'
  | 'getNetworkType'
  | 'onNetworkStatusChange'
  | 'request'
> &
  Partial<
    Pick<
      Wx,
      | 'onSocketClose' // legacy global, fires on iOS when the task's onClose does not
      | 'offNetworkStatusChange' // base 2.9.3
      | 'onAppShow' // base 2.1.2 (with onAppHide, offAppShow, offAppHide)
      | 'onAppHide'
      | 'offAppShow'
      | 'offAppHide'
      | 'getRandomValues' // base 2.15.0
      | 'getRealtimeLogManager' // base 2.7.1
      | 'getFileSystemManager' // media messages (with uploadFile and env.USER_DATA_PATH)
      | 'uploadFile'
      | 'env'
    >
  >

export interface WxPlatformOptions {
  /** Pass `encrypt: true` on every setStorage/getStorage (base 2.21.3; limits drop to ~0.7 MB/key, ~7.1 MB total). Default false. */
  encryptStorage?: boolean
  /** Bytes fetched per wx.getRandomValues call (default 4096: one bridge call per 256 messages' clientMsgNos). */
  randomPoolSize?: number
  /** Default: the global setTimeout/clearTimeout. Tests pass the simulated wx's timers. */
  timers?: Timers
  /** Default: Date.now. Tests pass the simulated wx's clock. */
  clock?: Clock
}

export interface WxPlatform extends Platform {
  /** wx APIs this base library lacks, and what degrades because of it (empty on a current one). */
  readonly missing: readonly string[]
}

/** Longest close reason WebSocket allows, in UTF-8 bytes. */
export const MAX_CLOSE_REASON_BYTES = 123
/** How long a global onSocketClose may belong to a socket that already ended (ms). */
const ENDED_MATCH_MS = 5000
/** How long a global onSocketClose waits for the task's own onClose before it is routed (ms). */
const GLOBAL_CLOSE_GRACE_MS = 50

/** Cuts `s` to at most `max` UTF-8 bytes without splitting a character. */
export function truncateUtf8(s: string, max: number): string {
  let bytes = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    const n = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3
    if (bytes + n > max) return s.slice(0, i)
    bytes += n
    if (pair) i++
  }
  return s
}

/** A Uint8Array view as the ArrayBuffer wx wants: a copy of exactly the viewed bytes. */
function toArrayBuffer(view: Uint8Array): ArrayBuffer {
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer
}

const validCloseCode = (code: number): boolean => code === 1000 || (code >= 3000 && code <= 4999)

export function createWxPlatform(wx: WxApi, opts: WxPlatformOptions = {}): WxPlatform {
  const timers: Timers = opts.timers ?? {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (id) => clearTimeout(id as number),
  }
  const clock: Clock = opts.clock ?? { now: () => Date.now() }
  const encrypt = opts.encryptStorage === true
  const poolSize = Math.max(16, opts.randomPoolSize ?? 4096)
  const missing: string[] = []
  if (!wx.getRandomValues) missing.push('getRandomValues: randomBytes rejects (base 2.15.0 needed)')
  if (!wx.offNetworkStatusChange) missing.push('offNetworkStatusChange: one listener kept, filtered (base 2.9.3)')
  if (!wx.onAppShow || !wx.onAppHide) missing.push('onAppShow/onAppHide: lifecycle events never fire (base 2.1.2)')
  if (!wx.onSocketClose) missing.push('onSocketClose: iOS background closes go unnoticed until the heartbeat')

  // ---- sockets --------------------------------------------------------------------------------

  interface Live {
    opened: boolean
    finish(code: number, reason: string): void
  }
  const live: Live[] = [] // newest last
  const ended: number[] = [] // end times of sockets whose global onSocketClose may still come
  let globalCloseHooked = false

  const hookGlobalClose = (): void => {
    if (globalCloseHooked || !wx.onSocketClose) return
    globalCloseHooked = true
    wx.onSocketClose((res) => {
      // Wait a moment: the closing task's own onClose may come right after the global event.
      timers.setTimeout(() => {
        const now = clock.now()
        while (ended.length > 0 && now - (ended[0] as number) > ENDED_MATCH_MS) ended.shift()
        // The echo of a close already handled (a task onClose, or our own close()): consume it.
        // A close the app never saw within ENDED_MATCH_MS of another one is missed here; the
        // heartbeat deadline still catches it.
        if (ended.length > 0) {
          ended.shift()
          return
        }
        for (let i = live.length - 1; i >= 0; i--) {
          const s = live[i] as Live
          if (s.opened) {
            s.finish(res.code, res.reason)
            ended.pop() // finish() recorded this end; the event was its own
            return
          }
        }
      }, GLOBAL_CLOSE_GRACE_MS)
    })
  }

  function openSocket(url: string, h: SocketHandlers): PlatformSocket {
    hookGlobalClose()
    let closed = false
    let task: WechatMiniprogram.SocketTask | undefined
    const entry: Live = {
      opened: false,
      finish(code, reason) {
        if (closed) return
        end()
        h.onClose(code, reason)
      },
    }
    const end = (): void => {
      closed = true
      const i = live.indexOf(entry)
      if (i >= 0) live.splice(i, 1)
      const now = clock.now()
      while (ended.length > 0 && now - (ended[0] as number) > ENDED_MATCH_MS) ended.shift() // stays small
      ended.push(now)
    }
    const fail = (error: ImError): void => {
      if (closed) return
      h.onError(error)
      if (!entry.opened) entry.finish(1006, error.message) // a failed dial never opens: end it here
    }
    const closeTask = (code: number, reason: string): void => {
      try {
        // wx rejects other codes like the browser does; a dead task fails ("not connected"): ignore.
        task?.close({ code: validCloseCode(code) ? code : 1000, reason: truncateUtf8(reason, MAX_CLOSE_REASON_BYTES), fail: () => undefined })
      } catch {
        // close() on a task the client already released can throw on some versions
      }
    }
    live.push(entry)
    try {
      task = wx.connectSocket({
        url,
        fail: (e) => fail(new NetworkError(e.errMsg, { url, api: 'connectSocket' })),
      })
    } catch (e) {
      timers.setTimeout(() => fail(new NetworkError(`connectSocket threw: ${String(e)}`, { url }, e)), 0)
    }
    task?.onOpen(() => {
      // close() before open does nothing in wx (the docs warn about it): close the task now.
      if (closed) closeTask(1000, '')
      if (closed || entry.opened) return
      entry.opened = true
      h.onOpen()
    })
    task?.onMessage((res) => {
      if (closed) return
      if (typeof res.data === 'string') h.onError(new ProtocolError('text frame received; WKProto uses binary frames only', { url, length: res.data.length }))
      else h.onMessage(new Uint8Array(res.data))
    })
    task?.onError((res) => fail(new NetworkError(res.errMsg, { url, api: 'SocketTask.onError' })))
    task?.onClose((res) => entry.finish(res.code, res.reason))

    return {
      send(data) {
        if (closed || !task) return
        task.send({
          data: toArrayBuffer(data),
          fail: (e) => {
            if (!closed) h.onError(new NetworkError(e.errMsg, { url, api: 'SocketTask.send' }))
          },
        })
      },
      close(code = 1000, reason = '') {
        if (closed) return
        end()
        closeTask(code, reason)
      },
    }
  }

  // ---- storage --------------------------------------------------------------------------------

  const chains = new Map<string, Promise<unknown>>()
  /** Runs `op` after every earlier operation on `key` settled. */
  const serial = <T>(key: string, op: () => Promise<T>): Promise<T> => {
    const prev = chains.get(key)
    // Nothing pending on the key (the usual case): no extra turn.
    const run = prev ? prev.then(op, op) : op()
    const settled = (): void => {
      if (chains.get(key) === tail) chains.delete(key)
    }
    const tail: Promise<void> = run.then(settled, settled)
    chains.set(key, tail)
    return run
  }
  const storageError = (api: string, key: string, errMsg: string): StorageError =>
    new StorageError(/exceed/i.test(errMsg) ? 'STORAGE_FULL' : 'STORAGE_FAILED', errMsg, { api, key })

  const read = (key: string, encrypted: boolean): Promise<{ data: unknown } | { errMsg: string }> =>
    new Promise((resolve) => {
      wx.getStorage({
        key,
        ...(encrypted ? { encrypt: true } : {}),
        success: (res) => resolve({ data: res.data }),
        fail: (e) => resolve({ errMsg: e.errMsg }),
      })
    })
  const write = (key: string, value: unknown): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      wx.setStorage({
        key,
        data: value,
        ...(encrypt ? { encrypt: true } : {}),
        success: () => resolve(),
        fail: (e) => reject(storageError('setStorage', key, e.errMsg)),
      })
    })

  const storage: Platform['storage'] = {
    // `encrypt` may be switched on or off by an app update, and a value can only be read in the
    // mode it was written in: a read that fails in this mode is tried in the other one, and a value
    // found that way is rewritten in this mode (best effort; it is returned either way).
    get: (key) =>
      serial(key, async () => {
        const first = await read(key, encrypt)
        if ('data' in first) return first.data
        if (/not found/i.test(first.errMsg)) return undefined
        const other = await read(key, !encrypt)
        if (!('data' in other)) throw storageError('getStorage', key, first.errMsg)
        await write(key, other.data).catch(() => undefined)
        return other.data
      }),
    set: (key, value) => serial(key, () => write(key, value)),
    remove: (key) =>
      serial(key, () =>
        new Promise<void>((resolve, reject) => {
          wx.removeStorage({ key, success: () => resolve(), fail: (e) => reject(storageError('removeStorage', key, e.errMsg)) })
        })),
    keys: () =>
      new Promise<string[]>((resolve, reject) => {
        wx.getStorageInfo({ success: (res) => resolve(res.keys.slice()), fail: (e) => reject(storageError('getStorageInfo', '', e.errMsg)) })
      }),
  }

  // ---- network and lifecycle ------------------------------------------------------------------

  const toStatus = (networkType: string, isConnected?: boolean): NetworkStatus => ({
    online: isConnected ?? networkType !== 'none',
    type: networkType,
  })

  let netListeners: Set<(s: NetworkStatus) => void> | undefined
  const onNetworkChange = (listener: (s: NetworkStatus) => void): Unsubscribe => {
    if (wx.offNetworkStatusChange) {
      const off = wx.offNetworkStatusChange.bind(wx)
      const cb: WechatMiniprogram.OnNetworkStatusChangeCallback = (res) => listener(toStatus(res.networkType, res.isConnected))
      wx.onNetworkStatusChange(cb)
      // the typings give off* a narrower callback type than on*: the same function is passed back
      return () => off(cb as unknown as WechatMiniprogram.OffNetworkStatusChangeCallback)
    }
    // Before base 2.9.3 a listener cannot be removed: keep one and filter through a set.
    if (!netListeners) {
      const set = new Set<(s: NetworkStatus) => void>()
      netListeners = set
      wx.onNetworkStatusChange((res) => {
        for (const l of [...set]) l(toStatus(res.networkType, res.isConnected))
      })
    }
    const set = netListeners
    set.add(listener)
    return () => {
      set.delete(listener)
    }
  }

  const lifecycleHook = (on: 'onAppShow' | 'onAppHide', off: 'offAppShow' | 'offAppHide') => (listener: () => void): Unsubscribe => {
    const register = wx[on]
    if (!register) return () => undefined
    const cb = (): void => listener()
    register.call(wx, cb)
    const unregister = wx[off]
    let active = true
    return () => {
      if (!active) return
      active = false
      unregister?.call(wx, cb)
    }
  }

  // ---- randomness -----------------------------------------------------------------------------

  let pool = new Uint8Array(0)
  /** Bytes of `pool` already handed out. */
  let used = 0
  let refilling: Promise<void> | undefined
  const refill = (want: number): Promise<void> => {
    if (refilling) return refilling
    if (!wx.getRandomValues) return Promise.reject(new PlatformError('wx.getRandomValues is missing (base library 2.15.0 or later needed); no insecure fallback is used'))
    const p = new Promise<void>((resolve, reject) => {
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- checked above
      wx.getRandomValues!({
        length: want,
        success: (res) => {
          const fresh = new Uint8Array(res.randomValues)
          const rest = pool.subarray(used)
          const merged = new Uint8Array(rest.length + fresh.length)
          merged.set(rest)
          merged.set(fresh, rest.length)
          pool = merged
          used = 0
          resolve()
        },
        fail: (e) => reject(new PlatformError(`wx.getRandomValues failed: ${e.errMsg}`, { length: want })),
      })
    })
    refilling = p
    const done = (): void => {
      if (refilling === p) refilling = undefined
    }
    p.then(done, done)
    return p
  }

  async function randomBytes(n: number): Promise<Uint8Array> {
    while (pool.length - used < n) await refill(Math.max(poolSize, n))
    const out = pool.slice(used, used + n)
    used += n
    if (pool.length - used < poolSize / 2) refill(poolSize).catch(() => undefined) // top up ahead of need
    return out
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  const request: Platform['request'] = (req) =>
    new Promise<HttpResponse>((resolve, reject) => {
      wx.request({
        url: req.url,
        method: req.method,
        ...(req.data !== undefined ? { data: req.data as WechatMiniprogram.IAnyObject } : {}),
        header: { 'content-type': 'application/json', ...req.headers },
        timeout: req.timeoutMs ?? 10_000,
        dataType: 'json',
        success: (res) => resolve({ status: res.statusCode, data: res.data }),
        fail: (e) => reject(new NetworkError(e.errMsg, { url: req.url, method: req.method })),
      })
    })

  // ---- files and uploads (media messages) -------------------------------------------------------

  let files: PlatformFiles | undefined
  if (wx.getFileSystemManager && wx.uploadFile && wx.env) {
    const fs = wx.getFileSystemManager()
    const upload = wx.uploadFile.bind(wx)
    const fileError = (api: string, path: string, errMsg: string): StorageError =>
      new StorageError(/maximum size|exceed/i.test(errMsg) ? 'STORAGE_FULL' : 'STORAGE_FAILED', errMsg, { api, path, missing: /no such file/i.test(errMsg) })
    // FileSystemManager's callbacks: success → value, fail → StorageError naming the api.
    const fsCall = <T>(api: string, path: string, run: (done: (v: T) => void, fail: (e: { errMsg: string }) => void) => void): Promise<T> =>
      new Promise<T>((resolve, reject) => run(resolve, (e) => reject(fileError(api, path, e.errMsg))))
    files = {
      userDir: wx.env.USER_DATA_PATH,
      copy: (from, to) => fsCall<void>('copyFile', from, (ok, fail) => fs.copyFile({ srcPath: from, destPath: to, success: () => ok(), fail })),
      remove: (path) =>
        fsCall<void>('unlink', path, (ok, fail) => fs.unlink({ filePath: path, success: () => ok(), fail })).catch((e: StorageError) => {
          if (!e.context.missing) throw e
        }),
      size: (path) =>
        fsCall<number | undefined>('stat', path, (ok, fail) => fs.stat({ path, success: (res) => ok((res.stats as WechatMiniprogram.Stats).size), fail })).catch((e: StorageError) => {
          if (e.context.missing) return undefined
          throw e
        }),
      list: (dir) => fsCall<string[]>('readdir', dir, (ok, fail) => fs.readdir({ dirPath: dir, success: (res) => ok(res.files.slice()), fail })),
      upload(req) {
        let task: WechatMiniprogram.UploadTask | undefined
        const done = new Promise<{ status: number; data: string }>((resolve, reject) => {
          task = upload({
            url: req.url,
            filePath: req.filePath,
            name: req.name,
            header: req.headers ?? {},
            formData: req.formData ?? {},
            timeout: req.timeoutMs ?? 60_000,
            success: (res) => resolve({ status: res.statusCode, data: String(res.data) }),
            // A file that is gone will not come back: `missing` makes the upload fail for good.
            fail: (e) => reject(new NetworkError(e.errMsg, { api: 'uploadFile', url: req.url, missing: /no such file|not exist/i.test(e.errMsg) })),
          })
        })
        const onProgress = req.onProgress
        if (onProgress) task?.onProgressUpdate((res) => onProgress(Math.min(1, Math.max(0, res.progress / 100))))
        return { done, abort: () => task?.abort() }
      },
    }
  } else missing.push('getFileSystemManager/uploadFile: media messages (send with `file`) are refused')

  let realtimeLog: RealtimeLog | undefined
  if (wx.getRealtimeLogManager) {
    const m = wx.getRealtimeLogManager()
    realtimeLog = { info: (s) => m.info(s), warn: (s) => m.warn(s), error: (s) => m.error(s) }
  }

  return {
    name: 'wx',
    missing,
    now: () => clock.now(),
    setTimeout: (fn, ms) => timers.setTimeout(fn, ms),
    clearTimeout: (id) => timers.clearTimeout(id),
    randomBytes,
    openSocket,
    storage,
    network: {
      getStatus: () =>
        new Promise<NetworkStatus>((resolve, reject) => {
          wx.getNetworkType({
            success: (res) => resolve(toStatus(res.networkType)),
            fail: (e) => reject(new NetworkError(e.errMsg, { api: 'getNetworkType' })),
          })
        }),
      onChange: onNetworkChange,
    },
    lifecycle: {
      onShow: lifecycleHook('onAppShow', 'offAppShow'),
      onHide: lifecycleHook('onAppHide', 'offAppHide'),
    },
    request,
    ...(files ? { files } : {}),
    ...(realtimeLog ? { realtimeLog } : {}),
  }
}

/** The platform over the real global `wx` (what createClient uses by default). */
export function defaultWxPlatform(opts: WxPlatformOptions = {}): WxPlatform {
  return createWxPlatform(wx, opts)
}
