/**
 * The whole client against the local server's core, in manual (virtual) time: a small Platform
 * whose sockets are wired straight into ServerCore.accept, with controllable network and app
 * lifecycle, counting live sockets. Lets tests move minutes of heartbeat and backoff in an instant.
 */
import { randomBytes } from 'crypto'
import { ServerCore } from '../../support/server/core'
import type { ServerConnection } from '../../support/server/core'
import type { NetworkStatus, Platform, SocketHandlers } from '../../../sdk/platform/types'
import { NetworkError } from '../../../sdk/errors'
import { ManualTime, CountingStorage } from '../outbox/harness'

export interface World {
  time: ManualTime
  core: ServerCore
}

export function makeWorld(mode: 'v2' | 'v3' = 'v2', encrypt = true): World {
  const time = new ManualTime()
  const core = new ServerCore({
    mode,
    encrypt,
    clock: { now: () => time.now },
    timers: { setTimeout: time.setTimeout, clearTimeout: time.clearTimeout },
    random: (n) => new Uint8Array(randomBytes(n)),
    routes: { wsAddr: 'ws://core' },
  })
  for (const uid of ['alice', 'bob', 'carol']) core.registerToken(uid, `${uid}-token`)
  return { time, core }
}

export interface Device {
  platform: Platform
  storage: CountingStorage
  /** Sockets opened and not yet closed by either side. */
  readonly live: number
  /** Most sockets ever live at once. */
  readonly maxLive: number
  readonly opened: number
  setNetwork(online: boolean): void
  hide(): void
  show(): void
  /** The server side of every live socket dies; `silent` = the client gets no onClose (iOS background). */
  killSockets(silent: boolean): void
  /** Rewrites each server → client WebSocket message (test-side fault injection). */
  rewriteInbound?: (data: Uint8Array) => Uint8Array
}

export function makeDevice(world: World, storage = new CountingStorage()): Device {
  const { time, core } = world
  let online = true
  let live = 0
  let maxLive = 0
  let opened = 0
  const netListeners = new Set<(s: NetworkStatus) => void>()
  const showListeners = new Set<() => void>()
  const hideListeners = new Set<() => void>()
  const killers = new Set<(silent: boolean) => void>()
  const status = (): NetworkStatus => ({ online, type: online ? 'wifi' : 'none' })
  const defer = (fn: () => void) => time.setTimeout(fn, 1)

  const platform: Platform = {
    name: 'virtual',
    now: () => time.now,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
    randomBytes: async (n) => new Uint8Array(randomBytes(n)),
    storage,
    network: {
      getStatus: async () => status(),
      onChange: (l) => (netListeners.add(l), () => netListeners.delete(l)),
    },
    lifecycle: {
      onShow: (l) => (showListeners.add(l), () => showListeners.delete(l)),
      onHide: (l) => (hideListeners.add(l), () => hideListeners.delete(l)),
    },
    request: async (req) => {
      if (!online) throw new NetworkError('request:fail offline')
      const path = req.url.replace(/^https?:\/\/[^/]+/, '')
      const res = await core.handleHttp(req.method, path, req.data)
      return { status: res.status, data: res.body }
    },
    openSocket: (_url: string, h: SocketHandlers) => {
      opened++
      live++
      maxLive = Math.max(maxLive, live)
      let ended = false // no handler may run any more (closed by the client, or the close was reported)
      let server: ServerConnection | undefined
      const end = () => {
        if (!ended) {
          ended = true
          live--
          killers.delete(kill)
        }
      }
      let serverGone = false
      const kill = (silent: boolean) => {
        serverGone = true
        server?.onClose()
        // Silent: the task stays open on the client (still counted live) but nothing flows.
        if (!silent) defer(() => !ended && (end(), h.onClose(1006, 'abnormal closure')))
      }
      killers.add(kill)
      defer(() => {
        if (ended) return
        if (!online) {
          end()
          h.onError(new NetworkError('connectSocket:fail offline'))
          return
        }
        server = core.accept({
          send: (data) => {
            const copy = device.rewriteInbound ? device.rewriteInbound(data.slice()) : data.slice()
            defer(() => !ended && !serverGone && h.onMessage(copy))
          },
          close: ({ code, reason, withCloseFrame }) => {
            defer(() => {
              if (ended) return
              end()
              h.onClose(withCloseFrame ? (code ?? 1000) : 1006, withCloseFrame ? (reason ?? '') : 'abnormal closure')
            })
          },
        })
        if (!ended) h.onOpen()
      })
      return {
        send: (data) => {
          const copy = data.slice()
          defer(() => !ended && !serverGone && server?.onData(copy))
        },
        close: () => {
          if (ended) return
          end()
          server?.onClose()
        },
      }
    },
  }

  const device: Device = {
    platform,
    storage,
    get live() {
      return live
    },
    get maxLive() {
      return maxLive
    },
    get opened() {
      return opened
    },
    setNetwork(next) {
      online = next
      if (!next) for (const k of Array.from(killers)) k(false)
      for (const l of Array.from(netListeners)) l(status())
    },
    hide: () => hideListeners.forEach((l) => l()),
    show: () => showListeners.forEach((l) => l()),
    killSockets: (silent) => Array.from(killers).forEach((k) => k(silent)),
  }
  return device
}
