/**
 * An in-memory Platform for unit tests and tools: storage in a Map of JSON strings (with the wx
 * size limits), network and app lifecycle switched by hand, sockets through an injected connector,
 * HTTP through an injected handler. It reads no global: pass `clock`/`timers` (a test's virtual
 * scheduler) or use the built-in manual timers driven by `control.advance(ms)`.
 *
 * It is not the simulated wx (test/support/sim-wx): no background suspension, no socket cap.
 * Both pass the same contract suite (test/contract/platform.contract.ts).
 */
import { utf8Length } from '../proto/utf8'
import { InvalidOptionError, NetworkError, PlatformError, ProtocolError, StorageError } from '../errors'
import type {
  Clock, HttpRequest, HttpResponse, NetworkStatus, Platform, PlatformSocket, SocketHandlers, TimerId, Timers, Unsubscribe,
} from './types'

/** What the far end of a socket calls to reach the client. Shared with the simulated wx. */
export interface SocketPeer {
  /** The socket is open (the WebSocket handshake finished). */
  open(): void
  /** One WebSocket message: bytes for a binary frame, a string for a text frame. */
  message(data: Uint8Array | string): void
  /** A socket-level failure as wx reports it (`errMsg`). Does not close by itself. */
  error(errMsg: string): void
  /** The socket is gone: a close frame (code, reason) or an abnormal closure (1006). */
  close(code: number, reason: string): void
}

/** What the client side calls to reach the far end. */
export interface SocketServerEnd {
  send(data: Uint8Array): void
  /** The client closed the socket (a close frame with code and reason). */
  close(code: number, reason: string): void
}

/**
 * Opens one connection to `url`; the far end talks back through `peer`. `ctx.timers` are the
 * platform's timers (a connector that models latency schedules with them).
 */
export type SocketConnector = (url: string, peer: SocketPeer, ctx: { timers: Timers }) => SocketServerEnd

/** Serves `platform.request` in memory. */
export type HttpHandler = (req: HttpRequest) => Promise<HttpResponse>

export interface StorageLimits {
  /** Largest stored size of one key, in bytes (key + JSON value, UTF-8). Default 1 MiB. */
  perKeyBytes: number
  /** Largest stored size of all keys together, in bytes. Default 10 MiB. */
  totalBytes: number
}

export const WX_STORAGE_LIMITS: StorageLimits = { perKeyBytes: 1024 * 1024, totalBytes: 10 * 1024 * 1024 }

export interface MemoryPlatformOptions {
  /** Default: the built-in manual clock, starting at 0 and moved by control.advance(). */
  clock?: Clock
  /** Default: the built-in manual timers, fired by control.advance(). */
  timers?: Timers
  /**
   * Source of randomBytes. Default: a deterministic xorshift PRNG seeded by `seed` — NOT secure,
   * fine for tests only.
   */
  random?: (n: number) => Uint8Array
  /** Seed of the default PRNG (default 1). */
  seed?: number
  /** Backing map key → JSON text. Pass the same map to a new platform to model a cold restart. */
  data?: Map<string, string>
  limits?: StorageLimits
  /** Where openSocket connects. Without one every dial fails (onError, then onClose 1006). */
  connect?: SocketConnector
  /** Serves request(). Without one every request rejects with NetworkError. */
  http?: HttpHandler
  /** Default { online: true, type: 'wifi' }. */
  network?: NetworkStatus
}

export interface MemoryPlatformControl {
  readonly data: Map<string, string>
  /** Flips the network; going offline ends every open socket (onClose 1006). Listeners hear it. */
  setOnline(online: boolean, type?: string): void
  show(): void
  hide(): void
  /** The next `n` storage writes (set/remove) reject with StorageError STORAGE_FAILED. */
  failNextWrites(n: number): void
  /** Sockets opened and not yet closed. */
  readonly openSockets: number
  /** Built-in manual timers only: moves the clock and fires due timers, synchronously. */
  advance(ms: number): void
}

export interface MemoryPlatform extends Platform {
  readonly control: MemoryPlatformControl
}

/** UTF-8 byte length of a string (no TextEncoder: the SDK runs where it is missing). */
export const utf8ByteLength = utf8Length

class ManualTimers implements Clock, Timers {
  time = 0
  private seq = 0
  private readonly due = new Map<number, { at: number; fn: () => void }>()
  now(): number {
    return this.time
  }
  setTimeout(fn: () => void, ms: number): TimerId {
    this.due.set(++this.seq, { at: this.time + Math.max(0, ms || 0), fn })
    return this.seq
  }
  clearTimeout(id: TimerId): void {
    this.due.delete(id as number)
  }
  advance(ms: number): void {
    const end = this.time + ms
    for (;;) {
      let best: [number, { at: number; fn: () => void }] | undefined
      for (const e of this.due) if (e[1].at <= end && (!best || e[1].at < best[1].at)) best = e
      if (!best) break
      this.due.delete(best[0])
      this.time = Math.max(this.time, best[1].at)
      best[1].fn()
    }
    this.time = end
  }
}

function xorshift(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1
  return (n) => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      x >>>= 0
      out[i] = x & 0xff
    }
    return out
  }
}

export function createMemoryPlatform(options: MemoryPlatformOptions = {}): MemoryPlatform {
  const manual = new ManualTimers()
  const clock = options.clock ?? manual
  const timers = options.timers ?? manual
  const random = options.random ?? xorshift(options.seed ?? 1)
  const data = options.data ?? new Map<string, string>()
  const limits = options.limits ?? WX_STORAGE_LIMITS
  let status: NetworkStatus = { ...(options.network ?? { online: true, type: 'wifi' }) }
  let failWrites = 0
  const netListeners = new Set<(s: NetworkStatus) => void>()
  const showListeners = new Set<() => void>()
  const hideListeners = new Set<() => void>()
  const liveSockets = new Set<(code: number, reason: string) => void>()

  const size = (key: string, json: string): number => utf8ByteLength(key) + utf8ByteLength(json)
  const total = (): number => {
    let n = 0
    for (const [k, v] of data) n += size(k, v)
    return n
  }
  const emit = <T>(set: Set<(arg: T) => void>, arg: T): void => {
    for (const l of [...set]) l(arg)
  }
  const listen = <L>(set: Set<L>, l: L): Unsubscribe => {
    set.add(l)
    return () => {
      set.delete(l)
    }
  }
  const takeFailure = (op: string, key: string): void => {
    if (failWrites <= 0) return
    failWrites--
    throw new StorageError('STORAGE_FAILED', `${op} failed (injected)`, { key })
  }

  function openSocket(url: string, h: SocketHandlers): PlatformSocket {
    let closed = false
    const finish = (code: number, reason: string): void => {
      if (closed) return
      closed = true
      liveSockets.delete(finish)
      h.onClose(code, reason)
    }
    const peer: SocketPeer = {
      open: () => {
        if (!closed) h.onOpen()
      },
      message: (d) => {
        if (closed) return
        if (typeof d === 'string') h.onError(new ProtocolError('text frame received; only binary frames are expected', { url }))
        else h.onMessage(d)
      },
      error: (errMsg) => {
        if (!closed) h.onError(new NetworkError(errMsg, { url }))
      },
      close: finish,
    }
    let end: SocketServerEnd | undefined
    const fail = (errMsg: string): void => {
      timers.setTimeout(() => {
        peer.error(errMsg)
        finish(1006, errMsg)
      }, 0)
    }
    liveSockets.add(finish)
    if (!status.online) fail('connectSocket:fail network is offline')
    else if (!options.connect) fail('connectSocket:fail no connector configured')
    else end = options.connect(url, peer, { timers })
    return {
      send(bytes) {
        if (!closed && end) end.send(bytes.slice())
      },
      close(code = 1000, reason = '') {
        if (closed) return
        closed = true
        liveSockets.delete(finish)
        end?.close(code, reason)
      },
    }
  }

  const platform: MemoryPlatform = {
    name: 'memory',
    now: () => clock.now(),
    setTimeout: (fn, ms) => timers.setTimeout(fn, ms),
    clearTimeout: (id) => timers.clearTimeout(id),
    async randomBytes(n) {
      const bytes = random(n)
      if (bytes.length !== n) throw new PlatformError('random source returned the wrong length', { wanted: n, got: bytes.length })
      return bytes
    },
    openSocket,
    storage: {
      async get(key) {
        const v = data.get(key)
        return v === undefined ? undefined : JSON.parse(v)
      },
      async set(key, value) {
        takeFailure('set', key)
        const json = JSON.stringify(value)
        if (json === undefined) throw new StorageError('STORAGE_FAILED', 'value is not JSON-serialisable', { key })
        const bytes = size(key, json)
        if (bytes > limits.perKeyBytes) throw new StorageError('STORAGE_FULL', 'value exceeds the per-key limit', { key, bytes })
        const old = data.get(key)
        if (total() - (old === undefined ? 0 : size(key, old)) + bytes > limits.totalBytes) {
          throw new StorageError('STORAGE_FULL', 'storage is full', { key, bytes })
        }
        data.set(key, json)
      },
      async remove(key) {
        takeFailure('remove', key)
        data.delete(key)
      },
      async keys() {
        return [...data.keys()]
      },
    },
    network: {
      getStatus: async () => ({ ...status }),
      onChange: (l) => listen(netListeners, l),
    },
    lifecycle: {
      onShow: (l) => listen(showListeners, l),
      onHide: (l) => listen(hideListeners, l),
    },
    async request(req) {
      if (!status.online) throw new NetworkError('request:fail network is offline', { url: req.url })
      if (!options.http) throw new NetworkError('request:fail no http handler configured', { url: req.url })
      return options.http(req)
    },
    control: {
      data,
      setOnline(online, type) {
        status = { online, type: type ?? (online ? 'wifi' : 'none') }
        if (!online) for (const finish of [...liveSockets]) finish(1006, 'network lost')
        emit(netListeners, { ...status })
      },
      show: () => emit(showListeners, undefined),
      hide: () => emit(hideListeners, undefined),
      failNextWrites(n) {
        failWrites = n
      },
      get openSockets() {
        return liveSockets.size
      },
      advance(ms) {
        if (options.timers) throw new InvalidOptionError('control.advance drives the built-in timers only; advance your own scheduler', { option: 'timers' })
        manual.advance(ms)
      },
    },
  }
  return platform
}
