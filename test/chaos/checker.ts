/**
 * The chaos checker: invariants over a whole run's history (what the apps saw) and the server's
 * store (what really happened).
 *
 * - lost: a message whose send() resolved is not stored, or a recipient was never shown a stored
 *   message it should see. A recipient should see every message stored above its baseline: the
 *   server's top seq when its inbox first completed a catch-up on fresh storage (the inbox treats
 *   what was there before as history); until then, for a channel first met on a push or on the
 *   device's own SENDACK, the seq below it (the inbox starts the channel there). One exception: an outbox record the engine corrupted on
 *   disk (expire 2^33, channelType 300) cannot be sent as the app wrote it; it is not lost if the
 *   SDK told the app, i.e. reported it `failed` (messageStatus, or pending() at the end); the app
 *   then discards it. Without that report it counts as lost (and stuck) like any other.
 * - duplicated: a message stored twice (a server row per clientMsgNo is expected on both lines:
 *   v3 de-duplicates, and on v2 the SDK asks the server before re-sending; `v2CopiesAllowed`
 *   relaxes this for v2), or an app was shown one message (fromUid, clientMsgNo) twice.
 * - re-shown after a kill: a message shown again by a later process of the same app. Allowed only
 *   for the one message whose handler was running when the process died (at most one per kill);
 *   any other is a duplicate. (Re-deliveries after storage refused the inbox state are excused
 *   apart, as before.)
 * - forged: an app was shown a message the server never stored.
 * - wrong payload: a message stored with a payload other than the text its send() was given (media
 *   sends are checked by bad media instead): what every recipient is then shown.
 * - misordered: an app saw a channel's messages out of server seq order.
 * - echoed: an app was handed its own message back as incoming (each uid is one install here, so
 *   any delivery from itself is one; v2 stores a re-send twice and sync can bring the other copy).
 * - stuck: an outbox still holds messages (queued, sending or failed) after the quiet phase.
 * - unacked: a message reported `sent` without a SENDACK reasonCode 1 for a stored message.
 * - internal: the client reported a broken invariant of its own (error code INTERNAL).
 * - conversation ops (issue 20), per uid and channel, with L the last op whose promise resolved:
 *   - convLost: the server's last applied op for that channel is not L or an op issued after L
 *     (one that never resolved: refused, or its process died; the SDK may still have stored and
 *     sent it), applied no earlier than that op was issued. Then the server's state must be what
 *     that op left plus what came after: a cleared/set conversation's unread = the op's value as
 *     WuKongIM applies it (set: the others' messages among the last n seqs then) + the others'
 *     messages stored after it; a deleted one is absent unless a message was stored after it.
 *   - convListMismatch: after a final catch-up of a settled run, the device's conversations()
 *     and the server's conversation list differ (a channel on one only, unread, last message seq).
 */
import { decodeContent } from '../../sdk/content/codec'
import { decodeBase64 } from '../../sdk/proto/base64'
import { decodeUtf8 } from '../../sdk/proto/utf8'
import type { InboundMessage } from '../../sdk/types'
import type { Conversation } from '../../sdk/conversations/types'
import { personChannelId } from '../support/server/channels'
import type { ServerCore, StoredMessage } from '../support/server/core'
import { handleHttp } from '../support/server/http-api'
import { channelRefs } from './scenario'

/** A `message` event as a device instance saw it (`url`: an image content's). */
export type Delivery = Pick<InboundMessage, 'messageId' | 'messageSeq' | 'clientMsgNo' | 'fromUid' | 'channelId' | 'channelType'> & { uid: string; instance: number; url?: string }

export interface History {
  mode: 'v2' | 'v3'
  uids: string[]
  /** send() calls that resolved. */
  resolved: Array<{ uid: string; clientMsgNo: string; channelId: string; channelType: number; text?: string }>
  /** messageStatus 'sent' events. */
  sent: Array<{ uid: string; clientMsgNo: string; reasonCode?: number; messageId?: string; messageSeq?: number }>
  /** message events, in the order the apps saw them. */
  deliveries: Delivery[]
  /** Per uid: the server's top seq per channel key when its inbox first caught up on fresh storage. */
  baselines: Map<string, Map<string, number>>
  /** `uid|fromUid|clientMsgNo` a device may be shown again: storage refused its inbox state before a kill. */
  excused: Set<string>
  /** Outbox leftovers after the quiet phase. */
  stuck: string[]
  internalErrors: string[]
  /** Process kills, in order; `inHandler` = `fromUid|clientMsgNo` of the message whose handler was running. */
  kills: Array<{ uid: string; instance: number; inHandler?: string }>
  /** `uid|clientMsgNo` of outbox records the engine corrupted on disk. */
  corrupted: Set<string>
  /** The corrupted ones the SDK reported as failed to the app. */
  toldFailed: Set<string>
  /** v2 may store a re-send twice without a violation (the pre-lookup rule). */
  v2CopiesAllowed: boolean
  /** `uid|clientMsgNo` of media sends that resolved → the text their file holds (engine.ts mediaBytes). */
  media: Map<string, string>
  /** The bytes of the uploaded object behind a URL. */
  uploaded(url: string): Uint8Array | undefined
  /** What each device's messages() showed at the end, newest page first, per channel. */
  pages: HistoryCheck[]
  /** Conversation ops the apps made, in the order they were issued. */
  convOps: ConvOp[]
  /** Per uid: conversations() after the final catch-up of a settled run (connected devices only). */
  finalLists: Map<string, Conversation[]>
}

/** One device's history of one channel, as messages() paged it at the end (newest page first). */
export interface HistoryCheck {
  uid: string
  /** checker key `<type>:<canonical id>` */
  channel: string
  pages: Array<{ from: number; gaps: Array<{ from: number; to: number }>; messages: Array<Pick<InboundMessage, 'messageId' | 'messageSeq' | 'fromUid' | 'clientMsgNo'>> }>
  /** messages() rejected (or never settled). */
  error?: string
}

/** A clearUnread / setUnread / deleteConversation call; `resolvedAt` once its promise resolved (durable). */
export interface ConvOp {
  uid: string
  instance: number
  kind: 'clearUnread' | 'setUnread' | 'delete'
  channelId: string
  channelType: number
  /** Canonical `<type>:<id>` (engine.ts channelKeyOf). */
  channelKey: string
  unread: number
  issuedAt: number
  resolvedAt?: number
}

export interface Violations {
  lost: number
  duplicated: number
  misordered: number
  echoed: number
  stuck: number
  unacked: number
  internal: number
  forged: number
  /** Messages stored with a payload other than the one sent. */
  wrongPayload: number
  /** Re-deliveries after a kill that followed refused inbox writes (not violations). */
  excusedRedeliveries: number
  /** Messages shown again by a later process of the same app (the allowed ones and the duplicates). */
  reShown: number
  /** Server rows, and distinct messages, of the resolved sends that were stored (copies per message = rows / messages). */
  storedRows: number
  storedMessages: number
  /** Corrupted outbox records the SDK reported failed (not lost). */
  corruptedTold: number
  /** Media messages stored or shown without a URL to an uploaded object holding their file. */
  badMedia: number
  /** Conversation ops durable on a device and not applied on the server (or not as they left it). */
  convLost: number
  /** Channels where a device's final list and the server's disagree. */
  convListMismatch: number
  /** Conversation ops made, and made durable (resolved); lists compared. */
  convOps: number
  convDurable: number
  convLists: number
}

const MAX_LINES = 30

export function check(h: History, core: ServerCore): Violations & { failures: string[] } {
  const failures: string[] = []
  const v: Violations = {
    lost: 0, duplicated: 0, misordered: 0, echoed: 0, stuck: h.stuck.length, unacked: 0, internal: h.internalErrors.length, forged: 0, wrongPayload: 0,
    excusedRedeliveries: 0, reShown: 0, storedRows: 0, storedMessages: 0, corruptedTold: 0, badMedia: 0,
    convLost: 0, convListMismatch: 0, convOps: h.convOps.length, convDurable: h.convOps.filter((o) => o.resolvedAt !== undefined).length, convLists: h.finalLists.size,
  }
  const fail = (line: string): void => {
    if (failures.length < MAX_LINES) failures.push(line)
  }
  const short = (no: string): string => no.slice(0, 8)

  // Everything stored, by channel key.
  const stored: StoredMessage[] = []
  for (const ch of channelRefs(h.uids.length)) stored.push(...core.messages(ch))
  const copies = new Map<string, StoredMessage[]>()
  const byId = new Map<string, StoredMessage>()
  for (const m of stored) {
    const key = `${m.fromUid}|${m.clientMsgNo}`
    const list = copies.get(key)
    if (list) list.push(m)
    else copies.set(key, [m])
    byId.set(m.messageId, m)
  }

  // Send side: durable means stored.
  for (const r of h.resolved) {
    const n = copies.get(`${r.uid}|${r.clientMsgNo}`)?.length ?? 0
    if (n > 0) {
      v.storedRows += n
      v.storedMessages++
    }
    if (n === 0 && h.toldFailed.has(`${r.uid}|${r.clientMsgNo}`)) v.corruptedTold++
    else if (n === 0) {
      v.lost++
      fail(`lost: ${r.uid}'s ${short(r.clientMsgNo)} to ${r.channelType}:${r.channelId} resolved send() but was never stored`)
    } else if (n > 1 && (h.mode === 'v3' || !h.v2CopiesAllowed)) {
      v.duplicated++
      fail(`duplicated: ${r.uid}'s ${short(r.clientMsgNo)} stored ${n} times by a ${h.mode} server`)
    }
    const wrong = r.text === undefined ? undefined : copies.get(`${r.uid}|${r.clientMsgNo}`)?.find((m) => decodeUtf8(decodeBase64(m.payload)) !== r.text)
    if (wrong) {
      v.wrongPayload++
      fail(`wrong payload: ${r.uid}'s ${short(r.clientMsgNo)} ("${r.text}") stored as seq ${wrong.messageSeq} with "${decodeUtf8(decodeBase64(wrong.payload))}"`)
    }
  }

  // Media: what the server stored, and what each recipient was shown, points at the object
  // holding the message's own file.
  const mediaUrl = new Map<string, string | undefined>()
  for (const [key, text] of h.media) {
    const list = copies.get(key)
    if (!list) continue
    const urls = list.map((m) => storedUrl(m))
    const url = urls[0]
    const bytes = url === undefined ? undefined : h.uploaded(url)
    if (url === undefined || !bytes || decodeUtf8(bytes) !== `image:${text}` || urls.some((u) => u !== url)) {
      v.badMedia++
      fail(`bad media: ${short(key.split('|')[1] ?? '')} stored with url ${String(url)}, which ${bytes ? 'holds another file' : 'no upload holds'}`)
    }
    mediaUrl.set(key, url)
  }
  for (const d of h.deliveries) {
    const key = `${d.fromUid}|${d.clientMsgNo}`
    if (!h.media.has(key) || d.url === mediaUrl.get(key)) continue
    v.badMedia++
    fail(`bad media: ${d.uid}#${d.instance} shown ${short(d.clientMsgNo)} with url ${String(d.url)}, not the stored ${String(mediaUrl.get(key))}`)
  }

  // Nothing sent without SENDACK 1 for a stored copy.
  for (const s of h.sent) {
    const m = s.messageId !== undefined ? byId.get(s.messageId) : undefined
    if (s.reasonCode !== 1 || !m || m.fromUid !== s.uid || m.clientMsgNo !== s.clientMsgNo || m.messageSeq !== s.messageSeq) {
      v.unacked++
      fail(`unacked: ${s.uid}'s ${short(s.clientMsgNo)} reported sent (reasonCode ${String(s.reasonCode)}, messageId ${String(s.messageId)}) without a matching SENDACK 1`)
    }
  }

  // Receive side: each message shown at most once, per channel in seq order.
  const shown = new Map<string, number>()
  const shownBy = new Map<string, number>() // first instance that showed it
  const inHandler = new Set(h.kills.filter((k) => k.inHandler !== undefined).map((k) => `${k.uid}#${k.instance}|${k.inHandler}`))
  const lastSeq = new Map<string, number>()
  for (const d of h.deliveries) {
    if (!byId.has(d.messageId)) {
      v.forged++
      fail(`forged: ${d.uid}#${d.instance} shown ${d.fromUid}'s ${short(d.clientMsgNo)} (${d.channelType}:${d.channelId} seq ${d.messageSeq}), which the server never stored`)
      continue
    }
    if (d.fromUid === d.uid) {
      v.echoed++
      fail(`echoed: ${d.uid}#${d.instance} handed its own ${short(d.clientMsgNo)} back as incoming (${d.channelType}:${d.channelId} seq ${d.messageSeq})`)
      continue
    }
    const id = `${d.uid}|${d.fromUid}|${d.clientMsgNo || d.messageId}`
    const n = (shown.get(id) ?? 0) + 1
    shown.set(id, n)
    const first = shownBy.get(id) ?? d.instance
    shownBy.set(id, first)
    if (n > 1 && first < d.instance) v.reShown++
    if (n > 1 && h.excused.has(id)) {
      v.excusedRedeliveries++
      continue
    }
    // The message whose handler was running when the process died: handed over, maybe not handled.
    const handlerKey = `${d.uid}#${first}|${d.fromUid}|${d.clientMsgNo || d.messageId}`
    if (n === 2 && first < d.instance && inHandler.delete(handlerKey)) continue
    if (n > 1) {
      // Counted once per message and receiver, and as a duplicate only (not also as disorder).
      if (n === 2) v.duplicated++
      fail(`duplicated: ${d.uid}#${d.instance} shown ${d.fromUid}'s ${short(d.clientMsgNo)} again (${d.channelType}:${d.channelId} seq ${d.messageSeq})`)
      continue
    }
    const ch = `${d.uid}|${d.channelType}:${d.channelId}`
    const prev = lastSeq.get(ch) ?? 0
    if (d.messageSeq <= prev) {
      v.misordered++
      fail(`misordered: ${d.uid}#${d.instance} shown ${d.channelType}:${d.channelId} seq ${d.messageSeq} after seq ${prev}`)
    }
    lastSeq.set(ch, Math.max(prev, d.messageSeq))
  }

  // Receive side: every recipient shown every message stored above its baseline.
  for (const [key, list] of copies) {
    const first = list[0] as StoredMessage
    const top = Math.max(...list.map((m) => m.messageSeq))
    const channelKey = `${first.channelType}:${first.channelId}`
    const recipients = first.channelType === 1 ? first.channelId.split('@') : h.uids
    for (const uid of recipients) {
      if (uid === first.fromUid) continue
      const base = h.baselines.get(uid)?.get(channelKey)
      if (base !== undefined && top <= base) continue
      if ((shown.get(`${uid}|${key}`) ?? 0) === 0) {
        v.lost++
        fail(`lost: ${uid} never shown ${first.fromUid}'s ${short(first.clientMsgNo)} (${channelKey} seq ${list.map((m) => m.messageSeq).join('/')}; baseline ${base === undefined ? 'never caught up' : base})`)
      }
    }
  }

  checkHistories(h, storedBy(stored), v, fail)
  checkConversations(h, core, v, fail)

  for (const line of h.stuck) fail(`stuck: ${line}`)
  for (const line of h.internalErrors) fail(`internal: ${line}`)
  return { ...v, failures }
}

export function violationCount(v: Violations): number {
  return v.lost + v.duplicated + v.misordered + v.echoed + v.stuck + v.unacked + v.internal + v.forged + v.wrongPayload + v.badMedia + v.convLost + v.convListMismatch
}

/** `<type>:<canonical id>` of a channel as `uid` addresses it. */
const keyFor = (uid: string, channelType: number, channelId: string): string => (channelType === 1 ? `1:${personChannelId(uid, channelId)}` : `${channelType}:${channelId}`)

/** uid's conversations as the server lists them (the HTTP API of its line): canonical key → unread, last seq. */
function serverList(h: History, core: ServerCore, uid: string): Map<string, { unread: number; lastSeq: number }> {
  const out = new Map<string, { unread: number; lastSeq: number }>()
  const res = h.mode === 'v2' ? handleHttp(core, 'POST', '/conversation/sync', { uid, msg_count: 1 }) : handleHttp(core, 'POST', '/conversation/list', { uid, limit: 1000 })
  const items = (h.mode === 'v2' ? res.body : (res.body as { conversations: unknown[] }).conversations) as Array<Record<string, any>>
  for (const c of items) out.set(keyFor(uid, c.channel_type, c.channel_id), { unread: c.unread, lastSeq: h.mode === 'v2' ? c.last_msg_seq : c.last_message.message_seq })
  return out
}

/** The conversation-op and final-list checks (see the header). */
function checkConversations(h: History, core: ServerCore, v: Violations, fail: (line: string) => void): void {
  const byChannel = new Map<string, ConvOp[]>()
  for (const o of h.convOps) {
    const key = `${o.uid}|${o.channelKey}`
    byChannel.set(key, [...(byChannel.get(key) ?? []), o])
  }
  const lists = new Map(h.uids.map((uid) => [uid, serverList(h, core, uid)]))
  for (const [key, ops] of byChannel) {
    const k = ops.map((o) => o.resolvedAt !== undefined).lastIndexOf(true)
    if (k < 0) continue
    const last = ops[k] as ConvOp
    const applied = core.conversationOps.filter((r) => r.uid === last.uid && keyFor(r.uid, r.channelType, r.channelId) === last.channelKey)
    const r = applied[applied.length - 1]
    const what = `${last.uid}'s ${last.kind}${last.kind === 'setUnread' ? ` ${last.unread}` : ''} on ${last.channelKey} (durable at ${last.resolvedAt})`
    const match = r && ops.slice(k).find((o) => o.kind === r.action && (o.kind !== 'setUnread' || o.unread === r.unread) && r.at >= o.issuedAt)
    if (!r || !match) {
      v.convLost++
      fail(`conversation op lost: ${what}; the server's last for it: ${r ? `${r.action}${r.unread !== undefined ? ` ${r.unread}` : ''} at ${r.at}` : 'none'}`)
      continue
    }
    const msgs = core.messages({ channelId: last.channelId, channelType: last.channelType, loginUid: last.uid })
    const others = msgs.filter((m) => m.fromUid !== last.uid)
    const listed = lists.get(last.uid)?.get(last.channelKey)
    const n = r.unread ?? 0
    const readTo = r.action === 'clearUnread' || n <= 0 ? r.lastSeq : Math.max(0, r.lastSeq - Math.min(n, Math.max(1, r.lastSeq)))
    const expected = others.filter((m) => m.messageSeq > readTo).length
    const revived = msgs.some((m) => m.messageSeq > r.lastSeq)
    const wrong = r.action === 'delete' ? (listed !== undefined) !== revived : listed !== undefined && listed.unread !== expected
    if (wrong) {
      v.convLost++
      fail(`conversation op not as left: ${what}: the server lists ${listed ? `unread ${listed.unread}` : 'nothing'}, expected ${r.action === 'delete' ? (revived ? 'the conversation back' : 'nothing') : `unread ${expected}`}`)
    }
  }
  for (const [uid, list] of h.finalLists) {
    const server = lists.get(uid) ?? new Map<string, { unread: number; lastSeq: number }>()
    const device = new Map(list.map((c) => [keyFor(uid, c.channelType, c.channelId), { unread: c.unread, lastSeq: c.lastMessage?.messageSeq ?? 0 }]))
    for (const key of new Set([...server.keys(), ...device.keys()])) {
      const a = device.get(key)
      const b = server.get(key)
      if (a && b && a.unread === b.unread && a.lastSeq === b.lastSeq) continue
      v.convListMismatch++
      const show = (x: { unread: number; lastSeq: number } | undefined): string => (x ? `unread ${x.unread}, last seq ${x.lastSeq}` : 'absent')
      fail(`conversation list: ${uid}'s ${key} on the device ${show(a)}, on the server ${show(b)}`)
    }
  }
}

/** Stored messages per checker channel key, by seq. */
function storedBy(stored: StoredMessage[]): Map<string, Map<number, StoredMessage>> {
  const out = new Map<string, Map<number, StoredMessage>>()
  for (const m of stored) {
    const key = `${m.channelType}:${m.channelId}`
    const bySeq = out.get(key) ?? new Map<number, StoredMessage>()
    bySeq.set(m.messageSeq, m)
    out.set(key, bySeq)
  }
  return out
}

/**
 * History (issue 20): the pages each device's messages() showed at the end, against the server.
 * They must start at the server's newest seq and cover their seqs with every stored message once,
 * in seq order (lost / duplicated / misordered / forged otherwise). A seq may be missing only as a
 * gap the server really lacks, or as a second copy of a message shown (a v2 re-send stored twice).
 */
function checkHistories(h: History, stored: Map<string, Map<number, StoredMessage>>, v: Violations, fail: (line: string) => void): void {
  for (const c of h.pages) {
    const where = `${c.uid}'s history of ${c.channel}`
    if (c.error !== undefined) {
      v.lost++
      fail(`lost: ${where}: messages() failed: ${c.error}`)
      continue
    }
    const server = stored.get(c.channel) ?? new Map<number, StoredMessage>()
    const top = Math.max(0, ...server.keys())
    const shown = c.pages.slice().reverse().flatMap((p) => p.messages)
    const gaps = c.pages.flatMap((p) => p.gaps)
    const newest = c.pages[0]?.messages.reduce((max, m) => Math.max(max, m.messageSeq), 0) ?? 0
    const inGap = (seq: number): boolean => gaps.some((g) => seq >= g.from && seq <= g.to)
    if (top > 0 && newest < top && !inGap(top)) {
      v.lost++
      fail(`lost: ${where}: the newest page ends at seq ${newest}, the server has ${top}`)
    }
    const seen = new Set<string>()
    let prev = 0
    for (const m of shown) {
      const s = server.get(m.messageSeq)
      if (!s || s.messageId !== m.messageId) {
        v.forged++
        fail(`forged: ${where} shows seq ${m.messageSeq} (${m.messageId}), which the server does not hold there`)
        continue
      }
      const who = `${m.fromUid}|${m.clientMsgNo || m.messageId}`
      if (seen.has(who) || m.messageSeq === prev) {
        v.duplicated++
        fail(`duplicated: ${where} shows ${m.fromUid}'s ${m.clientMsgNo.slice(0, 8)} again (seq ${m.messageSeq})`)
      } else if (m.messageSeq < prev) {
        v.misordered++
        fail(`misordered: ${where} shows seq ${m.messageSeq} after seq ${prev}`)
      }
      seen.add(who)
      prev = Math.max(prev, m.messageSeq)
    }
    const low = c.pages[c.pages.length - 1]?.from ?? 1
    const bySeq = new Set(shown.map((m) => m.messageSeq))
    for (let seq = low; seq <= top; seq++) {
      const s = server.get(seq)
      if (!s || bySeq.has(seq)) continue
      if (s.clientMsgNo !== '' && seen.has(`${s.fromUid}|${s.clientMsgNo}`)) continue // a second copy of one shown
      v.lost++
      fail(`lost: ${where} ${inGap(seq) ? 'reports a gap at' : 'silently lacks'} seq ${seq}, which the server holds`)
    }
    for (const g of gaps) if (g.from < low || g.to > top) fail(`lost: ${where} reports a gap ${g.from}..${g.to} outside its pages`)
  }
}

/** The url of a stored image message, from its payload. */
function storedUrl(m: StoredMessage): string | undefined {
  const content = decodeContent(decodeBase64(m.payload))
  return content.type === 2 ? content.url : undefined
}
