/**
 * Issue 21: the outbox's batched layout. A burst of send() calls is persisted in batch keys
 * (`out:#<n>`), acked records are forgotten per batch, and every layout ever written is read back.
 * Kills at each step (during a batch write, between the write and send() resolving, between the
 * ack and the forgetting write) and a write that fails midway lose nothing and duplicate nothing.
 */
import { makeOutbox, flushPromises, CountingStorage } from './harness'
import type { Harness } from './harness'
import { FORGET_SPACING_MS, OutboxStore, toStored } from '../../../sdk/outbox/store'
import { VirtualScheduler } from '../../support/virtual-time'
import { StorageError } from '../../../sdk/errors'
import type { OutboxMessage } from '../../../sdk/types'

const msg = (n: number) => ({ channelId: 'bob', channelType: 1, payload: `m${n}` })
const batchKeys = (s: CountingStorage) => [...s.data.keys()].filter((k) => k.startsWith('wkmp:alice:out:#'))
const ownKeys = (s: CountingStorage) => [...s.data.keys()].filter((k) => k.startsWith('wkmp:alice:out:') && !k.startsWith('wkmp:alice:out:#'))

/** Storage a kill can stop: after kill() no write applies and none settles (the process is gone). */
class KillableStorage extends CountingStorage {
  dead = false
  /** Writes to keys matching this fail (STORAGE_FAILED) without applying. */
  failing: ((key: string) => boolean) | undefined
  /** The process dies just after this write landed: it applies, and it never settles. */
  dieAfter: ((key: string) => boolean) | undefined
  /** Writes to keys matching this never apply and never settle (the kill comes while they are under way). */
  hang: ((key: string) => boolean) | undefined
  kill(): void {
    this.dead = true
  }
  override async set(key: string, value: unknown): Promise<void> {
    if (this.dead || this.hang?.(key)) return new Promise<void>(() => undefined)
    if (this.failing?.(key)) throw new StorageError('STORAGE_FAILED', 'setStorage:fail sim injected failure', { key })
    await super.set(key, value)
    if (this.dieAfter?.(key)) {
      this.kill()
      return new Promise<void>(() => undefined)
    }
  }
  override async remove(key: string): Promise<void> {
    if (this.dead) return new Promise<void>(() => undefined)
    return super.remove(key)
  }
  /** What a relaunch finds: the same data, a live storage. */
  relaunch(): KillableStorage {
    const next = new KillableStorage()
    next.data = new Map(this.data)
    return next
  }
}

async function burst(h: Harness, n: number, from = 0): Promise<Array<Promise<OutboxMessage>>> {
  await h.outbox.load()
  const sends = Array.from({ length: n }, (_, i) => h.outbox.send(msg(from + i)))
  return sends
}

/** A fresh outbox over what the storage holds, connected; its queue after restore. */
async function restart(storage: KillableStorage, time: Harness['time']): Promise<Harness> {
  const h = makeOutbox({}, { storage, time })
  await h.outbox.load()
  return h
}

const payloads = (h: Harness) => h.outbox.pending().map((m) => Buffer.from(m.payload).toString())

it('a burst is persisted in batch keys (few writes) and send() resolves only once its batch is written', async () => {
  const storage = new KillableStorage()
  const h = makeOutbox({}, { storage, time: undefined as never })
  const sends = await burst(h, 300)
  let resolved = 0
  for (const s of sends) void s.then(() => resolved++)
  await flushPromises()
  expect(resolved).toBe(300)
  // One group of 300 → three batch keys of at most 128 records.
  expect(storage.ops.filter((o) => o.startsWith('set'))).toHaveLength(3)
  expect(batchKeys(storage)).toHaveLength(3)
  expect(ownKeys(storage)).toEqual([])
  expect(payloads(h)).toEqual(Array.from({ length: 300 }, (_, i) => `m${i}`))
})

it('acks forget their batch in one write per spacing; the last ack removes the key at once; sent is reported after', async () => {
  const storage = new KillableStorage()
  const h = makeOutbox({ window: 100 }, { storage, time: undefined as never })
  await Promise.all(await burst(h, 100))
  h.connect()
  storage.ops = []
  for (const s of h.wire.slice(0, 30)) h.ack(s, 1)
  await flushPromises()
  await h.time.advance(FORGET_SPACING_MS / 2)
  for (const s of h.wire.slice(30, 60)) h.ack(s, 1) // one round trip later (a channel window of 1)
  await flushPromises()
  expect(storage.ops).toEqual([])
  expect(h.statuses.filter((m) => m.status === 'sent')).toHaveLength(0) // not forgotten yet
  await h.time.advance(FORGET_SPACING_MS / 2)
  expect(storage.ops).toEqual([`set ${batchKeys(storage)[0]}`])
  expect(h.statuses.filter((m) => m.status === 'sent')).toHaveLength(60)
  for (const s of h.wire.slice(60)) h.ack(s, 1)
  await flushPromises()
  expect(storage.ops).toHaveLength(2)
  expect(storage.ops[1]).toMatch(/^remove wkmp:alice:out:#/)
  expect(storage.data.size).toBe(0)
})

it('kill during the batch write: no send() resolved, nothing half-restored', async () => {
  const storage = new KillableStorage()
  const h = makeOutbox({}, { storage, time: undefined as never })
  await h.outbox.load()
  storage.kill()
  let resolved = 0
  for (let i = 0; i < 50; i++) void h.outbox.send(msg(i)).then(() => resolved++)
  await flushPromises()
  expect(resolved).toBe(0)
  const after = await restart(storage.relaunch(), h.time)
  expect(after.outbox.pending()).toEqual([])
})

it('kill between the batch write and send() resolving: every record restored once, in order, and re-sent with DUP', async () => {
  const storage = new KillableStorage()
  const h = makeOutbox({}, { storage, time: undefined as never })
  storage.dieAfter = (key) => key.includes(':out:#')
  let resolved = 0
  for (const s of await burst(h, 40)) void s.then(() => resolved++)
  await flushPromises()
  expect(resolved).toBe(0)
  const disk = storage.relaunch()
  expect(batchKeys(disk)).toHaveLength(1)
  const after = await restart(disk, h.time)
  expect(payloads(after)).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`))
  after.connect()
  expect(after.wire).toHaveLength(32)
  expect(after.wire.every((p) => p.flags.dup)).toBe(true)
  expect(new Set(after.wire.map((p) => p.clientMsgNo)).size).toBe(32)
})

it('kill between the ack and the forgetting write: the acked records come back once (DUP), the others too, no record twice', async () => {
  const storage = new KillableStorage()
  const h = makeOutbox({ window: 40 }, { storage, time: undefined as never })
  const nos = (await Promise.all(await burst(h, 40))).map((m) => m.clientMsgNo)
  h.connect()
  for (const s of h.wire.slice(0, 10)) h.ack(s, 1)
  storage.kill() // the forgetting write never lands
  await flushPromises()
  expect(h.statuses.filter((m) => m.status === 'sent')).toHaveLength(0) // never reported as sent
  const after = await restart(storage.relaunch(), h.time)
  expect(payloads(after)).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`))
  // After the relaunch, acking all of them leaves nothing behind.
  after.connect()
  for (const s of after.wire) after.ack(s, 1)
  await flushPromises()
  expect(after.storage.data.size).toBe(0)
  const sent = after.statuses.filter((m) => m.status === 'sent').map((m) => m.clientMsgNo)
  expect(sent.sort()).toEqual(nos.sort())
})

it('a group write that fails midway: the part that failed rejects and leaves no record; the part written is kept', async () => {
  const storage = new KillableStorage()
  const h = makeOutbox({}, { storage, time: undefined as never })
  await h.outbox.load()
  // The group of 200 is split into #1 (128 records) and #2 (72); the write of #2 fails.
  storage.failing = (key) => key.endsWith(':out:#2')
  const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => h.outbox.send(msg(i))))
  const ok = results.filter((r) => r.status === 'fulfilled')
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
  expect(ok).toHaveLength(128)
  expect(failed).toHaveLength(72)
  expect(failed.every((r) => (r.reason as StorageError).code === 'STORAGE_FAILED')).toBe(true)
  expect(payloads(h)).toEqual(Array.from({ length: 128 }, (_, i) => `m${i}`))
  storage.failing = undefined
  const after = await restart(storage.relaunch(), h.time)
  expect(payloads(after)).toEqual(payloads(h))
})

it('restores every layout: per-message keys (0.1), batch keys, and a record in both (its own key, the newer, wins)', async () => {
  const storage = new KillableStorage()
  const rec = (n: number, order: number, failed = false) => {
    const m: OutboxMessage = { clientMsgNo: `${String(n).padStart(32, '0')}_dev1`, channelId: 'bob', channelType: 1, payload: Buffer.from(`m${n}`), flags: { redDot: true, syncOnce: false, noPersist: false }, expire: 0, status: failed ? 'failed' : 'queued', createdAt: 0, attempts: 0 }
    if (failed) m.failure = 'rejected'
    return toStored(m, order)
  }
  // As 0.1 wrote them: one key per message.
  storage.data.set(`wkmp:alice:out:${rec(1, 1).clientMsgNo}`, JSON.stringify(rec(1, 1)))
  storage.data.set(`wkmp:alice:out:${rec(4, 4).clientMsgNo}`, JSON.stringify(rec(4, 4)))
  // A batch holding 2, 3 and 5; 3 later failed (its own key) and the kill came before the batch dropped it.
  storage.data.set('wkmp:alice:out:#7', JSON.stringify({ batch: [rec(2, 2), rec(3, 3), rec(5, 5)] }))
  storage.data.set(`wkmp:alice:out:${rec(3, 3).clientMsgNo}`, JSON.stringify(rec(3, 3, true)))
  const h = await restart(storage, undefined as never)
  expect(payloads(h)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5'])
  expect(h.outbox.pending().map((m) => m.status)).toEqual(['queued', 'queued', 'failed', 'queued', 'queued'])
  await flushPromises()
  // The stale copy of 3 is dropped from the batch; a new batch never reuses #7.
  expect(JSON.parse(storage.data.get('wkmp:alice:out:#7')!).batch.map((r: { order: number }) => r.order)).toEqual([2, 5])
  await Promise.all(Array.from({ length: 3 }, (_, i) => h.outbox.send(msg(10 + i))))
  expect(batchKeys(storage).sort()).toEqual(['wkmp:alice:out:#7', 'wkmp:alice:out:#8'])
  // Everything acked: nothing of any layout is left.
  await h.outbox.discard(rec(3, 3).clientMsgNo)
  h.connect()
  for (const s of h.wire) h.ack(s, 1)
  await flushPromises()
  expect(storage.data.size).toBe(0)
})

it('a batch key that is not a list of usable records is quarantined whole, kept, and removed only by discard', async () => {
  const storage = new KillableStorage()
  storage.data.set('wkmp:alice:out:#3', JSON.stringify({ batch: [{ v: 1, clientMsgNo: 'x' }] }))
  const h = await restart(storage, undefined as never)
  expect(h.outbox.quarantined()).toEqual([{ clientMsgNo: '#3', reason: 'corrupt', raw: { batch: [{ v: 1, clientMsgNo: 'x' }] } }])
  expect(h.errors.map((e) => e.code)).toEqual(['STORAGE_CORRUPT'])
  await Promise.all(Array.from({ length: 2 }, (_, i) => h.outbox.send(msg(i))))
  expect(storage.data.has('wkmp:alice:out:#3')).toBe(true) // a new batch is #4, never over it
  expect(batchKeys(storage)).toContain('wkmp:alice:out:#4')
  await h.outbox.discard('#3')
  expect(storage.data.has('wkmp:alice:out:#3')).toBe(false)
})

describe('a batched record changed and forgotten in the same turn', () => {
  const record = (no: string, order: number) => ({
    v: 1 as const,
    clientMsgNo: no,
    channelId: 'bob',
    channelType: 1,
    payload: 'bTE=',
    flags: { redDot: true, syncOnce: false, noPersist: false },
    expire: 0,
    createdAt: 1,
    order,
  })

  it('leaves neither its own key nor a batch copy (the own-key write is followed by its removal)', async () => {
    const storage = new CountingStorage()
    const time = new VirtualScheduler()
    const store = new OutboxStore(storage, 'wkmp', 'alice', { now: () => time.now(), setTimeout: (fn, ms) => time.setTimeout(fn, ms), clearTimeout: (id) => time.clearTimeout(id) })
    await Promise.all([store.add(record('a', 1)), store.add(record('b', 2))])
    expect(batchKeys(storage)).toHaveLength(1)
    // A change moves "a" to its own key; its SENDACK forgets it before that write has landed.
    const changed = store.put({ ...record('a', 1), failed: { failure: 'rejected' } })
    const removed = store.remove('a')
    await time.advance(FORGET_SPACING_MS)
    await Promise.all([changed, removed])
    await flushPromises()
    expect(ownKeys(storage)).toEqual([])
    const [batch] = batchKeys(storage)
    expect((JSON.parse(storage.data.get(batch as string) as string) as { batch: Array<{ clientMsgNo: string }> }).batch.map((r) => r.clientMsgNo)).toEqual(['b'])
  })
})

it('discarding a quarantined record or batch deletes the saved media files it points at; load keeps them until then', async () => {
  const storage = new KillableStorage()
  const photo = (no: string) => `wxfile://usr/wkmp-alice-${no}.jpg`
  storage.data.set('wkmp:alice:out:#3', JSON.stringify({ batch: [{ v: 1, clientMsgNo: 'x', media: { file: photo('x') } }, { clientMsgNo: 'y', media: { file: photo('y') } }] }))
  storage.data.set('wkmp:alice:out:z', JSON.stringify({ v: 1, clientMsgNo: 'z', media: { file: photo('z') } }))
  const kept: string[] = []
  const removed: string[] = []
  const media = {
    persist: async (file: string) => file,
    upload: () => undefined,
    release: () => undefined,
    removeSaved: (file: string) => void removed.push(file),
    sweep: async (keep: ReadonlySet<string>) => void kept.push(...keep),
    close: () => undefined,
  }
  const h = makeOutbox({}, { storage, time: undefined as never }, { media })
  await h.outbox.load()
  expect(h.outbox.quarantined().map((q) => q.clientMsgNo).sort()).toEqual(['#3', 'z'])
  expect(kept.sort()).toEqual([photo('x'), photo('y'), photo('z')])
  await h.outbox.discard('#3')
  await h.outbox.discard('z')
  expect(removed.sort()).toEqual([photo('x'), photo('y'), photo('z')])
  expect([...storage.data.keys()].filter((k) => k.includes(':out:'))).toEqual([])
})

it("kill midway a group written in several keys (#2 landed, #1 not): no send() resolved (#2's wait for #1, in send order), and the relaunch restores exactly #2's, once, in order", async () => {
  const storage = new KillableStorage()
  const h = makeOutbox({}, { storage, time: undefined as never })
  await h.outbox.load()
  storage.hang = (key) => key.endsWith(':out:#1')
  const resolved: string[] = []
  for (let i = 0; i < 200; i++) void h.outbox.send(msg(i)).then((m) => resolved.push(Buffer.from(m.payload).toString()))
  await flushPromises()
  storage.kill()
  const disk = storage.relaunch()
  expect(batchKeys(disk)).toEqual(['wkmp:alice:out:#2'])
  const after = await restart(disk, h.time)
  expect(payloads(after)).toEqual(Array.from({ length: 72 }, (_, i) => `m${128 + i}`))
  expect(resolved).toEqual([])
})

it('kill after the forgetting rewrite landed, before sent was reported: the acked records stay forgotten, the others come back once', async () => {
  const storage = new KillableStorage()
  const h = makeOutbox({ window: 40 }, { storage, time: undefined as never })
  await Promise.all(await burst(h, 40))
  h.connect()
  storage.dieAfter = (key) => key.includes(':out:#')
  for (const s of h.wire.slice(0, 10)) h.ack(s, 1)
  await h.time.advance(FORGET_SPACING_MS)
  const after = await restart(storage.relaunch(), h.time)
  expect(payloads(after)).toEqual(Array.from({ length: 30 }, (_, i) => `m${10 + i}`))
  after.connect()
  expect(new Set(after.wire.map((p) => p.clientMsgNo)).size).toBe(30)
})

it('a forgetting rewrite that storage refuses: reported, sent still reported; the next rewrite drops those records, a restart before it re-sends them once', async () => {
  const storage = new KillableStorage()
  const h = makeOutbox({ window: 40 }, { storage, time: undefined as never })
  await Promise.all(await burst(h, 40))
  h.connect()
  storage.failing = (key) => key.includes(':out:#')
  for (const s of h.wire.slice(0, 10)) h.ack(s, 1)
  await h.time.advance(FORGET_SPACING_MS)
  expect(h.errors.map((e) => e.code)).toContain('STORAGE_FAILED')
  expect(h.statuses.filter((m) => m.status === 'sent')).toHaveLength(10)
  // Killed now: the 10 are still in the batch on disk; the relaunch re-sends them, each once.
  const killed = await restart(storage.relaunch(), h.time)
  expect(payloads(killed)).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`))
  // Not killed: the next forgetting rewrite drops them with its own.
  storage.failing = undefined
  for (const s of h.wire.slice(10, 20)) h.ack(s, 1)
  await h.time.advance(FORGET_SPACING_MS)
  const [key] = batchKeys(storage)
  expect(JSON.parse(storage.data.get(key!)!).batch.map((r: { payload: string }) => Buffer.from(r.payload, 'base64').toString())).toEqual(Array.from({ length: 20 }, (_, i) => `m${20 + i}`))
  expect(new Set(h.statuses.filter((m) => m.status === 'sent').map((m) => m.clientMsgNo)).size).toBe(20)
})

// Found by the second CPU pass (issue 21): the batch keys of one burst are written side by side,
// and when a later key's write landed first its messages went on the wire before the earlier ones.
it('a burst over several batch keys goes out in send order even when a later key is written first', async () => {
  class SlowFirstKey extends KillableStorage {
    private first: string | undefined
    release: () => void = () => undefined
    override async set(key: string, value: unknown): Promise<void> {
      if (key.includes(':out:#') && (this.first ??= key) === key) {
        const landed = new Promise<void>((resolve) => (this.release = resolve))
        await landed
      }
      return super.set(key, value)
    }
  }
  const storage = new SlowFirstKey()
  const h = makeOutbox({ window: 300 }, { storage, time: undefined as never })
  await h.outbox.load()
  h.connect()
  const sends = await burst(h, 300)
  await flushPromises()
  expect(h.wire).toHaveLength(0) // the first key is still being written: nothing may go before its messages
  storage.release()
  await Promise.all(sends)
  await flushPromises()
  expect(h.wire.map((p) => Buffer.from(p.payload).toString())).toEqual(Array.from({ length: 300 }, (_, i) => `m${i}`))
})

it('SENDACKs one round trip apart (channelWindow 1): one forgetting write per spacing, not one per ack; close() starts none', async () => {
  const storage = new KillableStorage()
  const h = makeOutbox({ channelWindow: 1 }, { storage, time: undefined as never })
  await Promise.all(await burst(h, 100))
  h.connect()
  storage.ops = []
  for (let i = 0; i < 100; i++) {
    h.ack(h.wire[i]!, 1)
    await h.time.advance(10) // the next SEND's round trip
  }
  await h.time.advance(FORGET_SPACING_MS)
  expect(h.wire).toHaveLength(100)
  expect(h.statuses.filter((m) => m.status === 'sent')).toHaveLength(100)
  expect(storage.data.size).toBe(0)
  // 1,000 ms of acks: about one rewrite per spacing, and the removal.
  expect(storage.ops.length).toBeLessThanOrEqual(7)
  const second = makeOutbox({ channelWindow: 1 }, { storage, time: h.time })
  await Promise.all(await burst(second, 10))
  second.connect()
  storage.ops = []
  second.ack(second.wire[0]!, 1)
  await flushPromises()
  second.outbox.close()
  await h.time.advance(FORGET_SPACING_MS * 2)
  expect(storage.ops).toEqual([]) // the acked record stays; a relaunch re-sends it with DUP
  expect(JSON.parse(storage.data.get(batchKeys(storage)[0]!)!).batch).toHaveLength(10)
})
