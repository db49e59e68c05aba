/**
 * A Platform on Node for the inbox integration tests: `ws` sockets, HTTP through fetch, real
 * timers and a JSON storage map that outlives the platform (a cold restart = a new platform over
 * the same map). Only what the client needs against the local server; lifecycle and network are
 * inert.
 */
import { randomBytes } from 'crypto'
import { WebSocket } from 'ws'
import type { Platform, SocketHandlers } from '../../../sdk/platform/types'
import { NetworkError } from '../../../sdk/errors'

/** `tap` sees every binary message the client writes (to decode its frames). */
export function nodePlatform(store: Map<string, string>, tap?: (data: Uint8Array) => void): Platform {
  const timers = new Set<NodeJS.Timeout>()
  return {
    name: 'node-test',
    now: () => Date.now(),
    setTimeout(fn, ms) {
      const t = setTimeout(() => {
        timers.delete(t)
        fn()
      }, ms)
      timers.add(t)
      return t
    },
    clearTimeout(id) {
      clearTimeout(id as NodeJS.Timeout)
      timers.delete(id as NodeJS.Timeout)
    },
    randomBytes: async (n) => new Uint8Array(randomBytes(n)),
    openSocket(url: string, h: SocketHandlers) {
      const ws = new WebSocket(url)
      ws.binaryType = 'nodebuffer'
      let live = true
      let closed = false
      const gone = (code: number, reason: string) => {
        if (closed) return
        closed = true
        if (live) h.onClose(code, reason)
      }
      ws.on('open', () => live && h.onOpen())
      ws.on('message', (data: Buffer) => live && h.onMessage(new Uint8Array(data)))
      ws.on('error', (e) => live && h.onError(new NetworkError(e.message)))
      ws.on('close', (code, reason) => gone(code, reason.toString()))
      return {
        send(data) {
          if (ws.readyState !== WebSocket.OPEN) return
          tap?.(data)
          ws.send(data)
        },
        close(code = 1000, reason = '') {
          live = false
          if (ws.readyState === WebSocket.CONNECTING) ws.terminate()
          else ws.close(code, reason)
        },
      }
    },
    storage: {
      async get(key) {
        const v = store.get(key)
        return v === undefined ? undefined : JSON.parse(v)
      },
      async set(key, value) {
        store.set(key, JSON.stringify(value))
      },
      async remove(key) {
        store.delete(key)
      },
      async keys() {
        return Array.from(store.keys())
      },
    },
    network: {
      getStatus: async () => ({ online: true, type: 'wifi' }),
      onChange: () => () => {},
    },
    lifecycle: {
      onShow: () => () => {},
      onHide: () => () => {},
    },
    async request(req) {
      let res: Response
      try {
        res = await fetch(req.url, {
          method: req.method,
          headers: { 'content-type': 'application/json', ...req.headers },
          body: req.method === 'POST' ? JSON.stringify(req.data ?? {}) : undefined,
          signal: AbortSignal.timeout(req.timeoutMs ?? 10_000),
        })
      } catch (e) {
        throw new NetworkError(`request failed: ${(e as Error).message}`, { url: req.url }, e)
      }
      const text = await res.text()
      let data: unknown = text
      try {
        data = JSON.parse(text)
      } catch {
        // not JSON: keep the text, as wx.request does
      }
      return { status: res.status, data }
    },
  }
}
