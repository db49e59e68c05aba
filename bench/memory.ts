/**
 * Heap held by 10,000 queued messages: a client offline over the simulated wx (real scheduler)
 * queues N small person messages; heapUsed after a forced GC, before and after, is compared.
 * GC is exposed at run time via v8.setFlagsFromString('--expose-gc') (no node flag needed).
 * The figure includes the simulated storage's copy of the outbox (in a mini-program that lives in
 * wx storage, not the JS heap), so it is an upper bound for the client itself.
 */
import { setFlagsFromString } from 'v8'
import { runInNewContext } from 'vm'
import { createClient } from '../sdk/client'
import { createSimWx, realConnector } from '../test/support/sim-wx'

const N = 10_000

function gcFn(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

export async function run(): Promise<Record<string, unknown>> {
  const gc = gcFn()
  const heap = async () => {
    for (let i = 0; i < 3; i++) {
      gc()
      await new Promise((r) => setTimeout(r, 20))
    }
    return process.memoryUsage().heapUsed
  }
  const sim = createSimWx({ scheduler: 'real', connect: realConnector(), network: { online: false } })
  const client = createClient({ uid: 'alice', token: 'alice-token', wsAddr: 'ws://127.0.0.1:9', apiAddr: 'http://127.0.0.1:9', platform: sim.control.platform(), outbox: { maxMessages: N + 10 } })
  await client.ready()
  client.connect()
  const before = await heap()
  for (let i = 0; i < N; i++) await client.send({ channelId: 'bob', channelType: 1, payload: `queued message ${i}` })
  const after = await heap()
  await client.close().catch(() => undefined)
  const mb = Math.round(((after - before) / 1024 / 1024) * 100) / 100
  return { queued: N, heapDeltaMB: mb, bytesPerMessage: Math.round((after - before) / N), gc: 'forced', includesSimStorage: true, targets: { heapDeltaMB: '< 10' } }
}

export function render(r: Record<string, unknown>): string {
  const mb = r.heapDeltaMB as number
  return `Heap held by ${String(r.queued)} queued messages: **${mb} MB** (${String(r.bytesPerMessage)} B/message, after forced GC; includes the simulated storage's copy) — target < 10 MB: ${mb < 10 ? 'met' : 'MISSED'}.`
}
