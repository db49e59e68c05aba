/**
 * createClient(): the facade that wires connection, outbox, inbox and diagnostics together
 * (docs/design.md §1–§2). One live client per (platform, uid): pages share the App's client instead of
 * opening stray sockets.
 */
import { jitterSource } from './connection/backoff'
import { Connection } from './connection/connection'
import { Diagnostics } from './diagnostics/diagnostics'
import { buildReport } from './diagnostics/report'
import type { DiagnosticReport } from './diagnostics/report'
import type { DiagnosticsSink } from './diagnostics/types'
import { ConversationList } from './conversations/conversations'
import type { ChannelRef, Conversation } from './conversations/types'
import { Emitter } from './emitter'
import type { Listener } from './emitter'
import { ClientError, ImError, isImError } from './errors'
import type { ClientEventName, ClientEvents } from './events'
import { Inbox } from './inbox/inbox'
import { resolveOptions } from './options'
import type { ClientOptions, DiagnosticsSettings, ResolvedOptions } from './options'
import { Outbox } from './outbox/outbox'
import type { Platform, Unsubscribe } from './platform/types'
import { defaultWxPlatform } from './platform/wx'
import { PacketType } from './proto/packets'
import type { ServerPacket } from './proto/packets'
import { createHttpSyncProvider } from './sync/http'
import { SYNC_DEADLINE_MS, withDeadlines } from './sync/deadline'
import type { SyncProvider } from './sync/types'
import type { ConnectionState, OutboxMessage, SendInput } from './types'

export interface Client {
  /** This client's uid. */
  readonly uid: string
  /** The connection state (see ConnectionState). */
  readonly state: ConnectionState
  /**
   * Restores the outbox and the receive-side cursors from storage. Resolves when pending() shows
   * the restored queue. connect() and send() wait for it; call it to render failed messages early.
   */
  ready(): Promise<void>
  /** Restores (see ready()) and starts connecting; resolves once dialing began, not once connected. */
  connect(): Promise<void>
  /**
   * Stops everything, releases the uid for a new client. Final. Unsent messages stay in storage
   * and go out when this uid's next client connects (a cold start, or the same user again).
   */
  close(): Promise<void>
  /**
   * Ends this user's session on this device for good (sign-out, account switch): close(), then
   * removes every storage key of this uid (`<prefix>:<uid>:...`: the outbox with the text of its
   * unsent messages, receive cursors, seen ids) and the in-memory log and traces. Resolves with
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
  /**
   * The conversation list, newest first: channel, last message (our own with its outbox status
   * while unsent), unread count, time. Restored from storage by ready() (a `conversations` event
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
  /**
   * The message-loss checklist, answered: for `clientMsgNo`, did the server ACK it and with which
   * reason, and what the server knows (looked up by client_msg_no unless `lookup: false`); recent
   * network and connection anomalies; whether gap filling works; delivery metrics. Plain JSON.
   */
  diagnose(options?: { clientMsgNo?: string; lookup?: boolean }): Promise<DiagnosticReport>
}

/**
 * Live clients per platform instance (a simulated cold restart brings a fresh platform). Clients
 * on the default wx platform share one key whatever their storage mode: it is one app.
 */
const live = new WeakMap<object, Set<string>>()
const WX_APP = {}

export function createClient(options: ClientOptions): Client {
  return new ImClient(options)
}

class ImClient implements Client {
  readonly uid: string
  private readonly opts: ResolvedOptions
  private readonly platform: Platform
  private readonly lockKey: object
  private readonly diagnostics: DiagnosticsSink
  private readonly diag: Diagnostics
  private readonly syncProvider: SyncProvider
  private readonly events: Emitter<ClientEvents>
  private readonly connection: Connection
  private readonly outbox: Outbox
  private readonly inbox: Inbox
  private readonly convs: ConversationList
  private deviceId: string
  /** This install's id (made once, kept in storage): its first 8 chars tag every clientMsgNo sent here. */
  private installId = ''
  private restoring: Promise<void> | undefined
  private closed = false
  private loggedOut = false
  /** send() calls between the outbox's checks and their durable write (logout waits for them). */
  private readonly sends = new Set<Promise<OutboxMessage>>()

  constructor(options: ClientOptions) {
    this.opts = resolveOptions(options)
    this.uid = this.opts.uid
    this.platform = options.platform ?? defaultPlatform(this.opts.storage.encrypt)
    this.lockKey = options.platform ?? WX_APP
    const uids = live.get(this.lockKey) ?? new Set<string>()
    if (uids.has(this.uid)) {
      throw new ClientError('CLIENT_EXISTS', `a client for uid "${this.uid}" is already live in this app; share it (e.g. getApp().im) or close() it first`, { uid: this.uid })
    }

    const extra = options.diagnostics && 'record' in options.diagnostics ? options.diagnostics : undefined
    const settings = extra ? {} : (options.diagnostics as DiagnosticsSettings | undefined) ?? {}
    this.diag = new Diagnostics(this.platform, {
      capacity: settings.capacity,
      traceCapacity: settings.traceCapacity,
      includeBodies: settings.includeBodies,
      realtimeLog: settings.realtimeLog ? this.platform.realtimeLog : undefined,
    })
    this.diagnostics = extra ? tee(this.diag, extra) : this.diag
    this.syncProvider = options.sync ?? this.defaultSync(options)
    this.deviceId = this.opts.deviceId ?? ''
    this.events = new Emitter<ClientEvents>((error, event) => {
      if (event === 'error') return
      this.events.emit('error', new ClientError('HANDLER_FAILED', `a "${String(event)}" handler threw`, { event }, error))
    })
    const randomFloat = jitterSource(this.opts.random, this.platform, this.diagnostics)
    const prefix = `${this.opts.storage.prefix}:${this.uid}`

    this.connection = new Connection(this.platform, this.opts, this.diagnostics, {
      onState: (change) => this.events.emit('state', change),
      onConnected: () =>
        this.guard(() => {
          this.outbox.onConnected()
          void this.inbox.onConnected().then(() => this.synced('connected'))
        }),
      onDisconnected: ({ reason }) =>
        this.guard(() => {
          this.outbox.onDisconnected(reason)
          this.inbox.onDisconnected()
        }),
      onPacket: (packet, connectionId) => this.guard(() => this.route(packet, connectionId)),
      onShown: () =>
        this.guard(() => {
          this.outbox.onConnected()
          void this.inbox.catchUp().then(() => this.synced('app show'))
        }),
      onHidden: () => {
        void this.inbox.flush()
        void this.convs.flush()
      },
      onError: (error) => this.reportError(error),
    }, () => this.deviceId, randomFloat)

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
        this.convs.onOwn(m)
        this.events.emit('messageStatus', m)
      },
      emitError: (e) => this.reportError(e),
      // v3 de-duplicates re-sends by clientMsgNo itself; on v2 (or not known yet) ask first.
      lookup: options.serverLine !== 'v3' ? this.sentLookup(options) : undefined,
      unsafe: this.opts.unsafe,
    })

    this.inbox = new Inbox({
      uid: this.uid,
      platform: this.platform,
      storagePrefix: prefix,
      sync: this.syncProvider,
      diagnostics: this.diagnostics,
      deliver: (msg) => {
        this.convs.onMessage(msg)
        return this.events.emitAndWait('message', msg)
      },
      sendRecvack: (ack) => {
        this.connection.write(ack)
      },
      emitGap: (gap) => this.events.emit('gap', gap),
      emitError: (e) => this.reportError(e),
      options: options.inbox,
      ownSend: (clientMsgNo) => this.outbox.madeHere(clientMsgNo),
      unsafe: this.opts.unsafe,
    })
    this.convs = new ConversationList({
      uid: this.uid,
      platform: this.platform,
      prefix,
      sync: this.opts.unsafe.noCallbackDeadlines ? this.syncProvider : withDeadlines(this.syncProvider, this.platform, options.inbox?.syncDeadlineMs ?? SYNC_DEADLINE_MS),
      diagnostics: this.diagnostics,
      emit: (list) => this.events.emit('conversations', list),
      random: randomFloat,
      options: options.conversations,
    })
    // Taken last, so a constructor that throws (bad option) leaves no stale lock behind.
    uids.add(this.uid)
    live.set(this.lockKey, uids)
  }

  get state(): ConnectionState {
    return this.connection.state
  }

  ready(): Promise<void> {
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
    await this.ready()
    if (this.closed) throw closedError()
    this.connection.start()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.connection.stop()
    this.outbox.close()
    this.inbox.close()
    this.convs.close()
    live.get(this.lockKey)?.delete(this.uid)
    // The 'closed' state event went out above; nothing a late callback does reaches the app now.
    this.events.clear()
    // The conversation list is a cache the next sync rebuilds: its last write is not waited for.
    void this.convs.flush()
    await this.inbox.flush().catch(() => undefined)
  }

  async logout(): Promise<OutboxMessage[]> {
    // Restored first, so the answer lists what storage held and not only what this run sent.
    if (!this.closed) await this.ready().catch(() => undefined)
    this.loggedOut = true
    await this.close()
    // A send() already past the outbox's checks is writing its record: let it land, then purge it.
    await Promise.all(Array.from(this.sends, (p) => p.catch(() => undefined)))
    const unsent = this.outbox.pending()
    this.diag.clear()
    const own = `${this.opts.storage.prefix}:${this.uid}:`
    const keys = await this.platform.storage.keys()
    await Promise.all(keys.filter((key) => key.startsWith(own)).map((key) => this.platform.storage.remove(key)))
    return unsent
  }

  async send(input: SendInput): Promise<OutboxMessage> {
    await this.ready()
    const sending = this.outbox.send(input)
    this.sends.add(sending)
    const done = (): void => void this.sends.delete(sending)
    sending.then(done, done)
    return sending
  }

  async resend(clientMsgNo: string): Promise<OutboxMessage> {
    await this.ready()
    return this.outbox.resend(clientMsgNo)
  }

  async discard(clientMsgNo: string): Promise<void> {
    await this.ready()
    return this.outbox.discard(clientMsgNo)
  }

  pending(): OutboxMessage[] {
    return this.loggedOut ? [] : this.outbox.pending()
  }

  on<K extends ClientEventName>(event: K, handler: Listener<ClientEvents[K]>): Unsubscribe {
    return this.events.on(event, handler)
  }

  async sync(): Promise<void> {
    await this.ready()
    await this.inbox.catchUp()
    this.synced('manual')
  }

  conversations(): Conversation[] {
    return this.loggedOut ? [] : this.convs.list()
  }

  async clearUnread(channel: ChannelRef): Promise<void> {
    await this.ready()
    return this.convs.change({ kind: 'clearUnread', channelId: channel.channelId, channelType: channel.channelType })
  }

  async setUnread(channel: ChannelRef, unread: number): Promise<void> {
    await this.ready()
    return this.convs.change({ kind: 'setUnread', channelId: channel.channelId, channelType: channel.channelType, unread })
  }

  async deleteConversation(channel: ChannelRef): Promise<void> {
    await this.ready()
    return this.convs.change({ kind: 'delete', channelId: channel.channelId, channelType: channel.channelType })
  }

  async diagnose(options: { clientMsgNo?: string; lookup?: boolean } = {}): Promise<DiagnosticReport> {
    return buildReport({
      uid: this.uid,
      state: this.state,
      platform: this.platform,
      now: this.platform.now(),
      pending: this.pending(),
      quarantined: this.outbox.quarantined(),
      inbox: this.inbox.snapshot(),
      diagnostics: this.diag,
      sync: this.syncProvider,
      ...options,
    })
  }

  // ---- internals ------------------------------------------------------------------------------

  private async restore(): Promise<void> {
    this.installId = await this.loadInstallId()
    if (!this.deviceId) this.deviceId = this.installId
    await Promise.all([this.outbox.load(), this.inbox.load(), this.convs.load()])
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
    await this.platform.storage.set(key, id).catch((e: unknown) => this.diagnostics.record('storage', 'device-id-not-saved', { error: e instanceof Error ? e.message : String(e) }))
    return id
  }

  private route(packet: ServerPacket, connectionId: number): void {
    switch (packet.type) {
      case PacketType.SENDACK:
        this.outbox.handleSendack(packet, connectionId)
        return
      case PacketType.RECV:
        this.inbox.handleRecv(packet, this.connection.session)
        return
      case PacketType.EVENT:
        this.events.emit('event', { id: packet.id, eventType: packet.eventType, timestamp: packet.timestamp, data: packet.data })
        return
      default:
        this.diagnostics.record('receive', 'packet ignored', { type: packet.type })
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
    void this.convs.refresh()
  }

  private reportError(error: unknown): void {
    const e = isImError(error) ? error : new ClientError('INTERNAL', String(error), {}, error)
    // Through diagnostics, which forwards to WeChat's realtime log only when diagnostics.realtimeLog is on.
    this.diagnostics.record('client', 'error', { code: e.code, message: e.message })
    this.events.emit('error', e)
  }

  /** The outbox's "is it stored?" question, with the same deadline as every other sync call. */
  private sentLookup(options: ClientOptions): SyncProvider['findSent'] {
    if (!this.syncProvider.findSent) return undefined
    const sync = this.opts.unsafe.noCallbackDeadlines ? this.syncProvider : withDeadlines(this.syncProvider, this.platform, options.inbox?.syncDeadlineMs ?? SYNC_DEADLINE_MS)
    return (req) => (sync.findSent as NonNullable<SyncProvider['findSent']>)(req)
  }

  private defaultSync(options: ClientOptions): SyncProvider {
    if (this.opts.apiAddr) return createHttpSyncProvider({ apiAddr: this.opts.apiAddr, headers: this.opts.apiHeaders, uid: this.uid, platform: this.platform, serverLine: options.serverLine, unsafe: options._unsafe })
    const missing = (): Promise<never> => Promise.reject(new ClientError('SYNC_FAILED', 'catch-up needs apiAddr or a sync provider'))
    return { syncMessages: missing, syncConversations: missing }
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

function closedError(): ImError {
  return new ClientError('CLIENT_CLOSED', 'the client is closed')
}

function hex(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += ((bytes[i] as number) + 0x100).toString(16).slice(1)
  return s
}
