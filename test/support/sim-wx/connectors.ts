/**
 * Where a simulated SocketTask (or the memory platform's socket) actually goes:
 * - virtualConnector: into an in-process server's `accept(sink)` through the virtual scheduler,
 *   each direction delayed by `latencyMs`;
 * - realConnector: a real `ws` WebSocket to a real URL (real-time mode).
 * Plus serverHttpHandler: the in-process server's HTTP API as the simulated wx.request handler.
 */
import { WebSocket } from 'ws'
import type { SocketConnector, SocketPeer } from '../../../sdk/platform/memory'

/** The transport side handed to a server's accept (same shape as test/support/server ServerSink). */
export interface AcceptSink {
  send(data: Uint8Array): void
  close(opts: { code?: number; reason?: string; withCloseFrame: boolean }): void
}

/** A server's accept function (ServerCore.accept fits). */
export type AcceptFn = (sink: AcceptSink) => { onData(data: Uint8Array): void; onClose(): void }

export interface VirtualConnectorOptions {
  /** One-way delay of the handshake, every message and every close. Default 5 ms. */
  latencyMs?: number
}

/**
 * Bridges a socket to `accept` in virtual time. The handshake takes one latency, then the server
 * accepts and the client sees open. A server close with a close frame reaches the client as
 * onClose(code, reason); without one (TCP reset) as onClose(1006). A client close reaches the
 * server as onClose() and comes back to the client as its own close event.
 */
export function virtualConnector(accept: AcceptFn, options: VirtualConnectorOptions = {}): SocketConnector {
  const latency = options.latencyMs ?? 5
  return (_url: string, peer: SocketPeer, { timers }) => {
    let conn: ReturnType<AcceptFn> | undefined
    let serverDone = false // the server closed or was told of the close
    let clientDone = false // the client closed or was told of the close
    const toClient = (fn: () => void): void => {
      timers.setTimeout(() => {
        if (!clientDone) fn()
      }, latency)
    }
    const endServer = (): void => {
      if (serverDone) return
      serverDone = true
      conn?.onClose()
    }
    const sink: AcceptSink = {
      send(data) {
        if (serverDone) return
        const copy = data.slice()
        toClient(() => peer.message(copy))
      },
      close({ code, reason, withCloseFrame }) {
        if (serverDone) return
        endServer()
        toClient(() => {
          clientDone = true
          if (withCloseFrame) peer.close(code ?? 1000, reason ?? '')
          else peer.close(1006, 'abnormal closure')
        })
      },
    }
    timers.setTimeout(() => {
      if (clientDone || serverDone) return
      conn = accept(sink)
      if (!serverDone) peer.open()
    }, latency)
    return {
      send(data) {
        const copy = data.slice()
        timers.setTimeout(() => {
          if (!serverDone) conn?.onData(copy)
        }, latency)
      },
      close(code, reason) {
        if (clientDone) return
        clientDone = true
        timers.setTimeout(() => {
          endServer()
          peer.close(code, reason) // the closing handshake completes
        }, latency)
      },
    }
  }
}

/** Real-time mode: a real WebSocket (`ws`, binary as ArrayBuffer) to the URL. */
export function realConnector(): SocketConnector {
  return (url: string, peer: SocketPeer) => {
    const ws = new WebSocket(url)
    ws.binaryType = 'arraybuffer'
    ws.on('open', () => peer.open())
    ws.on('message', (data, isBinary) => {
      if (!isBinary) peer.message(Buffer.from(data as ArrayBuffer).toString('utf8'))
      else peer.message(new Uint8Array(data as ArrayBuffer))
    })
    ws.on('error', (e) => peer.error(e.message))
    ws.on('close', (code, reason) => peer.close(code, reason.toString()))
    return {
      send(data) {
        if (ws.readyState === WebSocket.OPEN) ws.send(data)
      },
      close(code, reason) {
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate()
        else if (ws.readyState === WebSocket.OPEN) {
          // 1005/1006/1015 (and anything outside 1000–4999 that ws refuses) must never be sent in a
          // close frame; the sim uses 1006 for "the link just died", so drop the TCP link instead.
          if (sendableCloseCode(code)) ws.close(code, reason)
          else ws.terminate()
        }
      },
    }
  }
}

/** Codes a WebSocket endpoint may put in a close frame (RFC 6455 §7.4; ws throws on the others). */
function sendableCloseCode(code: number | undefined): boolean {
  if (code === undefined) return true
  if (code >= 3000 && code <= 4999) return true
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006
}

export interface SimHttpRequest {
  url: string
  method: string
  data?: unknown
  header: Record<string, string>
}

export interface SimHttpResponse {
  statusCode: number
  data: unknown
  header?: Record<string, string>
}

export type SimHttpHandler = (req: SimHttpRequest) => Promise<SimHttpResponse>

/** The in-process server's HTTP API (ServerCore.handleHttp fits) as a wx.request handler. */
export function serverHttpHandler(server: { handleHttp(method: string, path: string, body: unknown): Promise<{ status: number; body: unknown }> }): SimHttpHandler {
  return async (req) => {
    const path = req.url.replace(/^[a-z]+:\/\/[^/]+/i, '') || '/'
    const res = await server.handleHttp(req.method, path, req.data)
    return { statusCode: res.status, data: res.body }
  }
}
