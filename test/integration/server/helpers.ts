/** Shared set-up for the local server's integration tests: a real server on port 0 per test. */
import { RawClient, type RawClientOptions } from '../../support/server/raw-client'
import { startLocalServer, type LocalServer, type LocalServerOptions } from '../../support/server/ws-server'

export const MODES = ['v2', 'v3'] as const

export interface Harness {
  server: LocalServer
  clients: RawClient[]
  /** Registers a token for uid (all device flags) and connects a RawClient. */
  connect(uid: string, opts?: Partial<RawClientOptions>): Promise<RawClient>
  http(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }>
  close(): Promise<void>
}

export async function harness(options: LocalServerOptions): Promise<Harness> {
  const server = await startLocalServer(options)
  const clients: RawClient[] = []
  return {
    server,
    clients,
    async connect(uid, opts = {}) {
      if (!server.core.store.token(uid, opts.deviceFlag ?? 1)) server.core.registerToken(uid, `tok-${uid}`)
      const c = await RawClient.connect(server.wsUrl, { uid, token: `tok-${uid}`, ...opts })
      clients.push(c)
      return c
    },
    async http(method, path, body) {
      const res = await fetch(server.apiUrl + path, {
        method,
        ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      })
      return { status: res.status, body: await res.json() }
    },
    async close() {
      for (const c of clients) c.close()
      await server.close()
    },
  }
}

/** Waits `ms` of real time (only where a test must show that something does NOT happen). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Polls `cond` every 10 ms (for server-side state no socket event announces). */
export async function until(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const start = Date.now()
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}
