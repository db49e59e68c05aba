/**
 * The reference proxy: what an app's own server puts in front of WuKongIM's HTTP API so that a
 * mini-program never talks to that API directly (README "Security of the HTTP side"). WuKongIM's
 * HTTP API trusts whoever calls it (its send and channel endpoints have no per-user checks), so
 * this proxy:
 *
 * - checks the caller's token (`Authorization: Bearer <token>`; `verify` maps it to a uid, 401
 *   otherwise);
 * - forwards only the allow-listed endpoints the SDK uses (404 for anything else, `/message/send`,
 *   `/user/token` and `/channel/*` edits included);
 * - forces `uid` / `login_uid` to the caller's own uid, so a caller reads only its own
 *   conversations and sees person channels as itself;
 * - asks `mayReadGroup` before a group channel's messages are read (default: refused), because
 *   `/channel/messagesync` itself does not check membership.
 *
 * A test and development tool (used by the integration tests and the demo); an app's server does
 * the same with its own sessions and membership data.
 */
import * as http from 'http'
import type { AddressInfo } from 'net'

export interface ProxyOptions {
  /** WuKongIM HTTP API base URL, e.g. `http://127.0.0.1:5001`. */
  upstream: string
  /** The uid a token belongs to, or undefined when the token is not valid. */
  verify(token: string): string | undefined
  /** May `uid` read this group (channel type ≠ 1)? Default: never. */
  mayReadGroup?(uid: string, channelId: string, channelType: number): boolean
  /** Listening port on 127.0.0.1 (0 = any free port). Default 0. */
  port?: number
}

export interface Proxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  close(): Promise<void>
}

type Body = Record<string, unknown>

/** How each allowed endpoint is made the caller's own: which body field carries the uid. */
const ALLOWED: Record<string, { uidField: 'uid' | 'login_uid'; channel?: boolean }> = {
  'GET /route': { uidField: 'uid' },
  'POST /channel/messagesync': { uidField: 'login_uid', channel: true },
  'POST /message': { uidField: 'login_uid', channel: true },
  'POST /conversation/sync': { uidField: 'uid' },
  'POST /conversation/list': { uidField: 'uid' },
  'POST /conversations/clearUnread': { uidField: 'uid' },
  'POST /conversations/setUnread': { uidField: 'uid' },
  'POST /conversations/delete': { uidField: 'uid' },
}

const PERSON = 1
const MAX_BODY = 1024 * 1024

export async function startProxy(options: ProxyOptions): Promise<Proxy> {
  const upstream = options.upstream.replace(/\/+$/, '')
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    const fail = (status: number, msg: string): void => reply(status, { msg, status })
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) req.destroy()
      else chunks.push(c)
    })
    req.on('end', () => {
      void handle(req, Buffer.concat(chunks).toString('utf8'))
        .then((r) => reply(r.status, r.body))
        .catch((e: unknown) => fail(502, `upstream failed: ${(e as Error).message}`))
    })
    async function handle(req: http.IncomingMessage, raw: string): Promise<{ status: number; body: unknown }> {
      const url = new URL(req.url ?? '/', 'http://proxy')
      const rule = ALLOWED[`${req.method ?? 'GET'} ${url.pathname}`]
      if (!rule) return { status: 404, body: { msg: 'not found', status: 404 } }
      const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')
      const uid = auth ? options.verify(auth[1] as string) : undefined
      if (uid === undefined) return { status: 401, body: { msg: 'a valid token is required', status: 401 } }
      if (req.method === 'GET') {
        url.searchParams.set(rule.uidField, uid)
        return forward('GET', url.pathname + url.search)
      }
      let body: Body
      try {
        const parsed: unknown = raw === '' ? {} : JSON.parse(raw)
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
        body = parsed as Body
      } catch {
        return { status: 400, body: { msg: 'the body must be a JSON object', status: 400 } }
      }
      body[rule.uidField] = uid
      if (rule.channel && body.channel_type !== PERSON) {
        const allowed = options.mayReadGroup?.(uid, String(body.channel_id ?? ''), Number(body.channel_type)) ?? false
        if (!allowed) return { status: 403, body: { msg: 'not a member of this channel', status: 403 } }
      }
      return forward('POST', url.pathname, body)
    }
  })

  async function forward(method: 'GET' | 'POST', path: string, body?: Body): Promise<{ status: number; body: unknown }> {
    const res = await fetch(upstream + path, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {
      // not JSON: passed on as text
    }
    return { status: res.status, body: parsed }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
