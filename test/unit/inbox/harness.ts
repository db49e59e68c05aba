/**
 * Test harness for the inbox: a hand-written SyncProvider over an in-memory "server" of channels,
 * the memory platform on virtual time, and recorders for everything the inbox hands out
 * (deliveries, RECVACKs, gap events, errors, diagnostics). RECVs go in as the client routes them:
 * opened by the connection's openPushed, a tampered one as the inbox's `tampered` signal.
 */
import { openPushed } from '../../../sdk/connection/connection'
import { Inbox } from '../../../sdk/inbox/inbox'
import { inboxSettings } from '../../../sdk/options'
import type { SessionCrypto } from '../../../sdk/proto/crypto'
import type { InboxDeps, InboxOptions } from '../../../sdk/inbox/inbox'
import type { InboundMessage, GapEvent } from '../../../sdk/types'
import { createMemoryPlatform } from '../../../sdk/platform/memory'
import { VirtualScheduler } from '../../support/virtual-time'
import type { ConversationCursor, ConversationState, MessageSyncRequest, MessageSyncResult, SyncProvider } from '../../../sdk/sync/types'
import { PacketType } from '../../../sdk/proto/packets'
import type { RecvPacket, RecvackPacket } from '../../../sdk/proto/packets'
import { ClientError, ProtocolError, isImError, type ImError } from '../../../sdk/errors'

export const UID = 'me'

/** The memory platform on a virtual clock starting at 0; `store` is its storage (shared = cold restart). */
export function testPlatform(store = new Map<string, string>()) {
  const scheduler = new VirtualScheduler(0)
  const platform = createMemoryPlatform({ clock: scheduler, timers: scheduler, data: store })
  return {
    platform,
    store,
    /** Every storage write from now on rejects (STORAGE_FAILED) while true. */
    set failWrites(on: boolean) {
      platform.control.failNextWrites(on ? Number.MAX_SAFE_INTEGER : 0)
    },
    pendingTimers: () => scheduler.pending(),
    /** Moves virtual time forward, firing due timers in order and letting promises settle between them. */
    advance: (ms: number) => scheduler.advance(ms),
    /** Advances until `predicate` holds (throws after maxMs of virtual time). */
    runUntil: (predicate: () => boolean, maxMs?: number) => scheduler.runUntil(predicate, maxMs),
  }
}

/** Lets every queued promise continuation run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r))
}

/** A channel store on the "server", answering like /channel/messagesync and conversation sync. */
export class FakeSync implements SyncProvider {
  readonly channels = new Map<string, InboundMessage[]>()
  readonly messageRequests: MessageSyncRequest[] = []
  readonly conversationRequests: ConversationCursor[][] = []
  /** Seqs the server no longer has (retention). */
  readonly missing = new Set<string>()
  failMessages = 0
  failConversations = 0
  /** While true, every call waits forever (a provider that never answers). */
  hang = false
  /** Seqs ('<type>:<id>:<seq>') served as malformed items: left out of the page and counted. */
  readonly malformed = new Set<string>()
  /** When set, syncConversations waits for it. */
  conversationGate: Promise<void> | undefined

  add(channelId: string, seq: number, over: Partial<InboundMessage> = {}): InboundMessage {
    const m = msg(channelId, seq, over)
    const key = `${m.channelType}:${channelId}`
    const list = this.channels.get(key) ?? []
    list.push(m)
    list.sort((a, b) => a.messageSeq - b.messageSeq)
    this.channels.set(key, list)
    return m
  }

  async syncMessages(req: MessageSyncRequest): Promise<MessageSyncResult> {
    this.messageRequests.push({ ...req })
    if (this.hang) return new Promise<never>(() => {})
    if (this.failMessages > 0) {
      this.failMessages--
      throw new ClientError('SYNC_FAILED', 'fake sync down')
    }
    const all = (this.channels.get(`${req.channelType}:${req.channelId}`) ?? []).filter(
      (m) =>
        m.messageSeq >= req.startSeq &&
        (req.endSeq === 0 || m.messageSeq < req.endSeq) &&
        !this.missing.has(`${req.channelType}:${req.channelId}:${m.messageSeq}`),
    )
    const page = all.slice(0, req.limit)
    const bad = (m: InboundMessage) => this.malformed.has(`${req.channelType}:${req.channelId}:${m.messageSeq}`)
    const out: MessageSyncResult = { messages: page.filter((m) => !bad(m)).map((m) => ({ ...m, source: 'sync' as const })), more: all.length > req.limit }
    if (page.some(bad)) out.malformed = page.filter(bad).length
    return out
  }

  async syncConversations(cursors: ConversationCursor[]): Promise<ConversationState[]> {
    this.conversationRequests.push(cursors.map((c) => ({ ...c })))
    if (this.hang) return new Promise<never>(() => {})
    if (this.conversationGate) await this.conversationGate
    if (this.failConversations > 0) {
      this.failConversations--
      throw new ClientError('SYNC_FAILED', 'fake conversations down')
    }
    const out: ConversationState[] = []
    for (const [key, list] of this.channels) {
      const last = list[list.length - 1]
      if (!last) continue
      const i = key.indexOf(':')
      const channelType = Number(key.slice(0, i))
      const channelId = key.slice(i + 1)
      const known = cursors.find((c) => c.channelId === channelId && c.channelType === channelType)
      if (known && known.lastSeq >= last.messageSeq) continue // v2: omitted when nothing newer
      out.push({ channelId, channelType, lastSeq: last.messageSeq })
    }
    return out
  }
}

export function msg(channelId: string, seq: number, over: Partial<InboundMessage> = {}): InboundMessage {
  return {
    messageId: `id-${channelId}-${seq}`,
    messageSeq: seq,
    clientMsgNo: `cm-${channelId}-${seq}`,
    fromUid: channelId,
    channelId,
    channelType: 1,
    timestamp: 1_700_000_000 + seq,
    payload: new Uint8Array([seq & 0xff]),
    flags: { noPersist: false, syncOnce: false, redDot: true },
    source: 'sync',
    ...over,
  }
}

/** The RECV a server would push for a stored message (plaintext session). */
export function recvOf(m: InboundMessage, flags: Partial<RecvPacket['flags']> = {}): RecvPacket {
  return {
    type: PacketType.RECV,
    flags: { dup: false, ...m.flags, ...flags },
    setting: 0,
    msgKey: '',
    fromUid: m.fromUid,
    channelId: m.channelId,
    channelType: m.channelType,
    expire: 0,
    clientMsgNo: m.clientMsgNo,
    messageId: m.messageId,
    messageSeq: m.messageSeq,
    timestamp: m.timestamp,
    payload: m.payload,
  }
}

export interface Rig {
  inbox: Inbox
  sync: FakeSync
  delivered: InboundMessage[]
  acks: RecvackPacket[]
  gaps: GapEvent[]
  errors: ImError[]
  diag: Array<{ category: string; event: string; detail?: Record<string, unknown> }>
  clock: ReturnType<typeof testPlatform>
  /** Replace to control how the app's handler settles. */
  handler: (m: InboundMessage) => Promise<void>
  seqs(channelId?: string): number[]
  /** A RECV as the connection of a session (null: plaintext) hands it over. */
  push(packet: RecvPacket, session?: SessionCrypto | null): void
}

export function makeInbox(
  opts: {
    sync?: FakeSync
    store?: Map<string, string>
    options?: InboxOptions
    ownSend?: (clientMsgNo: string) => boolean
    /** The inbox's switches, and the connection's acceptPlainRecv. */
    unsafe?: InboxDeps['unsafe'] & { acceptPlainRecv?: boolean }
    platform?: ReturnType<typeof testPlatform>
  } = {},
): Rig {
  const clock = opts.platform ?? testPlatform(opts.store)
  const sync = opts.sync ?? new FakeSync()
  const rig = {
    sync,
    delivered: [] as InboundMessage[],
    acks: [] as RecvackPacket[],
    gaps: [] as GapEvent[],
    errors: [] as ImError[],
    diag: [] as Rig['diag'],
    clock,
    handler: async (_m: InboundMessage) => {},
    seqs(channelId?: string) {
      return rig.delivered.filter((m) => channelId === undefined || m.channelId === channelId).map((m) => m.messageSeq)
    },
    push(packet: RecvPacket, session: SessionCrypto | null = null) {
      let payload: Uint8Array
      try {
        payload = openPushed(session, packet, opts.unsafe?.acceptPlainRecv === true)
      } catch (e) {
        rig.inbox.tampered(packet, isImError(e) ? e : new ProtocolError('RECV failed verification', {}, e))
        return
      }
      rig.inbox.handleRecv({ ...packet, payload })
    },
  } as Rig
  rig.inbox = new Inbox({
    uid: UID,
    platform: clock.platform,
    storagePrefix: `wkmp:${UID}`,
    sync,
    diagnostics: {
      record: (category, event, detail) => rig.diag.push({ category, event, detail }),
      trace: () => {},
    },
    deliver: async (m) => {
      rig.delivered.push(m)
      await rig.handler(m)
    },
    sendRecvack: (a) => rig.acks.push(a),
    emitGap: (e) => rig.gaps.push(e),
    emitError: (e) => rig.errors.push(e),
    options: inboxSettings({ continuityCheckMs: 0, ...opts.options }),
    ...(opts.ownSend && { ownSend: opts.ownSend }),
    ...(opts.unsafe && { unsafe: opts.unsafe }),
  })
  return rig
}
