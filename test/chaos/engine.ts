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
import type { Client } from '../../sdk/client'
import type { DiagnosticsSink } from '../../sdk/diagnostics/types'
import type { ClientOptions, UnsafeSwitches } from '../../sdk/options'
import type { Platform } from '../../sdk/platform/types'
import { createHttpSyncProvider } from '../../sdk/sync/http'
import type { ChannelRef } from '../support/server/channels'
import { personChannelId, ServerCore } from '../support/server/core'
import { createSimWx, serverHttpHandler, SimStorageData, virtualConnector, type SimWx } from '../support/sim-wx'
import { createSeededRandom, VirtualScheduler } from '../support/virtual-time'
import { check, type Delivery, type History, type Violations } from './checker'
import { generatePlan, GROUP_ID, uidOf, type Plan, type PlanStep, type ScenarioOptions, type Target } from './scenario'

/** Protections the tests switch off one at a time to show the checker is not vacuous. */
export interface Protections {
  /** Receive-side de-duplication (inbox). */
  disableDedup?: boolean
  /** Outbox persistence: writes of outbox keys report success but store nothing. */
  disablePersistence?: boolean
  /** Re-sending what was in flight when the connection died. */
  disableResend?: boolean
  /** Gap filling: message sync answers with nothing, so gaps are skipped as unfillable. */
  disableGapFill?: boolean
}

export interface RunOptions extends ScenarioOptions {
  /** Keep a readable trace (replay); off for speed in bulk runs. */
  trace?: boolean
  protections?: Protections
}

export interface RunResult extends Violations {
  seed: number
  mode: 'v2' | 'v3'
  /** send() calls that resolved (durable in the outbox). */
  messages: number
  faults: number
  /** One line per violation. */
  failures: string[]
  trace: string[]
  virtualMs: number
}

/** SENDACK reason codes the outbox retries with backoff (sdk/codes.ts). */
const RETRYABLE_CODES = [15, 17, 22]

const STORAGE_DEFAULTS = { perKeyBytes: 1024 * 1024, totalBytes: 10 * 1024 * 1024 }

interface Device {
  index: number
  uid: string
  storage: SimStorageData
  sim: SimWx
  client: Client
  instance: number
  /** This instance's inbox could not save its state at least once (storage full). */
  inboxWriteFailed: boolean
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
  private faults = 0

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
    this.core.createGroup(GROUP_ID, uids)
    this.history = { mode: plan.mode, uids, resolved: [], sent: [], deliveries: [], baselines: new Map(), excused: new Set(), stuck: [], internalErrors: [] }
  }

  async run(): Promise<RunResult> {
    const { plan } = this
    this.log(`plan: ${plan.mode}, ${plan.clients} clients, ${plan.steps.length} steps, encrypt ${plan.encrypt}`)
    for (let i = 0; i < plan.clients; i++) this.devices.push(this.boot(i, new SimStorageData(), undefined))
    for (const d of this.devices) void d.client.connect()
    for (const step of plan.steps) {
      await this.advanceTo(step.at)
      this.execute(step)
    }
    await this.advanceTo(plan.faultPhaseMs)
    await this.quietPhase()
    for (const d of this.devices) {
      for (const m of d.client.pending()) this.history.stuck.push(`${d.uid}: ${m.clientMsgNo} still ${m.status}${m.failure ? ` (${m.failure})` : ''}`)
    }
    const result = check(this.history, this.core)
    for (const line of result.failures) this.log(`VIOLATION ${line}`)
    for (const d of this.devices) await d.client.close()
    return { seed: plan.seed, mode: plan.mode, messages: this.history.resolved.length, faults: this.faults, ...result, trace: this.trace, virtualMs: this.time.now() - this.start }
  }

  // ---- devices and the app on them ----

  private boot(index: number, storage: SimStorageData, sim: SimWx | undefined): Device {
    const uid = uidOf(index)
    const prior = this.devices[index]
    const nextSim =
      sim ??
      createSimWx({
        scheduler: this.time,
        seed: this.plan.seed * 31 + index,
        storage,
        connect: virtualConnector((sink) => this.core.accept(sink), { latencyMs: 5 + this.rng.int(20) }),
        http: serverHttpHandler(this.core),
        iosNoOnClose: this.rng.int(2) === 0,
      })
    const platform: Platform = nextSim.control.platform()
    const instance = (prior?.instance ?? 0) + 1
    if (this.protections.disablePersistence) brokenOutboxStorage(platform)
    // A fresh install (no completed catch-up on this storage) treats what is already stored as history.
    const fresh = !(storage.peek(`wkmp:${uid}:in:cursors`) as { baseline?: boolean } | undefined)?.baseline
    let baselined = false
    const diagnostics: DiagnosticsSink = {
      record: (category, event) => {
        if (category === 'storage' && event === 'inbox-write-failed') device.inboxWriteFailed = true
        if (category === 'sync' && event === 'conversations' && fresh && !baselined && device.client === client) {
          baselined = true
          this.history.baselines.set(uid, this.serverTops())
          this.log(`${uid}#${instance} baseline ${JSON.stringify(Object.fromEntries(this.serverTops()))}`)
        }
      },
      trace: () => undefined,
    }
    const jitter = createSeededRandom(this.plan.seed * 131 + index * 7 + instance)
    const options: ClientOptions = {
      uid,
      token: `${uid}-token`,
      wsAddr: 'ws://core',
      apiAddr: 'http://api',
      platform,
      diagnostics,
      random: () => jitter.next(),
    }
    const unsafe: UnsafeSwitches = {}
    if (this.protections.disableDedup) unsafe.disableDedup = true
    if (this.protections.disableResend) unsafe.disableResend = true
    if (unsafe.disableDedup || unsafe.disableResend) options._unsafe = unsafe
    if (this.protections.disableGapFill) {
      const real = createHttpSyncProvider({ apiAddr: 'http://api', uid, platform })
      options.sync = {
        syncConversations: (cursors) => real.syncConversations(cursors),
        syncMessages: async () => ({ messages: [], more: false }),
      }
    }
    const client = createClient(options)
    const device: Device = prior ?? { index, uid, storage, sim: nextSim, client, instance, inboxWriteFailed: false }
    device.sim = nextSim
    device.client = client
    device.instance = instance
    device.inboxWriteFailed = false
    const current = (): boolean => device.client === client
    client.on('message', (m) => {
      if (!current()) return
      const d: Delivery = { uid, instance, messageId: m.messageId, messageSeq: m.messageSeq, clientMsgNo: m.clientMsgNo, fromUid: m.fromUid, channelId: m.channelId, channelType: m.channelType }
      this.history.deliveries.push(d)
      this.log(`${uid}#${instance} shown ${m.channelType}:${m.channelId} seq ${m.messageSeq} from ${m.fromUid} ${m.clientMsgNo.slice(0, 8)} (${m.source})`)
    })
    client.on('messageStatus', (m) => {
      if (!current()) return
      this.log(`${uid}#${instance} status ${m.clientMsgNo.slice(0, 8)} ${m.status}${m.reasonCode !== undefined ? ` rc ${m.reasonCode}` : ''}${m.messageSeq !== undefined ? ` seq ${m.messageSeq}` : ''}`)
      if (m.status === 'sent') this.history.sent.push({ uid, clientMsgNo: m.clientMsgNo, reasonCode: m.reasonCode, messageId: m.messageId, messageSeq: m.messageSeq })
    })
    client.on('state', (s) => {
      if (!current()) return
      this.log(`${uid}#${instance} state ${s.from} → ${s.to} (${s.reason})`)
      // The app logs in again a moment after a kick (or an auth hiccup).
      if (s.to === 'stopped') this.time.setTimeout(() => current() && void client.connect().catch(() => undefined), 1_000)
    })
    client.on('error', (e) => {
      if (!current()) return
      if (e.code === 'INTERNAL') this.history.internalErrors.push(`${uid}#${instance}: ${e.message}`)
    })
    return device
  }

  private coldRestart(d: Device): void {
    if (!d.sim.control.alive) return
    this.log(`${d.uid}#${d.instance} killed; cold start`)
    if (d.inboxWriteFailed) this.excuseUnsaved(d)
    // A new process draws new random bytes (clientMsgNo, deviceId): a new seed for the new wx.
    const next = d.sim.control.coldRestart({ network: { online: d.sim.control.network.online }, seed: this.plan.seed * 31 + d.index + (d.instance + 1) * 7919 })
    this.boot(d.index, d.storage, next)
    void d.client.connect().catch(() => undefined)
  }

  private send(d: Device, to: Target, text: string): void {
    if (d.sim.control.hidden || !d.sim.control.alive) return this.log(`${d.uid} send ${text} skipped (background)`)
    const channel = to.kind === 'group' ? { channelId: GROUP_ID, channelType: 2 } : { channelId: uidOf(to.peer), channelType: 1 }
    const client = d.client
    client.send({ ...channel, payload: text }).then(
      (m) => {
        this.history.resolved.push({ uid: d.uid, clientMsgNo: m.clientMsgNo, channelId: channel.channelId, channelType: channel.channelType })
        this.log(`${d.uid} send ${text} → ${channel.channelType}:${channel.channelId} durable ${m.clientMsgNo.slice(0, 8)}`)
      },
      (e: { code?: string }) => this.log(`${d.uid} send ${text} refused (${e.code ?? String(e)})`),
    )
  }

  // ---- steps ----

  private execute(step: PlanStep): void {
    const d = this.devices[step.kind === 'send' ? step.from : step.client] as Device
    if (step.kind === 'send') return this.send(d, step.to, step.text)
    this.faults++
    const { fault, count, durationMs } = step
    this.log(`FAULT ${fault} ${d.uid} count ${count} for ${durationMs} ms`)
    const channel: ChannelRef = step.target.kind === 'group' ? { channelId: GROUP_ID, channelType: 2 } : { channelId: uidOf(step.target.peer), channelType: 1, loginUid: d.uid }
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
      case 'network-flap': {
        const sim = d.sim
        sim.control.setNetwork({ online: false })
        later(() => sim.control.alive && sim.control.setNetwork({ online: true }))
        return
      }
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
        this.core.kick(d.uid, 'chaos kick')
        return
      case 'reject-sends':
        this.core.faults.rejectSends(count, RETRYABLE_CODES[durationMs % RETRYABLE_CODES.length] as number, { uid: d.uid })
        return
    }
  }

  /** Faults stop: network on, every app in the foreground, storage roomy; then wait until settled. */
  private async quietPhase(): Promise<void> {
    this.quiet = true
    this.log('QUIET')
    this.core.faults.clear()
    for (const d of this.devices) {
      if (!d.sim.control.alive || d.sim.control.destroyed) this.coldRestart(d)
      d.sim.control.storage.setLimits(STORAGE_DEFAULTS)
      if (!d.sim.control.network.online) d.sim.control.setNetwork({ online: true })
      if (d.sim.control.hidden) d.sim.control.show()
      if (d.client.state === 'stopped') void d.client.connect().catch(() => undefined)
    }
    const end = this.time.now() + this.plan.quietPhaseMs
    while (this.time.now() < end) {
      await this.time.advance(5_000)
      if (this.settled()) break
    }
  }

  private settled(): boolean {
    for (const d of this.devices) if (d.client.pending().length > 0 || d.client.state !== 'connected') return false
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

/** Every channel of a scenario: each person pair once, and the group. */
export function channelRefs(clients: number): ChannelRef[] {
  const out: ChannelRef[] = [{ channelId: GROUP_ID, channelType: 2 }]
  for (let a = 0; a < clients; a++) for (let b = a + 1; b < clients; b++) out.push({ channelId: uidOf(b), channelType: 1, loginUid: uidOf(a) })
  return out
}

/** The key the checker uses for a channel: `<type>:<canonical id>` (person chats stored as `A@B`). */
export function channelKeyOf(ch: ChannelRef): string {
  return ch.channelType === 1 ? `1:${personChannelId(ch.loginUid ?? '', ch.channelId)}` : `${ch.channelType}:${ch.channelId}`
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
