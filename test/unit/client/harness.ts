/**
 * The whole client against the local server's core in virtual time: the memory platform (sockets
 * through the simulated wx's virtualConnector into ServerCore.accept, HTTP into core.handleHttp),
 * one VirtualScheduler for client and server, plus a wrapping connector that counts live sockets,
 * can kill them (with or without a close event) and can rewrite what the server sends.
 */
import { randomBytes } from 'crypto'
import { ServerCore } from '../../support/server/core'
import { virtualConnector } from '../../support/sim-wx'
import { VirtualScheduler } from '../../support/virtual-time'
import { createMemoryPlatform } from '../../../sdk/platform/memory'
import type { MemoryPlatform, SocketConnector, StorageLimits } from '../../../sdk/platform/memory'

export interface World {
  time: VirtualScheduler
  core: ServerCore
}

export function makeWorld(mode: 'v2' | 'v3' = 'v2', encrypt = true): World {
  const time = new VirtualScheduler()
  const core = new ServerCore({ mode, encrypt, clock: time, timers: time, random: (n) => new Uint8Array(randomBytes(n)), routes: { wsAddr: 'ws://core' } })
  for (const uid of ['alice', 'bob', 'carol']) core.registerToken(uid, `${uid}-token`)
  return { time, core }
}

export interface Device {
  platform: MemoryPlatform
  /** The device's storage (key → JSON text); pass it to makeDevice for a cold restart. */
  data: Map<string, string>
  /** Sockets dialed and not yet closed by either side. */
  readonly live: number
  /** Most sockets ever live at once. */
  readonly maxLive: number
  readonly opened: number
  setNetwork(online: boolean): void
  hide(): void
  show(): void
  /** The link of every live socket dies; `silent` = the client hears nothing (iOS background). */
  killSockets(silent: boolean): void
  /** Rewrites each server → client WebSocket message (test-side fault injection). */
  rewriteInbound?: (data: Uint8Array) => Uint8Array
}

export function makeDevice(world: World, options: { data?: Map<string, string>; limits?: StorageLimits } = {}): Device {
  const inner = virtualConnector((sink) => world.core.accept(sink), { latencyMs: 1 })
  const killers = new Set<(silent: boolean) => void>()
  let live = 0
  let maxLive = 0
  let opened = 0
  const connect: SocketConnector = (url, peer, ctx) => {
    opened++
    live++
    maxLive = Math.max(maxLive, live)
    let ended = false
    let cut = false // the link died: nothing flows either way any more
    const end = () => {
      if (ended) return
      ended = true
      live--
      killers.delete(kill)
    }
    const far = inner(
      url,
      {
        open: () => !cut && peer.open(),
        message: (data) => !cut && peer.message(device.rewriteInbound && typeof data !== 'string' ? device.rewriteInbound(data) : data),
        error: (errMsg) => !cut && peer.error(errMsg),
        close: (code, reason) => {
          end()
          if (!cut) peer.close(code, reason)
        },
      },
      ctx,
    )
    const kill = (silent: boolean) => {
      // The server loses the socket at once; the client hears a reset, or (silent) nothing at all
      // and still holds its task, which stays counted until the client closes it.
      far.close(1000, 'killed')
      if (silent) cut = true
    }
    killers.add(kill)
    return {
      send: (data) => !cut && far.send(data),
      close: (code, reason) => {
        end()
        far.close(code, reason)
      },
    }
  }
  const platform = createMemoryPlatform({
    clock: world.time,
    timers: world.time,
    random: (n) => new Uint8Array(randomBytes(n)),
    data: options.data,
    limits: options.limits,
    connect,
    http: async (req) => {
      const res = await world.core.handleHttp(req.method, req.url.replace(/^https?:\/\/[^/]+/, ''), req.data)
      return { status: res.status, data: res.body }
    },
  })
  const device: Device = {
    platform,
    data: platform.control.data,
    get live() {
      return live
    },
    get maxLive() {
      return maxLive
    },
    get opened() {
      return opened
    },
    setNetwork: (online) => platform.control.setOnline(online),
    hide: () => platform.control.hide(),
    show: () => platform.control.show(),
    killSockets: (silent) => Array.from(killers).forEach((k) => k(silent)),
  }
  return device
}
