/**
 * The default SyncProvider: WuKongIM's HTTP API over platform.request (docs/protocol.md §8).
 *
 * - Messages: `POST /channel/messagesync` (both server lines), pull mode "up", always a limit.
 * - Conversations: v2 `POST /conversation/sync` (last_msg_seqs, msg_count ≥ 1); v3 removed it for
 *   `POST /conversation/list` (cursor paging). `serverLine: 'auto'` asks the line that answered
 *   last (v2 first) and, on a 404, the other one; a line counts as detected only once its route
 *   answered, and a 404 from it later makes it ask the other one again. One 404 (a gateway
 *   hiccup, a restart) therefore never pins a line whose catch-up can only fail.
 * - findByClientMsgNo: `POST /message` with login_uid (v2.2; 404 = not found), so person channels
 *   are addressed as the user sees them (`GET /message/byclientmsgno` wants the canonical `a@b` id).
 *   Servers without the route answer 404 too, so "not found" can also mean "cannot tell".
 * - Message objects carry the channel as the *sender* addressed it (observed on a real v2 server),
 *   so results are keyed by the channel that was asked for.
 *
 * - Route: `GET /route?uid=` answers the WebSocket address to dial (routeLookup below, the
 *   connection's `address()` when the app gives no wsAddr).
 *
 * HTTP payloads are plaintext base64 (never AES-encrypted). Every failure is an ImError with code
 * SYNC_FAILED carrying the path and status. A malformed item in a message page is left out and
 * counted in `malformed` (the inbox reports it and does not take that page as proof that a seq
 * is gone); only an answer that is not a page at all fails the request.
 */
import type { Platform } from '../platform/types'
import type { InboundMessage } from '../types'
import type { ConversationCursor, ConversationOp, ConversationState, MessageSyncRequest, MessageSyncResult, SentLookup, SentLookupResult, ServerConversation, SyncProvider } from './types'
import { ClientError, ImError, NetworkError } from '../errors'
import { decodeBase64 } from '../proto/base64'

export interface HttpSyncOptions {
  /** Base URL of the WuKongIM HTTP API, e.g. `https://im.example.com:5001`. */
  apiAddr: string
  /** The logged-in user (login_uid / uid in requests). */
  uid: string
  platform: Platform
  /** Which server line's conversation API to use. Default 'auto'. */
  serverLine?: 'v2' | 'v3' | 'auto'
  /**
   * Extra headers on every request, e.g. the user's token for the app's proxy in front of the API
   * (`{ Authorization: 'Bearer <token>' }`). A function is asked before every request.
   */
  headers?: ApiHeaders
  /** Per-request timeout, ms. Default 10 000. */
  timeoutMs?: number
  /** @internal Test-only (chaos simulator): the old one-404 line switch (issue 15.5). */
  unsafe?: { stickyLineDetection?: boolean }
}

/** Pages of `/conversation/list` read per catch-up at most (v3), `limit` each. */
const V3_PAGE_LIMIT = 200
const V3_MAX_PAGES = 50

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const flag = (v: unknown): boolean => v === 1 || v === true

/** Headers for the HTTP API: fixed, or asked before every request (a token that changes). */
export type ApiHeaders = Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>)

/** The headers to send now; a function that throws or answers something else fails the request. */
export async function apiHeadersNow(headers: ApiHeaders | undefined, path: string): Promise<Record<string, string> | undefined> {
  if (typeof headers !== 'function') return headers
  let answer: unknown
  try {
    answer = await headers()
  } catch (e) {
    throw new ClientError('SYNC_FAILED', `apiHeaders failed before ${path}`, { path }, e)
  }
  const value = answer
  if (!isObject(value) || Object.keys(value).some((k) => typeof value[k] !== 'string')) {
    throw new ClientError('SYNC_FAILED', `apiHeaders must answer an object of strings (before ${path})`, { path })
  }
  return value as Record<string, string>
}

/** Newest messages read per page by the sent-message lookup, and pages at most. */
const LOOKUP_PAGE = 100
const LOOKUP_MAX_PAGES = 10
/** Phone and server clocks differ: a page reaching this far before `since` covers it. */
const LOOKUP_CLOCK_SKEW_MS = 5 * 60_000

export function createHttpSyncProvider(options: HttpSyncOptions): SyncProvider {
  const base = options.apiAddr.replace(/\/+$/, '')
  const { platform, uid } = options
  const fixed = options.serverLine === 'v2' || options.serverLine === 'v3' ? options.serverLine : undefined
  /** 'auto': the line whose conversation route answered last. */
  let detected: 'v2' | 'v3' | undefined

  async function post(path: string, data: unknown, notFoundOk = false): Promise<unknown> {
    const headers = await apiHeadersNow(options.headers, path)
    let res
    try {
      res = await platform.request({ url: base + path, method: 'POST', data, headers, timeoutMs: options.timeoutMs ?? 10_000 })
    } catch (e) {
      throw new ClientError('SYNC_FAILED', `${path} request failed`, { path }, e)
    }
    if (notFoundOk && res.status === 404) return undefined
    if (res.status < 200 || res.status >= 300) {
      const msg = isObject(res.data) ? str(res.data.msg) : undefined
      throw new ClientError('SYNC_FAILED', `${path} answered HTTP ${res.status}${msg ? `: ${msg}` : ''}`, { path, status: res.status })
    }
    return res.data
  }

  function bad(path: string, what: string): ImError {
    return new ClientError('SYNC_FAILED', `${path} returned ${what}`, { path })
  }

  /** A Message object of the HTTP API → InboundMessage; undefined when malformed. */
  function toMessage(m: unknown): InboundMessage | undefined {
    if (!isObject(m)) return undefined
    const seq = num(m.message_seq)
    const channelId = str(m.channel_id)
    const channelType = num(m.channel_type)
    const idStr = str(m.message_idstr)
    const idNum = num(m.message_id)
    const messageId = idStr && idStr !== '' ? idStr : idNum !== undefined ? String(idNum) : undefined
    if (seq === undefined || channelId === undefined || channelType === undefined || messageId === undefined) return undefined
    let payload: Uint8Array
    try {
      payload = decodeBase64(str(m.payload) ?? '')
    } catch {
      return undefined
    }
    const header = isObject(m.header) ? m.header : {}
    const msg: InboundMessage = {
      messageId,
      messageSeq: seq,
      clientMsgNo: str(m.client_msg_no) ?? '',
      fromUid: str(m.from_uid) ?? '',
      channelId,
      channelType,
      timestamp: num(m.timestamp) ?? 0,
      payload,
      flags: { noPersist: flag(header.no_persist), redDot: flag(header.red_dot), syncOnce: flag(header.sync_once) },
      source: 'sync',
    }
    const topic = str(m.topic)
    if (topic) msg.topic = topic
    return msg
  }

  async function syncMessages(req: MessageSyncRequest): Promise<MessageSyncResult> {
    const path = '/channel/messagesync'
    const data = await post(path, {
      login_uid: uid,
      channel_id: req.channelId,
      channel_type: req.channelType,
      start_message_seq: req.startSeq,
      end_message_seq: req.endSeq,
      pull_mode: 1,
      limit: Math.max(1, req.limit),
    })
    if (!isObject(data)) throw bad(path, 'no object')
    const raw = data.messages ?? []
    if (!Array.isArray(raw)) throw bad(path, 'no message list')
    const messages: InboundMessage[] = []
    let malformed = 0
    for (const m of raw) {
      const msg = toMessage(m)
      if (!msg) malformed++
      // The API answers in the viewer's terms; keep the key the inbox asked with regardless.
      else messages.push({ ...msg, channelId: req.channelId, channelType: req.channelType })
    }
    messages.sort((a, b) => a.messageSeq - b.messageSeq)
    const result: MessageSyncResult = { messages, more: flag(data.more) }
    if (malformed > 0) result.malformed = malformed
    return result
  }

  /** v2 `/conversation/sync` items; undefined: the route answered 404 and `notFoundOk`. */
  async function conversationsV2(lastMsgSeqs: string, notFoundOk: boolean): Promise<Json[] | undefined> {
    const path = '/conversation/sync'
    const data = await post(path, { uid, version: 0, last_msg_seqs: lastMsgSeqs, msg_count: 1 }, notFoundOk)
    if (data === undefined) return undefined
    if (!Array.isArray(data)) throw bad(path, 'no conversation list')
    return data.map((c) => checked(path, c))
  }

  /** v3 `/conversation/list` items, every page; undefined: the first page answered 404 and `notFoundOk`. */
  async function conversationsV3(notFoundOk: boolean): Promise<Json[] | undefined> {
    const path = '/conversation/list'
    const out: Json[] = []
    let cursor: unknown = undefined
    for (let page = 0; page < V3_MAX_PAGES; page++) {
      const body: Json = { uid, limit: V3_PAGE_LIMIT }
      if (cursor !== undefined && cursor !== '') body.cursor = cursor
      const data = await post(path, body, notFoundOk && page === 0)
      if (data === undefined) return undefined
      if (!isObject(data) || !Array.isArray(data.conversations)) throw bad(path, 'no conversation list')
      for (const c of data.conversations) out.push(checked(path, c))
      cursor = data.next_cursor
      if (flag(data.done) || cursor === undefined || cursor === null || cursor === '' || data.conversations.length === 0) break
    }
    return out
  }

  /** A conversation item with its channel, or SYNC_FAILED. */
  function checked(path: string, c: unknown): Json & { channel_id: string; channel_type: number } {
    if (!isObject(c) || str(c.channel_id) === undefined || num(c.channel_type) === undefined) throw bad(path, 'a malformed conversation')
    return c as Json & { channel_id: string; channel_type: number }
  }

  /** The conversation items of the server line in use (see the header for 'auto'). */
  async function onLine(lastMsgSeqs: string): Promise<{ line: 'v2' | 'v3'; items: Json[] }> {
    const ask = async (line: 'v2' | 'v3', notFoundOk: boolean) => {
      const items = line === 'v2' ? await conversationsV2(lastMsgSeqs, notFoundOk) : await conversationsV3(notFoundOk)
      return items && { line, items }
    }
    if (fixed) return (await ask(fixed, false)) ?? { line: fixed, items: [] }
    if (options.unsafe?.stickyLineDetection) {
      if (detected !== 'v3') {
        const v2 = await ask('v2', detected === undefined)
        if (v2 !== undefined) {
          detected = 'v2'
          return v2
        }
        detected = 'v3'
      }
      return (await ask('v3', false)) ?? { line: 'v3', items: [] }
    }
    const first: 'v2' | 'v3' = detected ?? 'v2'
    const second: 'v2' | 'v3' = first === 'v2' ? 'v3' : 'v2'
    for (const line of [first, second]) {
      const answer = await ask(line, true)
      if (answer !== undefined) {
        detected = line
        return answer
      }
    }
    detected = undefined
    throw new ClientError('SYNC_FAILED', 'neither /conversation/sync nor /conversation/list answered (HTTP 404)', { path: '/conversation/*', status: 404 })
  }

  /** The last seq of a conversation item: v2 `last_msg_seq`, v3 `last_message.message_seq`. */
  const lastSeqOf = (c: Json): number => num(c.last_msg_seq) ?? (isObject(c.last_message) ? num(c.last_message.message_seq) : undefined) ?? 0

  async function syncConversations(cursors: ConversationCursor[]): Promise<ConversationState[]> {
    const { items } = await onLine(cursors.map((c) => `${c.channelId}:${c.channelType}:${c.lastSeq}`).join('|'))
    return items.map((c) => ({ channelId: c.channel_id as string, channelType: c.channel_type as number, lastSeq: lastSeqOf(c) }))
  }

  /**
   * The whole list with unread counts: v2 `/conversation/sync` without cursors (every
   * conversation with its newest message in `recents`, timestamp in seconds); v3
   * `/conversation/list` (`last_message` without its channel, time in `server_timestamp_ms`).
   */
  async function listConversations(): Promise<ServerConversation[]> {
    const { line, items } = await onLine('')
    return items.map((c) => {
      const channelId = c.channel_id as string
      const channelType = c.channel_type as number
      const raw = line === 'v2' ? (Array.isArray(c.recents) ? c.recents[0] : undefined) : isObject(c.last_message) ? { channel_id: channelId, channel_type: channelType, ...c.last_message } : undefined
      const last = toMessage(raw)
      const timestamp = line === 'v2' ? (num(c.timestamp) ?? 0) * 1000 : (isObject(c.last_message) ? num(c.last_message.server_timestamp_ms) : undefined) ?? num(c.active_at) ?? 0
      const out: ServerConversation = { channelId, channelType, unread: Math.max(0, num(c.unread) ?? 0), timestamp, lastSeq: lastSeqOf(c) }
      if (last) out.lastMessage = { ...last, channelId, channelType, timestamp: last.timestamp || Math.floor(timestamp / 1000) }
      return out
    })
  }

  /** `POST /conversations/clearUnread | setUnread | delete` (WuKongIM's own routes on both lines). */
  async function updateConversation(op: ConversationOp): Promise<void> {
    const body: Json = { uid, channel_id: op.channelId, channel_type: op.channelType }
    if (op.kind === 'setUnread') body.unread = op.unread
    const path = `/conversations/${op.kind}`
    const data = await post(path, body)
    // WuKongIM answers {"status":200}; a text page with status 200 (a proxy's error page) confirms nothing.
    if (typeof data === 'string' && data.trim() !== '') throw bad(path, 'a text page, not a confirmation')
  }

  async function findByClientMsgNo(req: { channelId: string; channelType: number; clientMsgNo: string }): Promise<InboundMessage | undefined> {
    const path = '/message'
    const data = await post(path, { login_uid: uid, channel_id: req.channelId, channel_type: req.channelType, client_msg_no: req.clientMsgNo }, true)
    if (data === undefined) return undefined
    const msg = toMessage(data)
    if (!msg) throw bad(path, 'a malformed message')
    return { ...msg, channelId: req.channelId, channelType: req.channelType }
  }

  /**
   * findSent over `POST /channel/messagesync`, since v1.2.6 answers 404 on
   * `/message/byclientmsgno`: the channel's newest page (start = end = 0), then older pages (pull
   * mode 0 "down" from below the oldest seen) until every clientMsgNo is found, a page reaches back
   * before `since` (less a clock-skew margin), the channel's start is reached, or LOOKUP_MAX_PAGES
   * were read; what is not found by then is reported absent. A malformed item may be one of the
   * wanted messages: with one on the way and something still missing the answer is "cannot tell"
   * (a rejection, so the outbox asks again later), never "absent" (a v2 re-send stores it twice).
   */
  async function findSent(req: SentLookup): Promise<SentLookupResult> {
    const path = '/channel/messagesync'
    const wanted = new Set(req.clientMsgNos)
    const found: SentLookupResult = new Map()
    let below = 0
    let malformed = 0
    for (let page = 0; page < LOOKUP_MAX_PAGES && found.size < wanted.size; page++) {
      const data = await post(path, {
        login_uid: uid,
        channel_id: req.channelId,
        channel_type: req.channelType,
        start_message_seq: below,
        end_message_seq: 0,
        pull_mode: page === 0 ? 1 : 0,
        limit: LOOKUP_PAGE,
      })
      if (!isObject(data) || !Array.isArray(data.messages)) throw bad(path, 'no message list')
      let lowestSeq = Infinity
      let oldestMs = Infinity
      for (const item of data.messages) {
        const m = toMessage(item)
        if (!m) {
          malformed++
          continue
        }
        lowestSeq = Math.min(lowestSeq, m.messageSeq)
        if (m.timestamp > 0) oldestMs = Math.min(oldestMs, m.timestamp * 1000)
        const mine = m.fromUid === '' || m.fromUid === uid
        if (wanted.has(m.clientMsgNo) && mine && !found.has(m.clientMsgNo)) found.set(m.clientMsgNo, { messageId: m.messageId, messageSeq: m.messageSeq })
      }
      if (data.messages.length < LOOKUP_PAGE || lowestSeq <= 1 || oldestMs < req.since - LOOKUP_CLOCK_SKEW_MS) break
      below = lowestSeq - 1
    }
    if (malformed > 0 && found.size < wanted.size) throw bad(path, `${malformed} malformed message(s) where a looked-up one may be`)
    return found
  }

  const line = (): 'v2' | 'v3' | undefined => fixed ?? detected
  return { syncMessages, syncConversations, findByClientMsgNo, findSent, listConversations, updateConversation, line }
}

/**
 * The connection's `address()` without a wsAddr: `GET <apiAddr>/route?uid=<uid>` before every
 * dial, its `routeAddr` field (or the other one when that is empty). Rejects with NetworkError.
 */
export function routeLookup(options: { apiAddr: string; uid: string; platform: Pick<Platform, 'request'>; routeAddr: 'wss_addr' | 'ws_addr'; headers?: ApiHeaders }): () => Promise<string> {
  const { apiAddr, uid, platform, routeAddr } = options
  const other = routeAddr === 'wss_addr' ? 'ws_addr' : 'wss_addr'
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
  return async () => {
    const headers = await apiHeadersNow(options.headers, '/route')
    const res = await platform.request({ url: `${apiAddr.replace(/\/+$/, '')}/route?uid=${encodeURIComponent(uid)}`, method: 'GET', headers })
    const data = typeof res.data === 'string' ? parseJson(res.data) : res.data
    const addr = isObject(data) ? text(data[routeAddr]) ?? text(data[other]) : undefined
    if (res.status !== 200 || !addr) throw new NetworkError('route lookup gave no WebSocket address', { status: res.status })
    return addr
  }
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return undefined
  }
}
