/**
 * One app instance in a test: the real client over the real wx adapter over the simulated wx,
 * talking to the local server over real sockets. The connector is wrapped to count sockets that
 * are really alive (dialed and not yet closed by either side) and, optionally, to rewrite what
 * the server sends (test-side fault injection the server does not offer).
 */
import { createClient } from '../../../sdk/client'
import type { Client } from '../../../sdk/client'
import type { ClientOptions } from '../../../sdk/options'
import type { SocketConnector } from '../../../sdk/platform/memory'
import type { Platform } from '../../../sdk/platform/types'
import { createSimWx, realConnector, SimStorageData } from '../../support/sim-wx'
import type { SimWx, SimWxOptions } from '../../support/sim-wx'
import { startLocalServer } from '../../support/server/ws-server'
import type { LocalServer, LocalServerOptions } from '../../support/server/ws-server'

export interface SocketCount {
  live: number
  max: number
  dialed: number
}

/** Counts live sockets; `rewrite` may change each server → client message. */
export function countingConnector(inner: SocketConnector, count: SocketCount, rewrite?: (data: Uint8Array) => Uint8Array): SocketConnector {
  return (url, peer, ctx) => {
    count.dialed++
    count.live++
    count.max = Math.max(count.max, count.live)
    let gone = false
    const end = () => {
      if (!gone) {
        gone = true
        count.live--
      }
    }
    const far = inner(
      url,
      {
        open: () => peer.open(),
        message: (data) => peer.message(rewrite && typeof data !== 'string' ? rewrite(data) : data),
        error: (errMsg) => peer.error(errMsg),
        close: (code, reason) => {
          end()
          peer.close(code, reason)
        },
      },
      ctx,
    )
    return {
      send: (data) => far.send(data),
      close: (code, reason) => {
        end()
        // A browser-style WebSocket refuses to *send* the reserved 1005/1006/1015 (the simulated wx
        // uses 1006 for "the link just died"); the far end sees a plain close either way.
        far.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason)
      },
    }
  }
}

export interface App {
  sim: SimWx
  /** The app's one platform (what createClient defaults to in a real mini-program). */
  platform: Platform
  client: Client
}

export class World {
  server!: LocalServer
  readonly storage = new SimStorageData()
  readonly sockets: SocketCount = { live: 0, max: 0, dialed: 0 }
  rewrite: ((data: Uint8Array) => Uint8Array) | undefined
  /** INTERNAL errors (broken invariants such as a refused state transition) of every client: must stay empty. */
  readonly internal: unknown[] = []
  private readonly clients: Client[] = []

  async start(options: LocalServerOptions = {}): Promise<this> {
    this.server = await startLocalServer({ wsPort: 0, apiPort: 0, ...options })
    for (const uid of ['alice', 'bob', 'carol']) this.server.core.registerToken(uid, `${uid}-token`)
    return this
  }

  /** A fresh mini-program instance over this world's storage (a cold restart when one ran before). */
  app(clientOptions: Partial<ClientOptions> = {}, simOptions: Partial<SimWxOptions> = {}): App {
    const sim = createSimWx({
      scheduler: 'real',
      connect: countingConnector(realConnector(), this.sockets, (d) => (this.rewrite ? this.rewrite(d) : d)),
      storage: this.storage,
      ...simOptions,
    })
    const platform = sim.control.platform()
    return { sim, platform, client: this.client(platform, clientOptions) }
  }

  client(platform: Platform, clientOptions: Partial<ClientOptions> = {}): Client {
    const client = createClient({
      uid: 'alice',
      token: 'alice-token',
      wsAddr: this.server.wsUrl,
      apiAddr: this.server.apiUrl,
      platform,
      backoff: { initialMs: 20, maxMs: 200 },
      ...clientOptions,
    })
    this.clients.push(client)
    client.on('error', (e) => {
      if (e.code === 'INTERNAL') this.internal.push(e)
    })
    return client
  }

  async stop(): Promise<void> {
    for (const c of this.clients.splice(0)) await c.close().catch(() => undefined)
    await this.server?.close()
  }
}
