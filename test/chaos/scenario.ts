/**
 * The chaos scenario generator: from one seed, a plan of timed sends and faults for K clients.
 * The plan is plain data (printed in a replay's trace); the engine executes it in virtual time.
 */
import type { ChannelRef } from '../support/server/channels'
import { createSeededRandom, type SeededRandom } from '../support/virtual-time'

export type ServerLine = 'v2' | 'v3'

export interface ScenarioOptions {
  mode: ServerLine
  /** Clients, one uid and one device each (default 3). */
  clients?: number
  /** Random send() calls over the fault phase (default 20); the episodes add their own. */
  messages?: number
  /** Purely random faults over the fault phase (default 10); the episodes come on top. */
  faults?: number
  /** Aimed episodes per run (default 4; see AIMED). */
  aimed?: number
  /** Length of the fault phase, virtual ms (default 60 000). */
  faultPhaseMs?: number
  /** Longest quiet phase (network on, app shown, no faults) before leftovers count as stuck, virtual ms (default 600 000). */
  quietPhaseMs?: number
  /** Encrypted sessions (X25519 + AES) for every run (true), none (false), or a seeded one run in ENCRYPT_SHARE (default). */
  encrypt?: boolean
  /** Fault groups (FAULT_GROUPS) left out, or the v2 stored-copies check relaxed; everything is on by default. */
  without?: readonly Without[]
}

/** Encrypted sessions are ~3× slower in pure JS: by default one run in this many is encrypted. */
export const ENCRYPT_SHARE = 8

export type FaultKind =
  | 'drop-close' // server closes the socket with a close frame
  | 'drop-reset' // the link resets (client sees 1006)
  | 'drop-silent' // the link dies and the client hears nothing (iOS background, dead NAT)
  | 'lose-sendacks'
  | 'delay-sendacks'
  | 'withhold-recv'
  | 'reorder-recv'
  | 'network-flap'
  | 'background' // hide, suspended, shown again later
  | 'background-kill' // hide, then the system kills it; the user starts it again
  | 'cold-restart' // mid-flight: the user leaves and the app is killed within a second
  | 'storage-full'
  | 'server-restart'
  | 'kick'
  | 'reject-sends' // SENDACKs with a retryable reason code (rate limit, node busy...): nothing stored
  // Primitives of the aimed episodes:
  | 'kill' // hide, killed durationMs (0–300 ms) later: right after a send, mid catch-up
  | 'storage-fail' // the next `count` storage writes fail (an enqueue that cannot be made durable)
  // Issue 15's fault kinds:
  | 'sync-outage' // the sync API answers `variant` (HttpFaultMode) to everyone for durationMs
  | 'sync-malformed' // every message page for durationMs carries one unreadable item
  | 'sync-404' // this client's next conversation sync answers 404 once (a hiccup)
  | 'token-hang' // the app's tokenProvider never answers calls made within durationMs
  | 'sync-hang' // the app's SyncProvider never answers calls made within durationMs
  | 'read-fail-kill' // killed; the next launch's first `count` reads of keys containing `variant` fail
  | 'corrupt-kill' // killed; between launches `variant` is corrupted (see engine.ts corrupt())
  | 'disconnect' // DISCONNECT with a reason code that is not a kick (`count`)
  | 'forge-recv' // a plaintext RECV the server never stored, on an encrypted session
  | 'handler-kill' // killed inside the app's message handler at the `count`-th message shown within durationMs
  // Issue 19's media kinds (the upload endpoint's faults):
  | 'upload-fail' // the next `count` uploads answer 500 (nothing stored)
  | 'upload-abort' // the next `count` uploads are cut off mid-body (the task fails)
  | 'upload-slow' // uploads stored now are answered only durationMs later (a kill in between loses the answer)
  | 'upload-413' // uploads within durationMs answer 413 (the message fails; the app resends it later)
  // Issue 21's fault kinds (the batched outbox layout, coalesced writes):
  | 'burst-kill' // `count` send() calls at once (one batch), killed durationMs later (0: in the same turn, before the write lands)
  | 'batch-write-fail' // the next `count` writes of outbox batch keys fail; a burst now and one durationMs later, then killed
  // Issue 20's kind (conversation ops: clearUnread / setUnread / deleteConversation):
  | 'convop-fault' // the op routes (/conversations/clearUnread|setUnread|delete) answer `variant` to this client for durationMs
  // The v3 server's send executor (v3 runs only): a burst of `count` + 1 sends to one channel
  // while the server holds each SEND durationMs and mixes a pipelined one's payload into it.
  | 'mix-sends'

/** The fault kinds of the purely random part of a schedule (the original fifteen). */
export const RANDOM_KINDS: readonly FaultKind[] = [
  'drop-close',
  'drop-reset',
  'drop-silent',
  'lose-sendacks',
  'delay-sendacks',
  'withhold-recv',
  'reorder-recv',
  'network-flap',
  'background',
  'background-kill',
  'cold-restart',
  'storage-full',
  'server-restart',
  'kick',
  'reject-sends',
]

/** Fault groups, each left out with `--without <group>`: the aimed episodes and issue 15's kinds. */
export const FAULT_GROUPS = {
  aimed: ['kill', 'storage-fail'],
  syncfaults: ['sync-outage', 'sync-malformed', 'sync-404'],
  hangs: ['token-hang', 'sync-hang'],
  storagefaults: ['read-fail-kill'],
  corruption: ['corrupt-kill'],
  disconnect: ['disconnect'],
  forgery: ['forge-recv'],
  handlerkill: ['handler-kill'],
  media: ['upload-fail', 'upload-abort', 'upload-slow', 'upload-413'],
  batches: ['burst-kill', 'batch-write-fail'],
  convops: ['convop-fault'],
  pipeline: ['mix-sends'],
} as const satisfies Record<string, readonly FaultKind[]>

export type FaultGroup = keyof typeof FAULT_GROUPS

/**
 * What `--without` can leave out: a fault group, one fault kind of issue 15's, or `v2copies` (a v2
 * re-send stored twice is then no violation).
 */
export type Without = FaultGroup | (typeof FAULT_GROUPS)[Exclude<FaultGroup, 'aimed'>][number] | 'v2copies'
export const WITHOUT: readonly Without[] = [
  ...(Object.keys(FAULT_GROUPS) as FaultGroup[]),
  ...Object.entries(FAULT_GROUPS).flatMap(([g, kinds]) => (g === 'aimed' ? [] : (kinds as readonly Without[]))),
  'v2copies',
]

function groupOf(kind: FaultKind): FaultGroup | undefined {
  for (const [group, kinds] of Object.entries(FAULT_GROUPS)) if ((kinds as readonly FaultKind[]).includes(kind)) return group as FaultGroup
  return undefined
}

/** A channel as the sender addresses it: a person (peer index) or a group (GROUP_ID unless named). */
export type Target = { kind: 'person'; peer: number } | { kind: 'group'; id?: string }

export interface FaultStep {
  at: number
  kind: 'fault'
  fault: FaultKind
  client: number
  count: number
  durationMs: number
  target: Target
  /** Which flavour of the fault (an HttpFaultMode, a key part, a corruption). */
  variant?: string
  /** The episode this step belongs to, for the trace. */
  episode?: string
  /** The group whose episode placed it (tallied under that group, not as random). */
  group?: FaultGroup
}

/**
 * `backend`: posted by the app's backend (POST /message/send as `BACKEND_UID`), stored at once
 * whatever `from`'s device is doing. `media`: an image whose file holds `text` (issue 19).
 */
export type PlanStep = { at: number; kind: 'send'; from: number; to: Target; text: string; backend?: true; media?: true } | ConvStep | FaultStep

/** A conversation op the user makes on `client` (issue 20): `unread` is setUnread's count. */
export interface ConvStep {
  at: number
  kind: 'conv'
  client: number
  op: ConvOpKind
  to: Target
  unread: number
}

export type ConvOpKind = 'clearUnread' | 'setUnread' | 'delete'
const CONV_OPS: readonly ConvOpKind[] = ['clearUnread', 'setUnread', 'delete']
/** How the op routes fail: a 200 JSON answer is a confirmation by contract, so no wrong-shape. */
const CONV_FAULTS = ['status-500', 'html', 'no-answer', 'not-found']
/** The op routes (a convop-fault spoils them). */
export const CONV_PATHS = ['/conversations/clearUnread', '/conversations/setUnread', '/conversations/delete']

export const BACKEND_UID = 'backend'

export interface Plan {
  seed: number
  mode: ServerLine
  clients: number
  encrypt: boolean
  faultPhaseMs: number
  quietPhaseMs: number
  /** The client whose app brings its own SyncProvider (the one a sync-hang hits), or -1. */
  customSync: number
  steps: PlanStep[]
}

export const GROUP_ID = 'g1'
/** A second group of everyone that only the sync-404 episode writes to: new to a client that was offline. */
export const NEW_GROUP_ID = 'g2'
/** A third group that only the last-launch episode writes to, once: no later push can reveal what a client missed there. */
export const LATE_GROUP_ID = 'g3'
export const GROUP_IDS = [GROUP_ID, NEW_GROUP_ID, LATE_GROUP_ID]

/** Every channel of a scenario: each person pair once, and the group. */
export function channelRefs(clients: number): ChannelRef[] {
  const out: ChannelRef[] = GROUP_IDS.map((channelId) => ({ channelId, channelType: 2 }))
  for (let a = 0; a < clients; a++) for (let b = a + 1; b < clients; b++) out.push({ channelId: uidOf(b), channelType: 1, loginUid: uidOf(a) })
  return out
}

/** A target's channel as the sender addresses it. */
export function channelOf(to: Target): { channelId: string; channelType: number } {
  return to.kind === 'group' ? { channelId: to.id ?? GROUP_ID, channelType: 2 } : { channelId: uidOf(to.peer), channelType: 1 }
}

export function uidOf(i: number): string {
  return `u${i}`
}

/** Aimed episodes: faults placed at the moments the outbox and the inbox are most exposed. */
const AIMED = ['queued-kill', 'reject-kill', 'ackless-kill', 'inflight-kill', 'catchup-kill', 'enqueue-fail', 'gapfill-kill'] as const

const SYNC_OUTAGES = ['status-500', 'html', 'wrong-shape', 'no-answer']
const READ_FAIL_KEYS = [':in:cursors', ':out:']
const OUTBOX_CORRUPTIONS = ['outbox-expire', 'outbox-channeltype']
/** DISCONNECT reason codes that are not "do not come back": unknown, system error, node moved. */
const SOFT_DISCONNECTS = [0, 15, 18]

export function generatePlan(seed: number, options: ScenarioOptions): Plan {
  const rng = createSeededRandom(seed ^ 0x5eed)
  const clients = Math.max(2, options.clients ?? 3)
  const faultPhaseMs = options.faultPhaseMs ?? 60_000
  const encrypt = options.encrypt ?? rng.int(ENCRYPT_SHARE) === 0
  const without = new Set(options.without ?? [])
  const steps: PlanStep[] = []
  let texts = 0
  const target = (from: number): Target => {
    if (rng.int(3) === 0) return { kind: 'group' }
    const peer = (from + 1 + rng.int(clients - 1)) % clients
    return { kind: 'person', peer }
  }
  const send = (at: number, from: number, to: Target): void => void steps.push({ at, kind: 'send', from, to, text: `m${texts++}` })
  const fault = (at: number, f: FaultKind, client: number, extra: Partial<FaultStep> = {}): void => {
    const step: FaultStep = { at, kind: 'fault', fault: f, client, count: 1 + rng.int(3), durationMs: durationFor(rng), target: target(client), ...extra }
    const group = extra.episode === undefined ? undefined : ((AIMED as readonly string[]).includes(extra.episode) ? 'aimed' : groupOf(extra.episode as FaultKind))
    if (group) step.group = group
    steps.push(step)
  }
  /** `n` sends within [at, at + spread) that `c` receives: from a peer, or into the group. */
  const sendsTo = (at: number, c: number, n: number, spread = 1_500): void => {
    for (let i = 0; i < n; i++) {
      const from = (c + 1 + rng.int(clients - 1)) % clients
      send(at + rng.int(spread), from, rng.int(3) === 0 ? { kind: 'group' } : { kind: 'person', peer: c })
    }
  }
  const sendsFrom = (at: number, c: number, n: number, spread = 1_500): void => {
    for (let i = 0; i < n; i++) send(at + rng.int(spread), c, target(c))
  }
  /** c goes offline for `ms`, misses messages and queues its own: the state a kill or a bad launch hits hardest. */
  const offline = (at: number, c: number, ms: number, episode: string): void => {
    fault(at, 'network-flap', c, { durationMs: ms, episode })
    sendsTo(at + 100, c, 2 + rng.int(3), Math.max(200, ms - 300))
    sendsFrom(at + 100, c, 1 + rng.int(2), Math.max(200, ms - 300))
  }
  const at = (room = 5_000): number => rng.int(Math.max(1, faultPhaseMs - room))

  for (let i = 0; i < (options.messages ?? 20); i++) {
    const from = rng.int(clients)
    send(rng.int(faultPhaseMs), from, target(from))
  }
  for (let i = 0; i < (options.faults ?? 10); i++) fault(rng.int(faultPhaseMs), pick(rng, RANDOM_KINDS), rng.int(clients))

  if (!without.has('aimed')) {
    for (let i = 0; i < (options.aimed ?? 4); i++) {
      const episode = pick(rng, AIMED)
      const t = at()
      const c = rng.int(clients)
      const kill = (when: number, maxMs = 300): void => fault(when, 'kill', c, { durationMs: rng.int(maxMs), episode })
      switch (episode) {
        case 'queued-kill':
          fault(t, 'network-flap', c, { durationMs: 3_000 + rng.int(20_000), episode })
          sendsFrom(t + 100, c, 1 + rng.int(3))
          kill(t + 1_700 + rng.int(1_000))
          break
        case 'reject-kill':
          fault(t, 'reject-sends', c, { episode })
          sendsFrom(t + 10, c, 1 + rng.int(3), 200)
          kill(t + 250 + rng.int(1_500))
          break
        case 'ackless-kill':
          fault(t, 'lose-sendacks', c, { episode })
          sendsFrom(t + 10, c, 1 + rng.int(3), 200)
          kill(t + 250 + rng.int(1_500))
          break
        case 'inflight-kill':
          send(t, c, target(c))
          kill(t + rng.int(40), 30)
          break
        case 'catchup-kill': {
          const ms = 2_000 + rng.int(15_000)
          fault(t, 'network-flap', c, { durationMs: ms, episode })
          sendsTo(t + 100, c, 2 + rng.int(3), ms - 200)
          kill(t + ms + rng.int(1_500), 100)
          break
        }
        case 'enqueue-fail':
          fault(t, 'storage-fail', c, { count: 1 + rng.int(2), episode })
          sendsFrom(t, c, 1, 1)
          break
        case 'gapfill-kill': {
          const to: Target = rng.int(2) === 0 ? { kind: 'group' } : { kind: 'person', peer: (c + 1 + rng.int(clients - 1)) % clients }
          fault(t, 'withhold-recv', c, { target: to, count: 1, episode })
          for (let n = 0; n < 2 + rng.int(2); n++) {
            const from = to.kind === 'person' ? to.peer : (c + 1 + rng.int(clients - 1)) % clients
            send(t + 10 + rng.int(1_000), from, to.kind === 'person' ? { kind: 'person', peer: c } : to)
          }
          kill(t + 1_100 + rng.int(2_000), 100)
          break
        }
      }
    }
  }

  // Issue 15's kinds: each one once per run, with the traffic that makes it matter.
  const on = (k: FaultKind): boolean => !without.has(k as Without) && !without.has(groupOf(k) as FaultGroup)
  if (on('sync-outage')) {
    const t = at()
    const c = rng.int(clients)
    fault(t, 'sync-outage', c, { variant: pick(rng, SYNC_OUTAGES), durationMs: 2_000 + rng.int(38_000), episode: 'sync-outage' })
    fault(t + 10, 'withhold-recv', c, { count: 1, target: { kind: 'group' }, episode: 'sync-outage' })
    for (let n = 0; n < 3; n++) send(t + 20 + rng.int(2_000), (c + 1 + rng.int(clients - 1)) % clients, { kind: 'group' })
  }
  if (on('sync-malformed')) {
    const t = at()
    const c = rng.int(clients)
    fault(t, 'sync-malformed', c, { durationMs: 8_000 + rng.int(20_000), episode: 'sync-malformed' })
    fault(t + 10, 'withhold-recv', c, { count: 1, target: { kind: 'group' }, episode: 'sync-malformed' })
    for (let n = 0; n < 4; n++) send(t + 20 + rng.int(2_000), (c + 1 + rng.int(clients - 1)) % clients, { kind: 'group' })
  }
  // Late in the phase, so that no later kill ends it with a new client (one that stopped or hangs
  // for good must still be that way in the quiet phase).
  const late = (): number => Math.max(0, faultPhaseMs - 14_000) + rng.int(8_000)
  /**
   * Clients a late episode leaves in a state only its protection fixes: killed at a launch
   * (`takenLate`), or stopped by a DISCONNECT (`stoppedLate`). The last episodes' kills avoid
   * them, as a kill there would start a fresh process.
   */
  const takenLate = new Set<number>()
  const stoppedLate = new Set<number>()
  /** Offline, then killed just before the network returns: `kind` is armed for the next launch. */
  const atLaunch = (kind: 'sync-404' | 'token-hang'): void => {
    const ms = 2_000 + rng.int(4_000)
    // The 404 at the very end: a later push would reveal the missed messages as a gap, filled without a catch-up.
    const t = kind === 'sync-404' ? Math.max(0, faultPhaseMs - ms - 200 - rng.int(1_500)) : late()
    const c = rng.int(clients)
    offline(t, c, ms, kind)
    // Messages in a group c has never seen: only a catch-up (conversation sync) can tell c of them.
    if (kind === 'sync-404') for (let n = 0; n < 2; n++) send(t + 100 + rng.int(ms - 300), (c + 1 + rng.int(clients - 1)) % clients, { kind: 'group', id: NEW_GROUP_ID })
    fault(t + ms - 700, kind, c, { count: 1, durationMs: 5_000 + rng.int(35_000), episode: kind })
    fault(t + ms - 600, 'kill', c, { durationMs: rng.int(300), episode: kind })
    takenLate.add(c)
  }
  // The server line is detected at a launch's first catch-up; the token is asked for at a launch.
  if (on('sync-404')) atLaunch('sync-404')
  if (on('token-hang')) atLaunch('token-hang')
  let customSync = -1
  if (on('sync-hang')) {
    const t = late()
    const c = rng.int(clients)
    customSync = c
    fault(t, 'sync-hang', c, { durationMs: 5_000 + rng.int(35_000), episode: 'sync-hang' })
    offline(t + 1, c, 500 + rng.int(3_000), 'sync-hang')
  }
  const badLaunch = (kind: 'read-fail-kill' | 'corrupt-kill', variant: string): void => {
    const t = at(25_000)
    const c = rng.int(clients)
    const ms = 3_000 + rng.int(15_000)
    offline(t, c, ms, kind)
    fault(t + ms - 100 - rng.int(500), kind, c, { variant, count: 1 + rng.int(2), durationMs: rng.int(300), episode: kind })
  }
  // Both stores every run: the inbox state and the outbox, each read failing once and corrupted once.
  if (on('read-fail-kill')) for (const key of READ_FAIL_KEYS) badLaunch('read-fail-kill', key)
  if (on('corrupt-kill')) {
    badLaunch('corrupt-kill', 'cursors')
    badLaunch('corrupt-kill', pick(rng, OUTBOX_CORRUPTIONS))
  }
  if (on('disconnect')) {
    const t = late()
    const c = rng.int(clients)
    fault(t, 'disconnect', c, { count: pick(rng, SOFT_DISCONNECTS), episode: 'disconnect' })
    stoppedLate.add(c)
    sendsTo(t + 500, c, 2, 3_000)
    sendsFrom(t + 500, c, 1, 3_000)
  }
  if (on('forge-recv') && encrypt) {
    const c = rng.int(clients)
    fault(at(), 'forge-recv', c, { episode: 'forge-recv' })
  }
  if (on('handler-kill')) {
    const t = at(25_000)
    const c = rng.int(clients)
    const ms = 3_000 + rng.int(15_000)
    fault(t, 'network-flap', c, { durationMs: ms, episode: 'handler-kill' })
    sendsTo(t + 100, c, 3 + rng.int(3), ms - 200)
    fault(t + ms, 'handler-kill', c, { count: 2 + rng.int(3), durationMs: 10_000, episode: 'handler-kill' })
  }

  // The last launches and sends of the phase, drawn after everything above so the earlier draws
  // stay as they were. Nothing after them is aimed at their clients, so what a protection must do
  // for them is left to that protection (a later kill, a later send or push would cover for it).
  /** A client outside the sets, or outside the first ones when every client is taken. */
  const spare = (...avoid: ReadonlySet<number>[]): number => {
    for (let n = avoid.length; n > 0; n--) {
      const free = Array.from({ length: clients }, (_, i) => i).filter((i) => avoid.slice(0, n).every((set) => !set.has(i)))
      if (free.length > 0) return pick(rng, free)
    }
    return rng.int(clients)
  }
  const end = faultPhaseMs
  if (on('sync-404')) {
    // A 404 hiccup at the last launch; one message from the backend, into a group nobody else
    // writes, is missed while offline: only a catch-up that still asks the right line shows it.
    const ms = 2_000 + rng.int(2_000)
    const t = end - ms - 1_200 - rng.int(800)
    // Not the client whose SyncProvider hangs: its calls may not reach the server before the end.
    const c = spare(stoppedLate, new Set(customSync >= 0 ? [customSync] : []), takenLate)
    fault(t, 'network-flap', c, { durationMs: ms, episode: 'sync-404' })
    steps.push({ at: t + 100 + rng.int(ms - 400), kind: 'send', from: c, to: { kind: 'group', id: LATE_GROUP_ID }, text: `m${texts++}`, backend: true })
    fault(t + ms - 700, 'sync-404', c, { count: 1, episode: 'sync-404' })
    fault(t + ms - 600, 'kill', c, { durationMs: rng.int(300), episode: 'sync-404' })
    takenLate.add(c)
  }
  if (on('read-fail-kill')) {
    // The outbox cannot be read once at the last launch, with sends queued: no later send() retries the load.
    const ms = 2_000 + rng.int(2_000)
    const t = end - ms - 1_200 - rng.int(800)
    const c = spare(stoppedLate, takenLate)
    fault(t, 'network-flap', c, { durationMs: ms, episode: 'read-fail-kill' })
    sendsFrom(t + 100, c, 1 + rng.int(2), ms - 400)
    fault(t + ms - 300 - rng.int(300), 'read-fail-kill', c, { variant: ':out:', count: 1, durationMs: rng.int(200), episode: 'read-fail-kill' })
    takenLate.add(c)
  }
  if (!without.has('aimed')) {
    // SENDACKs lost, then the link: only the re-send after the reconnect finishes these attempts.
    const t = end - 1_100 + rng.int(200)
    // Its own kills came before: any client that was not stopped.
    const c = spare(stoppedLate)
    const n = 1 + rng.int(3)
    fault(t, 'lose-sendacks', c, { count: n, episode: 'ackless-drop', group: 'aimed' })
    sendsFrom(t + 10, c, n, 200)
    fault(t + 300 + rng.int(500), pick(rng, ['drop-reset', 'drop-close', 'drop-silent'] as const), c, { episode: 'ackless-drop', group: 'aimed' })
  }

  if (on('disconnect')) {
    // A second DISCONNECT at the very end, on a client no launch episode killed late: nothing after
    // it starts a new process there, so a client it stopped stays stopped.
    const c = spare(takenLate)
    fault(end - 500 + rng.int(300), 'disconnect', c, { count: pick(rng, SOFT_DISCONNECTS), episode: 'disconnect' })
  }

  if (on('handler-kill')) {
    // A second kill inside a handler during a catch-up, late, on a client no launch episode killed.
    const ms = 3_000 + rng.int(5_000)
    const t = end - ms - 9_000 - rng.int(2_000)
    const c = spare(stoppedLate, takenLate)
    fault(t, 'network-flap', c, { durationMs: ms, episode: 'handler-kill' })
    sendsTo(t + 100, c, 3 + rng.int(3), ms - 200)
    fault(t + ms, 'handler-kill', c, { count: 2 + rng.int(3), durationMs: 10_000, episode: 'handler-kill' })
  }

  // Issue 19: media messages and upload faults, drawn last so the earlier draws stay as they were.
  // Each episode: an image, an upload fault around it, and one time in two a kill within 600 ms
  // (before, during or after its upload, before its SENDACK), plus a text behind it in its channel.
  if (on('upload-fail') || on('upload-abort') || on('upload-slow') || on('upload-413')) {
    const kinds = (FAULT_GROUPS.media as readonly FaultKind[]).filter(on)
    for (let i = 0; i < 2 + rng.int(3); i++) {
      const t = at(8_000)
      const c = rng.int(clients)
      const to = target(c)
      const episode = pick(rng, kinds)
      fault(t, episode, c, { count: 1 + rng.int(2), durationMs: 200 + rng.int(4_000), episode })
      steps.push({ at: t + 10, kind: 'send', from: c, to, text: `m${texts++}`, media: true })
      send(t + 20 + rng.int(300), c, to)
      if (rng.int(2) === 0) fault(t + 10 + rng.int(600), 'kill', c, { durationMs: rng.int(300), episode })
    }
  }
  // Issue 21's kinds, drawn last so every earlier draw stays as it was; in the first part of the
  // phase, away from the last episodes' clients.
  if (on('burst-kill')) {
    for (let n = 0; n < 2; n++) {
      const c = rng.int(clients)
      // Killed in the same turn (before the batch write lands), within a few ms (acks on the way), or later.
      const ms = pick(rng, [0, rng.int(30), 200 + rng.int(1_500)])
      fault(at(25_000), 'burst-kill', c, { count: 2 + rng.int(12), durationMs: ms, episode: 'burst-kill' })
    }
  }
  if (on('batch-write-fail')) {
    const c = rng.int(clients)
    fault(at(25_000), 'batch-write-fail', c, { count: 1 + rng.int(3), durationMs: 5 + rng.int(300), episode: 'batch-write-fail' })
  }

  // Issue 20's conversation ops, drawn last so every earlier draw stays as it was: at random
  // moments, right before kills, while the op routes fail (then killed), during the sync outage
  // and while offline before the sync-404 launches.
  if (on('convop-fault')) {
    const conv = (when: number, c: number, to: Target = target(c)): void =>
      void steps.push({ at: when, kind: 'conv', client: c, op: pick(rng, CONV_OPS), to, unread: rng.int(4) })
    for (let i = 0; i < 4 + rng.int(5); i++) conv(rng.int(faultPhaseMs), rng.int(clients))
    for (let i = 0; i < 2; i++) {
      const t = at(25_000)
      const c = rng.int(clients)
      conv(t, c)
      fault(t + 1 + rng.int(100), 'kill', c, { durationMs: rng.int(300), episode: 'convop-fault' })
    }
    for (let i = 0; i < 1 + rng.int(2); i++) {
      const t = at(25_000)
      const c = rng.int(clients)
      const ms = 1_000 + rng.int(20_000)
      fault(t, 'convop-fault', c, { variant: pick(rng, CONV_FAULTS), durationMs: ms, episode: 'convop-fault' })
      for (let n = 0; n < 1 + rng.int(3); n++) conv(t + 10 + rng.int(300), c)
      // Killed while the server refuses them: only what storage holds reaches it after the restart.
      fault(t + 400 + rng.int(ms - 300), 'kill', c, { durationMs: rng.int(300), episode: 'convop-fault' })
    }
    for (const s of steps.slice()) {
      if (s.kind !== 'fault' || (s.fault !== 'sync-outage' && s.fault !== 'sync-404')) continue
      conv(s.at + (s.fault === 'sync-404' ? -50 - rng.int(300) : 20 + rng.int(2_000)), s.client)
    }
  }

  // The v3 send executor's defect, from a random stream of its own so that every plan above stays
  // as it was (pinned seeds replay the same schedule plus these steps).
  if (options.mode === 'v3' && on('mix-sends')) {
    const own = createSeededRandom(seed ^ 0x717e)
    for (let i = 0; i < 2 + own.int(3); i++) {
      const c = own.int(clients)
      const step: FaultStep = { at: own.int(Math.max(1, faultPhaseMs - 5_000)), kind: 'fault', fault: 'mix-sends', client: c, count: 2 + own.int(4), durationMs: 20 + own.int(200), target: own.int(3) === 0 ? { kind: 'group' } : { kind: 'person', peer: (c + 1 + own.int(clients - 1)) % clients }, episode: 'mix-sends', group: 'pipeline' }
      steps.push(step)
    }
  }

  // Stable order: by time, then as generated.
  const indexed = steps.map((s, i) => ({ s, i }))
  indexed.sort((a, b) => a.s.at - b.s.at || a.i - b.i)
  return {
    seed,
    mode: options.mode,
    clients,
    encrypt,
    faultPhaseMs,
    quietPhaseMs: options.quietPhaseMs ?? 600_000,
    customSync,
    steps: indexed.map((x) => x.s),
  }
}

/** Short (ms) to long (tens of seconds) windows, so both a blip and a real outage happen. */
function durationFor(rng: SeededRandom): number {
  const scale = [300, 3_000, 15_000, 40_000][rng.int(4)] as number
  return 100 + rng.int(scale)
}

function pick<T>(rng: SeededRandom, items: readonly T[]): T {
  return items[rng.int(items.length)] as T
}
