/**
 * End to end against the real WuKongIM v3 server (one node, built from ../shared/wukongim-v3/ by
 * the real-server harness, test/wukongim/server.ts): our client and the official wukongimjssdk@1.0.4
 * each send E2E_V3_N (default 300) small encrypted person messages and wait for every SENDACK, one after the other,
 * same run, same server process. The server is a separate (Go) process, so the CPU per acked
 * message is this Node process's: the client's own cost. Against the local Node server (bench/e2e)
 * both clients mostly measure that server; here the rates are the real server's plus the client's.
 */
import { official, ours, type ServerUrls } from './e2e'
import { ensureWukongim, startWukongim } from '../test/wukongim/server'

const ratio = (a: number, b: number): number => Math.round((a / b) * 10) / 10
/**
 * Messages per client (E2E_V3_N): fewer than bench/e2e's 10,000, the real server stores each one on
 * disk. 100: on a quiet machine (2026-12-03) 1.0.4's burst of 300 pipelined SENDs got no SENDACK
 * at all from this server (30 and 100 did; 300 did on the loaded machine of 2026-12-02).
 */
const N = Number(process.env.E2E_V3_N ?? 100)

export async function run(): Promise<Record<string, unknown>> {
  process.env.WUKONGIM_LINE = 'v3'
  const ensured = await ensureWukongim()
  if ('skipped' in ensured) return { skipped: ensured.skipped }
  const wk = await startWukongim()
  // v3 checks no CONNECT tokens (docs/wukongim-real-server.md), so nothing needs registering.
  const server: ServerUrls = { wsUrl: wk.wsUrl, apiUrl: wk.apiUrl, register: () => undefined, close: () => wk.stop() }
  try {
    const run = Date.now().toString(36)
    // The SDK's default: one SEND per channel in flight on v3 (this server mixes up pipelined ones).
    const o = await ours(server, `bench-ours-${run}`, undefined, N, 'sdk default')
    // 1.0.4 pipelines its SENDs and never re-sends one: on this server some are never answered.
    const off = await official(server, `bench-official-${run}`, N, 15_000)
    return {
      server: `WuKongIM ${wk.version}, one node (separate process)`,
      ours: o,
      official: off,
      oursOverOfficial: ratio(o.ackedPerSec!, off.ackedPerSec!),
      officialCpuOverOurs: ratio(off.cpuUsPerMsg!, o.cpuUsPerMsg!),
      note: 'each client alone against the server in turn; ours with every message queued at once (outbox.maxMessages N+100) and its default channel window (one SEND per channel in flight on v3), the official SDK awaiting each send() as its API does (its SENDs pipeline)',
    }
  } finally {
    await server.close()
  }
}

export function render(r: Record<string, unknown>): string {
  if (r.skipped) return `Not measured: ${String(r.skipped)}.`
  const row = (name: string, x: Record<string, number>): string => `| ${name} | ${x.n} | ${x.missing ?? 0} | ${x.ackedPerSec} | ${x.p50Ms} | ${x.p99Ms} | ${x.cpuUsPerMsg} |`
  return [
    `Server: ${String(r.server)}.`,
    '',
    '| client | messages | SENDACK never came | acked msgs/s | p50 send→ack ms | p99 send→ack ms | client CPU µs per acked msg |',
    '|---|---|---|---|---|---|---|',
    row('wukongim-mp', r.ours as Record<string, number>),
    row('wukongimjssdk@1.0.4', r.official as Record<string, number>),
    '',
    `Acked msgs/s, ours / official: **${String(r.oursOverOfficial)}x**; client CPU per acked message, official / ours: **${String(r.officialCpuOverOurs)}x**. ${String(r.note)}.`,
  ].join('\n')
}
