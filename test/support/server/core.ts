/**
 * The semantic core of the local WuKongIM-compatible server (docs/protocol.md §4–§8): sessions,
 * CONNECT/CONNACK with key exchange, SEND → permission → store → SENDACK → RECV, RECVACK,
 * v2 redelivery / v3 de-duplication, kicks, idle close and fault injection.
 *
 * It owns no socket and no real timer: a transport hands it bytes through `accept(sink)`, and
 * time comes from the injected Clock/Timers, so the chaos simulator can run it in virtual time.
 * A test and development tool — production is a real WuKongIM cluster.
 */
import { FrameDecoder } from '../../../sdk/proto/frame-decoder'
import { decodeClientPacket, encodeServerPacket } from './codec'
import { PacketType, PROTOCOL_VERSION, Setting } from '../../../sdk/proto/packets'
import type { ConnectPacket, Frame, HeaderFlags, RecvackPacket, RecvPacket, SendackPacket, SendPacket, ServerPacket } from '../../../sdk/proto/packets'
import type { Clock, TimerId, Timers } from '../../../sdk/platform/types'
import { ReasonCode } from '../../../sdk/codes'
import { canonicalChannel, channelKey, channelView, GROUP, PERSON, personChannelId, personParties, type ChannelRef } from './channels'
import { ServerStore, type StoredMessage } from './store'
import { encodePublicKey, generateKeyPair, type SessionCrypto } from '../../../sdk/proto/crypto'
import { deriveServerSession, openSend, saltFromBytes, sealRecv } from './crypto'
import { handleHttp } from './http-api'

export type ServerMode = 'v2' | 'v3'
export type { ChannelRef } from './channels'
export { personChannelId } from './channels'
export { ServerStore, type StoredMessage } from './store'

/** The transport side of one connection, given to `accept`. */
export interface ServerSink {
  /** One binary WebSocket message. */
  send(data: Uint8Array): void
  /** Close the socket: with a close frame (code, reason), or abruptly (TCP reset / terminate). */
  close(opts: { code?: number; reason?: string; withCloseFrame: boolean }): void
}

/** What `accept` returns: the transport feeds it inbound bytes and tells it when the socket is gone. */
export interface ServerConnection {
  onData(data: Uint8Array): void
  /** The socket closed (by either side). Idempotent. */
  onClose(): void
}

export interface ServerCoreOptions {
  /** Server-line semantics (see README "Local server"). */
  mode: ServerMode
  /** X25519 + AES payload encryption (true), or plaintext sessions with empty serverKey (false). */
  encrypt: boolean
  clock: Clock
  timers: Timers
  /** Secure random bytes (key pairs, salts). */
  random: (n: number) => Uint8Array
  /** Shared store; a new in-memory one by default. */
  store?: ServerStore
  /** Check CONNECT tokens against those set by POST /user/token (default true). Off: any token passes. */
  tokenAuth?: boolean
  /** v2 RECV redelivery to the same connection until RECVACK. Default 60 000 ms, 5 times (S2 defaults). */
  redelivery?: { intervalMs: number; maxCount: number }
  /** v3: un-acked RECVs per session before further pushes are dropped (default 1024); entries expire after pendingAckTtlMs (default 30 000). */
  pendingAckCap?: number
  pendingAckTtlMs?: number
  /** Close a connection after this long without inbound data (default 180 000 ms). */
  idleTimeoutMs?: number
  /** Close a socket that has not sent CONNECT within this time (default 4 000 ms, like S2). */
  connectTimeoutMs?: number
  /** v2: delay between DISCONNECT 12 and closing the kicked socket (default 2 000 ms, like S2). */
  kickCloseDelayMs?: number
  /** v2: the same delay after a master-level POST /user/token kicked the user (default 10 000 ms, like S2; v1.2.6 also keeps it ~10 s). */
  tokenKickCloseDelayMs?: number
  /** Addresses /route reports (ws-server sets them). */
  routes?: { wsAddr: string; tcpAddr?: string; wssAddr?: string }
}

/** Counters since the core was created (restart() keeps them). */
export interface ServerReport {
  /** Messages appended to the store. */
  stored: number
  /** RECVs pushed the first time (one per connection). */
  delivered: number
  /** RECVACKs received. */
  acked: number
  /** v2 RECV re-sends. */
  redelivered: number
  sendacks: number
  /** SENDs answered with a non-1 reason code. */
  rejected: number
  /** v3 SENDs answered with the original message (same fromUid + clientMsgNo). */
  deduplicated: number
  droppedSendacks: number
  delayedSendacks: number
  /** RECV pushes suppressed by withholdRecv. */
  withheld: number
  /** v3 RECV pushes dropped by the pending-ack cap. */
  droppedByAckCap: number
  corruptedFrames: number
  connectionsAccepted: number
  connectionsRefused: number
  authFailures: number
  kicks: number
  protocolErrors: number
  /** Open, authenticated connections right now. */
  activeConnections: number
}

export interface ConnectionInfo {
  id: number
  uid: string
  deviceFlag: number
  deviceId: string
  /** Negotiated protocol version. */
  version: number
  encrypted: boolean
}

/** One conversation change the HTTP API applied (ServerCore.conversationOps). */
export interface ConversationOpRecord {
  uid: string
  action: string
  channelId: string
  channelType: number
  /** Core clock, ms. */
  at: number
  /** The channel's last seq when it was applied. */
  lastSeq: number
  /** setUnread's count. */
  unread?: number
}

export type CorruptMode = 'recv-payload' | 'header'

/**
 * How an HTTP answer goes wrong: 500, an HTML page with status 200 (a proxy's error page), JSON of
 * the wrong shape, no answer at all (the request times out), a 404 (a route that seems to be
 * missing), or the real page with one message item made unreadable.
 */
export type HttpFaultMode = 'status-500' | 'html' | 'wrong-shape' | 'no-answer' | 'not-found' | 'malformed-item'

/** Which answers an HTTP fault spoils: the next `count`, or every one until `untilMs` (core clock); of `uid`'s requests, or anyone's. */
export interface HttpFaultScope {
  count?: number
  untilMs?: number
  uid?: string
}

/** The in-process fault API (also reachable over HTTP under /admin/faults/...). */
export interface ServerFaults {
  /** The next `count` SENDACKs (of `uid`'s connections, or anyone's) are not sent; the messages are still stored and delivered. */
  dropSendacks(count: number, opts?: { uid?: string }): void
  /** The next `count` SENDACKs are sent `ms` later. */
  delaySendacks(count: number, ms: number, opts?: { uid?: string }): void
  /**
   * The next `count` SENDs (of `uid`'s connections, or anyone's) are answered with a SENDACK
   * carrying `reasonCode` (messageId 0, seq 0) and are neither stored nor delivered: a server that
   * refuses for a while (e.g. 15 rate limited, 22 system busy) or for good.
   */
  rejectSends(count: number, reasonCode: number, opts?: { uid?: string }): void
  /**
   * The v3 send executor's defect (docs/wukongim-real-server.md §7), `count` times: a SEND (of
   * `uid`'s connections, or anyone's) is processed `holdMs` later, and when another SEND of the
   * same session and channel arrives meanwhile (pipelined), the held one is stored and acked with
   * the newcomer's payload. A session closed meanwhile loses what it held.
   */
  mixPipelinedSends(count: number, holdMs: number, opts?: { uid?: string }): void
  /** Closes every connection of `uid`; returns how many. Without close frame = socket reset. */
  closeConnections(uid: string, opts: { withCloseFrame: boolean }): number
  /** Stores but never pushes the given seqs (or the next `count` messages) of a channel: a gap for receivers. */
  withholdRecv(channel: ChannelRef, seqsOrCount: number[] | number): void
  /** Buffers the next `count` messages of a channel and then pushes them in reverse order. */
  reorderRecv(channel: ChannelRef, count: number): void
  /** Corrupts the next frame to `uid`: 'recv-payload' (default) flips a byte of the next RECV's payload so its msgKey fails; 'header' makes the next frame's type invalid. */
  corruptNextFrame(uid: string, mode?: CorruptMode): void
  /** Answers on `paths` go wrong (see HttpFaultMode) within `scope`. */
  failHttp(paths: string[], mode: HttpFaultMode, scope: HttpFaultScope): void
  /** Sends every connection of `uid` a DISCONNECT with `reasonCode` (not necessarily a kick), then drops it; returns how many. */
  disconnect(uid: string, reasonCode: number, reason: string): number
  /**
   * Pushes `uid`'s encrypted connections a RECV the server never stored, in plaintext (NO_ENCRYPT
   * set, no msgKey) as if from `fromUid` on `channel`, with the channel's next seq: what a man in
   * the middle could inject. Returns how many connections got one.
   */
  forgePlainRecv(uid: string, channel: ChannelRef, fromUid: string): number
  /** While on, new sockets are closed at once (ws-server refuses the upgrade). */
  refuseConnections(on: boolean): void
  readonly refusing: boolean
  /** Clears every pending fault. */
  clear(): void
}

/** Outcome of submit(); `deliver` pushes the message and is called after the SENDACK is written (store → SENDACK → push). */
export interface SubmitResult {
  reasonCode: number
  messageId: string
  messageSeq: number
  deliver?: () => void
}

const NO_FLAGS: HeaderFlags = { dup: false, syncOnce: false, redDot: false, noPersist: false }
const MAX_VERSION = 5

interface Session extends ServerConnection {
  readonly id: number
  readonly sink: ServerSink
  state: 'awaiting-connect' | 'open' | 'closing' | 'closed'
  uid: string
  deviceFlag: number
  deviceId: string
  version: number
  crypto: SessionCrypto | null
  decoder: FrameDecoder
  idleTimer?: TimerId
  /** Every other timer of this session, cleared with it. */
  timers: Set<TimerId>
  /** v2: un-acked RECVs by messageId. */
  redeliveries: Map<string, { bytes: Uint8Array; count: number; timer: TimerId }>
  /** v3: un-acked RECVs by messageId → expiry (ms). */
  pendingAcks: Map<string, number>
  /** Stored messages pushed to this session and not RECVACKed yet (never expires; for checks). */
  unacked: Set<string>
}

interface SendackFault {
  kind: 'drop' | 'delay'
  remaining: number
  ms: number
  uid?: string
}

export class ServerCore {
  readonly mode: ServerMode
  readonly encrypt: boolean
  readonly store: ServerStore
  readonly faults: ServerFaults
  /**
   * Every conversation change applied through the HTTP API (clearUnread, setUnread, delete), in
   * order: when (core clock), the channel's last seq then, and setUnread's count.
   */
  readonly conversationOps: ConversationOpRecord[] = []
  routes: { wsAddr: string; tcpAddr?: string; wssAddr?: string }
  private readonly opts: ServerCoreOptions
  private readonly sessions = new Map<number, Session>()
  private nextSessionId = 1
  private readonly stats: Omit<ServerReport, 'activeConnections'> = {
    stored: 0, delivered: 0, acked: 0, redelivered: 0, sendacks: 0, rejected: 0, deduplicated: 0,
    droppedSendacks: 0, delayedSendacks: 0, withheld: 0, droppedByAckCap: 0, corruptedFrames: 0,
    connectionsAccepted: 0, connectionsRefused: 0, authFailures: 0, kicks: 0, protocolErrors: 0,
  }
  private sendackFaults: SendackFault[] = []
  private rejectFaults: Array<{ remaining: number; reasonCode: number; uid?: string }> = []
  private mixFaults: Array<{ remaining: number; holdMs: number; uid?: string }> = []
  /** SENDs held by a mix fault, per `session|channelType|channelId`. */
  private readonly heldSends = new Map<string, { s: Session; p: SendPacket; timer: TimerId }>()
  private withheld = new Map<string, { seqs: Set<number>; count: number }>()
  private reorders = new Map<string, { count: number; buffer: Array<{ m: StoredMessage; fromId: number }> }>()
  private corrupt = new Map<string, CorruptMode>()
  private refusing = false
  private httpFaults: Array<{ paths: string[]; mode: HttpFaultMode } & HttpFaultScope> = []
  private forged = 0

  constructor(opts: ServerCoreOptions) {
    this.opts = opts
    this.mode = opts.mode
    this.encrypt = opts.encrypt
    this.store = opts.store ?? new ServerStore()
    this.routes = opts.routes ?? { wsAddr: '' }
    this.faults = this.makeFaults()
  }

  /** Starts a connection; the transport calls its onData/onClose. */
  accept(sink: ServerSink): ServerConnection {
    const s: Session = {
      id: this.nextSessionId++,
      sink,
      state: 'awaiting-connect',
      uid: '',
      deviceFlag: 0,
      deviceId: '',
      version: PROTOCOL_VERSION,
      crypto: null,
      decoder: new FrameDecoder(),
      timers: new Set(),
      redeliveries: new Map(),
      pendingAcks: new Map(),
      unacked: new Set(),
      onData: (data) => this.onData(s, data),
      onClose: () => this.release(s),
    }
    if (this.refusing) {
      this.stats.connectionsRefused++
      s.state = 'closed'
      sink.close({ withCloseFrame: false })
      return s
    }
    this.stats.connectionsAccepted++
    this.sessions.set(s.id, s)
    s.idleTimer = this.opts.timers.setTimeout(() => this.close(s, { withCloseFrame: false }), this.opts.connectTimeoutMs ?? 4000)
    return s
  }

  /** The HTTP API and admin endpoints (see http-api.ts). `path` may carry a query string. */
  handleHttp(method: string, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const fault = this.takeHttpFault(path, body)
    if (fault === 'no-answer') return new Promise(() => undefined)
    return new Promise((resolve) => {
      if (fault === 'status-500') return resolve({ status: 500, body: { msg: 'internal server error', status: 500 } })
      if (fault === 'html') return resolve({ status: 200, body: '<html><body>502 Bad Gateway</body></html>' })
      if (fault === 'wrong-shape') return resolve({ status: 200, body: { status: 200, data: 'maintenance' } })
      if (fault === 'not-found') return resolve({ status: 404, body: { msg: 'not found', status: 404 } })
      const res = handleHttp(this, method, path, body)
      if (fault === 'malformed-item') spoilOneItem(res.body)
      resolve(res)
    })
  }

  private takeHttpFault(path: string, body: unknown): HttpFaultMode | undefined {
    const route = path.split('?')[0] as string
    const b = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {}
    const uid = b.login_uid ?? b.uid
    const now = this.opts.clock.now()
    this.httpFaults = this.httpFaults.filter((f) => (f.count ?? 1) > 0 && (f.untilMs === undefined || f.untilMs > now))
    const f = this.httpFaults.find((x) => x.paths.includes(route) && (x.uid === undefined || x.uid === uid))
    if (!f) return undefined
    if (f.count !== undefined) f.count--
    return f.mode
  }

  /** The core clock (ms). */
  now(): number {
    return this.opts.clock.now()
  }

  /** Stored messages pushed on sessions still open and never RECVACKed there. */
  unackedRecvs(): number {
    let n = 0
    for (const s of this.sessions.values()) if (s.state === 'open') n += s.unacked.size
    return n
  }

  report(): ServerReport {
    let active = 0
    for (const s of this.sessions.values()) if (s.state === 'open') active++
    return { ...this.stats, activeConnections: active }
  }

  /** Drops every connection (no close frame) and pending timer; the store and counters stay. */
  restart(): void {
    for (const s of [...this.sessions.values()]) this.close(s, { withCloseFrame: false })
    this.reorders.clear()
  }

  /** Registers a token for (uid, deviceFlag); without deviceFlag for APP, WEB and PC alike. */
  registerToken(uid: string, token: string, deviceFlag?: number, deviceLevel = 0): void {
    for (const flag of deviceFlag === undefined ? [0, 1, 2] : [deviceFlag]) this.store.setToken(uid, flag, { token, deviceLevel })
  }

  /** Creates (or replaces the subscribers of) a group channel. */
  createGroup(id: string, subscribers: string[]): void {
    const info = this.store.channelInfo(GROUP, id)
    this.store.setChannelInfo(GROUP, id, { blacklist: [], ban: false, disband: false, ...info, subscribers: [...new Set(subscribers)] })
  }

  /** Stored messages of a channel (canonical id, or peer + loginUid for person chats). */
  messages(channel: ChannelRef): StoredMessage[] {
    return this.store.messages(channel.channelType, canonicalChannel(channel))
  }

  /** Open, authenticated connections (of one uid). */
  connections(uid?: string): ConnectionInfo[] {
    const out: ConnectionInfo[] = []
    for (const s of this.sessions.values()) {
      if (s.state !== 'open' || (uid !== undefined && s.uid !== uid)) continue
      out.push({ id: s.id, uid: s.uid, deviceFlag: s.deviceFlag, deviceId: s.deviceId, version: s.version, encrypted: s.crypto !== null })
    }
    return out
  }

  /**
   * Kicks the open connections of `uid` (of one deviceFlag, or all): v2 sends DISCONNECT 12 with
   * `reason` and closes after kickCloseDelayMs; v3 just closes. Returns how many. `reasonCode`
   * other than 12 is a test hook: real servers only send 12 (docs/protocol.md §6.3).
   */
  kick(uid: string, reason: string, deviceFlag?: number, cause: 'kick' | 'token-update' = 'kick', reasonCode: number = ReasonCode.ConnectKick): number {
    let n = 0
    for (const s of [...this.sessions.values()]) {
      if (s.state !== 'open' || s.uid !== uid || (deviceFlag !== undefined && s.deviceFlag !== deviceFlag)) continue
      this.kickSession(s, reason, cause === 'token-update' ? (this.opts.tokenKickCloseDelayMs ?? 10_000) : undefined, reasonCode)
      n++
    }
    return n
  }

  /**
   * Sends a message on behalf of `fromUid` the way a SEND would (permission, v3 de-duplication,
   * store); used by SEND and POST /message/send. `from` is the sending connection (skipped on delivery).
   */
  submit(
    fromUid: string,
    p: Pick<SendPacket, 'flags' | 'setting' | 'clientMsgNo' | 'channelId' | 'channelType' | 'expire' | 'topic'>,
    plain: Uint8Array,
    from?: number,
  ): SubmitResult {
    const reason = this.permission(fromUid, p.channelId, p.channelType)
    if (reason !== ReasonCode.Success) {
      this.stats.rejected++
      return { reasonCode: reason, messageId: '0', messageSeq: 0 }
    }
    const canonical = p.channelType === PERSON ? personChannelId(fromUid, p.channelId) : p.channelId
    const payload = Buffer.from(plain).toString('base64')
    if (this.mode === 'v3' && p.clientMsgNo !== '' && !p.flags.noPersist) {
      const original = this.store.findIdempotent(p.channelType, canonical, fromUid, p.clientMsgNo)
      if (original) {
        if (original.payload !== payload) {
          this.stats.rejected++
          return { reasonCode: ReasonCode.IdempotencyConflict, messageId: '0', messageSeq: 0 }
        }
        this.stats.deduplicated++
        return { reasonCode: ReasonCode.Success, messageId: original.messageId, messageSeq: original.messageSeq }
      }
    }
    const draft = {
      clientMsgNo: p.clientMsgNo,
      fromUid,
      channelId: canonical,
      channelType: p.channelType,
      timestamp: Math.floor(this.opts.clock.now() / 1000),
      expire: p.expire,
      setting: p.setting & (Setting.TOPIC | Setting.RECEIPT | Setting.NO_ENCRYPT),
      ...(p.topic !== undefined && { topic: p.topic }),
      flags: { noPersist: p.flags.noPersist, redDot: p.flags.redDot, syncOnce: p.flags.syncOnce },
      payload,
    }
    if (p.flags.noPersist) {
      // Not stored, seq 0. v2 still pushes it online; v3 pushes only command (SyncOnce) messages.
      const m: StoredMessage = { ...draft, messageId: this.store.transientId(), messageSeq: 0 }
      const deliver = this.mode === 'v2' || p.flags.syncOnce ? () => this.deliver(m, from ?? 0) : undefined
      return { reasonCode: ReasonCode.Success, messageId: m.messageId, messageSeq: 0, ...(deliver && { deliver }) }
    }
    const m = this.store.append(draft)
    this.stats.stored++
    return { reasonCode: ReasonCode.Success, messageId: m.messageId, messageSeq: m.messageSeq, deliver: () => this.deliver(m, from ?? 0) }
  }

  // ---- connection handling ----

  private onData(s: Session, data: Uint8Array): void {
    if (s.state === 'closed') return
    s.decoder.push(data)
    for (;;) {
      let frame: Frame | undefined
      try {
        frame = s.decoder.next()
      } catch (e) {
        return this.protocolError(s, `bad frame: ${(e as Error).message}`)
      }
      if (!frame) return
      if (s.state === 'awaiting-connect') {
        if (frame.type !== PacketType.CONNECT) return this.protocolError(s, 'first frame is not CONNECT')
        if (s.decoder.buffered > 0) return this.protocolError(s, 'frames sent before CONNACK')
        let connect: ConnectPacket
        try {
          connect = decodeClientPacket(frame, PROTOCOL_VERSION) as ConnectPacket
        } catch (e) {
          return this.protocolError(s, `bad CONNECT: ${(e as Error).message}`)
        }
        this.onConnect(s, connect)
        return
      }
      if (s.state !== 'open') return
      this.touch(s)
      this.onFrame(s, frame)
    }
  }

  private onFrame(s: Session, frame: Frame): void {
    if (frame.type === PacketType.PING) {
      this.write(s, { type: PacketType.PONG })
      return
    }
    let p
    try {
      p = decodeClientPacket(frame, s.version)
    } catch (e) {
      return this.protocolError(s, `bad packet: ${(e as Error).message}`)
    }
    switch (p.type) {
      case PacketType.SEND:
        return this.onSend(s, p)
      case PacketType.RECVACK:
        return this.onRecvack(s, p)
      case PacketType.SUB:
        // S2 silently drops SUB; S3 closes the session on an unsupported frame (docs/protocol.md §4.10).
        if (this.mode === 'v3') this.protocolError(s, 'unsupported frame SUB')
        return
      default:
        return this.protocolError(s, `unexpected packet type ${p.type} after CONNECT`)
    }
  }

  private onConnect(s: Session, p: ConnectPacket): void {
    if (p.version < 2 || p.uid === '') return this.protocolError(s, 'unsupported CONNECT (version < 2 or empty uid)')
    const version = Math.min(p.version, MAX_VERSION)
    const entry = this.store.token(p.uid, p.deviceFlag)
    if (this.opts.tokenAuth !== false && (!entry || entry.token !== p.token)) {
      this.stats.authFailures++
      return this.refuseConnect(s, ReasonCode.AuthFail)
    }
    let serverKey = ''
    let salt = ''
    if (this.encrypt) {
      if (p.clientKey === '') return this.refuseConnect(s, ReasonCode.ClientKeyIsEmpty)
      salt = saltFromBytes(this.opts.random(16))
      try {
        const keys = generateKeyPair(this.opts.random(32))
        s.crypto = deriveServerSession(keys.secretKey, p.clientKey, salt)
        serverKey = encodePublicKey(keys.publicKey)
      } catch {
        return this.refuseConnect(s, ReasonCode.AuthFail)
      }
    }
    // A new master-level device of the same uid + deviceFlag kicks the others; the same deviceId
    // replaces its old socket silently (S2; S3 closes in both cases) — docs/protocol.md §6.3.
    for (const old of [...this.sessions.values()]) {
      if (old === s || old.state !== 'open' || old.uid !== p.uid || old.deviceFlag !== p.deviceFlag) continue
      if (old.deviceId === p.deviceId) this.close(old, { withCloseFrame: false })
      else if (entry && entry.deviceLevel === 1) this.kickSession(old, 'login in other device')
    }
    s.uid = p.uid
    s.deviceFlag = p.deviceFlag
    s.deviceId = p.deviceId
    s.version = version
    s.state = 'open'
    this.write(s, {
      type: PacketType.CONNACK,
      hasServerVersion: p.version > 3,
      serverVersion: version,
      timeDiff: this.opts.clock.now() - p.clientTimestamp,
      reasonCode: ReasonCode.Success,
      serverKey,
      salt,
      nodeId: '1',
    })
    this.touch(s)
  }

  /** v2 (S2.1+) writes no CONNACK on failure and just closes; v3 writes a failure CONNACK (encoded as v5) and closes. */
  private refuseConnect(s: Session, reasonCode: number): void {
    if (this.mode === 'v3') {
      s.sink.send(encodeServerPacket({ type: PacketType.CONNACK, hasServerVersion: false, serverVersion: 0, timeDiff: 0, reasonCode, serverKey: '', salt: '', nodeId: '0' }, 5))
    }
    this.close(s, { withCloseFrame: true, code: 1000, reason: 'connect refused' })
  }

  private kickSession(s: Session, reason: string, closeDelayMs?: number, reasonCode: number = ReasonCode.ConnectKick): void {
    this.stats.kicks++
    if (this.mode === 'v3') return this.close(s, { withCloseFrame: true, code: 1000, reason: 'kicked' })
    this.disconnectSession(s, reasonCode, reason, closeDelayMs)
  }

  private disconnectSession(s: Session, reasonCode: number, reason: string, closeDelayMs?: number): void {
    this.write(s, { type: PacketType.DISCONNECT, reasonCode, reason })
    s.state = 'closing'
    // The real v1.2.6 drops the TCP link after the delay (the client sees 1006, no close frame).
    this.later(s, closeDelayMs ?? this.opts.kickCloseDelayMs ?? 2000, () => this.close(s, { withCloseFrame: false }))
  }

  private onSend(s: Session, p: SendPacket): void {
    let plain: Uint8Array
    try {
      // S3 honours Setting.noEncrypt per packet; S2 ignores the bit and decrypts anyway (docs/protocol.md §5.6).
      plain = openSend(s.crypto, this.mode === 'v3' ? p : { ...p, setting: p.setting & ~Setting.NO_ENCRYPT })
    } catch {
      // S2 answers 9; S3 fails in its decoder and closes the session (docs/protocol.md §5.5).
      if (this.mode === 'v3') return this.protocolError(s, 'SEND msgKey or payload does not verify')
      this.stats.rejected++
      this.sendack(s, p, ReasonCode.PayloadDecodeError, '0', 0)
      return
    }
    const key = `${s.id}|${p.channelType}|${p.channelId}`
    const held = this.heldSends.get(key)
    if (held) {
      // Pipelined behind a held SEND: that one is stored with this one's payload, then this one.
      this.opts.timers.clearTimeout(held.timer)
      s.timers.delete(held.timer)
      this.heldSends.delete(key)
      this.admitSend(s, held.p, plain)
      return this.admitSend(s, p, plain)
    }
    const mix = this.mixFaults.find((f) => f.uid === undefined || f.uid === s.uid)
    if (mix) {
      if (--mix.remaining <= 0) this.mixFaults = this.mixFaults.filter((f) => f !== mix)
      const own = plain
      const timer = this.later(s, mix.holdMs, () => {
        this.heldSends.delete(key)
        this.admitSend(s, p, own)
      })
      this.heldSends.set(key, { s, p, timer })
      return
    }
    this.admitSend(s, p, plain)
  }

  /** A verified SEND: refused by a reject fault, or stored, acked and pushed. */
  private admitSend(s: Session, p: SendPacket, plain: Uint8Array): void {
    const reject = this.rejectFaults.find((f) => f.uid === undefined || f.uid === s.uid)
    if (reject) {
      if (--reject.remaining <= 0) this.rejectFaults = this.rejectFaults.filter((f) => f !== reject)
      this.stats.rejected++
      this.sendack(s, p, reject.reasonCode, '0', 0)
      return
    }
    const result = this.submit(s.uid, p, plain, s.id)
    this.sendack(s, p, result.reasonCode, result.messageId, result.messageSeq)
    result.deliver?.()
  }

  private sendack(s: Session, p: SendPacket, reasonCode: number, messageId: string, messageSeq: number): void {
    const ack: SendackPacket = {
      type: PacketType.SENDACK,
      // S2 echoes the SEND's header flags; S3 sends 0 and appends clientMsgNo.
      flags: this.mode === 'v2' ? p.flags : NO_FLAGS,
      messageId,
      clientSeq: p.clientSeq,
      messageSeq,
      reasonCode,
      ...(this.mode === 'v3' && p.clientMsgNo !== '' && { clientMsgNo: p.clientMsgNo }),
    }
    const fault = this.sendackFaults.find((f) => f.uid === undefined || f.uid === s.uid)
    if (fault) {
      if (--fault.remaining <= 0) this.sendackFaults = this.sendackFaults.filter((f) => f !== fault)
      if (fault.kind === 'drop') {
        this.stats.droppedSendacks++
        return
      }
      this.stats.delayedSendacks++
      this.later(s, fault.ms, () => {
        this.stats.sendacks++
        this.write(s, ack)
      })
      return
    }
    this.stats.sendacks++
    this.write(s, ack)
  }

  private onRecvack(s: Session, p: RecvackPacket): void {
    this.stats.acked++
    const entry = s.redeliveries.get(p.messageId)
    if (entry) {
      this.opts.timers.clearTimeout(entry.timer)
      s.timers.delete(entry.timer)
      s.redeliveries.delete(p.messageId)
    }
    s.pendingAcks.delete(p.messageId)
    s.unacked.delete(p.messageId)
  }

  /** docs/protocol.md §6 codes for the cases modelled: 16 empty id, 5 unknown group, 24 disbanded, 19 banned, 4 blacklisted, 3 not a subscriber, 23 other types. */
  private permission(fromUid: string, channelId: string, channelType: number): number {
    if (channelId === '') return ReasonCode.ChannelIDError
    if (channelType === PERSON) {
      // The peer's own settings: its blacklist refuses senders (POST /channel/blacklist_add with channel_type 1, channel_id = the peer).
      const peer = this.store.channelInfo(PERSON, channelId)
      if (peer?.ban) return ReasonCode.Ban
      return peer?.blacklist.includes(fromUid) ? ReasonCode.InBlacklist : ReasonCode.Success
    }
    if (channelType !== GROUP) return ReasonCode.NotSupportChannelType
    const info = this.store.channelInfo(GROUP, channelId)
    if (!info) return ReasonCode.ChannelNotExist
    if (info.disband) return ReasonCode.Disband
    if (info.ban) return ReasonCode.Ban
    if (info.blacklist.includes(fromUid)) return ReasonCode.InBlacklist
    return info.subscribers.includes(fromUid) ? ReasonCode.Success : ReasonCode.SubscriberNotExist
  }

  // ---- delivery ----

  private deliver(m: StoredMessage, fromId: number): void {
    const key = channelKey(m.channelType, m.channelId)
    const hold = this.withheld.get(key)
    if (hold && m.messageSeq > 0) {
      if (hold.seqs.delete(m.messageSeq) || (hold.count > 0 && hold.count-- > 0)) {
        this.stats.withheld++
        return
      }
    }
    const reorder = this.reorders.get(key)
    if (reorder && m.messageSeq > 0) {
      reorder.buffer.push({ m, fromId })
      if (reorder.buffer.length < reorder.count) return
      this.reorders.delete(key)
      for (const held of reorder.buffer.reverse()) this.push(held.m, held.fromId)
      return
    }
    this.push(m, fromId)
  }

  /** RECV to every open connection of every subscriber except the sending connection. */
  private push(m: StoredMessage, fromId: number): void {
    const recipients = m.channelType === PERSON ? new Set(personParties(m.channelId)) : new Set(this.store.channelInfo(m.channelType, m.channelId)?.subscribers ?? [])
    for (const s of [...this.sessions.values()]) {
      if (s.state === 'open' && s.id !== fromId && recipients.has(s.uid)) this.pushTo(s, m)
    }
  }

  private pushTo(s: Session, m: StoredMessage): void {
    const now = this.opts.clock.now()
    const tracked = !m.flags.noPersist
    if (this.mode === 'v3' && tracked) {
      for (const [id, expires] of s.pendingAcks) if (expires <= now) s.pendingAcks.delete(id)
      if (s.pendingAcks.size >= (this.opts.pendingAckCap ?? 1024)) {
        this.stats.droppedByAckCap++
        return
      }
    }
    const recv: RecvPacket = {
      type: PacketType.RECV,
      flags: {
        dup: false,
        noPersist: m.flags.noPersist,
        syncOnce: m.flags.syncOnce,
        // S2 clears RedDot for the sender's own other devices.
        redDot: m.flags.redDot && (this.mode === 'v3' || s.uid !== m.fromUid),
      },
      // v3 leaves a noEncrypt message in plaintext (sealRecv honours the bit); v2 always encrypts.
      setting: m.setting & (this.mode === 'v3' ? Setting.TOPIC | Setting.RECEIPT | Setting.NO_ENCRYPT : Setting.TOPIC | Setting.RECEIPT),
      msgKey: '',
      fromUid: m.fromUid,
      channelId: channelView(m.channelType, m.channelId, s.uid),
      channelType: m.channelType,
      expire: m.expire,
      clientMsgNo: m.clientMsgNo,
      messageId: m.messageId,
      messageSeq: m.messageSeq,
      timestamp: Math.floor(now / 1000),
      ...(m.topic !== undefined && { topic: m.topic }),
      payload: new Uint8Array(Buffer.from(m.payload, 'base64')),
    }
    const bytes = this.write(s, sealRecv(s.crypto, recv))
    this.stats.delivered++
    if (!tracked) return
    s.unacked.add(m.messageId)
    if (this.mode === 'v3') {
      s.pendingAcks.set(m.messageId, now + (this.opts.pendingAckTtlMs ?? 30_000))
      return
    }
    // v2: the same bytes again to the same connection until RECVACK, at most maxCount times.
    const { intervalMs, maxCount } = this.opts.redelivery ?? { intervalMs: 60_000, maxCount: 5 }
    const entry = { bytes, count: 0, timer: undefined as TimerId }
    const again = (): void => {
      s.timers.delete(entry.timer)
      if (s.state !== 'open' || entry.count >= maxCount) {
        s.redeliveries.delete(m.messageId)
        return
      }
      entry.count++
      this.stats.redelivered++
      s.sink.send(bytes)
      entry.timer = this.later(s, intervalMs, again)
    }
    entry.timer = this.later(s, intervalMs, again)
    s.redeliveries.set(m.messageId, entry)
  }

  // ---- plumbing ----

  /** Encodes and sends; applies a pending corruption fault. Returns the uncorrupted bytes. */
  private write(s: Session, p: ServerPacket): Uint8Array {
    const bytes = encodeServerPacket(p, s.version)
    const mode = this.corrupt.get(s.uid)
    if (mode && (mode === 'header' || p.type === PacketType.RECV)) {
      this.corrupt.delete(s.uid)
      this.stats.corruptedFrames++
      const bad = bytes.slice()
      if (mode === 'header') bad[0] = 0xf0 | (bad[0]! & 0x0f)
      else bad[bad.length - 2] = bad[bad.length - 2]! ^ 0x01
      s.sink.send(bad)
      return bytes
    }
    s.sink.send(bytes)
    return bytes
  }

  private later(s: Session, ms: number, fn: () => void): TimerId {
    const id: TimerId = this.opts.timers.setTimeout(() => {
      s.timers.delete(id)
      if (s.state !== 'closed') fn()
    }, ms)
    s.timers.add(id)
    return id
  }

  /** Inbound data keeps the connection alive; outbound does not (docs/protocol.md §7.8). */
  private touch(s: Session): void {
    if (s.idleTimer !== undefined) this.opts.timers.clearTimeout(s.idleTimer)
    s.idleTimer = this.opts.timers.setTimeout(() => this.close(s, { withCloseFrame: false }), this.opts.idleTimeoutMs ?? 180_000)
  }

  private protocolError(s: Session, reason: string): void {
    this.stats.protocolErrors++
    this.close(s, { withCloseFrame: true, code: 1002, reason: reason.slice(0, 120) })
  }

  private close(s: Session, opts: { code?: number; reason?: string; withCloseFrame: boolean }): void {
    if (s.state === 'closed') return
    this.release(s)
    s.sink.close(opts)
  }

  /** The one teardown path: timers, redeliveries and the session entry go with the connection. */
  private release(s: Session): void {
    if (s.state === 'closed') return
    s.state = 'closed'
    if (s.idleTimer !== undefined) this.opts.timers.clearTimeout(s.idleTimer)
    for (const t of s.timers) this.opts.timers.clearTimeout(t)
    s.timers.clear()
    for (const [key, held] of this.heldSends) if (held.s === s) this.heldSends.delete(key)
    s.redeliveries.clear()
    s.pendingAcks.clear()
    this.sessions.delete(s.id)
  }

  private makeFaults(): ServerFaults {
    const core = this
    return {
      dropSendacks: (count, opts) => {
        this.sendackFaults.push({ kind: 'drop', remaining: count, ms: 0, ...(opts?.uid !== undefined && { uid: opts.uid }) })
      },
      delaySendacks: (count, ms, opts) => {
        this.sendackFaults.push({ kind: 'delay', remaining: count, ms, ...(opts?.uid !== undefined && { uid: opts.uid }) })
      },
      mixPipelinedSends: (count, holdMs, opts) => {
        if (count > 0) this.mixFaults.push({ remaining: count, holdMs, ...(opts?.uid !== undefined && { uid: opts.uid }) })
      },
      rejectSends: (count, reasonCode, opts) => {
        if (count > 0) this.rejectFaults.push({ remaining: count, reasonCode, ...(opts?.uid !== undefined && { uid: opts.uid }) })
      },
      closeConnections: (uid, opts) => {
        let n = 0
        for (const s of [...this.sessions.values()]) {
          if (s.uid !== uid || s.state === 'closed') continue
          n++
          this.close(s, opts.withCloseFrame ? { withCloseFrame: true, code: 1000, reason: 'closed by fault injection' } : { withCloseFrame: false })
        }
        return n
      },
      withholdRecv: (channel, seqsOrCount) => {
        const key = channelKey(channel.channelType, canonicalChannel(channel))
        const entry = this.withheld.get(key) ?? { seqs: new Set<number>(), count: 0 }
        if (typeof seqsOrCount === 'number') entry.count += seqsOrCount
        else for (const seq of seqsOrCount) entry.seqs.add(seq)
        this.withheld.set(key, entry)
      },
      reorderRecv: (channel, count) => {
        if (count > 1) this.reorders.set(channelKey(channel.channelType, canonicalChannel(channel)), { count, buffer: [] })
      },
      corruptNextFrame: (uid, mode = 'recv-payload') => {
        this.corrupt.set(uid, mode)
      },
      failHttp: (paths, mode, scope) => {
        this.httpFaults.push({ paths, mode, ...scope })
      },
      disconnect: (uid, reasonCode, reason) => {
        const open = [...this.sessions.values()].filter((s) => s.uid === uid && s.state === 'open')
        for (const s of open) this.disconnectSession(s, reasonCode, reason)
        return open.length
      },
      forgePlainRecv: (uid, channel, fromUid) => {
        const canonical = canonicalChannel(channel)
        const top = this.store.messages(channel.channelType, canonical).pop()?.messageSeq ?? 0
        const open = [...this.sessions.values()].filter((s) => s.uid === uid && s.state === 'open' && s.crypto !== null)
        this.forged++
        for (const s of open) {
          this.write(s, {
            type: PacketType.RECV,
            flags: NO_FLAGS,
            setting: Setting.NO_ENCRYPT,
            msgKey: '',
            fromUid,
            channelId: channelView(channel.channelType, canonical, s.uid),
            channelType: channel.channelType,
            expire: 0,
            clientMsgNo: `forged-${this.forged}`,
            messageId: String(9_000_000_000 + this.forged),
            messageSeq: top + 1,
            timestamp: Math.floor(this.opts.clock.now() / 1000),
            payload: new Uint8Array([102, 111, 114, 103, 101, 100]),
          })
        }
        return open.length
      },
      refuseConnections: (on) => {
        this.refusing = on
      },
      get refusing() {
        return core.refusing
      },
      clear: () => {
        this.sendackFaults = []
        this.rejectFaults = []
        this.mixFaults = []
        this.withheld.clear()
        this.corrupt.clear()
        this.httpFaults = []
        this.refusing = false
        const buffered = [...this.reorders.values()]
        this.reorders.clear()
        for (const r of buffered) for (const held of r.buffer) this.push(held.m, held.fromId)
      },
    }
  }
}

/** Makes one item of a message page unreadable (its seq a word, its payload a number): the rest of the page stays good. */
function spoilOneItem(body: unknown): void {
  const messages = body !== null && typeof body === 'object' ? (body as { messages?: unknown }).messages : undefined
  if (!Array.isArray(messages) || messages.length === 0) return
  const i = Math.floor(messages.length / 2)
  messages[i] = { ...(messages[i] as object), message_seq: 'seq', payload: 42 }
}
