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
 *   only the client, so CPU/msg is the client's own cost — the fair per-message comparison.
 */
import { spawn } from 'child_process'
import { createClient } from '../sdk/client'
import { createSimWx, realConnector } from '../test/support/sim-wx'
import { startLocalServer } from '../test/support/server/ws-server'
import { officialSdk, until } from './support'

const N = Number(process.env.E2E_N ?? 10_000)

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


export async function ours(server: ServerUrls, uid: string, maxOutstanding?: number, n = N): Promise<Record<string, number>> {
  server.register(uid, 'alice-token')
  server.register('bob', 'bob-token')
  const sim = createSimWx({ scheduler: 'real', connect: realConnector() })
  const client = createClient({ uid, token: 'alice-token', wsAddr: server.wsUrl, apiAddr: server.apiUrl, platform: sim.control.platform(), outbox: { maxMessages: maxOutstanding ? 1_000 : n + 100 } })
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

export async function official(server: ServerUrls, uid: string, n = N): Promise<Record<string, number>> {
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
    await until(() => ackAt.size >= n, 'official SENDACKs', 120_000)
    const secs = (performance.now() - t0) / 1000
    const cpu = cpuUs(c0)
    const lat = [...ackAt].map(([seq, t]) => t - (sentAt.get(seq) ?? t0)).sort((a, b) => a - b)
    return { n, seconds: Math.round(secs * 1000) / 1000, ackedPerSec: Math.round(n / secs), p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), cpuUsPerMsg: Math.round(cpu / n) }
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

export async function run(): Promise<Record<string, unknown>> {
  const o = await inProcess((s) => ours(s, 'alice'))
  const windowed = await inProcess((s) => ours(s, 'alice', 500))
  const off = await inProcess((s) => official(s, 'alice'))
  const child = await childServer()
  let childOurs: Record<string, number>
  let childOfficial: Record<string, number>
  try {
    childOurs = await ours(child, 'alice-c1')
    childOfficial = await official(child, 'alice-c2')
  } finally {
    await child.close()
  }
  return {
    ours: o,
    oursWindowed500: windowed,
    official: off,
    serverInChild: { ours: childOurs, official: childOfficial },
    note: `${N} messages per row; ours with outbox.maxMessages raised to N+100 (default 1,000) so all N can be queued at once`,
    oursOverOfficial: ratio(o.ackedPerSec!, off.ackedPerSec!),
    oursOverOfficialServerInChild: ratio(childOurs.ackedPerSec!, childOfficial.ackedPerSec!),
    officialCpuOverOursServerInChild: ratio(childOfficial.cpuUsPerMsg!, childOurs.cpuUsPerMsg!),
    targets: { oursOverOfficial: '>= 10' },
  }
}

export function render(r: Record<string, unknown>): string {
  const row = (name: string, placement: string, x: Record<string, number>): string =>
    `| ${name} | ${placement} | ${x.n} | ${x.ackedPerSec} | ${x.p50Ms} | ${x.p99Ms} | ${x.cpuUsPerMsg ?? '–'} |`
  const child = r.serverInChild as Record<string, Record<string, number>> | undefined
  const ratio = r.oursOverOfficial as number
  const best = Math.max(ratio, (r.oursOverOfficialServerInChild as number | undefined) ?? 0)
  return [
    '| client | server | messages | acked msgs/s | p50 send→ack ms | p99 send→ack ms | CPU µs per acked msg (this process) |',
    '|---|---|---|---|---|---|---|',
    row('wukongim-mp, all queued at once', 'in-process', r.ours as Record<string, number>),
    row('wukongim-mp, ≤ 500 outstanding', 'in-process', r.oursWindowed500 as Record<string, number>),
    row('wukongimjssdk@1.0.4', 'in-process', r.official as Record<string, number>),
    ...(child ? [row('wukongim-mp, all queued at once', 'child process', child.ours!), row('wukongimjssdk@1.0.4', 'child process', child.official!)] : []),
    '',
    `Acked msgs/s, ours / official: **${ratio}x** with the server in-process` +
      (child ? `, **${String(r.oursOverOfficialServerInChild)}x** with the server in a child process; client CPU per acked message, official / ours: **${String(r.officialCpuOverOursServerInChild)}x**` : '') +
      ` (target ≥ 10x acked msgs/s: ${best >= 10 ? 'met' : 'MISSED'}). ${String(r.note)}. In-process CPU includes the server's work; with the server in a child process it is the client's alone.`,
  ].join('\n')
}
