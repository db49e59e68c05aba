/**
 * WuKongIM's HTTP API as the local server models it (docs/protocol.md §8), plus admin endpoints for
 * fault injection under /admin/. Errors are HTTP 400 `{msg, status: 400}` like WuKongIM; unknown
 * paths (and the other server line's conversation endpoint) are 404.
 */
import { ReasonCode } from '../../../sdk/codes'
import { canonicalChannel, channelView, GROUP, PERSON, personParties, type ChannelRef } from './channels'
import type { CorruptMode, ServerCore } from './core'
import type { StoredMessage } from './store'

export interface HttpResult {
  status: number
  body: unknown
}

type Body = Record<string, unknown>

class BadRequest extends Error {}

const ok = (body: unknown = { status: 200 }): HttpResult => ({ status: 200, body })
const fail = (status: number, msg: string): HttpResult => ({ status, body: { msg, status } })

function str(b: Body, key: string, required = true): string {
  const v = b[key]
  if (typeof v === 'string' && (v !== '' || !required)) return v
  if (v === undefined && !required) return ''
  throw new BadRequest(`${key} is required`)
}

function int(b: Body, key: string, fallback?: number): number {
  const v = b[key]
  if (v === undefined || v === null || v === '') {
    if (fallback !== undefined) return fallback
    throw new BadRequest(`${key} is required`)
  }
  const n = typeof v === 'string' ? Number(v) : v
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new BadRequest(`${key} must be a number`)
  return n
}

function uids(b: Body, key = 'uids'): string[] {
  const v = b[key] ?? []
  if (!Array.isArray(v) || v.some((u) => typeof u !== 'string')) throw new BadRequest(`${key} must be a list of uids`)
  return v as string[]
}

/** A stored message as WuKongIM's Message JSON, channel_id in `viewer`'s terms. */
export function messageJson(m: StoredMessage, viewer: string): Record<string, unknown> {
  return {
    header: { no_persist: m.flags.noPersist ? 1 : 0, red_dot: m.flags.redDot ? 1 : 0, sync_once: m.flags.syncOnce ? 1 : 0 },
    setting: m.setting,
    // int64 in JSON loses precision in JS, as with the real server: message_idstr is exact.
    message_id: Number(m.messageId),
    message_idstr: m.messageId,
    client_msg_no: m.clientMsgNo,
    message_seq: m.messageSeq,
    from_uid: m.fromUid,
    channel_id: channelView(m.channelType, m.channelId, viewer),
    channel_type: m.channelType,
    ...(m.topic !== undefined && { topic: m.topic }),
    expire: m.expire,
    timestamp: m.timestamp,
    payload: m.payload,
  }
}

export function handleHttp(core: ServerCore, method: string, rawPath: string, rawBody: unknown): HttpResult {
  const url = new URL(rawPath, 'http://local')
  const query: Body = Object.fromEntries(url.searchParams)
  const body: Body = rawBody !== null && typeof rawBody === 'object' && !Array.isArray(rawBody) ? (rawBody as Body) : {}
  try {
    const route = `${method.toUpperCase()} ${url.pathname}`
    switch (route) {
      case 'GET /route':
        return ok(routeJson(core))
      case 'POST /route/batch':
        return ok([{ uids: Array.isArray(rawBody) ? rawBody : [], ...routeJson(core) }])
      case 'POST /user/token': {
        const uid = str(body, 'uid')
        const deviceFlag = int(body, 'device_flag', 0)
        const deviceLevel = int(body, 'device_level', 0)
        core.store.setToken(uid, deviceFlag, { token: str(body, 'token'), deviceLevel })
        // A master-level token update kicks the user's existing connections of that device flag (S2).
        // The socket is closed 10 s later (tokenKickCloseDelayMs), not after the usual 2 s.
        if (deviceLevel === 1) core.kick(uid, '账号在其他设备上登录', deviceFlag, 'token-update')
        return ok()
      }
      case 'POST /user/device_quit': {
        const uid = str(body, 'uid')
        const deviceFlag = int(body, 'device_flag', -1)
        for (const flag of deviceFlag === -1 ? [0, 1, 2] : [deviceFlag]) {
          core.store.setToken(uid, flag, null)
          core.kick(uid, '', flag)
        }
        return ok()
      }
      case 'POST /conn/kick':
        core.kick(str(body, 'uid'), 'server kick')
        return ok()
      case 'POST /channel':
      case 'POST /channel/info':
        return upsertChannel(core, body)
      case 'POST /channel/subscriber_add':
      case 'POST /channel/subscriber_remove':
      case 'POST /channel/blacklist_add':
      case 'POST /channel/blacklist_remove':
      case 'POST /channel/blacklist_set':
        return editChannel(core, url.pathname.slice('/channel/'.length), body)
      case 'POST /channel/delete': {
        const info = core.store.channelInfo(int(body, 'channel_type'), str(body, 'channel_id'))
        if (info) core.store.setChannelInfo(int(body, 'channel_type'), str(body, 'channel_id'), { ...info, disband: true })
        return ok()
      }
      case 'POST /channel/messagesync':
        return ok(messageSync(core, body))
      case 'POST /conversation/sync':
        return core.mode === 'v2' ? ok(conversationSync(core, body)) : fail(404, 'not found')
      case 'POST /conversation/list':
        return core.mode === 'v3' ? ok(conversationList(core, body)) : fail(404, 'not found')
      case 'POST /conversations/clearUnread':
      case 'POST /conversations/setUnread':
      case 'POST /conversations/delete':
        return markConversation(core, url.pathname.slice('/conversations/'.length), body)
      case 'GET /message/byclientmsgno':
        return findMessage(core, query)
      case 'POST /message':
        return findMessage(core, body)
      case 'POST /message/send':
        return sendFromApi(core, body)
      default:
        if (url.pathname.startsWith('/admin/')) return admin(core, route, body)
        return fail(404, 'not found')
    }
  } catch (e) {
    if (e instanceof BadRequest) return fail(400, e.message)
    throw e
  }
}

function routeJson(core: ServerCore): Record<string, string> {
  const ws = core.routes.wsAddr
  return { tcp_addr: core.routes.tcpAddr ?? '', ws_addr: ws, wss_addr: core.routes.wssAddr ?? ws.replace(/^ws:/, 'wss:') }
}

function upsertChannel(core: ServerCore, body: Body): HttpResult {
  const channelId = str(body, 'channel_id')
  const channelType = int(body, 'channel_type', GROUP)
  const old = core.store.channelInfo(channelType, channelId)
  const subscribers = body.subscribers === undefined ? (old?.subscribers ?? []) : uids(body, 'subscribers')
  core.store.setChannelInfo(channelType, channelId, {
    subscribers: [...new Set(subscribers)],
    blacklist: old?.blacklist ?? [],
    ban: body.ban === undefined ? (old?.ban ?? false) : int(body, 'ban') === 1,
    disband: body.disband === undefined ? (old?.disband ?? false) : int(body, 'disband') === 1,
  })
  return ok()
}

function editChannel(core: ServerCore, action: string, body: Body): HttpResult {
  const channelId = str(body, 'channel_id')
  const channelType = int(body, 'channel_type', GROUP)
  const list = uids(body)
  const info = core.store.channelInfo(channelType, channelId)
  // Person channels keep per-user settings (their blacklist) without being created; groups must exist.
  if (!info && channelType !== PERSON) return fail(400, 'channel does not exist')
  const next = info ?? { subscribers: [], blacklist: [], ban: false, disband: false }
  const add = (xs: string[]): string[] => [...new Set([...xs, ...list])]
  const remove = (xs: string[]): string[] => xs.filter((u) => !list.includes(u))
  if (action === 'subscriber_add') next.subscribers = body.reset === 1 ? [...new Set(list)] : add(next.subscribers)
  else if (action === 'subscriber_remove') next.subscribers = remove(next.subscribers)
  else if (action === 'blacklist_add') next.blacklist = add(next.blacklist)
  else if (action === 'blacklist_remove') next.blacklist = remove(next.blacklist)
  else next.blacklist = [...new Set(list)]
  core.store.setChannelInfo(channelType, channelId, next)
  return ok()
}

/** POST /channel/messagesync: start inclusive, end exclusive (0 = unbounded), pull mode 1 up / 0 down, ascending results. */
function messageSync(core: ServerCore, body: Body): Record<string, unknown> {
  const loginUid = str(body, 'login_uid')
  const ref: ChannelRef = { channelId: str(body, 'channel_id'), channelType: int(body, 'channel_type'), loginUid }
  const start = int(body, 'start_message_seq', 0)
  const end = int(body, 'end_message_seq', 0)
  const pullUp = int(body, 'pull_mode', 0) === 1
  let limit = int(body, 'limit', 0)
  // v2 has no default limit (0 returns nothing but more = 1); v3 defaults to 100. Both cap at 10 000.
  if (limit === 0 && core.mode === 'v3') limit = 100
  limit = Math.min(limit, 10_000)
  const all = core.messages(ref)
  let picked: StoredMessage[]
  let more: boolean
  if (start === 0 && end === 0) {
    picked = all.slice(Math.max(0, all.length - limit))
    more = all.length > limit
  } else if (pullUp) {
    const range = all.filter((m) => m.messageSeq >= start && (end === 0 || m.messageSeq < end))
    picked = range.slice(0, limit)
    more = range.length > limit
  } else {
    const range = all.filter((m) => (start === 0 || m.messageSeq <= start) && m.messageSeq > end)
    picked = range.slice(Math.max(0, range.length - limit))
    more = range.length > limit
  }
  return {
    start_message_seq: start,
    end_message_seq: end,
    more: more ? 1 : 0,
    messages: picked.map((m) => messageJson(m, loginUid)),
  }
}

/** The channels `uid` takes part in that hold messages: [channelType, canonical id, as uid sees it]. */
function channelsOf(core: ServerCore, uid: string): Array<{ channelType: number; canonical: string; view: string }> {
  const out: Array<{ channelType: number; canonical: string; view: string }> = []
  for (const [channelType, canonical] of core.store.channels()) {
    const member =
      channelType === PERSON ? personParties(canonical).includes(uid) : (core.store.channelInfo(channelType, canonical)?.subscribers.includes(uid) ?? false)
    if (member) out.push({ channelType, canonical, view: channelView(channelType, canonical, uid) })
  }
  return out
}

/**
 * v2 POST /conversation/sync: a bare array, newest first. A conversation is listed when it has a
 * message after the client's last_msg_seq for it (all of them without last_msg_seqs) and after
 * the user's delete mark; `unread` counts other users' messages after the read mark.
 */
function conversationSync(core: ServerCore, body: Body): unknown[] {
  const uid = str(body, 'uid')
  const msgCount = int(body, 'msg_count', 0)
  if (msgCount <= 0) return []
  const known = new Map<string, number>()
  for (const item of String(body.last_msg_seqs ?? '').split('|')) {
    const parts = item.split(':')
    if (parts.length >= 3) known.set(`${parts[parts.length - 2]}:${parts.slice(0, -2).join(':')}`, Number(parts[parts.length - 1]))
  }
  const exclude = Array.isArray(body.exclude_channel_types) ? (body.exclude_channel_types as number[]) : []
  const out: Array<Record<string, unknown>> = []
  for (const c of conversationsOf(core, uid)) {
    if (exclude.includes(c.channelType)) continue
    const after = known.get(`${c.channelType}:${c.view}`) ?? 0
    const msgs = c.messages.filter((m) => m.messageSeq > after)
    const last = msgs[msgs.length - 1]
    if (!last) continue
    out.push({
      channel_id: c.view,
      channel_type: c.channelType,
      unread: c.unread,
      timestamp: last.timestamp,
      last_msg_seq: last.messageSeq,
      last_client_msg_no: last.clientMsgNo,
      offset_msg_seq: 0,
      readed_to_msg_seq: c.marks.readTo,
      version: last.timestamp * 1000 + (last.messageSeq % 1000),
      recents: msgs.slice(-msgCount).reverse().map((m) => messageJson(m, uid)),
    })
  }
  out.sort((a, b) => (b.timestamp as number) - (a.timestamp as number))
  return out
}

/** uid's conversations: channels it takes part in with a message after its delete mark, with its marks and unread count. */
function conversationsOf(core: ServerCore, uid: string) {
  return channelsOf(core, uid).flatMap((c) => {
    const marks = core.store.conversationMarks(uid, c.channelType, c.canonical)
    const messages = core.store.messages(c.channelType, c.canonical)
    const last = messages[messages.length - 1]
    if (!last || last.messageSeq <= marks.deletedTo) return []
    const unread = messages.filter((m) => m.messageSeq > marks.readTo && m.fromUid !== uid).length
    return [{ ...c, marks, messages, last, unread }]
  })
}

/**
 * POST /conversations/clearUnread | setUnread | delete {uid, channel_id, channel_type[, unread]}:
 * as WuKongIM v1.2.x does it, the read mark moves to the channel's last seq (clear), to `unread`
 * seqs before it (set), or the conversation is dropped until a later message (delete). Idempotent.
 */
function markConversation(core: ServerCore, action: string, body: Body): HttpResult {
  const uid = str(body, 'uid')
  const channelType = int(body, 'channel_type')
  const canonical = canonicalChannel({ channelId: str(body, 'channel_id'), channelType, loginUid: uid })
  const marks = core.store.conversationMarks(uid, channelType, canonical)
  const lastSeq = core.store.lastSeq(channelType, canonical)
  if (action === 'clearUnread') marks.readTo = Math.max(marks.readTo, lastSeq)
  else if (action === 'setUnread') {
    const unread = int(body, 'unread')
    marks.readTo = unread <= 0 ? lastSeq : Math.max(0, lastSeq - Math.min(unread, Math.max(1, lastSeq)))
  } else marks.deletedTo = lastSeq
  core.store.setConversationMarks(uid, channelType, canonical, marks)
  core.conversationOps.push({ uid, action, channelId: str(body, 'channel_id'), channelType, at: core.now(), lastSeq, ...(action === 'setUnread' && { unread: int(body, 'unread') }) })
  return ok()
}

/** v3 POST /conversation/list: every conversation of uid, newest first, offset cursor paging. */
function conversationList(core: ServerCore, body: Body): Record<string, unknown> {
  const uid = str(body, 'uid')
  const limit = Math.min(int(body, 'limit', 100) || 100, 1000)
  const offset = Number(body.cursor ?? 0) || 0
  const all = conversationsOf(core, uid).sort((a, b) => b.last.timestamp - a.last.timestamp || (a.canonical < b.canonical ? -1 : 1))
  const page = all.slice(offset, offset + limit)
  const done = offset + limit >= all.length
  return {
    conversations: page.map((c) => ({
      channel_id: c.view,
      channel_type: c.channelType,
      active_at: c.last.timestamp * 1000,
      read_seq: c.marks.readTo,
      deleted_to_seq: c.marks.deletedTo,
      unread: c.unread,
      last_message: {
        message_id: Number(c.last.messageId),
        message_idstr: c.last.messageId,
        message_seq: c.last.messageSeq,
        from_uid: c.last.fromUid,
        client_msg_no: c.last.clientMsgNo,
        server_timestamp_ms: c.last.timestamp * 1000,
        payload: c.last.payload,
      },
    })),
    deletes: [],
    unresolved: [],
    next_cursor: done ? '' : String(offset + limit),
    done,
    coverage: {},
    tombstones_retained_since: 0,
    reset_required: false,
  }
}

/**
 * GET /message/byclientmsgno?channel_id&channel_type&client_msg_no[&login_uid] (WuKongIM's read
 * API; person channels by canonical id or peer + login_uid), also as POST /message with a JSON body.
 * The first stored message with that clientMsgNo; 404 when none.
 */
function findMessage(core: ServerCore, b: Body): HttpResult {
  const clientMsgNo = str(b, 'client_msg_no')
  const loginUid = str(b, 'login_uid', false)
  const channelId = str(b, 'channel_id', false)
  const channelType = int(b, 'channel_type', 0)
  const canonical = channelId === '' ? undefined : canonicalChannel({ channelId, channelType, ...(loginUid !== '' && { loginUid }) })
  const found = core.store
    .findByClientMsgNo(clientMsgNo)
    .find((m) => canonical === undefined || (m.channelId === canonical && m.channelType === channelType))
  if (!found) return fail(404, 'message not found')
  return ok(messageJson(found, loginUid))
}

/** POST /message/send: a backend send (permission, store, push to every connection). */
function sendFromApi(core: ServerCore, body: Body): HttpResult {
  const header = (body.header ?? {}) as Body
  const flag = (k: string): boolean => header[k] === 1 || header[k] === true
  const topic = str(body, 'topic', false)
  const result = core.submit(
    str(body, 'from_uid', false),
    {
      flags: { dup: false, noPersist: flag('no_persist'), redDot: flag('red_dot'), syncOnce: flag('sync_once') },
      setting: topic === '' ? 0 : 0x08,
      clientMsgNo: str(body, 'client_msg_no', false),
      channelId: str(body, 'channel_id'),
      channelType: int(body, 'channel_type'),
      expire: int(body, 'expire', 0),
      ...(topic !== '' && { topic }),
    },
    new Uint8Array(Buffer.from(str(body, 'payload', false), 'base64')),
  )
  if (result.reasonCode !== ReasonCode.Success) return fail(400, `send refused with reason code ${result.reasonCode}`)
  result.deliver?.()
  return ok({ message_id: Number(result.messageId), message_idstr: result.messageId, message_seq: result.messageSeq, client_msg_no: str(body, 'client_msg_no', false) })
}

/**
 * Admin endpoints (not WuKongIM's): fault injection and counters.
 *   GET  /admin/report                          → ServerReport
 *   POST /admin/faults/drop-sendacks            {count, uid?}
 *   POST /admin/faults/delay-sendacks           {count, ms, uid?}
 *   POST /admin/faults/reject-sends             {count, reason_code, uid?}
 *   POST /admin/faults/close-connections        {uid, with_close_frame?}   → {closed}
 *   POST /admin/faults/withhold-recv            {channel_id, channel_type, login_uid?, seqs? | count?}
 *   POST /admin/faults/reorder-recv             {channel_id, channel_type, login_uid?, count}
 *   POST /admin/faults/corrupt-next-frame       {uid, mode?: 'recv-payload' | 'header'}
 *   POST /admin/faults/refuse-connections       {refuse: boolean}
 *   POST /admin/faults/clear
 *   POST /admin/restart                         (ws-server: a real listener restart; the core alone: restart())
 */
function admin(core: ServerCore, route: string, body: Body): HttpResult {
  const channel = (): ChannelRef => {
    const loginUid = str(body, 'login_uid', false)
    return { channelId: str(body, 'channel_id'), channelType: int(body, 'channel_type'), ...(loginUid !== '' && { loginUid }) }
  }
  const uid = str(body, 'uid', false)
  const who = uid === '' ? undefined : { uid }
  switch (route) {
    case 'GET /admin/report':
      return ok(core.report())
    case 'POST /admin/faults/drop-sendacks':
      core.faults.dropSendacks(int(body, 'count', 1), who)
      return ok()
    case 'POST /admin/faults/delay-sendacks':
      core.faults.delaySendacks(int(body, 'count', 1), int(body, 'ms'), who)
      return ok()
    case 'POST /admin/faults/reject-sends':
      core.faults.rejectSends(int(body, 'count', 1), int(body, 'reason_code'), who)
      return ok()
    case 'POST /admin/faults/close-connections':
      return ok({ closed: core.faults.closeConnections(str(body, 'uid'), { withCloseFrame: body.with_close_frame === true }) })
    case 'POST /admin/faults/withhold-recv':
      core.faults.withholdRecv(channel(), Array.isArray(body.seqs) ? (body.seqs as number[]) : int(body, 'count', 1))
      return ok()
    case 'POST /admin/faults/reorder-recv':
      core.faults.reorderRecv(channel(), int(body, 'count'))
      return ok()
    case 'POST /admin/faults/corrupt-next-frame':
      core.faults.corruptNextFrame(str(body, 'uid'), (str(body, 'mode', false) || 'recv-payload') as CorruptMode)
      return ok()
    case 'POST /admin/faults/refuse-connections':
      core.faults.refuseConnections(body.refuse !== false)
      return ok()
    case 'POST /admin/faults/clear':
      core.faults.clear()
      return ok()
    case 'POST /admin/restart':
      core.restart()
      return ok()
    default:
      return fail(404, 'not found')
  }
}
