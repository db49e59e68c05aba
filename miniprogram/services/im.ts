/**
 * The only place the demo creates the client. The App calls startIm() at sign-in (and at launch
 * when a session was saved), keeps the returned client and chat store on itself, and pages reach
 * both through getApp(). In WeChat the platform is the real wx (createClient's default); tests and
 * `npm start` pass a simulated one.
 */
import { createClient, mediaSupport } from 'wukongim-mp'
import type { Client, ClientOptions } from 'wukongim-mp'
import { ChatStore } from './chat-store'

/** What the sign-in page asks for, saved so that a cold start signs in again by itself. */
export interface Session {
  /** WuKongIM HTTP API, e.g. `http://127.0.0.1:5001` (route lookup and message sync). */
  apiAddr: string
  /** WebSocket address; empty = ask `<apiAddr>/route`. */
  wsAddr: string
  uid: string
  token: string
}

export interface ImSession {
  client: Client
  chats: ChatStore
}

export function isSession(value: unknown): value is Session {
  const s = value as Session
  return !!s && typeof s === 'object' && typeof s.apiAddr === 'string' && typeof s.wsAddr === 'string' && typeof s.uid === 'string' && s.uid !== '' && typeof s.token === 'string'
}

/** Returns why a session cannot be used, or '' when it can. */
export function checkSession(s: Session): string {
  if (!s.uid.trim()) return 'Enter a user id.'
  if (!/^https?:\/\//.test(s.apiAddr.trim())) return 'The server address must start with http:// or https://.'
  if (s.wsAddr.trim() && !/^wss?:\/\//.test(s.wsAddr.trim())) return 'The WebSocket address must start with ws:// or wss://.'
  return ''
}

/**
 * Creates the client for a session, restores its outbox and starts connecting. `overrides` are
 * extra client options (a simulated platform, shorter timings); the demo in WeChat passes none.
 */
export function startIm(session: Session, overrides: Partial<ClientOptions> = {}): ImSession {
  const client = createClient({
    uid: session.uid.trim(),
    token: session.token,
    apiAddr: session.apiAddr.trim(),
    ...(session.wsAddr.trim() ? { wsAddr: session.wsAddr.trim() } : { routeAddr: 'ws_addr' as const }),
    // Photos and voice notes: the local server's upload endpoint answers { url } (README "Media messages").
    media: mediaSupport({ uploadUrl: `${session.apiAddr.trim().replace(/\/+$/, '')}/upload` }),
    ...overrides,
  })
  const chats = new ChatStore(client)
  client.connect().catch((error: unknown) => {
    // Signed out before the restore finished: nothing to report.
    if ((error as { code?: string }).code !== 'CLIENT_CLOSED') console.error('[demo] connect failed', error)
  })
  return { client, chats }
}

/** Sign-out: stop listening, close the client (unsent messages stay in storage for next time). */
export async function stopIm(im: ImSession): Promise<void> {
  im.chats.dispose()
  await im.client.close()
}
