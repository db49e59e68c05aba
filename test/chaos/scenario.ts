/**
 * The chaos scenario generator: from one seed, a plan of timed sends and faults for K clients.
 * The plan is plain data (printed in a replay's trace); the engine executes it in virtual time.
 */
import { createSeededRandom, type SeededRandom } from '../support/virtual-time'

export type ServerLine = 'v2' | 'v3'

export interface ScenarioOptions {
  mode: ServerLine
  /** Clients, one uid and one device each (default 3). */
  clients?: number
  /** send() calls over the fault phase (default 20). */
  messages?: number
  /** Faults injected over the fault phase (default 10). */
  faults?: number
  /** Length of the fault phase, virtual ms (default 60 000). */
  faultPhaseMs?: number
  /** Longest quiet phase (network on, app shown, no faults) before leftovers count as stuck, virtual ms (default 600 000). */
  quietPhaseMs?: number
  /** Encrypted sessions (X25519 + AES); slow in pure JS, so off by default. */
  encrypt?: boolean
}

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

export const FAULT_KINDS: readonly FaultKind[] = [
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

/** A channel as the sender addresses it: a person (peer index) or the one group. */
export type Target = { kind: 'person'; peer: number } | { kind: 'group' }

export type PlanStep =
  | { at: number; kind: 'send'; from: number; to: Target; text: string }
  | { at: number; kind: 'fault'; fault: FaultKind; client: number; count: number; durationMs: number; target: Target }

export interface Plan {
  seed: number
  mode: ServerLine
  clients: number
  encrypt: boolean
  faultPhaseMs: number
  quietPhaseMs: number
  steps: PlanStep[]
}

export const GROUP_ID = 'g1'

export function uidOf(i: number): string {
  return `u${i}`
}

export function generatePlan(seed: number, options: ScenarioOptions): Plan {
  const rng = createSeededRandom(seed ^ 0x5eed)
  const clients = Math.max(2, options.clients ?? 3)
  const faultPhaseMs = options.faultPhaseMs ?? 60_000
  const steps: PlanStep[] = []
  const target = (from: number): Target => {
    if (rng.int(3) === 0) return { kind: 'group' }
    const peer = (from + 1 + rng.int(clients - 1)) % clients
    return { kind: 'person', peer }
  }
  for (let i = 0; i < (options.messages ?? 20); i++) {
    const from = rng.int(clients)
    steps.push({ at: rng.int(faultPhaseMs), kind: 'send', from, to: target(from), text: `m${i}` })
  }
  for (let i = 0; i < (options.faults ?? 10); i++) {
    const client = rng.int(clients)
    steps.push({
      at: rng.int(faultPhaseMs),
      kind: 'fault',
      fault: pick(rng, FAULT_KINDS),
      client,
      count: 1 + rng.int(3),
      durationMs: durationFor(rng),
      target: target(client),
    })
  }
  // Stable order: by time, then as generated.
  const indexed = steps.map((s, i) => ({ s, i }))
  indexed.sort((a, b) => a.s.at - b.s.at || a.i - b.i)
  return {
    seed,
    mode: options.mode,
    clients,
    encrypt: options.encrypt ?? false,
    faultPhaseMs,
    quietPhaseMs: options.quietPhaseMs ?? 600_000,
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
