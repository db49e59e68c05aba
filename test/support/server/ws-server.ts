/**
 * The local server on real sockets: WKProto over binary WebSocket (`ws`) and the HTTP API (Node
 * `http`), both on 127.0.0.1, around a ServerCore with real timers, clock and crypto randomness.
 * Port 0 picks free ports. `restart()` closes both listeners and opens new ones on the same ports
 * with a new core over the same data (reloaded from `dataDir` when given), so clients see a real
 * server restart.
 */
import * as http from 'http'
import { UploadStore } from './uploads'
import type { AddressInfo } from 'net'
import { randomBytes } from 'crypto'
import { WebSocket, WebSocketServer } from 'ws'
import { ServerCore, type ServerCoreOptions, type ServerMode } from './core'
import { ServerStore } from './store'

export interface LocalServerOptions extends Partial<Omit<ServerCoreOptions, 'clock' | 'timers' | 'random' | 'store' | 'routes' | 'mode' | 'encrypt'>> {
  /** WebSocket port (0 = pick a free one). Default 0. */
  wsPort?: number
  /** HTTP API port (0 = pick a free one). Default 0. */
  apiPort?: number
  /** Default 'v2'. */
  mode?: ServerMode
  /** Default true. */
  encrypt?: boolean
  /** Persist everything stored under this directory (survives a restart of the process). */
  dataDir?: string
}

export interface LocalServer {
  /** `ws://127.0.0.1:<port>` */
  readonly wsUrl: string
  /** `http://127.0.0.1:<port>` */
  readonly apiUrl: string
  /** The current core (a new one after restart()). */
  readonly core: ServerCore
  /** The upload endpoint (POST /upload, GET /files/<id>) with its objects and faults; kept across restart(). */
  readonly uploads: UploadStore
  /** Stops listening and drops every connection. */
  close(): Promise<void>
  /** Drops every connection, closes both listeners, and listens again on the same ports with a new core over the same data. */
  restart(): Promise<void>
}

const HOST = '127.0.0.1'
/** Largest WebSocket message accepted; frames themselves are limited to 1 MiB by the frame decoder. */
const MAX_WS_MESSAGE = 8 * 1024 * 1024

const realTimers: ServerCoreOptions['timers'] = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (id) => clearTimeout(id as NodeJS.Timeout),
}

interface Listeners {
  core: ServerCore
  wsServer: http.Server
  apiServer: http.Server
  wss: WebSocketServer
}

export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const { wsPort = 0, apiPort = 0, mode = 'v2', encrypt = true, dataDir, ...coreOptions } = options
  const memoryStore = dataDir === undefined ? new ServerStore() : undefined
  const ports = { ws: wsPort, api: apiPort }
  const uploads = new UploadStore()

  const open = async (): Promise<Listeners> => {
    const core = new ServerCore({
      ...coreOptions,
      mode,
      encrypt,
      clock: { now: () => Date.now() },
      timers: realTimers,
      random: (n) => new Uint8Array(randomBytes(n)),
      store: memoryStore ?? new ServerStore(dataDir),
    })
    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE })
    const wsServer = http.createServer((_req, res) => res.writeHead(426).end())
    wsServer.on('upgrade', (req, socket, head) => {
      // refuseConnections: the upgrade fails, as when a server is down behind a proxy.
      if (core.faults.refusing) {
        core.accept({ send: () => undefined, close: () => undefined })
        socket.destroy()
        return
      }
      wss.handleUpgrade(req, socket, head, (ws) => attach(core, ws))
    })
    const apiServer = http.createServer((req, res) => {
      if (!uploads.serve(req, res, `http://${HOST}:${ports.api}`)) void serveHttp(core, req, res, restart)
    })
    await listen(wsServer, ports.ws)
    await listen(apiServer, ports.api)
    ports.ws = (wsServer.address() as AddressInfo).port
    ports.api = (apiServer.address() as AddressInfo).port
    core.routes = { wsAddr: `ws://${HOST}:${ports.ws}` }
    return { core, wsServer, apiServer, wss }
  }

  let current = await open()

  const shut = async (l: Listeners): Promise<void> => {
    l.core.restart()
    for (const ws of l.wss.clients) ws.terminate()
    l.wss.close()
    l.apiServer.closeAllConnections()
    l.wsServer.closeAllConnections()
    await Promise.all([closeServer(l.wsServer), closeServer(l.apiServer)])
  }

  let restarting: Promise<void> | undefined
  async function restart(): Promise<void> {
    if (!restarting) {
      restarting = (async () => {
        await shut(current)
        current = await open()
      })().finally(() => (restarting = undefined))
    }
    return restarting
  }

  return {
    wsUrl: `ws://${HOST}:${ports.ws}`,
    apiUrl: `http://${HOST}:${ports.api}`,
    get core() {
      return current.core
    },
    uploads,
    close: () => shut(current),
    restart,
  }
}

function attach(core: ServerCore, ws: WebSocket): void {
  const conn = core.accept({
    send: (data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary: true })
    },
    close: (opts) => {
      if (!opts.withCloseFrame) return ws.terminate()
      // A close reason is at most 123 UTF-8 bytes (RFC 6455); ws throws on longer ones.
      let reason = opts.reason ?? ''
      while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1)
      ws.close(opts.code ?? 1000, reason)
    },
  })
  ws.on('message', (data, isBinary) => {
    // WKProto is binary only (a text message would be JSON-RPC, which this server does not speak).
    if (!isBinary) return ws.close(1003, 'binary frames only')
    const buf = data as Buffer
    conn.onData(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength))
  })
  ws.on('close', () => conn.onClose())
  ws.on('error', () => ws.terminate())
}

async function serveHttp(core: ServerCore, req: http.IncomingMessage, res: http.ServerResponse, restart: () => Promise<void>): Promise<void> {
  const send = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
    res.end(JSON.stringify(body))
  }
  try {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    let body: unknown = undefined
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text)
      } catch {
        return send(400, { msg: 'request body is not JSON', status: 400 })
      }
    }
    const path = req.url ?? '/'
    if (req.method === 'POST' && path.split('?')[0] === '/admin/restart') {
      // Answer first: the restart closes this very listener.
      send(200, { status: 200 })
      res.once('finish', () => void restart())
      return
    }
    const out = await core.handleHttp(req.method ?? 'GET', path, body)
    send(out.status, out.body)
  } catch (e) {
    send(500, { msg: (e as Error).message, status: 500 })
  }
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, HOST, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}
