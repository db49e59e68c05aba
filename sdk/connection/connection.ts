/**
 * The one connection (docs/design.md §5): dial → CONNECT → CONNACK → connected, heartbeat, backoff,
 * network and app-lifecycle reactions.
 *
 * Rules that keep it honest:
 * - `state` changes only in setState(), which checks CONNECTION_TRANSITIONS and emits {from, to, reason}.
 * - Every way a socket ends goes through teardown(): it drains the per-socket cleanup list,
 *   closes the socket and bumps the generation, so a late callback of an old SocketTask (which has
 *   no off*) finds a stale generation and is ignored. At most one socket exists at any time.
 * - Deadlines use clock deltas, not timer counts: after a suspension timers fire late (or all at
 *   once), and the delta then says the link is long dead.
 */
import { ReasonCode, endsSession } from '../codes'
import type { DiagnosticsSink } from '../diagnostics/types'
import { ClientError, ImError, InvalidArgumentError, NetworkError, ProtocolError, isImError } from '../errors'
import { isWsUrl } from '../options'
import type { ResolvedOptions } from '../options'
import type { Platform, PlatformSocket, TimerId, Unsubscribe } from '../platform/types'
import { encodeBase64 } from '../proto/base64'
import { decodeServerPacket, encodeClientPacket } from '../proto/codec'
import { deriveSession, generateKeyPair, sealSend } from '../proto/crypto'
import type { SessionCrypto } from '../proto/crypto'
import { FrameDecoder } from '../proto/frame-decoder'
import { PacketType, PROTOCOL_VERSION } from '../proto/packets'
import type { ClientPacket, ConnackPacket, ServerPacket } from '../proto/packets'
import { apiHeadersNow } from '../sync/http'
import type { ConnectionState, StateChange } from '../types'
import { backoffDelay } from './backoff'
import { withDeadline } from '../deadline'
import { canTransition } from './state'

/** What the connection tells its owner (the client). */
export interface ConnectionHooks {
  onState(change: StateChange): void
  /** CONNACK 1 arrived; `connectionId` names this socket until onDisconnected. */
  onConnected(info: { connectionId: number; version: number; session: SessionCrypto | null }): void
  /** The connected socket is gone (any reason). */
  onDisconnected(info: { connectionId: number; reason: string }): void
  /** SENDACK, RECV, EVENT, SUBACK of the current connected socket. */
  onPacket(packet: ServerPacket, connectionId: number): void
  /** The app came back to the foreground and the link was kept (probed, not rebuilt). */
  onShown(): void
  /** The app went to the background: persist what is pending. */
  onHidden(): void
  onError(error: ImError): void
}

/** A batch this large is sent at once instead of at the end of the turn. */
const MAX_BATCH_BYTES = 16 * 1024

type Ending = 'waiting' | 'offline' | 'stopped' | 'closed' | 'redial'

export class Connection {
  private current: ConnectionState = 'idle'
  /** Socket generation: bumped by every dial and every teardown. */
  private gen = 0
  private socket: PlatformSocket | undefined
  /** Frames written in this turn of the event loop, sent together by sendBatch(). */
  private batch: Uint8Array[] = []
  private batchBytes = 0
  private decoder = new FrameDecoder()
  /** Released with the socket: its timers. */
  private socketTimers = new Set<TimerId>()
  private waitTimer: TimerId | undefined
  private appSubs: Unsubscribe[] = []
  private attempt = 0
  /**
   * Why the link or dial in progress, should it fail, is dialled again at once instead of after a
   * backoff: the network came back during a dial that began offline, or an app-show probe is
   * checking a socket WeChat may have killed in the background. Cleared by the next dial, and by
   * the probe's answer.
   */
  private redialAtOnce: string | undefined
  private connackSeen = false
  /** The current socket opened (a refused dial is not a refused token). */
  private socketOpened = false
  private negotiated = PROTOCOL_VERSION
  private sessionCrypto: SessionCrypto | null = null
  private secretKey: Uint8Array | undefined
  private lastInboundAt = 0
  private lastPingAt = 0
  private connectedAt = 0
  private probeSince: number | undefined
  /** PINGs sent and PONGs seen on this socket, and who waits for the PONG of which PING (roundTrip). */
  private pings = 0
  private pongs = 0
  private pongWaiters: Array<{ ping: number; answered: () => void }> = []
  private heartbeatTimer: TimerId | undefined
  private hiddenAt: number | undefined
  private token: string | undefined
  private tokenStale = true

  constructor(
    private readonly platform: Platform,
    private readonly options: ResolvedOptions,
    private readonly diagnostics: DiagnosticsSink,
    private readonly hooks: ConnectionHooks,
    /** CONNECT deviceID (known once the client restored). */
    private readonly deviceId: () => string,
    /** Uniform floats in [0, 1) for backoff jitter (backoff.ts jitterSource). */
    private readonly random: () => Promise<number>,
  ) {}

  get state(): ConnectionState {
    return this.current
  }

  /** Id of the connected socket, or 0 when not connected. */
  get connectionId(): number {
    return this.current === 'connected' ? this.gen : 0
  }

  get version(): number {
    return this.negotiated
  }

  get session(): SessionCrypto | null {
    return this.sessionCrypto
  }

  /** connect(): from idle, or again after a kick / auth failure. */
  start(): void {
    if (this.current !== 'idle' && this.current !== 'stopped') return
    if (this.appSubs.length === 0) this.watchApp()
    this.attempt = 0
    this.dial('connect')
    const gen = this.gen
    this.platform.network.getStatus().then(
      (status) => {
        if (!status.online && gen === this.gen && this.current === 'connecting') this.teardown('offline', 'network offline')
      },
      () => undefined,
    )
  }

  /** close(): final. */
  stop(): void {
    if (this.current === 'closed') return
    this.teardown('closed', 'client closed')
    for (const off of this.appSubs.splice(0)) off()
  }

  /**
   * Writes one packet on the connected socket; SENDs are sealed with this connection's session
   * key here, so a re-send is always encrypted for the socket it goes out on. False when not connected.
   */
  write(packet: ClientPacket): boolean {
    const socket = this.socket
    if (this.current !== 'connected' || !socket) return false
    const wire = packet.type === PacketType.SEND && this.sessionCrypto ? sealSend(this.sessionCrypto, packet) : packet
    this.send(encodeClientPacket(wire, this.negotiated))
    return true
  }

  /**
   * Don't trust the socket: PING now and tear the link down unless some byte arrives within
   * heartbeat.probeTimeoutMs.
   */
  probe(reason: string): void {
    if (this.current !== 'connected' || this.probeSince !== undefined) return
    this.diagnostics.record('connection', 'probe', { reason })
    this.probeSince = this.platform.now()
    this.ping()
    this.armHeartbeat()
  }

  /**
   * A probe whose PONG is awaited: `answered` runs when the PONG of this PING is back, so the
   * server has read everything written before it (PONGs come in PING order). No answer within
   * heartbeat.probeTimeoutMs tears the link down, and `answered` never runs. False when not connected.
   */
  roundTrip(answered: () => void): boolean {
    if (this.current !== 'connected') return false
    if (this.probeSince === undefined) {
      this.diagnostics.record('connection', 'probe', { reason: 'round trip' })
      this.probeSince = this.platform.now()
    }
    this.ping()
    this.pongWaiters.push({ ping: this.pings, answered })
    this.armHeartbeat()
    return true
  }

  /** Rebuild the socket at once (no backoff). */
  rebuild(reason: string): void {
    if (this.current === 'connected' || this.current === 'connecting') this.teardown('redial', reason)
    else if (this.current === 'waiting') this.dial(reason)
  }

  // ---- state ----------------------------------------------------------------------------------

  private setState(to: ConnectionState, reason: string, code?: number): void {
    const from = this.current
    if (from === to) return
    if (!canTransition(from, to)) {
      // A bug, never app input: report it instead of entering an undefined state.
      this.hooks.onError(new ClientError('INTERNAL', `connection transition ${from} → ${to} refused`, { from, to, reason }))
      return
    }
    this.current = to
    const change: StateChange = code === undefined ? { from, to, reason } : { from, to, reason, code }
    this.diagnostics.record('connection', 'state', { from, to, reason, code })
    this.hooks.onState(change)
  }

  /** The one teardown path. */
  private teardown(next: Ending, reason: string, code?: number): void {
    const wasConnected = this.current === 'connected'
    // Backoff restarts only after a link that lasted: two devices kicking each other (v3 closes
    // without DISCONNECT) or a server that drops every new socket must not reconnect in a tight loop.
    if (wasConnected && this.platform.now() - this.connectedAt >= this.options.heartbeat.intervalMs) this.attempt = 0
    const endedId = this.gen
    this.gen++
    for (const id of this.socketTimers) this.platform.clearTimeout(id)
    this.socketTimers.clear()
    this.heartbeatTimer = undefined
    this.probeSince = undefined
    this.pings = this.pongs = 0
    this.pongWaiters = []
    this.clearWait()
    // What this turn wrote (RECVACKs of handled messages, say) still goes out before the close;
    // nothing written for the ended socket ever reaches the next one.
    if (wasConnected) this.sendBatch()
    const socket = this.socket
    this.socket = undefined
    this.batch = []
    this.batchBytes = 0
    this.sessionCrypto = null
    this.secretKey = undefined
    if (socket) {
      try {
        socket.close(1000, reason.slice(0, 60))
      } catch {
        // Closing a dead task throws on some clients ("task not found"); it is gone either way.
      }
    }
    if (wasConnected) this.hooks.onDisconnected({ connectionId: endedId, reason })
    if (next === 'redial') {
      this.dial(reason)
      return
    }
    this.setState(next, reason, code)
    if (next === 'waiting' && this.redialAtOnce !== undefined) {
      this.attempt = 0
      this.dial(this.redialAtOnce)
    } else if (next === 'waiting') this.scheduleDial()
    if (next === 'offline') this.pollNetwork()
  }

  // ---- dialing --------------------------------------------------------------------------------

  private dial(reason: string): void {
    this.clearWait()
    const gen = ++this.gen
    this.redialAtOnce = undefined
    this.connackSeen = false
    this.socketOpened = false
    this.setState('connecting', reason)
    this.diagnostics.record('connection', 'dial', { attempt: this.attempt, reason })
    void this.open(gen)
  }

  private async open(gen: number): Promise<void> {
    let url: string
    let token: string
    let clientKey: string
    try {
      url = await this.resolveAddress()
      token = await this.resolveToken()
      const keys = generateKeyPair(await this.platform.randomBytes(32))
      if (gen !== this.gen) return
      this.secretKey = keys.secretKey
      clientKey = encodeBase64(keys.publicKey)
    } catch (error) {
      if (gen !== this.gen) return
      this.hooks.onError(isImError(error) ? error : new NetworkError(`could not prepare the connection: ${messageOf(error)}`, {}, error))
      this.teardown('waiting', `dial failed: ${messageOf(error)}`)
      return
    }
    this.decoder = new FrameDecoder()
    this.later(gen, this.options.connectTimeoutMs, () => this.teardown('waiting', 'connect timeout'))
    const socket = this.platform.openSocket(url, {
      onOpen: () => {
        if (gen !== this.gen) return
        this.socketOpened = true
        this.lastInboundAt = this.platform.now()
        this.rawWrite({
          type: PacketType.CONNECT,
          version: PROTOCOL_VERSION,
          deviceFlag: this.options.deviceFlag,
          deviceId: this.deviceId(),
          uid: this.options.uid,
          token,
          clientTimestamp: this.platform.now(),
          clientKey,
        })
      },
      onMessage: (data) => {
        if (gen === this.gen) this.receive(gen, data)
      },
      onError: (error) => {
        if (gen !== this.gen) return
        this.hooks.onError(error)
        this.socketEnded(`socket error: ${error.message}`)
      },
      onClose: (code, why) => {
        if (gen === this.gen) this.socketEnded(`socket closed ${code}${why ? ` ${why}` : ''}`)
      },
    })
    if (gen !== this.gen) {
      // A synchronous onError/onClose inside openSocket already tore this attempt down.
      socket.close(1000, 'superseded')
      return
    }
    this.socket = socket
  }

  private socketEnded(reason: string): void {
    if (this.current === 'connecting' && this.socketOpened && !this.connackSeen) {
      // A v2 server rejects a bad token by closing without CONNACK (docs/protocol.md §4.2):
      // back off and ask the token provider again.
      this.tokenStale = true
      this.teardown('waiting', `closed before CONNACK (${reason})`)
      return
    }
    this.teardown('waiting', reason)
  }

  private async resolveAddress(): Promise<string> {
    const { wsAddr, apiAddr, uid } = this.options
    if (typeof wsAddr === 'string') return wsAddr
    if (typeof wsAddr === 'function') {
      const addr = await this.appCallback('wsAddr', wsAddr)
      if (!isWsUrl(addr)) throw new InvalidArgumentError('wsAddr() must return a ws:// or wss:// URL', { option: 'wsAddr' })
      return addr
    }
    const headers = await apiHeadersNow(this.options.apiHeaders, '/route')
    const res = await this.platform.request({ url: `${apiAddr}/route?uid=${encodeURIComponent(uid)}`, method: 'GET', headers })
    const data = (typeof res.data === 'string' ? safeJson(res.data) : res.data) as { wss_addr?: unknown; ws_addr?: unknown } | undefined
    const first = this.options.routeAddr
    const addr = data && (nonEmpty(data[first]) ?? nonEmpty(data[first === 'wss_addr' ? 'ws_addr' : 'wss_addr']))
    if (res.status !== 200 || !addr) throw new NetworkError('route lookup gave no WebSocket address', { status: res.status })
    return addr
  }

  private async resolveToken(): Promise<string> {
    const provider = this.options.tokenProvider
    if (!provider) return this.options.token
    if (this.token === undefined || this.tokenStale) {
      const token = await this.appCallback('tokenProvider', provider)
      if (typeof token !== 'string') throw new ClientError('AUTH_FAILED', 'tokenProvider must return a string')
      this.token = token
      this.tokenStale = false
      this.diagnostics.record('connection', 'token refreshed')
    }
    return this.token
  }

  /** App code on the dial path gets callbackTimeoutMs to answer (unless the test-only switch is on). */
  private appCallback<T>(name: string, call: () => T | Promise<T>): Promise<T> {
    return withDeadline(this.platform, name, this.options.unsafe.noCallbackDeadlines ? undefined : this.options.callbackTimeoutMs, call)
  }

  private scheduleDial(): void {
    const gen = this.gen
    const attempt = this.attempt++
    void this.random().then((r) => {
      if (gen !== this.gen || this.current !== 'waiting') return
      const delay = backoffDelay(attempt, this.options.backoff, r)
      this.diagnostics.record('connection', 'backoff', { attempt, delayMs: delay })
      this.waitTimer = this.platform.setTimeout(() => {
        this.waitTimer = undefined
        if (gen === this.gen && this.current === 'waiting') this.dial('backoff elapsed')
      }, delay)
    })
  }

  /**
   * Network events are hints (docs/platform.md §4: some clients never report "back online"): while
   * offline, look again every backoff.maxMs and dial when the status says online.
   */
  private pollNetwork(): void {
    const gen = this.gen
    const again = (): void => {
      if (gen === this.gen && this.current === 'offline') this.pollNetwork()
    }
    this.waitTimer = this.platform.setTimeout(() => {
      this.waitTimer = undefined
      if (gen !== this.gen || this.current !== 'offline') return
      this.platform.network.getStatus().then((status) => {
        if (gen !== this.gen || this.current !== 'offline') return
        if (!status.online) return again()
        this.attempt = 0
        this.dial('network online (polled)')
      }, again)
    }, this.options.backoff.maxMs)
  }

  private clearWait(): void {
    if (this.waitTimer !== undefined) this.platform.clearTimeout(this.waitTimer)
    this.waitTimer = undefined
  }

  // ---- inbound --------------------------------------------------------------------------------

  private receive(gen: number, data: Uint8Array): void {
    this.lastInboundAt = this.platform.now()
    if (this.probeSince !== undefined) {
      this.probeSince = undefined
      this.redialAtOnce = undefined
      this.diagnostics.record('connection', 'probe answered')
    }
    this.decoder.push(data)
    // A handler below may tear this socket down; stop as soon as the generation moved on.
    while (gen === this.gen) {
      let packet: ServerPacket
      try {
        const frame = this.decoder.next()
        if (!frame) return
        packet = decodeServerPacket(frame, this.connackSeen ? this.negotiated : PROTOCOL_VERSION)
      } catch (error) {
        const e = isImError(error) ? error : new ProtocolError('undecodable frame', {}, error)
        this.hooks.onError(e)
        // The byte stream can no longer be trusted: start a fresh socket.
        this.teardown('waiting', `protocol error: ${e.message}`)
        return
      }
      this.handle(packet)
    }
  }

  private handle(packet: ServerPacket): void {
    if (packet.type === PacketType.CONNACK) {
      this.handleConnack(packet)
      return
    }
    if (!this.connackSeen) {
      this.diagnostics.record('connection', 'packet before CONNACK ignored', { type: packet.type })
      return
    }
    switch (packet.type) {
      case PacketType.PONG: {
        this.pongs++
        const due = this.pongWaiters.filter((w) => w.ping <= this.pongs)
        this.pongWaiters = this.pongWaiters.filter((w) => w.ping > this.pongs)
        for (const w of due) w.answered()
        return
      }
      case PacketType.DISCONNECT:
        this.refused('disconnect', packet.reasonCode, packet.reason)
        return
      default:
        this.hooks.onPacket(packet, this.gen)
    }
  }

  private handleConnack(p: ConnackPacket): void {
    if (this.current !== 'connecting' || this.connackSeen) return
    this.connackSeen = true
    this.diagnostics.record('connection', 'connack', { reasonCode: p.reasonCode, serverVersion: p.hasServerVersion ? p.serverVersion : undefined })
    if (p.reasonCode !== ReasonCode.Success) {
      this.refused('connack', p.reasonCode, '')
      return
    }
    // Adopt the server's version when it answers lower than we asked (docs/protocol.md §1).
    this.negotiated = p.hasServerVersion && p.serverVersion > 0 ? Math.min(PROTOCOL_VERSION, p.serverVersion) : PROTOCOL_VERSION
    let session: SessionCrypto | null = null
    try {
      session = this.secretKey ? deriveSession(this.secretKey, p.serverKey, p.salt) : null
    } catch (error) {
      this.hooks.onError(isImError(error) ? error : new ProtocolError('bad server key in CONNACK', {}, error))
      this.teardown('waiting', 'bad server key')
      return
    }
    this.sessionCrypto = session
    for (const id of this.socketTimers) this.platform.clearTimeout(id) // the connect timeout
    this.socketTimers.clear()
    const now = this.platform.now()
    this.lastInboundAt = now
    this.lastPingAt = now
    this.connectedAt = now
    this.setState('connected', 'connack')
    this.armHeartbeat()
    this.hooks.onConnected({ connectionId: this.gen, version: this.negotiated, session })
  }

  /**
   * The server refused the session (CONNACK failure) or ended it (DISCONNECT): stop only when the
   * reason means "do not come back" (endsSession); otherwise back off and dial again.
   */
  private refused(packet: 'connack' | 'disconnect', reasonCode: number, text: string): void {
    const final = endsSession(reasonCode) || (packet === 'disconnect' && this.options.unsafe.stopOnAnyDisconnect === true)
    if (!final) {
      this.teardown('waiting', `${packet} ${reasonCode}${text ? ` ${text}` : ''}`, reasonCode)
      return
    }
    const why = reasonCode === ReasonCode.AuthFail ? 'auth failed' : reasonCode === ReasonCode.Ban ? 'banned' : 'kicked'
    const said = `${packet.toUpperCase()} ${reasonCode}${text ? ` "${text}"` : ''}`
    this.hooks.onError(new ClientError(reasonCode === ReasonCode.AuthFail ? 'AUTH_FAILED' : 'KICKED', `${why}: the server sent ${said}`, { reasonCode, reason: text }))
    this.teardown('stopped', why, reasonCode)
  }

  // ---- heartbeat ------------------------------------------------------------------------------

  /** One timer, re-armed for the nearest of: next PING, dead-link deadline, probe deadline. */
  private armHeartbeat(): void {
    if (this.heartbeatTimer !== undefined) {
      this.platform.clearTimeout(this.heartbeatTimer)
      this.socketTimers.delete(this.heartbeatTimer)
    }
    const { intervalMs, deadAfterMs, probeTimeoutMs } = this.options.heartbeat
    let at = Math.min(this.lastPingAt + intervalMs, this.lastInboundAt + deadAfterMs)
    if (this.probeSince !== undefined) at = Math.min(at, this.probeSince + probeTimeoutMs)
    this.heartbeatTimer = this.later(this.gen, Math.max(0, at - this.platform.now()), () => {
      this.heartbeatTimer = undefined
      this.heartbeat()
    })
  }

  private heartbeat(): void {
    const now = this.platform.now()
    const { intervalMs, deadAfterMs, probeTimeoutMs } = this.options.heartbeat
    if (now - this.lastInboundAt >= deadAfterMs) {
      this.teardown('waiting', 'heartbeat timeout')
      return
    }
    if (this.probeSince !== undefined && now - this.probeSince >= probeTimeoutMs) {
      this.teardown('waiting', 'probe timeout')
      return
    }
    if (now - this.lastPingAt >= intervalMs) this.ping()
    this.armHeartbeat()
  }

  private ping(): void {
    this.pings++
    this.lastPingAt = this.platform.now()
    this.rawWrite({ type: PacketType.PING })
  }

  private rawWrite(packet: ClientPacket): void {
    if (!this.socket) return
    this.send(encodeClientPacket(packet, packet.type === PacketType.CONNECT ? PROTOCOL_VERSION : this.negotiated))
  }

  /**
   * Frames written in one turn go out as one WebSocket message, sent in a microtask: the server
   * reads the socket as a byte stream (WuKongIM appends every message to its inbound buffer), and
   * in a mini-program each SocketTask.send is a bridge call, so a window of 32 SENDs costs one.
   */
  private send(frame: Uint8Array): void {
    this.batch.push(frame)
    this.batchBytes += frame.length
    if (this.batchBytes >= MAX_BATCH_BYTES) this.sendBatch()
    else if (this.batch.length === 1) {
      const gen = this.gen
      void Promise.resolve().then(() => {
        if (gen === this.gen) this.sendBatch()
      })
    }
  }

  private sendBatch(): void {
    const parts = this.batch
    const size = this.batchBytes
    this.batch = []
    this.batchBytes = 0
    if (parts.length === 0 || !this.socket) return
    if (parts.length === 1) return this.socket.send(parts[0] as Uint8Array)
    const out = new Uint8Array(size)
    let at = 0
    for (const part of parts) {
      out.set(part, at)
      at += part.length
    }
    this.socket.send(out)
  }

  /** A timer owned by the socket of generation `gen`: cleared by teardown, ignored if stale. */
  private later(gen: number, ms: number, fn: () => void): TimerId {
    const id = this.platform.setTimeout(() => {
      this.socketTimers.delete(id)
      if (gen === this.gen) fn()
    }, ms)
    this.socketTimers.add(id)
    return id
  }

  // ---- network and app lifecycle --------------------------------------------------------------

  private watchApp(): void {
    this.appSubs.push(
      this.platform.network.onChange((status) => {
        this.diagnostics.record('network', 'change', { online: status.online, type: status.type })
        this.networkChanged(status.online)
      }),
      this.platform.lifecycle.onHide(() => {
        this.hiddenAt = this.platform.now()
        this.diagnostics.record('lifecycle', 'hide', { state: this.current })
        this.hooks.onHidden()
      }),
      this.platform.lifecycle.onShow(() => this.shown()),
    )
  }

  private networkChanged(online: boolean): void {
    const s = this.current
    if (s === 'idle' || s === 'stopped' || s === 'closed') return
    if (!online) {
      if (s !== 'offline') this.teardown('offline', 'network offline')
      return
    }
    if (s === 'offline' || s === 'waiting') {
      this.attempt = 0
      this.dial('network online')
    } else if (s === 'connecting') {
      this.redialAtOnce = 'network online'
    } else if (s === 'connected') {
      // Wi-Fi ↔ cellular often kills the socket without a close event.
      this.probe('network changed')
    }
  }

  private shown(): void {
    const now = this.platform.now()
    const hiddenFor = this.hiddenAt === undefined ? 0 : now - this.hiddenAt
    this.hiddenAt = undefined
    this.diagnostics.record('lifecycle', 'show', { state: this.current, hiddenForMs: hiddenFor })
    switch (this.current) {
      case 'connected':
        // iOS may have killed the socket without onClose (docs/platform.md §1.5): never wait for a
        // heartbeat timeout. Long hidden → rebuild; short → probe with a short deadline.
        if (hiddenFor >= this.options.rebuildAfterHiddenMs) {
          this.teardown('redial', `app shown after ${Math.round(hiddenFor / 1000)} s hidden`)
        } else {
          this.probe('app show')
          this.redialAtOnce = 'app shown, socket dead'
          this.hooks.onShown()
        }
        return
      case 'waiting':
        this.attempt = 0
        this.dial('app show')
        return
      case 'offline':
        this.platform.network.getStatus().then(
          (status) => {
            if (status.online && this.current === 'offline') this.networkChanged(true)
          },
          () => undefined,
        )
        return
      default:
        return
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return undefined
  }
}
