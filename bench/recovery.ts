/**
 * Recovery: 1,000 messages queued while offline (simulated wx, real scheduler, real sockets to the
 * local server), then `setNetwork({ online: true })`: time until every one is acked ('sent').
 * The official SDK's dead-link detection is computed from its constants (60 s ping interval,
 * more than 3 missed pings before it gives up → about 240 s), not measured.
 * Not yet measured: show-after-background-kill → flushed, and our dead-link detection in virtual time.
 */
import { createClient } from '../sdk/client'
import { createSimWx, realConnector } from '../test/support/sim-wx'
import { startLocalServer } from '../test/support/server/ws-server'

const N = 1_000

export async function run(): Promise<Record<string, unknown>> {
  const server = await startLocalServer({ wsPort: 0, apiPort: 0, mode: 'v3', encrypt: true })
  server.core.registerToken('alice', 'alice-token')
  server.core.registerToken('bob', 'bob-token')
  const sim = createSimWx({ scheduler: 'real', connect: realConnector(), network: { online: false } })
  const client = createClient({ uid: 'alice', token: 'alice-token', wsAddr: server.wsUrl, apiAddr: server.apiUrl, platform: sim.control.platform(), outbox: { maxMessages: N + 10 } })
  let acked = 0
  client.on('messageStatus', (m) => {
    if (m.status === 'sent') acked++
  })
  try {
    await client.ready()
    client.connect()
    for (let i = 0; i < N; i++) await client.send({ channelId: 'bob', channelType: 1, payload: `offline ${i}` })
    const t0 = performance.now()
    sim.control.setNetwork({ online: true })
    while (acked < N && performance.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 2))
    const ms = Math.round(performance.now() - t0)
    return {
      queued: N,
      acked,
      onlineToAllAckedMs: ms,
      officialDeadLinkComputedS: 240,
      notMeasured: ['show after background socket kill → reconnected and flushed (target < 1 s)', 'our dead-link detection in virtual time (target < 60 s)'],
      targets: { onlineToAllAckedMs: '< 500' },
    }
  } finally {
    await client.close().catch(() => undefined)
    await server.close()
  }
}

export function render(r: Record<string, unknown>): string {
  const ms = r.onlineToAllAckedMs as number
  return [
    `${String(r.queued)} queued offline → online → all acked (${String(r.acked)}): **${ms} ms** (target < 500 ms: ${ms < 500 ? 'met' : 'MISSED'}).`,
    '',
    `Official SDK dead-link detection: ~${String(r.officialDeadLinkComputedS)} s, **computed** from its constants (60 s ping interval, > 3 missed), not measured.`,
    '',
    `Not measured yet: ${(r.notMeasured as string[]).join('; ')}.`,
  ].join('\n')
}
