/**
 * Heap held by 10,000 queued messages: a client offline over the simulated wx (real scheduler)
 * queues N small person messages; heapUsed after a forced GC, before and after, is compared.
 * GC is exposed at run time via v8.setFlagsFromString('--expose-gc') (no node flag needed).
 * The first figure includes the simulated storage's copy of the outbox (in a mini-program that
 * lives in wx storage, not the JS heap); then that copy is deleted from the simulated "disk" and the
 * heap measured again, which gives the client's own share.
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
  await client.restored()
  client.connect()
  const before = await heap()
  for (let i = 0; i < N; i++) await client.send({ channelId: 'bob', channelType: 1, payload: `queued message ${i}` })
  const after = await heap()
  if (client.pending().length !== N) throw new Error(`expected ${N} queued, got ${client.pending().length}`)
  const disk = sim.control.storage.data
  for (const key of [...disk.items.keys()]) disk.delete(key)
  const clientOnly = await heap()
  await client.close().catch(() => undefined)
  const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 100) / 100
  return {
    queued: N,
    heapDeltaMB: mb(after - before),
    bytesPerMessage: Math.round((after - before) / N),
    clientOnlyMB: mb(clientOnly - before),
    clientOnlyBytesPerMessage: Math.round((clientOnly - before) / N),
    gc: 'forced',
    includesSimStorage: true,
    targets: { clientOnlyMB: '< 10' },
  }
}

export function render(r: Record<string, unknown>): string {
  const all = r.heapDeltaMB as number
  const own = r.clientOnlyMB as number | undefined
  if (own === undefined) return `Heap held by ${String(r.queued)} queued messages: **${all} MB** (includes the simulated storage's copy) — target < 10 MB: ${all < 10 ? 'met' : 'MISSED'}.`
  return [
    `Heap held by ${String(r.queued)} queued messages, the client's own: **${own} MB** (${String(r.clientOnlyBytesPerMessage)} B/message) — target < 10 MB: ${own < 10 ? 'met' : 'MISSED'}.`,
    `With the simulated storage's copy of the outbox in the same heap: ${all} MB (${String(r.bytesPerMessage)} B/message; ${all < 10 ? 'also under' : 'over'} 10 MB). In a mini-program that copy lives in wx storage on the native side, not in the JS heap. Forced GC before each reading.`,
  ].join('\n\n')
}
