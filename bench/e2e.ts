/**
 * End-to-end send throughput over loopback: our client (real wx adapter over the simulated wx, real
 * sockets, real scheduler) sends N small encrypted person messages through the local server (v3,
 * encrypted) and waits for every SENDACK ('sent'). Reported: acked msgs/s, send→ack latency, and
 * the CPU this process spent per acked message.
 *
 * The official wukongimjssdk@1.0.4 sends the same N through the same kind of server in the same
 * process run (in Node with `ws` as its WebSocket).
 *
 * Two placements of the server:
 * - in-process (one core for client and server): the rate is bounded by both; CPU/msg includes the server.
 * - a child process (`npm run server`, started once and shared by both SDKs): this process holds
 *   only the client, so CPU/msg is the client's own cost — the fair per-message comparison. These
 *   rows run E2E_REPEAT rounds after an untimed warm-up of both clients (order alternated each
 *   round, the machine being shared) with the
 *   floor (bench/floor.ts: pre-encoded frames written with `ws`, nothing else) in each round.
 */
import { spawn } from 'child_process'
import { createClient } from '../sdk/client'
import { createSimWx, realConnector } from '../test/support/sim-wx'
import { startLocalServer } from '../test/support/server/ws-server'
import { floor } from './floor'
import { channelWindowOf, officialSdk, until } from './support'
import type { Window } from './support'

const N = Number(process.env.E2E_N ?? 10_000)
/** Rounds of the child-process rows (ours, official, the two floors), order alternated; medians reported. */
const REPEAT = Number(process.env.E2E_REPEAT ?? 5)
/** E2E_CHILD_ONLY=1: only the child-process rows (the fair CPU comparison). */
const CHILD_ONLY = process.env.E2E_CHILD_ONLY === '1'

export interface ServerUrls {
  wsUrl: string
  apiUrl: string
  /** Registers a uid's token (in-process); the child server accepts any token. */
  register(uid: string, token: string): void
  close(): Promise<void>
}

async function inProcessServer(): Promise<ServerUrls> {
  const server = await startLocalServer({ wsPort: 0, apiPort: 0, mode: 'v3', encrypt: true })
  return { wsUrl: server.wsUrl, apiUrl: server.apiUrl, register: (uid, token) => server.core.registerToken(uid, token), close: () => server.close() }
}

/** `npm run server` in a child process (v3, encrypted, any token). */
export async function childServer(): Promise<ServerUrls> {
  const child = spawn(process.execPath, ['scripts/run-ts.js', 'test/support/server/cli.ts', '--ws-port', '0', '--api-port', '0', '--mode', 'v3', '--no-token-auth'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const line = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('ready')) resolve(out)
    })
    child.on('exit', (code) => reject(new Error(`server exited (${String(code)}): ${out}`)))
  })
  const ws = /ws=(\S+)/.exec(line)![1]!
  const api = /api=(\S+)/.exec(line)![1]!
  return {
    wsUrl: ws,
    apiUrl: api,
    register: () => undefined,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

const cpuUs = (since: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(since)
  return c.user + c.system
}

function pct(sorted: number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100
}


/**
 * `window` 0 (the default here): SENDs pipelined as the official SDK does, the configuration of the
 * recorded comparison; 'sdk default': the SDK's own (one SEND per channel in flight unless the
 * server line is known to be v2; the local server answers as v3).
 */
export async function ours(server: ServerUrls, uid: string, maxOutstanding?: number, n = N, window: Window = 0): Promise<Record<string, number>> {
  server.register(uid, 'alice-token')
  server.register('bob', 'bob-token')
  const sim = createSimWx({ scheduler: 'real', connect: realConnector() })
  const client = createClient({ uid, token: 'alice-token', wsAddr: server.wsUrl, apiAddr: server.apiUrl, platform: sim.control.platform(), outbox: { maxMessages: maxOutstanding ? 1_000 : n + 100, channelWindow: channelWindowOf(window) } })
  try {
    await client.restored()
    client.connect()
    // warm-up: one message through, so the connect handshake is outside the measurement
    await new Promise<void>((resolve) => {
      const off = client.on('messageStatus', (m) => {
        if (m.status === 'sent') {
          off()
          resolve()
        }
      })
      void client.send({ channelId: 'bob', channelType: 1, payload: 'warm-up' })
    })
    const sentAt = new Map<string, number>()
    const lat: number[] = []
    client.on('messageStatus', (m) => {
      if (m.status !== 'sent') return
      const t = sentAt.get(m.clientMsgNo)
      if (t !== undefined) lat.push(performance.now() - t)
    })
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    for (let i = 0; i < n; i++) {
      if (maxOutstanding && i - lat.length >= maxOutstanding) await until(() => i - lat.length < maxOutstanding, 'window', 60_000)
      const at = performance.now()
      const m = await client.send({ channelId: 'bob', channelType: 1, payload: `hello ${i}` })
      sentAt.set(m.clientMsgNo, at)
    }
    await until(() => lat.length >= n, 'all SENDACKs', 120_000)
    const secs = (performance.now() - t0) / 1000
    const cpu = cpuUs(c0)
    lat.sort((a, b) => a - b)
    return { n, seconds: Math.round(secs * 1000) / 1000, ackedPerSec: Math.round(n / secs), p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), cpuUsPerMsg: Math.round(cpu / n) }
  } finally {
    await client.close().catch(() => undefined)
  }
}

/**
 * `quietMs`: instead of failing when SENDACKs are missing, stop once none has come for that long
 * and report `missing` (1.0.4 never re-sends; a server that loses SENDs leaves them unanswered).
 * CPU and rate are then per acked message, up to the last ack.
 */
export async function official(server: ServerUrls, uid: string, n = N, quietMs?: number): Promise<Record<string, number>> {
  server.register(uid, 'ta')
  const { sdk, restore } = officialSdk(server.wsUrl, uid, 'ta')
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Channel, MessageText } = require('wukongimjssdk/lib/model')
  let connected = false
  const ackAt = new Map<number, number>()
  sdk.connectManager.addConnectStatusListener((s: number) => {
    if (s === 1) connected = true
  })
  sdk.chatManager.addMessageStatusListener((ack: any) => {
    if (!ackAt.has(ack.clientSeq)) ackAt.set(ack.clientSeq, performance.now())
  })
  try {
    sdk.connect()
    await until(() => connected, 'official CONNACK', 10_000)
    const sentAt = new Map<number, number>()
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    for (let i = 0; i < n; i++) {
      const m = await sdk.chatManager.send(new MessageText(`hello ${i}`), new Channel('bob', 1))
      sentAt.set(m.clientSeq, performance.now())
    }
    let cpu = 0
    let end = 0
    if (quietMs === undefined) {
      await until(() => ackAt.size >= n, 'official SENDACKs', 120_000)
      cpu = cpuUs(c0)
      end = performance.now()
    } else {
      let seen = -1
      let lastAt = performance.now()
      await until(() => {
        if (ackAt.size !== seen) {
          seen = ackAt.size
          lastAt = performance.now()
          cpu = cpuUs(c0)
        }
        return ackAt.size >= n || performance.now() - lastAt > quietMs
      }, 'official SENDACKs', 300_000)
      end = lastAt
    }
    const acked = ackAt.size
    const secs = (end - t0) / 1000
    const lat = [...ackAt].map(([seq, t]) => t - (sentAt.get(seq) ?? t0)).sort((a, b) => a - b)
    return { n, ...(acked < n && { missing: n - acked }), seconds: Math.round(secs * 1000) / 1000, ackedPerSec: Math.round(acked / secs), p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), cpuUsPerMsg: Math.round(cpu / Math.max(1, acked)) }
  } finally {
    sdk.disconnect()
    restore()
  }
}

/** Runs `fn` against a fresh in-process server, closed afterwards. */
async function inProcess(fn: (server: ServerUrls) => Promise<Record<string, number>>): Promise<Record<string, number>> {
  const server = await inProcessServer()
  try {
    return await fn(server)
  } finally {
    await server.close()
  }
}

const ratio = (a: number, b: number): number => Math.round((a / b) * 10) / 10

/** The CPU passes of issue 21 against their starting points, recorded by hand from paired runs. */
const PAIRED =
  'Fourth CPU pass of issue 21 paired with its base 416f14a: the same driver in both trees (server in a child process, untimed warm-up of 10,000 sends, then 3 rounds of 10,000 sends awaited one by one, pipelined; ours only; median of the 3 rounds per run), alternated, 2026-12-03 06:35-06:37 UTC, load average 1.0-2.2 (no other session on the machine). Ten pairs, µs per acked message, base against this code: 62/65, 80/81, 85/73, 68/61, 69/56, 86/73, 82/55, 81/80, 83/78, 105/80: median 81.5 against 73 (-10%; this code lower in 8 of 10). ' +
  'What the pass removes per message: noble\'s AES block function (two 64K-entry lookup tables, an object per block; the largest SDK item of the profile, now our own with 256-entry tables: `-- cpu`), branches in every MD5 step, a turn per storage operation on an idle key, a `wx.getRandomValues` share and an await per clientMsgNo (numbered from one draw per session), the simulated storage measuring a record again on delete. It also makes the default channel window affordable: with one SEND per channel in flight (the default on v3) a SENDACK made the outbox scan its whole queue and rewrite the burst\'s batch key; both are gone (the default-window row: 196-385 µs per message before them, measured with the driver on 2,000-3,000 messages; what is left there is mostly the kernel\'s socket wake-ups of one round trip per message). ' +
  'The recorded run above was made on a quiet machine, unlike the earlier passes\' runs (load average 3-9): the official SDK\'s figure moved from 344 to 372 µs between them, ours from 78 to 65.\n\n' +
  'Third CPU pass of issue 21 paired with its base 0728fde (integ after the second pass): the same driver in both trees (server in a child process, untimed warm-up of 10,000 sends, then 3 rounds of 10,000 sends awaited one by one; ours only; median of the 3 rounds per run), alternated, 2026-12-02 17:17-17:20 UTC, load average 2.7-4.3 (2 cores shared with two other sessions, one of them running a process at 100-130% CPU). ' +
  'Seven pairs, µs per acked message, base against this code: 103/72, 103/115, 99/130, 102/90, 99/93, 107/69, 123/106: median 103 against 93 (-10%; this code ranges 69-130, the base 99-123, so the difference is inside the noise). An earlier state of this pass that also started storage operations on an idle key at once measured 100/74, 133/77, 93/88 (-27%), but changed the order in which the simulated storage completes same-turn writes, and two integration tests then saw other orders (200 concurrent sends stored by the server out of call order: when a burst is split over two batch keys, the second key\'s write may land first and its messages go out first); that part was taken back; the ordering dependence itself is fixed since (a burst\'s batch keys now answer their `send()` calls in send order, whichever write lands first: test/unit/outbox/batch.test.ts). ' +
  'What the pass removes per message: the AES key expansion (twice per SEND: noble\'s cbc() expands the key on every call; now CBC is chained over its block primitives with the schedule expanded once per session), an Array.shift() of the whole outbox queue on every SENDACK (V8 copies an array that large: ~2 µs at 10,000 queued; the queue now drops its head in O(1)), the turn spent on a settled load in send(), the rest/spread copies of the message in send(), a throw-away UTF-8 encoding of channelId for its length, a rope string per clientMsgNo and msgKey hex, and the inbox placeholder of an own send that nothing kept. ' +
  'Full runs of this bench (before the recorded one, with the idle-key change still in): official / ours 4.5x (rounds, ours / official: 113/353, 71/319, 70/374) and 4.2x (124/403, 116/488, 124/562); single rounds reach 5.3x, the medians do not: the 5x target is not reached. ' +
  'What is left per message (inspector profile at a 50 µs interval): the socket writes (native, 10-15%: the floor\'s cost), the garbage collector (10-15%), noble\'s AES block function (5-8%: the msgKey alone encrypts ~8 blocks per SEND, as the protocol asks), the simulated wx storage serialising and sizing each record (8-9%; it stands in for the phone\'s native storage, and the official SDK stores nothing), the diagnostics trace of each message (~3%) and three status events per message with the conversation list, history and inbox bookkeeping they feed (5-8%). None is a single hot spot; each further cut is a few per cent, inside this machine\'s ±30% noise.\n\n' +
  'Paired with 6362df2 (before the second CPU pass of issue 21): `E2E_CHILD_ONLY=1 E2E_REPEAT=3`, this code then 6362df2, twice, then again twice, 2026-12-02, machine shared with other sessions (load average 5.4-9.5 for the first four runs, a jest run alongside the second pair; 3.9-5.2 for the last four). ' +
  'Ours, median µs per acked message: 148 / 128 / 109 / 118 against 167 / 120 / 117 / 168 (mean 126 against 143, -12%, inside the ±30% noise); official / ours 2.5 / 2.75 / 3.6 / 3.3 against 3.2 / 3.9 / 3.1 / 3.0. ' +
  'The 5x target needs about 90 µs here; the floor is 25-45 µs, so `ws` and the socket do not rule it out: the gap is SDK work per message (persisting and forgetting each record through the storage API, which the simulated wx serialises in this process, AES and MD5 per SEND, the status events and traces). Not reached.'

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

type Round = Record<'ours' | 'official' | 'floorEach' | 'floorCoalesced' | 'oursDefault', Record<string, number>>

/** Messages of the default-window row per round (one round trip each, so fewer). */
const N_DEFAULT = Math.max(1, Math.round(N / 5))

export async function run(): Promise<Record<string, unknown>> {
  const o = CHILD_ONLY ? undefined : await inProcess((s) => ours(s, 'alice'))
  const windowed = CHILD_ONLY ? undefined : await inProcess((s) => ours(s, 'alice', 500))
  const off = CHILD_ONLY ? undefined : await inProcess((s) => official(s, 'alice'))
  const child = await childServer()
  const rounds: Round[] = []
  try {
    // Untimed warm-up of both clients, N messages each: the first round would otherwise charge JIT
    // compilation and the heap's growth to whichever runs cold. (With N/5, our first round after it
    // cost 30-60% more than the next ones, the official SDK's did not: holding N queued records
    // grows the heap once per process.)
    await ours(child, 'alice-warm', undefined, N)
    await official(child, 'alice-warm-o', N)
    for (let r = 0; r < REPEAT; r++) {
      const round = {} as Round
      const sdks = async (): Promise<void> => {
        const steps: Array<() => Promise<void>> = [async () => void (round.ours = await ours(child, `alice-c${r}`)), async () => void (round.official = await official(child, `alice-o${r}`))]
        for (const step of r % 2 ? steps.reverse() : steps) await step()
      }
      await sdks()
      round.floorEach = await floor(child, `alice-f${r}`, N, false)
      round.floorCoalesced = await floor(child, `alice-g${r}`, N, true)
      round.oursDefault = await ours(child, `alice-d${r}`, undefined, N_DEFAULT, 'sdk default')
      rounds.push(round)
    }
  } finally {
    await child.close()
  }
  const med = (k: keyof Round, f: string): number => median(rounds.map((x) => x[k][f]!))
  const childRow = (k: keyof Round): Record<string, number> => ({ n: N, ackedPerSec: med(k, 'ackedPerSec'), p50Ms: med(k, 'p50Ms'), p99Ms: med(k, 'p99Ms'), cpuUsPerMsg: med(k, 'cpuUsPerMsg') })
  return {
    ...(o && { ours: o, oursWindowed500: windowed, official: off, oursOverOfficial: ratio(o.ackedPerSec!, off!.ackedPerSec!) }),
    serverInChild: { ours: childRow('ours'), official: childRow('official'), floorEach: childRow('floorEach'), floorCoalesced: childRow('floorCoalesced'), oursDefault: { ...childRow('oursDefault'), n: N_DEFAULT } },
    rounds: rounds.map((x) => ({ ours: x.ours.cpuUsPerMsg, official: x.official.cpuUsPerMsg, floorEach: x.floorEach.cpuUsPerMsg, floorCoalesced: x.floorCoalesced.cpuUsPerMsg, oursDefault: x.oursDefault.cpuUsPerMsg })),
    note: `${N} messages per row; ours with outbox.maxMessages raised to N+100 (default 1,000) so all N can be queued at once`,
    oursOverOfficialServerInChild: ratio(med('ours', 'ackedPerSec'), med('official', 'ackedPerSec')),
    officialCpuOverOursServerInChild: median(rounds.map((x) => x.official.cpuUsPerMsg! / x.ours.cpuUsPerMsg!)),
    targets: { oursOverOfficial: '>= 10', officialCpuOverOurs: '>= 5' },
  }
}

export function render(r: Record<string, unknown>): string {
  const row = (name: string, placement: string, x: Record<string, number> | undefined): string =>
    x ? `| ${name} | ${placement} | ${x.n} | ${x.ackedPerSec} | ${x.p50Ms ?? '–'} | ${x.p99Ms ?? '–'} | ${x.cpuUsPerMsg ?? '–'} |` : ''
  const child = r.serverInChild as Record<string, Record<string, number>>
  const rounds = (r.rounds ?? []) as Array<Record<string, number>>
  const inProc = r.oursOverOfficial as number | undefined
  const best = Math.max(inProc ?? 0, r.oursOverOfficialServerInChild as number)
  const cpuRatio = Math.round((r.officialCpuOverOursServerInChild as number) * 10) / 10
  const officialFifth = Math.round(child.official!.cpuUsPerMsg! / 5)
  const floors = [child.floorEach?.cpuUsPerMsg, child.floorCoalesced?.cpuUsPerMsg].filter((x): x is number => x !== undefined)
  return [
    '| client | server | messages | acked msgs/s | p50 send→ack ms | p99 send→ack ms | CPU µs per acked msg (this process) |',
    '|---|---|---|---|---|---|---|',
    ...[row('wukongim-mp, all queued at once', 'in-process', r.ours as Record<string, number> | undefined), row('wukongim-mp, ≤ 500 outstanding', 'in-process', r.oursWindowed500 as Record<string, number> | undefined), row('wukongimjssdk@1.0.4', 'in-process', r.official as Record<string, number> | undefined)].filter(Boolean),
    row('wukongim-mp, all queued at once', 'child process', child.ours),
    row('wukongimjssdk@1.0.4', 'child process', child.official),
    ...(child.floorEach ? [row('floor: pre-encoded frames, one `ws` message each', 'child process', child.floorEach), row('floor: pre-encoded frames, 32 per `ws` message', 'child process', child.floorCoalesced)] : []),
    ...(child.oursDefault ? [row('wukongim-mp, default channel window (1 on v3), all queued at once', 'child process', child.oursDefault)] : []),
    '',
    (inProc !== undefined ? `Acked msgs/s, ours / official: **${inProc}x** with the server in-process, ` : 'Acked msgs/s, ours / official: ') +
      `**${String(r.oursOverOfficialServerInChild)}x** with the server in a child process (target ≥ 10x: ${best >= 10 ? 'met' : 'MISSED'}). ` +
      `Client CPU per acked message, official / ours: **${cpuRatio}x** (median of per-round ratios; target ≥ 5x: ${cpuRatio >= 5 ? 'met' : 'MISSED'}). ` +
      (floors.length ? `The floor (nothing but writing pre-encoded frames and counting SENDACKs) costs ${floors.join(' / ')} µs per message; official / 5 = ${officialFifth} µs, ${officialFifth < Math.min(...floors) ? '**below the floor: 5x is out of reach in this bench for any client**' : 'above the floor'}. ` : '') +
      `Child-process rows: medians of ${rounds.length} rounds, order alternated (CPU µs per round, ours / official / floor each / floor coalesced / ours default window: ${rounds.map((x) => `${x.ours}/${x.official}/${x.floorEach}/${x.floorCoalesced}/${x.oursDefault ?? '–'}`).join(', ')}). ` +
      `${String(r.note)}. In-process CPU includes the server's work; with the server in a child process it is the client's alone. ` +
      (child.oursDefault
        ? `The comparison rows pipeline SENDs (outbox.channelWindow 0), as the official SDK does. The SDK's default on a v3 server, or before the line is known, is one SEND per channel in flight (the real v3 server mixes up pipelined SENDs of one channel: docs/wukongim-real-server.md): a one-channel burst then costs a round trip per message, and the CPU per message is mostly the two socket wake-ups of each round trip (see the default-window row; ${child.oursDefault.n} messages per round).`
        : ''),
    '',
    PAIRED,
  ].join('\n')
}
