/**
 * The stored conversation list and message history (issue 20) at 100 conversations × 200 stored
 * messages: what a cold start costs before the socket is up, what the store costs in storage and
 * writes, and how fast a chat opens from storage.
 *
 * Method:
 * - Seed: the SDK's own conversations and history parts (the code createClient runs) are fed
 *   100 person channels × 200 messages (a ~60-byte JSON text each) over the memory platform, and
 *   write what they write. That storage is the device the cold starts below read.
 * - Cold start: createClient over a fresh memory platform holding a copy of that storage (the
 *   socket dials nowhere: never up), timed from createClient to the first `conversations` event
 *   (the list from storage), median of 9. Counted too: the storage keys read until then.
 * - messages() first page: each of 20 channels opened once after a cold start (its chunk read and
 *   decoded), median and max.
 * - Heap: heapUsed after a cold start, and after all 100 channels were opened (a full gc first),
 *   for the whole process (the bench's own copy of the seeded storage included).
 * - Burst: that client connects to the in-process local server (virtual time, virtual sockets)
 *   and gets 1,000 messages from 10 senders pushed at once; counted: storage writes per received
 *   message, of the history (`:h` keys), of the conversation list, and of everything (the inbox
 *   state included), until 5 virtual seconds after the last delivery.
 */
import { createClient } from '../sdk/client'
import { conversationsPart } from '../sdk/conversations/conversations'
import { historyPart } from '../sdk/history/history'
import { createMemoryPlatform } from '../sdk/platform/memory'
import type { MemoryPlatform } from '../sdk/platform/memory'
import type { InboundMessage } from '../sdk/types'
import { ServerCore } from '../test/support/server/core'
import { virtualConnector } from '../test/support/sim-wx'
import { VirtualScheduler } from '../test/support/virtual-time'
import { setFlagsFromString } from 'v8'
import { runInNewContext } from 'vm'

const CONVERSATIONS = 100
const PER_CHANNEL = 200
const BURST = 1_000
const quiet = { record: () => undefined, trace: () => undefined }
const FLAGS = { noPersist: false, redDot: true, syncOnce: false }
const text = (s: string): Uint8Array => new TextEncoder().encode(JSON.stringify({ type: 1, content: s }))
const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d

async function seed(): Promise<Map<string, string>> {
  const platform = createMemoryPlatform({ seed: 7 })
  const prefix = 'wkmp:alice'
  const sync = { syncMessages: async () => ({ messages: [], more: false }), syncConversations: async () => [] }
  const convs = conversationsPart.create({ uid: 'alice', platform, prefix, sync, diagnostics: quiet, emit: () => undefined, random: () => 0.5 })
  const hist = historyPart.create({ uid: 'alice', platform, prefix, sync, diagnostics: quiet, pending: () => [], topSeq: () => undefined })
  await Promise.all([convs.load(), hist.load()])
  for (let c = 0; c < CONVERSATIONS; c++) {
    for (let seq = 1; seq <= PER_CHANNEL; seq++) {
      const m: InboundMessage = {
        messageId: String(1_000_000 + c * PER_CHANNEL + seq), messageSeq: seq, clientMsgNo: `c${c}-${seq}-0123456789abcdef`, fromUid: `user${c}`, channelId: `user${c}`, channelType: 1,
        timestamp: 1_760_000_000 + c * PER_CHANNEL + seq, payload: text(`message ${seq} in conversation ${c}, some words`), flags: FLAGS, source: 'push',
      }
      convs.onMessage(m)
      hist.onMessage(m)
    }
  }
  await Promise.all([convs.flush(), hist.flush()])
  convs.close()
  hist.close()
  return platform.control.data
}

function coldClient(data: Map<string, string>, platform?: MemoryPlatform) {
  const p = platform ?? createMemoryPlatform({ data: new Map(data), seed: 9 })
  const client = createClient({ uid: 'alice', token: 'alice-token', wsAddr: 'ws://core', platform: p, diagnostics: quiet })
  return { client, platform: p }
}

async function coldStart(data: Map<string, string>): Promise<{ ms: number; reads: number }> {
  const platform = createMemoryPlatform({ data: new Map(data), seed: 9 })
  let reads = 0
  const get = platform.storage.get.bind(platform.storage)
  platform.storage.get = (key) => ((reads += 1), get(key))
  const t0 = performance.now()
  const { client } = coldClient(data, platform)
  const first = new Promise<number>((resolve) => client.on('conversations', (list) => resolve(list.length)))
  void client.connect().catch(() => undefined)
  const n = await first
  const ms = performance.now() - t0
  if (n !== CONVERSATIONS) throw new Error(`the stored list had ${n} conversations`)
  const readsAtFirst = reads
  await client.close()
  return { ms, reads: readsAtFirst }
}

async function burst(data: Map<string, string>): Promise<Record<string, number>> {
  const time = new VirtualScheduler()
  let seedByte = 1
  const random = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => (seedByte = (seedByte * 73 + 41) & 0xff))
  const core = new ServerCore({ mode: 'v3', encrypt: true, clock: time, timers: time, random, routes: { wsAddr: 'ws://core' } })
  core.registerToken('alice', 'alice-token')
  const platform = createMemoryPlatform({
    clock: time, timers: time, random, data: new Map(data),
    connect: virtualConnector((sink) => core.accept(sink), { latencyMs: 1 }),
    http: async (req) => {
      const res = await core.handleHttp(req.method, req.url.replace(/^https?:\/\/[^/]+/, ''), req.data)
      return { status: res.status, data: res.body }
    },
  })
  const client = createClient({ uid: 'alice', token: 'alice-token', wsAddr: 'ws://core', apiAddr: 'http://api', platform, diagnostics: quiet, random: () => 0.5 })
  let got = 0
  client.on('message', () => void got++)
  await client.connect()
  for (let i = 0; i < 100 && client.state !== 'connected'; i++) await time.advance(50)
  await time.advance(3_000)
  const writes = { history: 0, conversations: 0, all: 0 }
  const set = platform.storage.set.bind(platform.storage)
  platform.storage.set = (key, value) => {
    writes.all++
    if (/^wkmp:alice:h(:|$)/.test(key)) writes.history++
    if (key === 'wkmp:alice:conversations') writes.conversations++
    return set(key, value)
  }
  for (let i = 0; i < BURST; i++) {
    core.submit(`user${i % 10}`, { flags: { dup: false, syncOnce: false, redDot: true, noPersist: false }, setting: 0, clientMsgNo: `burst-${i}`, channelId: 'alice', channelType: 1, expire: 0 }, text(`burst ${i}`)).deliver?.()
  }
  for (let i = 0; i < 600 && got < BURST; i++) await time.advance(10)
  if (got < BURST) throw new Error(`only ${got} of ${BURST} delivered (client ${client.state})`)
  await time.advance(5_000)
  await client.close()
  return { history: round(writes.history / BURST, 3), conversations: round(writes.conversations / BURST, 3), historyAndList: round((writes.history + writes.conversations) / BURST, 3), all: round(writes.all / BURST, 3), historyWrites: writes.history }
}

/** A full GC before each heap reading (node's gc, exposed at run time for this bench). */
function exposeGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc')
    return runInNewContext('gc') as () => void
  } catch {
    return undefined
  }
}
const collect = exposeGc()
const gc = (): void => collect?.()

export async function run(): Promise<Record<string, unknown>> {
  const data = await seed()
  let bytes = 0
  let historyBytes = 0
  let biggestKey = 0
  for (const [key, value] of data) {
    bytes += key.length + value.length
    if (/^wkmp:alice:h(:|$)/.test(key)) historyBytes += value.length
    biggestKey = Math.max(biggestKey, value.length)
  }
  const cold: Array<{ ms: number; reads: number }> = []
  for (let i = 0; i < 9; i++) cold.push(await coldStart(data))

  const open: number[] = []
  const { client } = coldClient(data)
  await client.restored()
  gc()
  const heapCold = process.memoryUsage().heapUsed
  for (let c = 0; c < CONVERSATIONS; c++) {
    const t0 = performance.now()
    const page = await client.messages({ channelId: `user${c}`, channelType: 1 })
    if (c < 20) open.push(performance.now() - t0)
    if (page.messages.length !== 20 || page.messages[19]?.messageSeq !== PER_CHANNEL) throw new Error(`conversation ${c}: a first page of ${page.messages.length}`)
  }
  gc()
  const heapOpened = process.memoryUsage().heapUsed
  await client.close()

  return {
    conversations: CONVERSATIONS,
    storedPerConversation: PER_CHANNEL,
    coldStartToListMs: { median: round(median(cold.map((c) => c.ms))), max: round(Math.max(...cold.map((c) => c.ms))), target: 50 },
    keysReadBeforeList: cold[0]?.reads ?? 0,
    storageBytes: { total: bytes, history: historyBytes, biggestKey, keys: data.size },
    firstPageMs: { median: round(median(open)), max: round(Math.max(...open)) },
    heapMB: { afterColdStart: round(heapCold / 1e6, 1), after100Opened: round(heapOpened / 1e6, 1), gc: collect !== undefined },
    writesPerMessage: { ...(await burst(data)), target: 0.1 },
  }
}

export function render(r: Record<string, unknown>): string {
  const cold = r.coldStartToListMs as Record<string, number>
  const s = r.storageBytes as { total: number; history: number; biggestKey: number; keys: number }
  const open = r.firstPageMs as Record<string, number>
  const heap = r.heapMB as Record<string, unknown>
  const w = r.writesPerMessage as Record<string, number>
  return [
    `${String(r.conversations)} conversations × ${String(r.storedPerConversation)} stored messages each (memory platform; the burst in virtual time against the in-process server).`,
    '',
    '| Measure | value | target |',
    '|---|---:|---:|',
    `| cold start → first \`conversations\` event from storage (socket not up), median / max of 9 | ${cold.median} / ${cold.max} ms | < ${cold.target} ms |`,
    `| storage keys read before that event | ${String(r.keysReadBeforeList)} | |`,
    `| storage: all keys / history (${s.keys} keys; largest key) | ${(s.total / 1e6).toFixed(2)} MB / ${(s.history / 1e6).toFixed(2)} MB (${(s.biggestKey / 1e3).toFixed(1)} KB) | history ≤ 4 MB, key < 1 MB |`,
    `| messages() first page from storage (first open of a channel), median / max of 20 | ${open.median} / ${open.max} ms | |`,
    `| heap after the cold start / after all 100 chats opened${heap.gc ? '' : ' (no --expose-gc: indicative)'} | ${String(heap.afterColdStart)} / ${String(heap.after100Opened)} MB | |`,
    `| writes per received message, 1,000-message burst: history + list (history, list) | ${w.historyAndList} (${w.history}, ${w.conversations}) | ≤ ${w.target} |`,
    `| writes per received message, everything (inbox state included) | ${w.all} | |`,
  ].join('\n')
}
