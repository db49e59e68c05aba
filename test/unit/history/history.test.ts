/**
 * History (issue 20) in virtual time over the memory platform: merge by seq without duplicates,
 * paging across the store/server boundary, gaps the server cannot fill, eviction of the least
 * recently opened channels, chunks under 1 MB, a corrupt chunk dropped and fetched again, batched
 * writes, pending outbox messages on the newest page, bad arguments and sync failures.
 */
import type { DiagnosticsSink } from '../../../sdk/diagnostics/types'
import { decodeContent } from '../../../sdk/content/codec'
import { ClientError, InvalidArgumentError } from '../../../sdk/errors'
import { History } from '../../../sdk/history/history'
import type { HistoryOptions } from '../../../sdk/history/history'
import { CHUNK_MAX } from '../../../sdk/history/store'
import { createMemoryPlatform } from '../../../sdk/platform/memory'
import type { MemoryPlatform } from '../../../sdk/platform/memory'
import type { MessageSyncRequest, SyncProvider } from '../../../sdk/sync/types'
import type { InboundMessage, OutboxMessage } from '../../../sdk/types'

const PREFIX = 'wkmp:alice'
const BOB = { channelId: 'bob', channelType: 1 }
const FLAGS = { noPersist: false, redDot: true, syncOnce: false }

function msg(channelId: string, seq: number, size = 1): InboundMessage {
  const payload = new Uint8Array(size).fill(seq & 0xff)
  return { messageId: `${channelId}-${seq}`, messageSeq: seq, clientMsgNo: `${channelId}-c${seq}`, fromUid: channelId, channelId, channelType: 1, timestamp: 1_700_000_000 + seq, payload, flags: FLAGS, source: 'push' }
}

interface RigOptions {
  data?: Map<string, string>
  /** The server's messages per channel id (all of them; seqs missing here are gaps on the server). */
  server?: Map<string, InboundMessage[]>
  options?: HistoryOptions
  pending?: OutboxMessage[]
  fail?: () => boolean
  platform?: MemoryPlatform
  top?: number
}

function rig(o: RigOptions = {}) {
  const platform = o.platform ?? createMemoryPlatform({ data: o.data })
  const asked: MessageSyncRequest[] = []
  const log: Array<[string, string]> = []
  const diagnostics: DiagnosticsSink = { record: (_c, e, d) => void log.push([e, JSON.stringify(d)]), trace: () => undefined }
  const sync: SyncProvider = {
    syncMessages: async (req) => {
      asked.push(req)
      if (o.fail?.()) throw new Error('HTTP 502')
      const all = (o.server?.get(req.channelId) ?? []).filter((m) => m.messageSeq >= req.startSeq && (req.endSeq === 0 || m.messageSeq < req.endSeq))
      return { messages: all.slice(0, req.limit).map((m) => ({ ...m, source: 'sync' as const })), more: all.length > req.limit }
    },
    syncConversations: async () => [],
  }
  const history = new History({
    uid: 'alice', platform, prefix: PREFIX, sync, diagnostics,
    pending: () => o.pending ?? [],
    topSeq: () => o.top,
    options: { writeDelayMs: 1000, ...o.options },
  })
  return { platform, history, asked, log }
}

const settle = async (platform: MemoryPlatform, ms = 0): Promise<void> => {
  for (let i = 0; i < 30; i++) await Promise.resolve()
  if (ms > 0) platform.control.advance(ms)
  for (let i = 0; i < 30; i++) await Promise.resolve()
}
const seqs = (page: { messages: Array<{ messageSeq: number }> }) => page.messages.map((m) => m.messageSeq)
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i)
const serverOf = (channelId: string, all: number[]) => new Map([[channelId, all.map((s) => msg(channelId, s))]])

describe('History', () => {
  it('merges every delivery by seq, once, in seq order; the newest page needs no server', async () => {
    const { history, asked } = rig()
    await history.load()
    for (const s of [3, 1, 2, 2, 5, 4, 3]) history.onMessage(msg('bob', s))
    history.onMessage({ ...msg('bob', 0) }) // no seq (not stored on the server): not kept
    const page = await history.messages(BOB)
    expect(seqs(page)).toEqual([1, 2, 3, 4, 5])
    expect(page).toMatchObject({ more: false, gaps: [], from: 1 })
    expect(page.messages[0]).toMatchObject({ clientMsgNo: 'bob-c1', fromUid: 'bob', channelId: 'bob', timestamp: 1_700_000_001_000, content: decodeContent(new Uint8Array([1])) })
    expect(asked).toEqual([])
  })

  it('pages backwards from storage, then from the server, stitched by seq with no duplicates and the middle filled', async () => {
    const server = serverOf('bob', range(1, 60))
    const { history, asked } = rig({ server })
    await history.load()
    // The store holds the newest (41..60) and some old ones (1..5): the middle is missing.
    for (const s of [...range(1, 5), ...range(41, 60)]) history.onMessage(msg('bob', s))
    const first = await history.messages(BOB, { limit: 20 })
    expect(seqs(first)).toEqual(range(41, 60))
    expect(first.more).toBe(true)
    expect(asked).toEqual([])
    const second = await history.messages(BOB, { before: first.from, limit: 20 })
    expect(seqs(second)).toEqual(range(21, 40))
    expect(asked).toEqual([{ channelId: 'bob', channelType: 1, startSeq: 21, endSeq: 41, limit: 20 }])
    const third = await history.messages(BOB, { before: second.from, limit: 20 })
    expect(seqs(third)).toEqual(range(1, 20))
    expect(third.more).toBe(false)
    // Only the missing 6..20 were asked.
    expect(asked[1]).toEqual({ channelId: 'bob', channelType: 1, startSeq: 6, endSeq: 21, limit: 15 })
    const all = [...seqs(third), ...seqs(second), ...seqs(first)]
    expect(all).toEqual(range(1, 60))
  })

  it('seqs the server does not return are reported as gaps, never closed silently; a message the server holds twice shows once', async () => {
    const server = new Map([['bob', [...range(1, 4), ...range(8, 12)].map((s) => msg('bob', s))]])
    server.get('bob')!.push({ ...msg('bob', 13), clientMsgNo: 'bob-c12', messageId: 'again' }) // 12 stored again as 13 (a v2 re-send)
    const { history } = rig({ server, top: 13 })
    await history.load()
    const page = await history.messages(BOB, { limit: 20 })
    expect(seqs(page)).toEqual([...range(1, 4), ...range(8, 12)])
    expect(page.gaps).toEqual([{ from: 5, to: 7 }])
    expect(page.more).toBe(false)
  })

  it('a write that trims the channel while a page waits for the server does not punch holes in that page', async () => {
    let release: () => void = () => undefined
    const server = serverOf('bob', range(1, 24))
    const { history, platform } = rig({ server, options: { perChannel: 5 } })
    await history.load()
    const sync = (history as unknown as { d: { sync: SyncProvider } }).d.sync
    const real = sync.syncMessages.bind(sync)
    sync.syncMessages = async (req) => {
      await new Promise<void>((r) => (release = r))
      return real(req)
    }
    for (const s of [...range(1, 3), ...range(20, 24)]) history.onMessage(msg('bob', s))
    const paging = history.messages(BOB, { before: 20, limit: 19 })
    await settle(platform)
    await history.flush() // keeps the newest 5 (20..24): 1..3 leave memory while the page waits
    expect(JSON.parse(platform.control.data.get(`${PREFIX}:h:1:bob`)!).m.map((r: unknown[]) => r[0])).toEqual(range(20, 24))
    release()
    const page = await paging
    expect(seqs(page)).toEqual(range(1, 19))
    expect(page.gaps).toEqual([])
  })

  it('the newest page ends with our unsent messages in send order, with their status, not stored twice', async () => {
    const own = (no: string, status: OutboxMessage['status'], createdAt: number): OutboxMessage => ({
      clientMsgNo: no, channelId: 'bob', channelType: 1, payload: new TextEncoder().encode(`{"type":1,"content":"${no}"}`), flags: { noPersist: false, redDot: true, syncOnce: false }, expire: 0, status, createdAt, attempts: 0,
    })
    const pending = [own('p1', 'failed', 5), own('p2', 'queued', 6), { ...own('x', 'queued', 7), channelId: 'carol' }]
    const { history, platform } = rig({ pending })
    await history.load()
    history.onMessage(msg('bob', 1))
    history.onOwn({ ...own('s2', 'sent', 4), messageId: 'm2', messageSeq: 2, sentAt: 4000 })
    const page = await history.messages(BOB)
    expect(page.messages.map((m) => [m.clientMsgNo, m.messageSeq, m.status])).toEqual([['bob-c1', 1, undefined], ['s2', 2, undefined], ['p1', 0, 'failed'], ['p2', 0, 'queued']])
    expect(page.messages[3]!.content).toEqual({ type: 1, text: 'p2' })
    // Older pages never carry them; storage never holds them.
    expect(seqs(await history.messages(BOB, { before: 2 }))).toEqual([1])
    await history.flush()
    expect(Array.from(platform.control.data.values()).some((v) => v.indexOf('"p1"') >= 0)).toBe(false)
  })

  it('our own sent message costs no write of its own: it goes with the next write, or at hide/close', async () => {
    const { history, platform } = rig()
    await history.load()
    let writes = 0
    const set = platform.storage.set.bind(platform.storage)
    platform.storage.set = (key, value) => ((writes += 1), set(key, value))
    const sent = (seq: number): OutboxMessage => ({ clientMsgNo: `s${seq}`, channelId: 'bob', channelType: 1, payload: new Uint8Array([seq]), flags: FLAGS, expire: 0, status: 'sent', createdAt: seq, attempts: 1, messageId: `m${seq}`, messageSeq: seq, sentAt: seq })
    history.onOwn(sent(1))
    await settle(platform, 5000)
    expect(writes).toBe(0)
    history.onMessage(msg('bob', 2)) // the next write carries it
    await settle(platform, 1000)
    expect(writes).toBe(2) // the chunk and the index
    expect(JSON.parse(platform.control.data.get(`${PREFIX}:h:1:bob`)!).m.map((r: unknown[]) => r[0])).toEqual([1, 2])
    history.onOwn(sent(3))
    await history.flush() // app hide or close()
    expect(JSON.parse(platform.control.data.get(`${PREFIX}:h:1:bob`)!).m.map((r: unknown[]) => r[0])).toEqual([1, 2, 3])
  })

  it('a 1,000-message burst over 10 channels costs one write per channel plus the index (≤ 0.1 writes per message)', async () => {
    const { history, platform } = rig()
    await history.load()
    let writes = 0
    const set = platform.storage.set.bind(platform.storage)
    platform.storage.set = (key, value) => ((writes += 1), set(key, value))
    for (let s = 1; s <= 100; s++) {
      for (let c = 0; c < 10; c++) history.onMessage(msg(`u${c}`, s))
      if (s % 25 === 0) await settle(platform, 100)
    }
    await settle(platform, 1000)
    await history.flush() // waits for the write the timer started (nothing is left to write)
    expect(writes).toBe(11)
    expect(writes / 1000).toBeLessThanOrEqual(0.1)
    const stored = JSON.parse(platform.control.data.get(`${PREFIX}:h:1:u3`)!)
    expect(stored.m.map((r: unknown[]) => r[0])).toEqual(range(1, 100))
  })

  it('keeps the newest perChannel messages per channel in storage; a cold start reads only the index, then the chunk of the channel opened', async () => {
    const data = new Map<string, string>()
    const a = rig({ data, options: { perChannel: 30 } })
    await a.history.load()
    for (let s = 1; s <= 100; s++) a.history.onMessage(msg('bob', s))
    a.history.onMessage(msg('carol', 1))
    await a.history.flush()
    expect(JSON.parse(data.get(`${PREFIX}:h:1:bob`)!).m.map((r: unknown[]) => r[0])).toEqual(range(71, 100))

    const b = rig({ data: new Map(data), server: serverOf('bob', range(1, 100)) })
    const reads: string[] = []
    const get = b.platform.storage.get.bind(b.platform.storage)
    b.platform.storage.get = (key) => (reads.push(key), get(key))
    await b.history.load()
    expect(reads).toEqual([`${PREFIX}:h`])
    const page = await b.history.messages(BOB, { limit: 30 })
    expect(seqs(page)).toEqual(range(71, 100))
    expect(reads).toEqual([`${PREFIX}:h`, `${PREFIX}:h:1:bob`])
    expect(b.asked).toEqual([])
  })

  it('every chunk stays under 1 MB: the oldest are dropped from a chunk that would exceed it', async () => {
    const { history, platform } = rig({ options: { perChannel: 200, budgetBytes: 50_000_000 } })
    await history.load()
    for (let s = 1; s <= 200; s++) history.onMessage(msg('bob', s, 6_000)) // ~8 KB of base64 each: 1.6 MB in all
    await history.flush()
    const text = platform.control.data.get(`${PREFIX}:h:1:bob`)!
    expect(text.length).toBeLessThanOrEqual(CHUNK_MAX)
    const kept = JSON.parse(text).m.map((r: unknown[]) => r[0]) as number[]
    expect(kept[kept.length - 1]).toBe(200)
    expect(kept.length).toBeGreaterThan(100)
    expect(kept.length).toBeLessThan(200)
    expect(kept).toEqual(range(kept[0]!, 200))
  })

  it('over the budget, whole channels go, least recently opened first', async () => {
    const { history, platform, log } = rig({ options: { budgetBytes: 5_000 } })
    await history.load()
    const fill = (c: string) => { for (let s = 1; s <= 20; s++) history.onMessage(msg(c, s, 40)) }
    for (const c of ['a', 'b', 'c']) fill(c)
    await history.flush()
    const bytes = platform.control.data.get(`${PREFIX}:h:1:b`)!.length
    expect(bytes * 2).toBeLessThan(5_000)
    expect(bytes * 3).toBeGreaterThan(5_000)
    // One of three was evicted: none was opened, so the least recently written (a, written first).
    expect(platform.control.data.has(`${PREFIX}:h:1:a`)).toBe(false)
    fill('a')
    platform.control.advance(10)
    await history.messages({ channelId: 'b', channelType: 1 })
    platform.control.advance(10)
    await history.messages({ channelId: 'a', channelType: 1 })
    await history.flush()
    // a and b were opened, c never: c goes.
    expect(['a', 'b', 'c'].map((c) => platform.control.data.has(`${PREFIX}:h:1:${c}`))).toEqual([true, true, false])
    expect(log.filter(([e]) => e === 'history-evicted').map(([, d]) => JSON.parse(d).channelId)).toEqual(['a', 'c'])
    const index = JSON.parse(platform.control.data.get(`${PREFIX}:h`)!).ch.map((r: unknown[]) => r[1])
    expect(index.sort()).toEqual(['a', 'b'])
  })

  it('a corrupt chunk is dropped (reported), fetched again from the server, and never crashes; a bad entry is dropped alone', async () => {
    const data = new Map<string, string>([
      [`${PREFIX}:h`, JSON.stringify({ v: 1, ch: [[1, 'bob', 100, 0, 0], [1, 'carol', 100, 0, 0]] })],
      [`${PREFIX}:h:1:bob`, '{"v":1,"m":"garbage"}'],
      [`${PREFIX}:h:1:carol`, JSON.stringify({ v: 1, m: [[1, 'm1', 'c1', 'carol', 1000, 'AQ=='], [2, 'm2', 'c2', 'carol', 'x', 'AQ==']] })],
    ])
    const server = new Map([['bob', range(1, 5).map((s) => msg('bob', s))]])
    const { history, asked, log } = rig({ data, server, top: 5 })
    await history.load()
    const page = await history.messages(BOB)
    expect(seqs(page)).toEqual(range(1, 5))
    expect(asked).toHaveLength(1)
    expect(log.map(([e]) => e)).toContain('history-corrupt')
    expect(data.has(`${PREFIX}:h:1:bob`)).toBe(false)
    const carol = rig({ data: new Map(data), top: 1 })
    await carol.history.load()
    expect(seqs(await carol.history.messages({ channelId: 'carol', channelType: 1 }))).toEqual([1])
  })

  it('a failing write keeps the data in memory and writes it later', async () => {
    const { history, platform, log } = rig()
    await history.load()
    const set = platform.storage.set.bind(platform.storage)
    let failing = true
    platform.storage.set = (key, value) => (failing ? Promise.reject(new Error('setStorage:fail')) : set(key, value))
    for (let s = 1; s <= 3; s++) history.onMessage(msg('bob', s))
    await settle(platform, 1000)
    expect(log.map(([e]) => e)).toContain('history-write-failed')
    expect(platform.control.data.has(`${PREFIX}:h:1:bob`)).toBe(false)
    expect(seqs(await history.messages(BOB))).toEqual([1, 2, 3])
    failing = false
    await settle(platform, 1000)
    expect(JSON.parse(platform.control.data.get(`${PREFIX}:h:1:bob`)!).m).toHaveLength(3)
  })

  it('bad arguments are InvalidArgumentError; a sync failure rejects with a typed error and loses nothing stored', async () => {
    let failing = true
    const { history } = rig({ server: serverOf('bob', range(1, 30)), fail: () => failing })
    await history.load()
    for (const bad of [{ limit: 0 }, { limit: 101 }, { limit: 2.5 }, { before: 0 }, { before: -3 }, { before: 'x' as unknown as number }]) {
      await expect(history.messages(BOB, bad)).rejects.toBeInstanceOf(InvalidArgumentError)
    }
    await expect(history.messages({ channelId: '', channelType: 1 })).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(history.messages({ channelId: 'bob', channelType: 256 })).rejects.toBeInstanceOf(InvalidArgumentError)
    for (const s of range(21, 30)) history.onMessage(msg('bob', s))
    const err = await history.messages(BOB, { before: 21 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ClientError)
    expect((err as ClientError).code).toBe('SYNC_FAILED')
    expect(seqs(await history.messages(BOB, { limit: 10 }))).toEqual(range(21, 30))
    failing = false
    expect(seqs(await history.messages(BOB, { before: 21 }))).toEqual(range(1, 20))
  })
})
