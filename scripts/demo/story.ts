/**
 * The `npm start` story engine: two users' copies of the demo app (its services/im.ts and chat
 * store, over the package as installed in miniprogram/node_modules) run under simulated wx instances against the
 * local server, in real time, while a scripted, seeded story injects the field's faults: page
 * switches, offline sending, backgrounding until the socket dies silently (iOS), a kill and cold
 * start, network flaps, dropped SENDACKs and a server restart. It then checks, from the receivers'
 * `message` events and the server's store, that nothing was lost, duplicated or reordered.
 */
import { startIm } from '../../miniprogram/services/im'
import type { ImSession, Session } from '../../miniprogram/services/im'
import { payloadText } from '../../miniprogram/services/text'
import { diagnosticsView } from '../../miniprogram/services/diagnostics-view'
import { startLocalServer } from '../../test/support/server/ws-server'
import type { LocalServer } from '../../test/support/server/ws-server'
import { createSimWx, realConnector, SimStorageData } from '../../test/support/sim-wx'
import type { SimConnector, SimWx } from '../../test/support/sim-wx'
import { createSeededRandom } from '../../test/support/virtual-time'
import type { SeededRandom } from '../../test/support/virtual-time'

export interface StoryOptions {
  /** Server line semantics. Default 'v2'. */
  mode?: 'v2' | 'v3'
  /** Seeds message counts, gaps, flap timings and the simulated phones. Default 1. */
  seed?: number
  /** Multiplies the message counts (0.5 = a shorter story for CI). Default 1. */
  scale?: number
  /** Progress lines go here (default: nowhere). */
  log?: (line: string) => void
  /** Give up waiting for the final drain after this many ms. Default 20 000. */
  drainTimeoutMs?: number
}

export interface StoryResult {
  mode: 'v2' | 'v3'
  seed: number
  /** send() calls that resolved (durable in an outbox). */
  sent: number
  /** Rows in the server's store (v2 stores a re-sent message again) and distinct messages among them. */
  stored: number
  storedDistinct: number
  /** Distinct messages that reached the other user's `message` handler. */
  delivered: number
  /** Sent but never stored, or stored but never delivered. */
  lost: number
  /** Deliveries of a message the receiver had already been given. */
  duplicated: number
  /** Deliveries that came before an earlier message of the same sender. */
  outOfOrder: number
  /** send() resolved → SENDACK ('sent' status), ms; includes time spent offline and in the background. */
  ackP50: number
  ackP99: number
  /** Connections established after each app instance's first. */
  reconnects: number
  /** The sender's own messages handed back to it by a catch-up sync (not shown twice by the demo). */
  ownEchoes: number
  /** Deliveries of messages this story never sent (or with the wrong text): must be 0. */
  unknown: number
  /** send() results that reused a clientMsgNo of the same sender: must be 0. */
  clientMsgNoCollisions: number
  /** In the demo's chat store (what the chat page renders): rows shown twice, rows out of order. */
  rowsShownTwice: number
  rowsOutOfOrder: number
  coldStarts: number
  durationMs: number
  ok: boolean
}

interface SentRecord {
  from: string
  to: string
  /** Per-sender send order. */
  index: number
  createdAt: number
}

const USERS = ['alice', 'bob'] as const
type Uid = (typeof USERS)[number]

/** Client tuning for a story that fits in well under a minute (the demo in WeChat uses the defaults). */
const TUNING = {
  backoff: { initialMs: 50, maxMs: 400 },
  heartbeat: { intervalMs: 2_000, deadAfterMs: 5_000, probeTimeoutMs: 500 },
  rebuildAfterHiddenMs: 300,
  outbox: { sendackTimeoutMs: 300 },
  inbox: { continuityCheckMs: 2_000 },
}

class Ledger {
  readonly sent = new Map<string, SentRecord>() // `${from}:${clientMsgNo}`
  readonly nextIndex = new Map<string, number>()
  readonly acked = new Map<string, number>() // key → latency ms
  readonly deliveries = new Map<string, number>() // `${to}|${from}:${no}` → count
  readonly lastIndex = new Map<string, number>() // `${to}|${from}` → last delivered send index
  duplicated = 0
  outOfOrder = 0
  reconnects = 0
  unknown = 0
  echoes = 0
  /** send() calls, and those that got a clientMsgNo already used by this sender (must be 0). */
  sends = 0
  collisions = 0
}

class Phone {
  sim!: SimWx
  im!: ImSession
  instances = 0
  private readonly storage = new SimStorageData()

  constructor(
    readonly uid: Uid,
    readonly peer: Uid,
    private readonly server: LocalServer,
    private readonly ledger: Ledger,
    private readonly rng: SeededRandom,
    private readonly seed: number,
  ) {}

  /** Launches the app (first start or, when one ran, a cold start over the same storage). */
  boot(): void {
    const simOptions = { scheduler: 'real' as const, connect: phoneConnector(), storage: this.storage, seed: this.seed, iosNoOnClose: true, suspendAfterMs: 400, socketKillAfterSuspendMs: 600 }
    // A new instance gets new randomness, as a restarted mini-program does (same deviceId or
    // clientMsgNos as the killed instance would collide), derived from the story's seed.
    this.sim = this.sim ? this.sim.control.coldRestart({ seed: this.seed + 7919 * this.instances }) : createSimWx(simOptions)
    const session: Session = { apiAddr: this.server.apiUrl, wsAddr: this.server.wsUrl, uid: this.uid, token: `${this.uid}-token` }
    this.im = startIm(session, { ...TUNING, platform: this.sim.control.platform(), random: () => this.rng.next() })
    this.instances++
    let connects = 0
    const { client } = this.im
    client.on('state', ({ to }) => {
      if (to === 'connected' && ++connects > 1) this.ledger.reconnects++
    })
    client.on('messageStatus', (m) => {
      const key = `${this.uid}:${m.clientMsgNo}`
      if (m.status === 'sent' && !this.ledger.acked.has(key)) this.ledger.acked.set(key, (m.sentAt ?? Date.now()) - m.createdAt)
    })
    client.on('message', (m) => {
      const key = `${m.fromUid}:${m.clientMsgNo}`
      const record = this.ledger.sent.get(key)
      if (record && m.fromUid === this.uid) {
        // Our own message pulled back by a catch-up sync (v2 stored a re-send twice and the
        // unacked copy came back). The chat store keys rows by sender + clientMsgNo, so the
        // local echo is not shown twice; counted separately.
        this.ledger.echoes++
        return
      }
      if (!record || record.to !== this.uid) {
        this.ledger.unknown++
        return
      }
      const dKey = `${this.uid}|${key}`
      const n = (this.ledger.deliveries.get(dKey) ?? 0) + 1
      this.ledger.deliveries.set(dKey, n)
      if (n > 1) this.ledger.duplicated++
      const oKey = `${this.uid}|${m.fromUid}`
      const last = this.ledger.lastIndex.get(oKey) ?? -1
      if (record.index < last) this.ledger.outOfOrder++
      else this.ledger.lastIndex.set(oKey, record.index)
      if (payloadText(m.payload) !== `${m.fromUid} #${record.index}`) this.ledger.unknown++
    })
  }

  /** Sends the next numbered message to the peer, as the chat page's Send button does. */
  async send(): Promise<void> {
    const index = this.ledger.nextIndex.get(this.uid) ?? 0
    this.ledger.nextIndex.set(this.uid, index + 1)
    const m = await this.im.chats.sendText(this.peer, 1, `${this.uid} #${index}`)
    this.ledger.sends++
    if (this.ledger.sent.has(`${this.uid}:${m.clientMsgNo}`)) this.ledger.collisions++
    this.ledger.sent.set(`${this.uid}:${m.clientMsgNo}`, { from: this.uid, to: this.peer, index, createdAt: m.createdAt })
  }

  /**
   * A chat page opening, as pages/chat does: it listens to the app's chat store, re-reads the
   * conversation on each change and marks it read; the returned function is its unload.
   */
  openChat(): () => void {
    const { chats } = this.im
    const render = () => {
      chats.markRead(1, this.peer)
      this.shown = chats.messages(1, this.peer).length
    }
    const off = chats.on(({ key }) => {
      if (key === `1:${this.peer}`) render()
    })
    render()
    return off
  }

  /** Rows the chat page would show now. */
  shown = 0

  /** The chat page's rows for the peer: rows shown twice, and the peer's rows out of send order. */
  checkRows(): { twice: number; misordered: number; theirs: number } {
    const rows = this.im.chats.messages(1, this.peer)
    const twice = rows.length - new Set(rows.map((r) => r.key)).size
    let misordered = 0
    let last = -1
    let theirs = 0
    for (const r of rows) {
      if (r.mine) continue
      theirs++
      const index = Number(/#(\d+)$/.exec(r.text)?.[1] ?? -1)
      if (index <= last) misordered++
      last = Math.max(last, index)
    }
    return { twice, misordered, theirs }
  }

  get drained(): boolean {
    return this.im.client.pending().length === 0
  }
}

/**
 * realConnector over a real `ws` socket, which refuses to *send* the reserved close codes the
 * simulated wx uses for "the link died" (1006) or "app in background" (1001): the server sees a
 * normal close either way.
 */
function phoneConnector(): SimConnector {
  const inner = realConnector()
  return (url, peer, ctx) => {
    const far = inner(url, peer, ctx)
    return {
      send: (data) => far.send(data),
      close: (code, reason) => far.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason),
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const started = Date.now()
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`story: timed out waiting for ${what}`)
    await sleep(10)
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0
  const sorted = values.slice().sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number
}

export async function runStory(options: StoryOptions = {}): Promise<StoryResult> {
  const mode = options.mode ?? 'v2'
  const seed = options.seed ?? 1
  const scale = options.scale ?? 1
  const log = options.log ?? (() => undefined)
  const rng = createSeededRandom(seed)
  const count = (base: number) => Math.max(1, Math.round((base + rng.int(Math.ceil(base / 2) + 1)) * scale))
  const started = Date.now()
  const t = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`
  const ledger = new Ledger()
  const rowChecks: Array<{ twice: number; misordered: number; theirs: number }> = []

  const server = await startLocalServer({ mode, wsPort: 0, apiPort: 0 })
  for (const uid of USERS) server.core.registerToken(uid, `${uid}-token`)
  log(`${t()}  local server (${mode}) ws=${server.wsUrl} api=${server.apiUrl} seed=${seed}`)
  const alice = new Phone('alice', 'bob', server, ledger, rng, seed)
  const bob = new Phone('bob', 'alice', server, ledger, rng, seed + 1)
  const phones = [alice, bob]
  const storedRows = () => server.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' })
  const progress = (): string => {
    let delivered = 0
    ledger.deliveries.forEach(() => delivered++)
    return `sent ${ledger.sends}, acked ${ledger.acked.size}, stored ${storedRows().length}, delivered so far ${delivered}, reconnects ${ledger.reconnects}`
  }
  const settled = () => phones.every((p) => p.drained && p.im.client.state === 'connected')
  const phaseNames = ['chat', 'page switches', 'offline', 'background', 'kill + cold start', 'network flaps', 'dropped acks', 'server restart']
  let phaseNo = 0
  const phase = async (what: string, body: () => Promise<void>): Promise<void> => {
    phaseNo++
    log(`${t()}  [${phaseNo}/${phaseNames.length}] ${what}`)
    await body()
    try {
      await until(settled, 'outboxes drained', 15_000)
      log(`${t()}        ✓ outboxes drained: ${progress()}`)
    } catch (e) {
      const detail = phones.map((p) => `${p.uid}: ${p.im.client.state}, pending ${p.im.client.pending().map((m) => m.status).join(',') || 'none'}`).join('; ')
      log(`${t()}        ✗ ${(e as Error).message} (${detail}); ${progress()}`)
      if (process.env.STORY_DEBUG) for (const p of phones) for (const m of p.im.client.pending()) log(`          ${p.uid} ${m.clientMsgNo} ${m.status} code=${m.reasonCode} failure=${m.failure} attempts=${m.attempts} text=${payloadText(m.payload)} acked=${ledger.acked.has(`${p.uid}:${m.clientMsgNo}`)}`)
    }
  }
  const burst = async (phone: Phone, n: number, maxGapMs = 20) => {
    for (let i = 0; i < n; i++) {
      await phone.send()
      if (maxGapMs > 0) await sleep(rng.int(maxGapMs + 1))
    }
  }

  try {
    for (const p of phones) p.boot()
    await until(() => phones.every((p) => p.im.client.state === 'connected'), 'both users connected', 10_000)
    log(`${t()}  alice and bob signed in and connected; bob keeps his chat with alice open throughout`)
    const closeBobChat = bob.openChat()

    await phase('chat: alice and bob talk', async () => {
      const n = count(10)
      for (let i = 0; i < n; i++) {
        await alice.send()
        await bob.send()
        await sleep(rng.int(25))
      }
    })

    await phase('page switches: chat pages open and close while messages are in flight', async () => {
      const baseline = alice.im.chats.listenerCount
      for (let i = 0; i < count(8); i++) {
        const close = alice.openChat()
        await burst(alice, 1 + rng.int(2), 5)
        if (i % 2 === 0) await bob.send()
        close()
      }
      if (alice.im.chats.listenerCount !== baseline) throw new Error('story: a closed page kept listening')
    })

    await phase('offline: alice loses the network and keeps sending; bob writes to her meanwhile', async () => {
      alice.sim.control.setNetwork({ online: false })
      await until(() => alice.im.client.state === 'offline', 'alice offline', 5_000)
      await Promise.all([burst(alice, count(12), 10), burst(bob, count(5), 30)])
      const queued = alice.im.client.pending().filter((m) => m.status === 'queued').length
      log(`${t()}        alice offline with ${queued} queued`)
      await sleep(300)
      alice.sim.control.setNetwork({ online: true })
    })

    await phase('background: alice hides the app; iOS kills the socket without onClose', async () => {
      alice.sim.control.hide()
      await burst(alice, count(3), 0) // written before the app is suspended
      await burst(bob, count(5), 10)
      await until(() => server.core.connections('alice').length === 0, 'alice socket killed', 5_000)
      await sleep(200)
      log(`${t()}        socket dead, client still says "${alice.im.client.state}"; showing the app`)
      alice.sim.control.show()
    })

    await phase('kill + cold start: acks dropped, alice killed mid-flight and started again', async () => {
      server.core.faults.dropSendacks(2, { uid: 'alice' })
      const before = storedRows().length
      const n = count(4)
      await burst(alice, n, 0)
      await until(() => storedRows().length >= before + n, 'in-flight messages stored', 5_000)
      const inFlight = alice.im.client.pending().length
      alice.boot() // the old instance is killed: no close(), its wx is gone
      await alice.im.client.restored()
      log(`${t()}        cold start #${alice.instances - 1}: outbox restored with ${alice.im.client.pending().length} message(s) (${inFlight} unacked when killed)`)
    })

    await phase('network flaps: alice online/offline repeatedly while both send', async () => {
      const flaps = Math.max(3, Math.round(6 * scale))
      for (let i = 0; i < flaps; i++) {
        alice.sim.control.setNetwork({ online: false })
        await alice.send()
        await sleep(60 + rng.int(120))
        alice.sim.control.setNetwork({ online: true })
        await bob.send()
        await sleep(60 + rng.int(150))
      }
    })

    await phase('dropped acks: the server stores but does not acknowledge', async () => {
      server.core.faults.dropSendacks(count(4))
      await Promise.all([burst(alice, count(5), 10), burst(bob, count(5), 10)])
    })

    await phase('server restart: the server goes down and up while both send', async () => {
      const sending = Promise.all([burst(alice, count(5), 20), burst(bob, count(5), 20)])
      await sleep(40)
      await server.restart()
      for (const uid of USERS) server.core.registerToken(uid, `${uid}-token`)
      await sending
      await Promise.all([burst(alice, count(3), 10), burst(bob, count(3), 10)])
    })

    // Receivers catch up on their own (reconnect sync, continuity check); wait for it.
    const expectedDeliveries = () => {
      let missing = 0
      ledger.sent.forEach((r, key) => {
        if (!ledger.deliveries.has(`${r.to}|${key}`)) missing++
      })
      return missing
    }
    const drainTimeout = options.drainTimeoutMs ?? 20_000
    await until(() => settled() && expectedDeliveries() === 0, 'every message delivered', drainTimeout).catch((e: Error) => log(`${t()}  ! ${e.message}`))
    log(`${t()}  done: ${progress()}`)
    for (const p of phones) {
      // What the demo's diagnostics page shows.
      const view = await diagnosticsView(p.im.client)
      for (const line of view.summary) log(`        ${p.uid} diagnose(): ${line}`)
    }
    for (const p of phones) rowChecks.push(p.checkRows())
    if (bob.shown !== bob.im.chats.messages(1, 'alice').length) throw new Error("story: bob's open chat page missed a change")
    closeBobChat()
  } finally {
    for (const p of phones) await p.im.client.close().catch(() => undefined)
    await server.close().catch(() => undefined)
  }

  const rows = storedRows()
  const storedKeys = new Set(rows.map((m) => `${m.fromUid}:${m.clientMsgNo}`))
  let lost = 0
  let delivered = 0
  ledger.sent.forEach((r, key) => {
    const got = ledger.deliveries.has(`${r.to}|${key}`)
    if (got) delivered++
    if (!storedKeys.has(key) || !got) lost++
  })
  const latencies = Array.from(ledger.acked.values())
  const result: StoryResult = {
    mode,
    seed,
    sent: ledger.sends,
    stored: rows.length,
    storedDistinct: storedKeys.size,
    delivered,
    lost,
    duplicated: ledger.duplicated,
    outOfOrder: ledger.outOfOrder,
    ackP50: percentile(latencies, 50),
    ackP99: percentile(latencies, 99),
    reconnects: ledger.reconnects,
    ownEchoes: ledger.echoes,
    unknown: ledger.unknown,
    clientMsgNoCollisions: ledger.collisions,
    rowsShownTwice: rowChecks.reduce((n, c) => n + c.twice, 0),
    rowsOutOfOrder: rowChecks.reduce((n, c) => n + c.misordered, 0),
    coldStarts: alice.instances + bob.instances - 2,
    durationMs: Date.now() - started,
    ok: false,
  }
  result.ok = rowChecks.length === 2 && isClean(result)
  return result
}

/** The story passes when messages were sent and none was lost, duplicated, reordered, unknown, echoed back to its sender or shown twice. */
export function isClean(r: Omit<StoryResult, 'ok'>): boolean {
  return (
    r.sent > 0 &&
    r.lost === 0 &&
    r.duplicated === 0 &&
    r.outOfOrder === 0 &&
    r.unknown === 0 &&
    r.ownEchoes === 0 &&
    r.clientMsgNoCollisions === 0 &&
    r.rowsShownTwice === 0 &&
    r.rowsOutOfOrder === 0
  )
}

/** The closing table. */
export function formatTable(r: StoryResult): string {
  const rows: Array<[string, string]> = [
    ['server mode / seed', `${r.mode} / ${r.seed}`],
    ['messages sent', String(r.sent)],
    ['stored (rows / distinct)', `${r.stored} / ${r.storedDistinct}`],
    ['delivered', String(r.delivered)],
    ['lost', String(r.lost)],
    ['duplicated', String(r.duplicated)],
    ['out of order', String(r.outOfOrder)],
    ['ack latency p50 / p99', `${r.ackP50} ms / ${r.ackP99} ms`],
    ['reconnects', String(r.reconnects)],
    ['cold starts', String(r.coldStarts)],
    ['own messages echoed by sync', String(r.ownEchoes)],
    ['unknown deliveries', String(r.unknown)],
    ['clientMsgNo collisions', String(r.clientMsgNoCollisions)],
    ['chat rows shown twice / misordered', `${r.rowsShownTwice} / ${r.rowsOutOfOrder}`],
    ['duration', `${(r.durationMs / 1000).toFixed(1)} s`],
    ['result', r.ok ? 'PASS' : 'FAIL'],
  ]
  const w0 = Math.max(...rows.map(([k]) => k.length))
  const w1 = Math.max(...rows.map(([, v]) => v.length))
  const line = (l: string, m: string, r2: string) => `${l}${'─'.repeat(w0 + 2)}${m}${'─'.repeat(w1 + 2)}${r2}`
  return [line('┌', '┬', '┐'), ...rows.map(([k, v]) => `│ ${k.padEnd(w0)} │ ${v.padStart(w1)} │`), line('└', '┴', '┘')].join('\n')
}
