/**
 * The chaos engine: runs one plan (scenario.ts) in virtual time — K real clients, each through
 * the wx adapter over its own simulated wx, into the in-process server core — then a quiet phase,
 * then hands the whole history to the checker (checker.ts).
 *
 * Everything that varies comes from the seed: the plan, the server's and the devices' random
 * bytes, the clients' backoff jitter. Nothing reads the real clock, so a seed replays exactly.
 *
 * The app modelled on each device is what a careful mini-program does: one client per App, send
 * only while in the foreground, connect() again a moment after a kick, a new client after a cold
 * start. A kill always comes after onAppHide (WeChat destroys only background mini-programs).
 */
import { createClient } from '../../sdk/client'
import { mediaSupport } from '../../sdk/media/media'
import type { Client } from '../../sdk/client'
import type { DiagnosticsSink } from '../../sdk/diagnostics/types'
import type { ClientOptions, UnsafeSwitches } from '../../sdk/options'
import { savedFiles } from '../../sdk/outbox/store'
import type { Platform } from '../../sdk/platform/types'
import { createHttpSyncProvider } from '../../sdk/sync/http'
import type { SyncProvider } from '../../sdk/sync/types'
import type { ChannelRef } from '../support/server/channels'
import { personChannelId, ServerCore, type HttpFaultMode } from '../support/server/core'
import { createSimWx, serverHttpHandler, SimFileData, SimStorageData, virtualConnector, type SimUploadRequest, type SimWx } from '../support/sim-wx'
import { createSeededRandom, VirtualScheduler } from '../support/virtual-time'
import { check, type ConvOp, type Delivery, type History, type HistoryCheck, type Violations } from './checker'
import { BACKEND_UID, channelOf, channelRefs, CONV_PATHS, generatePlan, GROUP_IDS, LATE_GROUP_ID, uidOf, type ConvStep, type FaultGroup, type FaultStep, type Plan, type PlanStep, type ScenarioOptions, type Target } from './scenario'

/**
 * Protections the tests switch off one at a time to show the checker is not vacuous: the client's
 * own `_unsafe` switches, plus two the engine models itself.
 */
export interface Protections extends UnsafeSwitches {
  /** Outbox persistence: writes of outbox keys report success but store nothing. */
  disablePersistence?: boolean
  /** Gap filling: message sync answers with nothing, so gaps are skipped as unfillable. */
  disableGapFill?: boolean
  /** One SEND per channel on a v3 server: clients pipeline a channel (outbox.channelWindow 0). */
  pipelineChannels?: boolean
}

export interface RunOptions extends ScenarioOptions {
  /** Keep a readable trace (replay); off for speed in bulk runs. */
  trace?: boolean
  protections?: Protections
}

export interface RunResult extends Violations {
  seed: number
  mode: 'v2' | 'v3'
  encrypt: boolean
  /** send() calls that resolved (durable in the outbox). */
  messages: number
  /** Of which media (image) messages. */
  mediaMessages: number
  faults: number
  /** Processes killed (each followed by a cold start). */
  kills: number
  /** Faults injected per group (scenario.ts FAULT_GROUPS, and 'random'). */
  faultsBy: Partial<Record<FaultGroup | 'random', number>>
  /** One line per violation. */
  failures: string[]
  trace: string[]
  virtualMs: number
}

/** SENDACK reason codes the outbox retries with backoff (sdk/codes.ts). */
const RETRYABLE_CODES = [15, 17, 22]

const STORAGE_DEFAULTS = { perKeyBytes: 1024 * 1024, totalBytes: 10 * 1024 * 1024 }

/**
 * The message history of every device is small, so that trimming and eviction happen in a run:
 * 20 messages per channel, a budget a few channels overflow. At the end each device pages back
 * HISTORY_PAGES pages of HISTORY_LIMIT seqs per channel, and the checker compares them with the server.
 */
const HISTORY_OPTIONS = { perChannel: 20, budgetBytes: 4_000, writeDelayMs: 1_000 }
const HISTORY_PAGES = 3
const HISTORY_LIMIT = 10

/** Every route of the sync API (an outage takes them all). */
const SYNC_PATHS = ['/channel/messagesync', '/conversation/sync', '/conversation/list']

/** How long after a kick the app takes a stop for the kick's (and logs in again). */
const KICK_STOP_WINDOW_MS = 10_000

/** Written over the inbox cursors key by a corrupt-kill: a half-written JSON text. */
const GARBAGE_CURSORS = '{"v":1,"baseline":true,"channels":[[2,"g1",'

interface Device {
  index: number
  uid: string
  storage: SimStorageData
  /** The phone's files (saved media copies survive a kill; temp files do not). */
  files: SimFileData
  sim: SimWx
  client: Client
  instance: number
  /** This instance's inbox could not save its state at least once (storage full). */
  inboxWriteFailed: boolean
  /** Calls to the app's tokenProvider / SyncProvider made before these times never answer. */
  tokenHangUntil: number
  syncHangUntil: number
  /** The engine kicked this uid: a stop before this time is the kick's. */
  kickedUntil: number
  /** A handler-kill armed: die inside the `remaining`-th message handler from now, before `until`. */
  handlerKill?: { remaining: number; until: number }
}

/** What goes wrong at the next launch of a killed app (read-fail-kill, corrupt-kill). */
interface BadLaunch {
  readFail?: { n: number; keyPart: string }
  corrupt?: string
}

export async function runScenario(seed: number, options: RunOptions): Promise<RunResult> {
  return new Engine(generatePlan(seed, options), options).run()
}

class Engine {
  private readonly time = new VirtualScheduler()
  private readonly start = this.time.now()
  private readonly rng
  private readonly core: ServerCore
  private readonly devices: Device[] = []
  private readonly history: History
  private readonly trace: string[] = []
  private readonly tracing: boolean
  private readonly protections: Protections
  private quiet = false
  /** Uids whose baseline is a completed catch-up's (not only channels first met on a push). */
  private readonly caughtUp = new Set<string>()
  private faults = 0
  private readonly faultsBy: RunResult['faultsBy'] = {}
  private readonly uploads = new ChaosUploads(this.time)

  constructor(
    private readonly plan: Plan,
    options: RunOptions,
  ) {
    this.rng = createSeededRandom(plan.seed)
    this.tracing = options.trace === true
    this.protections = options.protections ?? {}
    this.core = new ServerCore({
      mode: plan.mode,
      encrypt: plan.encrypt,
      clock: this.time,
      timers: this.time,
      random: (n) => this.rng.bytes(n),
      routes: { wsAddr: 'ws://core' },
    })
    const uids: string[] = []
    for (let i = 0; i < plan.clients; i++) {
      uids.push(uidOf(i))
      this.core.registerToken(uidOf(i), `${uidOf(i)}-token`)
    }
    for (const g of GROUP_IDS) this.core.createGroup(g, g === LATE_GROUP_ID ? [...uids, BACKEND_UID] : uids)
    this.history = {
      mode: plan.mode, uids, resolved: [], sent: [], deliveries: [], baselines: new Map(), excused: new Set(), stuck: [], internalErrors: [],
      kills: [], corrupted: new Set(), toldFailed: new Set(), v2CopiesAllowed: options.without?.includes('v2copies') === true,
      media: new Map(), uploaded: (url) => this.uploads.byUrl(url), pages: [], convOps: [], finalLists: new Map(),
    }
  }

  async run(): Promise<RunResult> {
    const { plan } = this
    this.log(`plan: ${plan.mode}, ${plan.clients} clients, ${plan.steps.length} steps, encrypt ${plan.encrypt}`)
    for (let i = 0; i < plan.clients; i++) this.devices.push(this.boot(i, new SimStorageData(), undefined, new SimFileData()))
    for (const d of this.devices) void d.client.connect()
    // An error the SDK lets escape (a throwing timer callback, an unhandled rejection) is a broken
    // invariant, as in a mini-program where it would only reach App.onError: count it, don't crash.
    const stray = (e: unknown): void => {
      this.history.internalErrors.push(`escaped the SDK: ${e instanceof Error ? e.message : String(e)}`)
    }
    process.on('unhandledRejection', stray)
    try {
      for (const step of plan.steps) {
        await this.advanceTo(step.at)
        this.execute(step)
      }
      await this.advanceTo(plan.faultPhaseMs)
      await this.quietPhase()
      await this.finalSync()
    } catch (e) {
      stray(e)
    } finally {
      process.off('unhandledRejection', stray)
    }
    // Every RECV a connected client was pushed is acked by the end (RECVACKs written together must still be written).
    const unackedRecvs = this.core.unackedRecvs()
    if (unackedRecvs > 0) this.history.stuck.push(`${unackedRecvs} RECV(s) never RECVACKed at the end`)
    for (const d of this.devices) {
      if (d.client.state !== 'connected') this.history.stuck.push(`${d.uid}: client ${d.client.state} at the end`)
      for (const m of d.client.pending()) {
        const key = `${d.uid}|${m.clientMsgNo}`
        // A record corrupted on disk that the SDK reports as failed: the app was told, and discards it.
        if (m.status === 'failed' && this.history.corrupted.has(key)) this.history.toldFailed.add(key)
        else this.history.stuck.push(`${d.uid}: ${m.clientMsgNo} still ${m.status}${m.failure ? ` (${m.failure})` : ''}`)
      }
      // Every saved media copy is deleted once its message is sent (or, orphaned, at the next launch).
      // A copy an outbox record in storage still points at stays with it: storage refused the
      // record's removal after its SENDACK, and the next launch finds it stored and removes both.
      const kept = new Set<string>()
      for (const key of d.storage.items.keys()) if (key.includes(':out:')) for (const f of savedFiles(d.storage.peek(key))) kept.add(f)
      for (const path of d.files.userPaths()) if (!kept.has(path)) this.history.stuck.push(`${d.uid}: saved media file left behind: ${path}`)
      const ops = pendingConvOps(d)
      if (ops > 0) this.history.stuck.push(`${d.uid}: ${ops} conversation op(s) still waiting for the server`)
    }
    // Read after the end-state checks above; a stray error meanwhile is counted as during the run.
    process.on('unhandledRejection', stray)
    try {
      await this.readHistories()
    } catch (e) {
      stray(e)
    } finally {
      process.off('unhandledRejection', stray)
    }
    const result = check(this.history, this.core)
    for (const line of result.failures) this.log(`VIOLATION ${line}`)
    for (const d of this.devices) await d.client.close()
    return {
      seed: plan.seed, mode: plan.mode, encrypt: plan.encrypt, messages: this.history.resolved.length, mediaMessages: this.history.media.size, faults: this.faults, faultsBy: this.faultsBy, kills: this.history.kills.length,
      ...result, trace: this.trace, virtualMs: this.time.now() - this.start,
    }
  }

  // ---- devices and the app on them ----

  private boot(index: number, storage: SimStorageData, sim: SimWx | undefined, files: SimFileData): Device {
    const uid = uidOf(index)
    const prior = this.devices[index]
    const nextSim =
      sim ??
      createSimWx({
        scheduler: this.time,
        seed: this.plan.seed * 31 + index,
        storage,
        files,
        connect: virtualConnector((sink) => this.core.accept(sink), { latencyMs: 5 + this.rng.int(20) }),
        http: serverHttpHandler(this.core),
        upload: (req) => this.uploads.receive(req),
        iosNoOnClose: this.rng.int(2) === 0,
      })
    const platform: Platform = nextSim.control.platform()
    const instance = (prior?.instance ?? 0) + 1
    if (this.protections.disablePersistence) brokenOutboxStorage(platform)
    // A fresh install (no completed catch-up on this storage) treats what is already stored as
    // history. Cursors the engine corrupted (a string) are not a fresh install: the first baseline stands.
    const saved = storage.peek(`wkmp:${uid}:in:cursors`)
    const fresh = typeof saved === 'string' ? !this.caughtUp.has(uid) : !(saved as { baseline?: boolean } | undefined)?.baseline
    let baselined = false
    const device: Device = prior ?? { index, uid, storage, files, sim: nextSim, client: undefined as unknown as Client, instance, inboxWriteFailed: false, tokenHangUntil: 0, syncHangUntil: 0, kickedUntil: 0 }
    const diagnostics: DiagnosticsSink = {
      record: (category, event, detail) => {
        if (category === 'storage' && event === 'inbox-write-failed') device.inboxWriteFailed = true
        if (category === 'storage' && event === 'history-evicted') this.log(`${uid}#${instance} history evicted ${String(detail?.channelType)}:${String(detail?.channelId)}`)
        if (category === 'sync' && event === 'conversations' && fresh && !baselined && device.client === client) {
          baselined = true
          this.caughtUp.add(uid)
          this.history.baselines.set(uid, this.serverTops())
          this.log(`${uid}#${instance} baseline ${JSON.stringify(Object.fromEntries(this.serverTops()))}`)
        }
      },
      trace: () => undefined,
    }
    const jitter = createSeededRandom(this.plan.seed * 131 + index * 7 + instance)
    // The app's own callbacks; a hang fault makes the calls it catches never settle.
    const hangs = <T>(until: () => number, call: () => Promise<T>): Promise<T> => (this.time.now() < until() ? new Promise<T>(() => undefined) : call())
    const options: ClientOptions = {
      uid,
      tokenProvider: () => hangs(() => device.tokenHangUntil, async () => `${uid}-token`),
      wsAddr: 'ws://core',
      apiAddr: 'http://api',
      platform,
      diagnostics,
      random: () => jitter.next(),
      media: mediaSupport({ uploadUrl: 'http://upload/upload' }),
      history: HISTORY_OPTIONS,
    }
    const { disablePersistence, disableGapFill, pipelineChannels, ...unsafe } = this.protections
    if (pipelineChannels) options.outbox = { channelWindow: 0 }
    if (Object.keys(unsafe).length > 0) options._unsafe = unsafe as UnsafeSwitches
    if (disableGapFill || index === this.plan.customSync) {
      // The app brings its own SyncProvider: the HTTP one behind the app's code.
      // Built on the SDK's own provider, so its switches (line detection) reach it too.
      const real = createHttpSyncProvider({ apiAddr: 'http://api', uid, platform, ...(options._unsafe && { unsafe: options._unsafe }) })
      const own: SyncProvider = {
        syncConversations: (cursors) => hangs(() => device.syncHangUntil, () => real.syncConversations(cursors)),
        syncMessages: (req) => hangs(() => device.syncHangUntil, () => (disableGapFill ? Promise.resolve({ messages: [], more: false }) : real.syncMessages(req))),
      }
      if (real.findByClientMsgNo) {
        const find = real.findByClientMsgNo
        own.findByClientMsgNo = (req) => hangs(() => device.syncHangUntil, () => find(req))
      }
      if (real.listConversations && real.updateConversation) {
        const list = real.listConversations
        const update = real.updateConversation
        own.listConversations = () => hangs(() => device.syncHangUntil, () => list())
        own.updateConversation = (op) => hangs(() => device.syncHangUntil, () => update(op))
      }
      if (real.findSent) {
        const findSent = real.findSent
        own.findSent = (req) => hangs(() => device.syncHangUntil, () => findSent(req))
      }
      options.sync = own
    }
    const client = createClient(options)
    device.sim = nextSim
    device.client = client
    device.instance = instance
    device.inboxWriteFailed = false
    device.handlerKill = undefined
    const current = (): boolean => device.client === client
    /** Set by a handler kill until the process ends. */
    let dying: { inHandler: string } | undefined
    client.on('message', (m) => {
      if (!current()) return
      const d: Delivery = { uid, instance, messageId: m.messageId, messageSeq: m.messageSeq, clientMsgNo: m.clientMsgNo, fromUid: m.fromUid, channelId: m.channelId, channelType: m.channelType }
      if (m.content.type === 2) d.url = m.content.url
      if (fresh && !this.caughtUp.has(uid) && m.source === 'push') this.firstContact(uid, instance, m, 'a push')
      this.history.deliveries.push(d)
      this.log(`${uid}#${instance} shown ${m.channelType}:${m.channelId} seq ${m.messageSeq} from ${m.fromUid} ${m.clientMsgNo.slice(0, 8)} (${m.source})`)
      const handed = `${m.fromUid}|${m.clientMsgNo || m.messageId}`
      if (dying) dying.inHandler = handed
      const armed = device.handlerKill
      if (!dying && armed && this.time.now() <= armed.until && --armed.remaining === 0) {
        // The process dies while the app's handler runs: this message was handed over, and the
        // storage stays as it is now (what is written from here on is still in flight at the
        // kill). The JS of this task still runs to its end, though: WeChat ends a mini-program
        // only between tasks (its JS thread stopped, docs/platform.md §2), so what the same
        // task hands to the app after this handler was shown too, and the handler running when
        // the process ends is the last one of the task (the one re-shown message allowed).
        device.handlerKill = undefined
        const end = { inHandler: handed }
        dying = end
        nextSim.control.storage.freeze()
        // Right after this task: a timer, socket or sync answer already due must not run in it.
        this.time.nextTask(() => {
          if (!current()) return
          if (!nextSim.control.hidden) nextSim.control.hide()
          this.coldRestart(device, undefined, end.inHandler)
        })
      }
    })
    client.on('messageStatus', (m) => {
      if (!current()) return
      this.log(`${uid}#${instance} status ${m.clientMsgNo.slice(0, 8)} ${m.status}${m.reasonCode !== undefined ? ` rc ${m.reasonCode}` : ''}${m.messageSeq !== undefined ? ` seq ${m.messageSeq}` : ''}`)
      // The SDK tells its inbox of every own message stored (client.ts noteSent): a first contact too.
      if (m.status === 'sent' && m.messageId !== undefined && m.messageSeq !== undefined && fresh && !this.caughtUp.has(uid)) this.firstContact(uid, instance, { ...m, messageSeq: m.messageSeq }, 'its own SENDACK')
      if (m.status === 'sent') this.history.sent.push({ uid, clientMsgNo: m.clientMsgNo, reasonCode: m.reasonCode, messageId: m.messageId, messageSeq: m.messageSeq })
      if (m.status === 'failed' && this.history.corrupted.has(`${uid}|${m.clientMsgNo}`)) this.history.toldFailed.add(`${uid}|${m.clientMsgNo}`)
      // The user taps "resend" on an image whose upload was refused, a little later.
      if (m.status === 'failed' && m.failure === 'upload') {
        this.time.setTimeout(() => {
          if (current() && !nextSim.control.hidden && client.pending().some((p) => p.clientMsgNo === m.clientMsgNo && p.status === 'failed')) void client.resend(m.clientMsgNo).catch(() => undefined)
        }, 3_000)
      }
    })
    client.on('state', (s) => {
      if (!current()) return
      this.log(`${uid}#${instance} state ${s.from} → ${s.to} (${s.reason})`)
      if (s.to !== 'stopped') return
      // The app logs in again a moment after a kick it knows of; any other stop it leaves to the SDK.
      if (this.time.now() <= device.kickedUntil) this.time.setTimeout(() => current() && void client.connect().catch(() => undefined), 1_000)
      else this.log(`${uid}#${instance} stopped without a kick`)
    })
    client.on('error', (e) => {
      if (!current()) return
      if (e.code === 'INTERNAL') this.history.internalErrors.push(`${uid}#${instance}: ${e.message}`)
    })
    return device
  }

  private coldRestart(d: Device, launch?: BadLaunch, inHandler?: string): void {
    if (!d.sim.control.alive) return
    this.log(`${d.uid}#${d.instance} killed${inHandler ? ' inside the message handler' : ''}; cold start`)
    if (d.inboxWriteFailed) this.excuseUnsaved(d)
    this.history.kills.push({ uid: d.uid, instance: d.instance, ...(inHandler !== undefined && { inHandler }) })
    // A new process draws new random bytes (clientMsgNo, deviceId): a new seed for the new wx.
    const next = d.sim.control.coldRestart({ network: { online: d.sim.control.network.online }, seed: this.plan.seed * 31 + d.index + (d.instance + 1) * 7919 })
    if (launch?.corrupt) this.corrupt(d, launch.corrupt)
    if (launch?.readFail) next.control.storage.failReads(launch.readFail.n, launch.readFail.keyPart)
    this.boot(d.index, d.storage, next, d.files)
    void d.client.connect().catch(() => undefined)
  }

  /**
   * Damages what a killed app left on disk, in ways the SDK can detect: the inbox cursors become a
   * half-written text; or one outbox record gets a field send() would refuse (expire 2^33,
   * channelType 300). Without an outbox record to damage, the cursors are.
   */
  private corrupt(d: Device, what: string): void {
    const prefix = `wkmp:${d.uid}:out:`
    const outKey = [...d.storage.items.keys()].filter((k) => k.startsWith(prefix)).sort()[0]
    if (what !== 'cursors' && outKey !== undefined) {
      const item = d.storage.items.get(outKey)
      const value = d.storage.peek(outKey) as Record<string, unknown> & { batch?: Array<Record<string, unknown>> }
      // A batch key (a burst persisted together): its first record is the one damaged.
      const record = value.batch ? (value.batch[0] as Record<string, unknown>) : value
      if (what === 'outbox-expire') record.expire = 2 ** 33
      else record.channelType = 300
      d.storage.write(outKey, value, item?.encrypted === true)
      const no = String(record.clientMsgNo)
      this.history.corrupted.add(`${d.uid}|${no}`)
      return this.log(`${d.uid} outbox record ${no.slice(0, 8)} corrupted (${what})`)
    }
    const key = `wkmp:${d.uid}:in:cursors`
    const item = d.storage.items.get(key)
    if (!item) return this.log(`${d.uid} nothing stored to corrupt`)
    d.storage.write(key, GARBAGE_CURSORS, item.encrypted)
    this.log(`${d.uid} inbox cursors corrupted`)
  }

  private send(d: Device, to: Target, text: string, media = false): void {
    if (d.sim.control.hidden || !d.sim.control.alive) return this.log(`${d.uid} send ${text} skipped (background)`)
    const channel = channelOf(to)
    const client = d.client
    const sent = media
      ? client.send({ ...channel, file: d.sim.control.files.addTemp(mediaBytes(text), 'jpg'), content: { type: 2, width: text.length, height: 1 } })
      : client.send({ ...channel, payload: text })
    sent.then(
      (m) => {
        this.history.resolved.push({ uid: d.uid, clientMsgNo: m.clientMsgNo, channelId: channel.channelId, channelType: channel.channelType, ...(!media && { text }) })
        if (media) this.history.media.set(`${d.uid}|${m.clientMsgNo}`, text)
        this.log(`${d.uid} send ${text} → ${channel.channelType}:${channel.channelId} durable ${m.clientMsgNo.slice(0, 8)}`)
      },
      (e: { code?: string }) => this.log(`${d.uid} send ${text} refused (${e.code ?? String(e)})`),
    )
  }

  private backendSend(to: Target, text: string): void {
    const channel = channelOf(to)
    const flags = { dup: false, syncOnce: false, redDot: false, noPersist: false }
    const r = this.core.submit(BACKEND_UID, { flags, setting: 0, clientMsgNo: `${BACKEND_UID}-${text}`, channelId: channel.channelId, channelType: channel.channelType, expire: 0 }, new TextEncoder().encode(text))
    r.deliver?.()
    this.log(`${BACKEND_UID} send ${text} → ${channel.channelType}:${channel.channelId} seq ${r.messageSeq}`)
  }

  // ---- steps ----

  private execute(step: PlanStep): void {
    const d = this.devices[step.kind === 'send' ? step.from : step.client] as Device
    if (step.kind === 'send') return step.backend ? this.backendSend(step.to, step.text) : this.send(d, step.to, step.text, step.media === true)
    if (step.kind === 'conv') return this.conv(d, step)
    this.faults++
    const group = step.group ?? 'random'
    this.faultsBy[group] = (this.faultsBy[group] ?? 0) + 1
    const { fault, count, durationMs } = step
    this.log(`FAULT ${fault}${step.variant ? ` ${step.variant}` : ''} ${d.uid} count ${count} for ${durationMs} ms${step.episode ? ` [${step.episode}]` : ''}`)
    const channel: ChannelRef = { ...channelOf(step.target), ...(step.target.kind === 'person' && { loginUid: d.uid }) }
    const later = (fn: () => void, ms = durationMs): void => {
      this.time.setTimeout(() => {
        if (!this.quiet) fn()
      }, ms)
    }
    switch (fault) {
      case 'drop-close':
        this.core.faults.closeConnections(d.uid, { withCloseFrame: true })
        return
      case 'drop-reset':
        this.core.faults.closeConnections(d.uid, { withCloseFrame: false })
        return
      case 'drop-silent':
        for (const s of d.sim.control.sockets()) if (s.state !== 'closed') s.kill('silent')
        return
      case 'lose-sendacks':
        this.core.faults.dropSendacks(count, { uid: d.uid })
        return
      case 'delay-sendacks':
        this.core.faults.delaySendacks(count, durationMs, { uid: d.uid })
        return
      case 'withhold-recv':
        this.core.faults.withholdRecv(channel, count)
        return
      case 'reorder-recv':
        this.core.faults.reorderRecv(channel, count + 1)
        return
      case 'network-flap':
        // Back on for whichever process runs then (a cold start in between inherits "offline").
        d.sim.control.setNetwork({ online: false })
        later(() => d.sim.control.alive && d.sim.control.setNetwork({ online: true }))
        return
      case 'background': {
        const sim = d.sim
        if (sim.control.hidden || !sim.control.alive) return
        sim.control.hide()
        later(() => sim.control.alive && !sim.control.destroyed && sim.control.hidden && sim.control.show())
        return
      }
      case 'background-kill':
      case 'cold-restart': {
        const sim = d.sim
        if (sim.control.hidden || !sim.control.alive) return
        sim.control.hide()
        later(() => sim === d.sim && this.coldRestart(d), fault === 'cold-restart' ? 200 + (durationMs % 800) : durationMs)
        return
      }
      case 'storage-full': {
        const storage = d.sim.control.storage
        storage.setLimits({ totalBytes: storage.data.totalBytes() })
        later(() => storage.setLimits(STORAGE_DEFAULTS))
        return
      }
      case 'server-restart':
        this.core.restart()
        return
      case 'kick':
        d.kickedUntil = this.time.now() + KICK_STOP_WINDOW_MS
        this.core.kick(d.uid, 'chaos kick')
        return
      case 'reject-sends':
        this.core.faults.rejectSends(count, RETRYABLE_CODES[durationMs % RETRYABLE_CODES.length] as number, { uid: d.uid })
        return
      case 'kill':
      case 'read-fail-kill':
      case 'corrupt-kill':
        return this.killAfterHide(d, step)
      case 'storage-fail':
        d.sim.control.storage.failNext(count)
        return
      case 'sync-outage':
        this.core.faults.failHttp(SYNC_PATHS, step.variant as HttpFaultMode, { untilMs: this.time.now() + durationMs })
        return
      case 'sync-malformed':
        this.core.faults.failHttp(['/channel/messagesync'], 'malformed-item', { untilMs: this.time.now() + durationMs })
        return
      case 'sync-404':
        this.core.faults.failHttp(['/conversation/sync', '/conversation/list'], 'not-found', { count, uid: d.uid })
        return
      case 'convop-fault':
        this.core.faults.failHttp(CONV_PATHS, step.variant as HttpFaultMode, { untilMs: this.time.now() + durationMs, uid: d.uid })
        return
      case 'token-hang':
        d.tokenHangUntil = this.time.now() + durationMs
        return
      case 'sync-hang':
        d.syncHangUntil = this.time.now() + durationMs
        return
      case 'disconnect':
        this.core.faults.disconnect(d.uid, count, 'chaos: server going away')
        return
      case 'forge-recv': {
        const from = step.target.kind === 'person' ? uidOf(step.target.peer) : uidOf((d.index + 1) % this.plan.clients)
        this.core.faults.forgePlainRecv(d.uid, channel, from)
        return
      }
      case 'handler-kill':
        d.handlerKill = { remaining: count, until: this.time.now() + durationMs }
        return
      case 'upload-fail':
        this.uploads.failNext += count
        return
      case 'upload-abort':
        this.uploads.abortNext += count
        return
      case 'upload-slow':
        this.uploads.slowUntil = this.time.now() + durationMs
        return
      case 'upload-413':
        this.uploads.refuseUntil = this.time.now() + durationMs
        return
      case 'mix-sends':
        this.core.faults.mixPipelinedSends(count, durationMs, { uid: d.uid })
        return this.burst(d, step, count + 1)
      case 'burst-kill':
        this.burst(d, step, count)
        if (durationMs === 0) return this.coldRestart(d) // in this turn: the batch write has not landed
        return later(() => this.coldRestart(d))
      case 'batch-write-fail':
        d.sim.control.storage.failWrites(count, ':out:#')
        this.burst(d, step, 2 + (durationMs % 7))
        later(() => this.burst(d, step, 2 + (count % 5)))
        return later(() => this.coldRestart(d), durationMs + 1 + (durationMs % 200))
    }
  }

  /** The user marks a conversation read, sets its unread count or deletes it (issue 20); only in the foreground. */
  private conv(d: Device, step: ConvStep): void {
    if (d.sim.control.hidden || !d.sim.control.alive) return this.log(`${d.uid} ${step.op} skipped (background)`)
    const channel = channelOf(step.to)
    const client = d.client
    const op = { uid: d.uid, instance: d.instance, kind: step.op, channelId: channel.channelId, channelType: channel.channelType, channelKey: channelKeyOf({ ...channel, loginUid: d.uid }), unread: step.unread, issuedAt: this.time.now() } as ConvOp
    this.history.convOps.push(op)
    const call = step.op === 'clearUnread' ? client.clearUnread(channel) : step.op === 'setUnread' ? client.setUnread(channel, step.unread) : client.deleteConversation(channel)
    const what = `${step.op}${step.op === 'setUnread' ? ` ${step.unread}` : ''} ${channel.channelType}:${channel.channelId}`
    call.then(
      () => {
        op.resolvedAt = this.time.now()
        this.log(`${d.uid}#${op.instance} ${what} durable`)
      },
      (e: { code?: string }) => this.log(`${d.uid}#${op.instance} ${what} refused (${e.code ?? String(e)})`),
    )
  }

  /** Settled: one more catch-up on every connected device, then its conversation list is what the checker compares. */
  private async finalSync(): Promise<void> {
    this.quiet = true
    // Not before the app's own callbacks answer again (a hang lasts into the quiet phase).
    const hung = Math.max(...this.devices.map((d) => Math.max(d.syncHangUntil, d.tokenHangUntil))) - this.time.now()
    if (hung > 0) await this.time.advance(hung)
    for (const d of this.devices) if (d.client.state === 'connected') void d.client.sync().catch(() => undefined)
    await this.time.advance(20_000)
    for (const d of this.devices) if (d.client.state === 'connected') this.history.finalLists.set(d.uid, d.client.conversations())
  }

  /** `n` send() calls in one turn (persisted as one batch), to the step's target. */
  private burst(d: Device, step: FaultStep, n: number): void {
    const at = this.time.now()
    for (let i = 0; i < n; i++) this.send(d, step.target, `b${at}.${i}`)
  }

  /** The app is hidden, and killed `durationMs` later (with what goes wrong at its next launch). */
  private killAfterHide(d: Device, step: FaultStep): void {
    const sim = d.sim
    if (sim.control.hidden || !sim.control.alive) return
    sim.control.hide()
    const launch: BadLaunch | undefined =
      step.fault === 'read-fail-kill' ? { readFail: { n: step.count, keyPart: step.variant ?? '' } } : step.fault === 'corrupt-kill' ? { corrupt: step.variant ?? 'cursors' } : undefined
    this.time.setTimeout(() => !this.quiet && sim === d.sim && this.coldRestart(d, launch), step.durationMs)
  }

  /** Faults stop: network on, every app in the foreground, storage roomy; then wait until settled. */
  private async quietPhase(): Promise<void> {
    this.quiet = true
    this.log('QUIET')
    this.core.faults.clear()
    this.uploads.clear()
    for (const d of this.devices) {
      if (!d.sim.control.alive || d.sim.control.destroyed) this.coldRestart(d)
      d.sim.control.storage.setLimits(STORAGE_DEFAULTS)
      if (!d.sim.control.network.online) d.sim.control.setNetwork({ online: true })
      if (d.sim.control.hidden) d.sim.control.show()
      // A client stopped by a kick is logged in again; one stopped for another reason is a defect to find.
      if (d.client.state === 'stopped' && this.time.now() <= d.kickedUntil) void d.client.connect().catch(() => undefined)
      // The user resends the images whose upload was refused (an earlier process saw the failure),
      // and discards what the SDK reported failed after the engine corrupted it on disk.
      const client = d.client
      void client.restored().then(() => {
        for (const m of client.pending()) {
          if (m.status !== 'failed') continue
          if (this.history.corrupted.has(`${d.uid}|${m.clientMsgNo}`)) void client.discard(m.clientMsgNo).catch(() => undefined)
          else if (m.failure === 'upload') void client.resend(m.clientMsgNo).catch(() => undefined)
        }
      }, () => undefined)
    }
    const end = this.time.now() + this.plan.quietPhaseMs
    while (this.time.now() < end) {
      await this.time.advance(5_000)
      if (this.settled()) break
    }
  }

  /** Each device pages back through each of its channels' history (messages()), for the checker. */
  private async readHistories(): Promise<void> {
    for (const d of this.devices) {
      for (const ref of channelRefs(this.plan.clients)) {
        const own = ref.channelType !== 1 ? ref : ref.loginUid === d.uid ? ref : ref.channelId === d.uid ? { channelId: ref.loginUid ?? '', channelType: 1 } : undefined
        if (!own) continue
        const channel = { channelId: own.channelId, channelType: own.channelType }
        const entry: HistoryCheck = { uid: d.uid, channel: channelKeyOf({ ...channel, loginUid: d.uid }), pages: [] }
        let before: number | undefined
        for (let i = 0; i < HISTORY_PAGES; i++) {
          const query = { limit: HISTORY_LIMIT, ...(before !== undefined && { before }) }
          let page = await this.drive(d.client.messages(channel, query))
          // The app's own SyncProvider may still hang (a callback-hang fault): the user pulls again once it answers.
          for (let again = 0; again < 2 && page instanceof Error && page.message.includes('did not answer'); again++) {
            const wait = Math.max(0, d.syncHangUntil - this.time.now()) + 1_000
            await this.time.advance(wait).catch((e: unknown) => void this.history.internalErrors.push(`escaped the SDK: ${e instanceof Error ? e.message : String(e)}`))
            page = await this.drive(d.client.messages(channel, query))
          }
          if (page instanceof Error) {
            entry.error = page.message
            break
          }
          entry.pages.push({ from: page.from, gaps: page.gaps, messages: page.messages.filter((m) => m.messageSeq > 0).map((m) => ({ messageId: m.messageId ?? '', messageSeq: m.messageSeq, fromUid: m.fromUid, clientMsgNo: m.clientMsgNo })) })
          this.log(`${d.uid} history ${entry.channel} page ${i}: from ${page.from} seqs ${page.messages.map((m) => m.messageSeq).join(',')} gaps ${JSON.stringify(page.gaps)}`)
          if (!page.more) break
          before = page.from
        }
        this.history.pages.push(entry)
      }
    }
  }

  /** Virtual time runs until `p` settles (at most a minute of it): its value, or the error it rejected with. */
  private async drive<T>(p: Promise<T>): Promise<T | Error> {
    let out: { v: T } | { e: Error } | undefined
    p.then((v) => void (out = { v }), (e: unknown) => void (out = { e: e instanceof Error ? e : new Error(String(e)) }))
    // A page from storage settles without time passing; one from the server takes its latency.
    for (let i = 0; i < 601 && out === undefined; i++) {
      // A timer callback that throws is a broken invariant (as during the run): counted, time goes on.
      await this.time.advance(i === 0 ? 0 : 100).catch((e: unknown) => void this.history.internalErrors.push(`escaped the SDK: ${e instanceof Error ? e.message : String(e)}`))
    }
    if (out === undefined) return new Error('messages() did not settle within a minute')
    return 'v' in out ? out.v : out.e
  }

  private settled(): boolean {
    for (const d of this.devices) if (d.client.pending().length > 0 || d.client.state !== 'connected' || pendingConvOps(d) > 0) return false
    // A RECV pushed onto a link that died silently is acked only once the heartbeat notices and
    // the server redelivers on the new link: not settled before (the end check counts them).
    if (this.core.unackedRecvs() > 0) return false
    return check(this.history, this.core).lost === 0
  }

  /**
   * Storage refused the inbox's state and the process died before it could be saved: what this
   * device was shown and did not get into storage may be shown again (no client can avoid that).
   * Such re-deliveries are counted apart, not as duplicates; without a refused write they are.
   */
  private excuseUnsaved(d: Device): void {
    const saved = d.storage.peek(`wkmp:${d.uid}:in:seen`) as { ids?: string[] } | undefined
    const ids = new Set(saved?.ids ?? [])
    for (const m of this.history.deliveries) {
      if (m.uid !== d.uid || ids.has(m.messageId)) continue
      this.history.excused.add(`${m.uid}|${m.fromUid}|${m.clientMsgNo || m.messageId}`)
    }
  }

  // ---- helpers ----

  /** Highest stored seq per channel (canonical key), now. */
  /**
   * Before any catch-up completed on fresh storage, a channel the inbox never saw starts where it
   * is first met, on a push or on the device's own SENDACK: what is below is history (first-contact
   * policy, sdk/inbox/inbox.ts), as the baseline a completed catch-up sets later would also say.
   * Until then (and if none ever completes on fresh storage, e.g. a kill corrupts the cursors
   * first) that seq is the channel's baseline; every other channel still owes everything.
   */
  private firstContact(uid: string, instance: number, m: { channelId: string; channelType: number; messageSeq: number }, how: string): void {
    const key = channelKeyOf({ channelId: m.channelId, channelType: m.channelType, loginUid: uid })
    const met = this.history.deliveries.some((o) => o.uid === uid && channelKeyOf({ ...o, loginUid: uid }) === key)
    const base = this.history.baselines.get(uid) ?? new Map<string, number>()
    if (met || base.has(key)) return
    base.set(key, m.messageSeq - 1)
    this.history.baselines.set(uid, base)
    this.log(`${uid}#${instance} channel ${key} started by ${how} at seq ${m.messageSeq}`)
  }

  private serverTops(): Map<string, number> {
    const tops = new Map<string, number>()
    for (const ch of channelRefs(this.plan.clients)) {
      const msgs = this.core.messages(ch)
      tops.set(channelKeyOf(ch), msgs.length > 0 ? (msgs[msgs.length - 1]?.messageSeq ?? 0) : 0)
    }
    return tops
  }

  private async advanceTo(offset: number): Promise<void> {
    const ms = this.start + offset - this.time.now()
    if (ms > 0) await this.time.advance(ms)
  }

  private log(line: string): void {
    if (this.tracing) this.trace.push(`t=${String(this.time.now() - this.start).padStart(6)} ${line}`)
  }
}

/** The key the checker uses for a channel: `<type>:<canonical id>` (person chats stored as `A@B`). */
export function channelKeyOf(ch: ChannelRef): string {
  return ch.channelType === 1 ? `1:${personChannelId(ch.loginUid ?? '', ch.channelId)}` : `${ch.channelType}:${ch.channelId}`
}

/** Conversation ops stored and not confirmed by the server yet. */
function pendingConvOps(d: Device): number {
  const ops = (d.storage.peek(`wkmp:${d.uid}:conversation-ops`) as { ops?: unknown[] } | undefined)?.ops
  return Array.isArray(ops) ? ops.length : 0
}

/** Outbox writes report success and store nothing (the "persistence off" switch). */
function brokenOutboxStorage(platform: Platform): void {
  const real = platform.storage
  platform.storage = {
    get: (key) => real.get(key),
    keys: () => real.keys(),
    remove: (key) => real.remove(key),
    set: (key, value) => (key.includes(':out:') ? Promise.resolve() : real.set(key, value)),
  }
}

/** The bytes of a media message's file: its text, so the checker can tell which object is whose. */
export function mediaBytes(text: string): Uint8Array {
  return new TextEncoder().encode(`image:${text}`)
}

/**
 * The upload endpoint of a chaos run (virtual time): stores each upload it accepts and answers
 * `{ url }`; faults: `failNext` answers 500, `abortNext` cuts the body off (the task fails),
 * `slowUntil` stores now and answers 2 s later, `refuseUntil` answers 413.
 */
class ChaosUploads {
  readonly objects = new Map<string, Uint8Array>()
  failNext = 0
  abortNext = 0
  slowUntil = 0
  refuseUntil = 0
  private nextId = 1

  constructor(private readonly time: VirtualScheduler) {}

  clear(): void {
    this.failNext = 0
    this.abortNext = 0
    this.slowUntil = 0
    this.refuseUntil = 0
  }

  byUrl(url: string): Uint8Array | undefined {
    return this.objects.get(url)
  }

  receive(req: SimUploadRequest): Promise<{ statusCode: number; data: string }> {
    if (this.abortNext > 0) {
      this.abortNext--
      return Promise.reject(new Error('net::ERR_CONNECTION_RESET'))
    }
    if (this.failNext > 0) {
      this.failNext--
      return Promise.resolve({ statusCode: 500, data: '{"msg":"injected"}' })
    }
    const now = this.time.now()
    if (now < this.refuseUntil) return Promise.resolve({ statusCode: 413, data: '{"msg":"too large"}' })
    const url = `http://upload/files/f${this.nextId++}`
    this.objects.set(url, req.bytes.slice())
    const answer = { statusCode: 200, data: JSON.stringify({ url }) }
    if (now >= this.slowUntil) return Promise.resolve(answer)
    return new Promise((resolve) => this.time.setTimeout(() => resolve(answer), 2_000))
  }
}
