/**
 * The client facade that wires connection, outbox, inbox and diagnostics together (docs/design.md
 * §1–§2). One live client per (platform, uid): pages share the App's client instead of opening stray
 * sockets.
 *
 * `createCoreClient(options, parts)` is the core (connect, send, receive, outbox) plus the optional
 * parts it is given (ClientParts); `createClient(options)` is the core with every part. A part is
 * imported only by `createClient`, so a bundle that uses the core alone leaves it out.
 */
import { appAddress } from './connection/address'
import { jitterSource } from './connection/backoff'
import { Connection } from './connection/connection'
import { decodeContent } from './content/codec'
import { conversationsPart } from './conversations/conversations'
import type { ConversationList, ConversationsPart } from './conversations/conversations'
import type { ChannelRef, Conversation } from './conversations/types'
import type { Diagnostics } from './diagnostics/diagnostics'
import { diagnosticsPart } from './diagnostics/report'
import type { DiagnosticReport, DiagnosticsPart } from './diagnostics/report'
import type { DiagnosticsSink } from './diagnostics/types'
import { Emitter } from './emitter'
import { historyPart } from './history/history'
import type { History, HistoryPart } from './history/history'
import type { HistoryPage, HistoryQuery } from './history/types'
import type { Listener } from './emitter'
import { ClientError, ImError, InvalidOptionError, errorText, isImError } from './errors'
import type { ClientEventName, ClientEvents } from './events'
import { Inbox } from './inbox/inbox'
import { resolveOptions } from './options'
import type { ClientOptions, ResolvedOptions } from './options'
import { Outbox } from './outbox/outbox'
import type { Platform, Unsubscribe } from './platform/types'
import { defaultWxPlatform } from './platform/wx'
import { hex } from './proto/hex'
import { PacketType } from './proto/packets'
import type { ServerPacket } from './proto/packets'
import { createHttpSyncProvider, routeLookup } from './sync/http'
import { withDeadlines } from './sync/deadline'
import type { ConversationOp, SyncProvider } from './sync/types'
import type { ConnectionState, OutboxMessage, SendInput } from './types'

/** The core client: everything but diagnose() and the conversation list, which need their parts (see Client). */
export interface CoreClient {
  /** This client's uid. */
  readonly uid: string
  /** The connection state (see ConnectionState). */
  readonly state: ConnectionState
  /**
   * Restores the outbox and the receive-side cursors from storage (nothing about the connection).
   * Resolves when pending() shows the restored queue. connect() and send() wait for it; call it to
   * render failed messages early.
   */
  restored(): Promise<void>
  /** Restores (see restored()) and starts connecting; resolves once dialing began, not once connected. */
  connect(): Promise<void>
  /**
   * Stops everything, releases the uid for a new client. Final. Unsent messages stay in storage
   * and go out when this uid's next client connects (a cold start, or the same user again).
   */
  close(): Promise<void>
  /**
   * Ends this user's session on this device for good (sign-out, account switch): close(), then
   * removes every storage key of this uid (`<prefix>:<uid>:...`: the outbox with the text of its
   * unsent messages, receive cursors, seen ids), the outbox's saved copies of media files, and the
   * in-memory log and traces. Resolves with
   * the messages that were still unsent (queued, sending or failed), now gone from the device and
   * never to be sent, so the app can tell the user. To keep them, wait until pending() is empty, or
   * use close(). Other uids' keys and this install's id (`<prefix>:device`) stay. Rejects with a
   * StorageError when a key could not be removed; calling it again retries.
   */
  logout(): Promise<OutboxMessage[]>
  /** Validates, writes to the outbox, and resolves once the message is durable (status 'queued'). */
  send(input: SendInput): Promise<OutboxMessage>
  /** Puts a failed message back in the queue, same clientMsgNo. */
  resend(clientMsgNo: string): Promise<OutboxMessage>
  /** Removes a failed or queued message for good (reported as failed / 'cancelled'). */
  discard(clientMsgNo: string): Promise<void>
  /** queued, sending and failed messages, in the order they were sent. */
  pending(): OutboxMessage[]
  /** Subscribes; returns the undo. */
  on<K extends ClientEventName>(event: K, handler: Listener<ClientEvents[K]>): Unsubscribe
  /** Pulls what the socket may have missed now (conversation sync, then message sync). */
  sync(): Promise<void>
}

/** What the conversations part adds (createClient, or createCoreClient given `conversations`). */
export interface WithConversations {
  /**
   * The conversation list, newest first: channel, last message with its decoded content (our own
   * with its outbox status while unsent), unread count, time. Restored from storage by restored() (a `conversations` event
   * follows at once), refreshed from the server after every catch-up, updated by every message.
   */
  conversations(): Conversation[]
  /**
   * Marks a conversation read. Applied to the list at once, durable when this resolves, and sent
   * to the server (`/conversations/clearUnread`) until it confirms, across reconnects and restarts.
   */
  clearUnread(channel: ChannelRef): Promise<void>
  /** Sets a conversation's unread count (`/conversations/setUnread`), with clearUnread's guarantees. */
  setUnread(channel: ChannelRef, unread: number): Promise<void>
  /** Removes a conversation from the list (`/conversations/delete`; a later message brings it back), with clearUnread's guarantees. */
  deleteConversation(channel: ChannelRef): Promise<void>
}

/** What the history part adds (createClient, or createCoreClient given `history`). */
export interface WithHistory {
  /**
   * One page of a channel's history, oldest first: `limit` seqs (default 20, 1..100) below
   * `before` (default: the newest), from storage first, then from the server
   * (`/channel/messagesync`), by seq with no duplicates; seqs the server could not fill are listed
   * in `gaps`. The newest page ends with our unsent messages (with their status), in send order.
   * Rejects with InvalidArgumentError on bad arguments, with the sync error when the server
   * could not be asked (nothing stored is lost).
   */
  messages(channel: ChannelRef, query?: HistoryQuery): Promise<HistoryPage>
}

/** What the diagnostics part adds (createClient, or createCoreClient given `diagnostics`). */
export interface WithDiagnose {
  /**
   * The message-loss checklist, answered: for `clientMsgNo`, did the server ACK it and with which
   * reason, and what the server knows (looked up by client_msg_no unless `lookup: false`); recent
   * network and connection anomalies; whether gap filling works; delivery metrics. Plain JSON.
   */
  diagnose(options?: { clientMsgNo?: string; lookup?: boolean }): Promise<DiagnosticReport>
}

/** The client made by createClient: the core with every part. */
export interface Client extends CoreClient, WithConversations, WithHistory, WithDiagnose {}

/**
 * Live clients per platform instance (a simulated cold restart brings a fresh platform). Clients
 * on the default wx platform share one key whatever their storage mode: it is one app.
 */
const live = new WeakMap<object, Set<string>>()
const WX_APP = {}

/**
 * The client's optional parts. A new optional subsystem is one more key here, wired in ImClient
 * and passed by createClient; the core never imports a part.
 */
export interface ClientParts {
  /**
   * WuKongIM's HTTP API at `apiAddr`: the `/route` lookup before each dial when there is no
   * `wsAddr`, and the SyncProvider when `options.sync` is not given. Without it `apiAddr` is
   * refused (InvalidOptionError) and catch-up uses `options.sync` only.
   */
  api?: ApiPart
  /**
   * The event log, traces and counters, the realtime-log forwarding of anomalies, and diagnose().
   * Without it subsystems report only to the app's own sink (`options.diagnostics` as a
   * DiagnosticsSink), diagnostics settings are refused (InvalidOptionError), and the client has no
   * diagnose() in its type (at run time it rejects with ClientError 'PART_MISSING').
   */
  diagnostics?: DiagnosticsPart
  /**
   * The conversation list (conversations(), clearUnread/setUnread/deleteConversation, the
   * `conversations` event), fed by the client's deliveries and outbox statuses and by the sync
   * provider's listConversations/updateConversation. Without it the `conversations` option is
   * refused (InvalidOptionError), the client has none of those methods in its type (at run time
   * they throw ClientError 'PART_MISSING') and no `conversations` event fires.
   */
  conversations?: ConversationsPart
  /**
   * The message history (messages()), fed by the client's deliveries and sent messages and by the
   * sync provider's syncMessages for older pages. Without it the `history` option is refused
   * (InvalidOptionError) and messages() is not in the client's type (at run time it rejects
   * with ClientError 'PART_MISSING').
   */
  history?: HistoryPart
}

export interface ApiPart {
  route(options: ResolvedOptions, platform: Platform): () => Promise<string>
  /** Undefined when no `apiAddr` was given. */
  sync(options: ResolvedOptions, platform: Platform): SyncProvider | undefined
}

/** The WuKongIM HTTP API part (sync/http.ts). */
export const httpApiPart: ApiPart = {
  route: (o, platform) => routeLookup({ apiAddr: o.apiAddr as string, uid: o.uid, platform, routeAddr: o.routeAddr, headers: o.apiHeaders }),
  sync: (o, platform) => (o.apiAddr ? createHttpSyncProvider({ apiAddr: o.apiAddr, headers: o.apiHeaders, uid: o.uid, platform, serverLine: o.serverLine, unsafe: o.unsafe }) : undefined),
}

/** The full client: the core with the WuKongIM HTTP API, diagnostics, conversations and history parts. */
export function createClient(options: ClientOptions): Client {
  return new ImClient(options, { api: httpApiPart, diagnostics: diagnosticsPart, conversations: conversationsPart, history: historyPart })
}

/** The core client with the parts given (none: connect, send, receive and the outbox over `wsAddr`). */
export function createCoreClient(options: ClientOptions, parts: ClientParts & { diagnostics: DiagnosticsPart; conversations: ConversationsPart; history: HistoryPart }): Client
export function createCoreClient(options: ClientOptions, parts: ClientParts & { diagnostics: DiagnosticsPart; conversations: ConversationsPart }): CoreClient & WithConversations & WithDiagnose
export function createCoreClient(options: ClientOptions, parts: ClientParts & { diagnostics: DiagnosticsPart }): CoreClient & WithDiagnose
export function createCoreClient(options: ClientOptions, parts: ClientParts & { conversations: ConversationsPart }): CoreClient & WithConversations
export function createCoreClient(options: ClientOptions, parts: ClientParts & { history: HistoryPart }): CoreClient & WithHistory
export function createCoreClient(options: ClientOptions, parts?: ClientParts): CoreClient
export function createCoreClient(options: ClientOptions, parts: ClientParts = {}): CoreClient {
  return new ImClient(options, parts)
}

class ImClient implements Client {
  readonly uid: string
  private readonly opts: ResolvedOptions
  private readonly platform: Platform
  private readonly lockKey: object
  /** The client's own bounded log and traces, read by diagnose() (the diagnostics part). */
  private readonly log: Diagnostics | undefined
  private readonly report: DiagnosticsPart['report'] | undefined
  /** Where the subsystems report: the log, and the app's extra sink when it gave one. */
  private readonly diagnostics: DiagnosticsSink
  private readonly syncProvider: SyncProvider
  private readonly events: Emitter<ClientEvents>
  private readonly connection: Connection
  private readonly outbox: Outbox
  private readonly inbox: Inbox
  /** The conversation list (the conversations part). */
  private readonly convs: ConversationList | undefined
  /** The message history (the history part). */
  private readonly hist: History | undefined
  private deviceId: string
  /** This install's id (made once, kept in storage): its first 8 chars tag every clientMsgNo sent here. */
  private installId = ''
  private restoring: Promise<void> | undefined
  private closed = false
  /** When the connection last came up (platform ms): conversation ops wait for a catch-up after it. */
  private connectedAt = 0
  private loggedOut = false
  /** send() calls between the outbox's checks and their durable write (logout waits for them). */
  private readonly sends = new Set<Promise<OutboxMessage>>()

  constructor(options: ClientOptions, parts: ClientParts) {
    this.opts = resolveOptions(options)
    this.uid = this.opts.uid
    this.platform = options.platform ?? defaultPlatform(this.opts.storage.encrypt)
    this.lockKey = options.platform ?? WX_APP
    const uids = live.get(this.lockKey) ?? new Set<string>()
    if (uids.has(this.uid)) {
      throw new ClientError('CLIENT_EXISTS', `a client for uid "${this.uid}" is already live in this app; share it (e.g. getApp().im) or close() it first`, { uid: this.uid })
    }

    const { settings, sink: extra } = this.opts.diagnostics
    const { api, diagnostics, conversations, history } = parts
    if (!api && this.opts.apiAddr !== undefined) throw partMissing('apiAddr', 'the api part')
    if (!conversations && this.opts.conversations !== undefined) throw partMissing('conversations', 'the conversations part')
    if (!history && this.opts.history !== undefined) throw partMissing('history', 'the history part')
    if (!diagnostics && Object.keys(settings).length > 0) throw partMissing('diagnostics', 'the diagnostics part (or give a DiagnosticsSink)')
    this.log = diagnostics?.create(this.platform, settings)
    this.report = diagnostics?.report
    this.diagnostics = this.log && extra ? tee(this.log, extra) : this.log ?? extra ?? { record: () => undefined, trace: () => undefined }
    this.syncProvider = options.sync ?? api?.sync(this.opts, this.platform) ?? {
      syncMessages: noSync,
      syncConversations: noSync,
    }
    this.deviceId = this.opts.deviceId ?? ''
    this.events = new Emitter<ClientEvents>((error, event) => {
      if (event === 'error') return
      this.events.emit('error', new ClientError('HANDLER_FAILED', `a "${String(event)}" handler threw`, { event }, error))
    })
    const randomFloat = jitterSource(this.opts.random, this.platform, this.diagnostics)
    const prefix = `${this.opts.storage.prefix}:${this.uid}`

    const { wsAddr, connection } = this.opts
    // resolveOptions: one of the two is given; apiAddr only with the api part (above).
    const address = wsAddr !== undefined
      ? appAddress(wsAddr, this.platform, connection.unsafe.noCallbackDeadlines ? undefined : connection.callbackTimeoutMs)
      : (api as ApiPart).route(this.opts, this.platform)
    this.connection = new Connection(this.platform, connection, this.diagnostics, {
      onState: (change) => this.events.emit('state', change),
      onConnected: () =>
        this.guard(() => {
          this.connectedAt = this.platform.now()
          this.outbox.onConnected()
          void this.inbox.onConnected().then(() => this.synced('connected'))
        }),
      onDisconnected: ({ reason }) =>
        this.guard(() => {
          this.outbox.onDisconnected(reason)
          this.inbox.onDisconnected()
        }),
      onPacket: (packet, connectionId) => this.guard(() => this.route(packet, connectionId)),
      onTampered: (packet, error) => this.guard(() => this.inbox.tampered(packet, error)),
      onShown: () =>
        this.guard(() => {
          this.outbox.onConnected()
          void this.inbox.catchUp().then(() => this.synced('app show'))
        }),
      onHidden: () => {
        void this.inbox.flush()
        void this.convs?.flush()
        void this.hist?.flush()
      },
      onError: (error) => this.reportError(error),
    }, address, () => this.deviceId, randomFloat)

    this.outbox = new Outbox({
      platform: this.platform,
      config: { uid: this.uid, keyPrefix: this.opts.storage.prefix, deviceTag: () => this.installId.slice(0, 8), ...this.opts.outbox },
      diagnostics: this.diagnostics,
      transport: {
        connectionId: () => this.connection.connectionId,
        write: (packet) => this.connection.write(packet),
        roundTrip: (answered) => this.connection.roundTrip(() => this.guard(answered)),
        rebuild: (reason) => this.connection.rebuild(reason),
      },
      random: randomFloat,
      emitStatus: (m) => {
        if (m.status === 'sent' && m.messageId !== undefined && m.messageSeq !== undefined) {
          // The server never pushes our own message back to this device: tell the inbox its seq.
          this.inbox.noteSent({ channelId: m.channelId, channelType: m.channelType, messageId: m.messageId, messageSeq: m.messageSeq, clientMsgNo: m.clientMsgNo })
        }
        this.convs?.onOwn(m)
        this.hist?.onOwn(m)
        this.events.emit('messageStatus', m)
      },
      emitError: (e) => this.reportError(e),
      // v3 de-duplicates re-sends by clientMsgNo itself; on v2 (or not known yet) ask first.
      lookup: this.opts.serverLine !== 'v3' ? this.sentLookup() : undefined,
      line: () => (this.opts.serverLine !== 'auto' ? this.opts.serverLine : this.providerLine()),
      media: options.media?.attach({
        platform: this.platform,
        uid: this.uid,
        keyPrefix: this.opts.storage.prefix,
        diagnostics: this.diagnostics,
        retry: { initialMs: this.opts.outbox.retryInitialMs, maxMs: this.opts.outbox.retryMaxMs },
        random: randomFloat,
        progress: (p) => this.events.emit('messageProgress', p),
        uploaded: (no, url, fields) => this.outbox.uploaded(no, url, fields),
        failed: (no, reason) => this.outbox.uploadFailed(no, reason),
        unsafe: this.opts.unsafe,
      }),
      unsafe: this.opts.unsafe,
    })

    this.inbox = new Inbox({
      uid: this.uid,
      platform: this.platform,
      storagePrefix: prefix,
      sync: this.syncProvider,
      diagnostics: this.diagnostics,
      deliver: (msg) => {
        this.convs?.onMessage(msg)
        this.hist?.onMessage(msg)
        return this.events.emitAndWait('message', { ...msg, content: decodeContent(msg.payload) })
      },
      sendRecvack: (ack) => {
        this.connection.write(ack)
      },
      emitGap: (gap) => this.events.emit('gap', gap),
      emitError: (e) => this.reportError(e),
      options: this.opts.inbox,
      ownSend: (clientMsgNo) => this.outbox.madeHere(clientMsgNo),
      unsafe: this.opts.unsafe,
    })
    this.convs = conversations?.create({
      uid: this.uid,
      platform: this.platform,
      prefix,
      sync: this.deadlined(),
      diagnostics: this.diagnostics,
      emit: (list) => this.events.emit('conversations', list),
      random: randomFloat,
      options: this.opts.conversations,
      unsafe: this.opts.unsafe,
      caughtUp: () => {
        const last = this.connection.state === 'connected' ? this.inbox.snapshot().lastCatchUp : undefined
        return last !== undefined && last.ok && last.at >= this.connectedAt
      },
    })
    this.hist = history?.create({
      uid: this.uid,
      platform: this.platform,
      prefix,
      sync: this.deadlined(),
      diagnostics: this.diagnostics,
      pending: () => this.outbox.pending(),
      topSeq: (channelId, channelType) => this.inbox.cursor(channelId, channelType),
      options: this.opts.history,
      storeOnly: this.opts.unsafe.historyStoreOnly,
    })
    // Taken last, so a constructor that throws (bad option) leaves no stale lock behind.
    uids.add(this.uid)
    live.set(this.lockKey, uids)
  }

  get state(): ConnectionState {
    return this.connection.state
  }

  restored(): Promise<void> {
    if (this.closed) return Promise.reject(closedError())
    if (!this.restoring) {
      this.restoring = this.restore().then(undefined, (error: unknown) => {
        this.restoring = undefined
        throw error
      })
    }
    return this.restoring
  }

  async connect(): Promise<void> {
    await this.restored()
    if (this.closed) throw closedError()
    this.connection.start()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.connection.stop()
    this.outbox.close()
    this.inbox.close()
    this.convs?.close()
    this.hist?.close()
    live.get(this.lockKey)?.delete(this.uid)
    // The 'closed' state event went out above; nothing a late callback does reaches the app now.
    this.events.clear()
    // The conversation list is a cache the next sync rebuilds: its last write is not waited for.
    void this.convs?.flush()
    // The history's waiting writes land before close() resolves (logout removes its keys after).
    await Promise.all([this.inbox.flush().catch(() => undefined), this.hist?.flush().catch(() => undefined)])
  }

  async logout(): Promise<OutboxMessage[]> {
    // Restored first, so the answer lists what storage held and not only what this run sent.
    if (!this.closed) await this.restored().catch(() => undefined)
    this.loggedOut = true
    await this.close()
    // A send() already past the outbox's checks is writing its record: let it land, then purge it.
    await Promise.all(Array.from(this.sends, (p) => p.catch(() => undefined)))
    const unsent = this.outbox.pending()
    try {
      const own = `${this.opts.storage.prefix}:${this.uid}:`
      const keys = await this.platform.storage.keys()
      await Promise.all(keys.filter((key) => key.startsWith(own)).map((key) => this.platform.storage.remove(key)))
      // Only once no record points at them.
      await this.outbox.removeSavedFiles()
    } finally {
      this.log?.clear()
    }
    return unsent
  }

  async send(input: SendInput): Promise<OutboxMessage> {
    await this.restored()
    const sending = this.outbox.send(input)
    this.sends.add(sending)
    const done = (): void => void this.sends.delete(sending)
    sending.then(done, done)
    return sending
  }

  async resend(clientMsgNo: string): Promise<OutboxMessage> {
    await this.restored()
    return this.outbox.resend(clientMsgNo)
  }

  async discard(clientMsgNo: string): Promise<void> {
    await this.restored()
    return this.outbox.discard(clientMsgNo)
  }

  pending(): OutboxMessage[] {
    return this.loggedOut ? [] : this.outbox.pending()
  }

  on<K extends ClientEventName>(event: K, handler: Listener<ClientEvents[K]>): Unsubscribe {
    return this.events.on(event, handler)
  }

  async sync(): Promise<void> {
    await this.restored()
    await this.inbox.catchUp()
    this.synced('manual')
  }

  conversations(): Conversation[] {
    return this.loggedOut ? [] : this.conversationList().list()
  }

  async clearUnread(channel: ChannelRef): Promise<void> {
    return this.changeConversation({ kind: 'clearUnread', channelId: channel.channelId, channelType: channel.channelType })
  }

  async setUnread(channel: ChannelRef, unread: number): Promise<void> {
    return this.changeConversation({ kind: 'setUnread', channelId: channel.channelId, channelType: channel.channelType, unread })
  }

  async deleteConversation(channel: ChannelRef): Promise<void> {
    return this.changeConversation({ kind: 'delete', channelId: channel.channelId, channelType: channel.channelType })
  }

  async messages(channel: ChannelRef, query?: HistoryQuery): Promise<HistoryPage> {
    if (!this.hist) throw new ClientError('PART_MISSING', 'messages() needs the history part (createClient)')
    await this.restored()
    return this.hist.messages(channel, query)
  }

  async diagnose(options: { clientMsgNo?: string; lookup?: boolean } = {}): Promise<DiagnosticReport> {
    if (!this.log || !this.report) throw new ClientError('PART_MISSING', 'diagnose() needs the diagnostics part (createClient)')
    return this.report({
      uid: this.uid,
      state: this.state,
      platform: this.platform,
      now: this.platform.now(),
      pending: this.pending(),
      quarantined: this.outbox.quarantined(),
      inbox: this.inbox.snapshot(),
      diagnostics: this.log,
      sync: this.syncProvider,
      ...options,
    })
  }

  // ---- internals ------------------------------------------------------------------------------

  private conversationList(): ConversationList {
    if (!this.convs) throw new ClientError('PART_MISSING', 'the conversation list needs the conversations part (createClient)')
    return this.convs
  }

  private async changeConversation(op: ConversationOp): Promise<void> {
    const list = this.conversationList()
    await this.restored()
    return list.change(op)
  }

  private async restore(): Promise<void> {
    this.installId = await this.loadInstallId()
    if (!this.deviceId) this.deviceId = this.installId
    await Promise.all([this.outbox.load(), this.inbox.load(), this.convs?.load(), this.hist?.load()])
    this.convs?.reconcile(this.outbox.pending())
  }

  /**
   * `<prefix>:device`, written on first use. Storage trouble only costs the echo filter its memory
   * of earlier runs (a fresh id is used and reported in diagnostics); it never blocks the client.
   */
  private async loadInstallId(): Promise<string> {
    const key = `${this.opts.storage.prefix}:device`
    const stored = await this.platform.storage.get(key).catch(() => undefined)
    if (typeof stored === 'string' && /^[0-9a-f]{32}M$/.test(stored)) return stored
    const id = `${hex(await this.platform.randomBytes(16))}M`
    await this.platform.storage.set(key, id).catch((e: unknown) => this.diagnostics.record('storage', 'device-id-not-saved', { error: errorText(e) }))
    return id
  }

  private route(packet: ServerPacket, connectionId: number): void {
    switch (packet.type) {
      case PacketType.SENDACK:
        this.outbox.handleSendack(packet, connectionId)
        return
      case PacketType.RECV:
        this.inbox.handleRecv(packet)
        return
      case PacketType.EVENT:
        this.events.emit('serverEvent', { id: packet.id, eventType: packet.eventType, timestamp: packet.timestamp, data: packet.data })
        return
      default:
        this.diagnostics.record('receive', 'packet-ignored', { type: packet.type })
    }
  }

  /** A subsystem bug (a refused transition) is reported, never thrown into the socket's callback. */
  private guard(fn: () => void): void {
    try {
      fn()
    } catch (error) {
      this.reportError(error)
    }
  }

  private synced(reason: string): void {
    if (this.closed) return
    this.events.emit('synced', { reason })
    void this.convs?.refresh()
  }

  private reportError(error: unknown): void {
    const e = isImError(error) ? error : new ClientError('INTERNAL', String(error), {}, error)
    // Through diagnostics, which forwards to WeChat's realtime log only when diagnostics.realtimeLog is on.
    this.diagnostics.record('client', 'error', { code: e.code, message: e.message })
    this.events.emit('error', e)
  }

  /** The sync provider with the deadline every sync call gets. */
  private deadlined(): SyncProvider {
    return this.opts.unsafe.noCallbackDeadlines ? this.syncProvider : withDeadlines(this.syncProvider, this.platform, this.opts.inbox.syncDeadlineMs)
  }

  /** The sync provider's line; a provider whose line() throws counts as not knowing it. */
  private providerLine(): 'v2' | 'v3' | undefined {
    try {
      return this.syncProvider.line?.()
    } catch {
      return undefined
    }
  }

  /** The outbox's "is it stored?" question, with the same deadline as every other sync call. */
  private sentLookup(): SyncProvider['findSent'] {
    if (!this.syncProvider.findSent) return undefined
    const sync = this.deadlined()
    return (req) => (sync.findSent as NonNullable<SyncProvider['findSent']>)(req)
  }
}

/** One wx platform per storage mode for the whole app (the module cache is app-wide). */
const wxPlatforms = new Map<boolean, Platform>()
function defaultPlatform(encryptStorage: boolean): Platform {
  let p = wxPlatforms.get(encryptStorage)
  if (!p) {
    p = defaultWxPlatform({ encryptStorage })
    wxPlatforms.set(encryptStorage, p)
  }
  return p
}

function tee(a: DiagnosticsSink, b: DiagnosticsSink): DiagnosticsSink {
  return {
    record: (...args) => (a.record(...args), b.record(...args)),
    trace: (...args) => (a.trace(...args), b.trace(...args)),
  }
}

function noSync(): Promise<never> {
  return Promise.reject(new ClientError('SYNC_FAILED', 'catch-up needs apiAddr or a sync provider'))
}

function partMissing(option: string, part: string): InvalidOptionError {
  return new InvalidOptionError(`${option} needs ${part}: use createClient, or pass the part to createCoreClient`, { option })
}

function closedError(): ImError {
  return new ClientError('CLIENT_CLOSED', 'the client is closed')
}
