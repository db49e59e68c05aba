import { CountingStorage, makeOutbox, text, flushPromises } from './harness'
import { VirtualScheduler } from '../../support/virtual-time'
import { Queue } from '../../../sdk/outbox/queue'
import { isStorageError, isInvalidArgumentError } from '../../../sdk/errors'
import type { ImError } from '../../../sdk/errors'

const msg = (n: number, channelId = 'bob') => ({ channelId, channelType: 1, payload: `m${n}` })
const KEY = /^wkmp:alice:out:[0-9a-f]{32}_dev1$/

describe('outbox: durable first', () => {
  it('writes one key per message before send() resolves, and nothing goes out before that', async () => {
    const h = makeOutbox()
    await h.outbox.load()
    h.connect()
    const sending = h.outbox.send(msg(1))
    expect(h.wire).toHaveLength(0)
    const m = await sending
    expect(m.status).toBe('queued')
    expect(m.clientMsgNo).toMatch(/^[0-9a-f]{32}_dev1$/)
    const keys = Array.from(h.storage.data.keys())
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatch(KEY)
    const stored = JSON.parse(h.storage.data.get(keys[0] as string) as string)
    expect(stored).toMatchObject({ v: 1, clientMsgNo: m.clientMsgNo, channelId: 'bob', channelType: 1, payload: Buffer.from('m1').toString('base64'), order: 1 })
    expect(h.wire).toHaveLength(1)
    expect(h.wire[0]).toMatchObject({ clientMsgNo: m.clientMsgNo, clientSeq: 1, channelId: 'bob' })
    expect(h.wire[0]?.flags.dup).toBe(false)
  })

  it('numbers clientMsgNos from one random draw per session: unique, same 32-hex shape, no bridge call per message', async () => {
    const h = makeOutbox()
    await h.outbox.load()
    h.connect()
    const ids = await Promise.all(Array.from({ length: 300 }, (_, i) => h.outbox.send(msg(i)))).then((ms) => ms.map((m) => m.clientMsgNo))
    expect(new Set(ids).size).toBe(300)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}_dev1$/)
    // One prefix (even for the concurrent first sends), then a counter in call order.
    expect(new Set(ids.map((id) => id.slice(0, 20))).size).toBe(1)
    expect(ids.map((id) => parseInt(id.slice(20, 32), 16))).toEqual(ids.map((_, i) => i))
  })

  it('costs exactly two storage operations on the happy path and reports sent only after the remove', async () => {
    const h = makeOutbox()
    await h.outbox.load()
    h.connect()
    const m = await h.outbox.send(msg(1))
    h.ack(h.wire[0]!, 1)
    expect(h.statuses.map((s) => s.status)).toEqual(['queued', 'sending'])
    await flushPromises()
    expect(h.storage.ops).toEqual([`set wkmp:alice:out:${m.clientMsgNo}`, `remove wkmp:alice:out:${m.clientMsgNo}`])
    const sent = h.statuses[h.statuses.length - 1]!
    expect(sent).toMatchObject({ status: 'sent', clientMsgNo: m.clientMsgNo, reasonCode: 1, messageId: '1001', messageSeq: 1, attempts: 1 })
    expect(h.outbox.pending()).toEqual([])
  })

  it('rejects a full or failing store with a typed error and leaves queue and storage unchanged', async () => {
    const h = makeOutbox()
    await h.outbox.load()
    await h.outbox.send(msg(1))
    const before = new Map(h.storage.data)
    h.storage.refuse = 'full'
    const full = await h.outbox.send(msg(2)).catch((e: ImError) => e)
    expect(isStorageError(full) && full.code).toBe('STORAGE_FULL')
    h.storage.refuse = 'failed'
    const failed = await h.outbox.send(msg(3)).catch((e: ImError) => e)
    expect(isStorageError(failed) && failed.code).toBe('STORAGE_FAILED')
    expect(h.storage.data).toEqual(before)
    expect(h.outbox.pending().map((m) => text(m.payload))).toEqual(['m1'])
  })

  it('refuses beyond maxMessages with STORAGE_FULL and refuses bad input before touching storage', async () => {
    const h = makeOutbox({ maxMessages: 2 })
    await h.outbox.load()
    await h.outbox.send(msg(1))
    await h.outbox.send(msg(2))
    const e = await h.outbox.send(msg(3)).catch((x: ImError) => x)
    expect(isStorageError(e) && e.code).toBe('STORAGE_FULL')
    const bad = await h.outbox.send({ channelId: '', channelType: 1, payload: 'x' }).catch((x: ImError) => x)
    expect(isInvalidArgumentError(bad)).toBe(true)
    expect(h.storage.data.size).toBe(2)
  })
})

describe('outbox: on the wire', () => {
  it('pipelines up to the window in order and matches SENDACKs by clientSeq, not position', async () => {
    const h = makeOutbox({ window: 2 })
    await h.outbox.load()
    h.connect()
    for (let i = 1; i <= 4; i++) await h.outbox.send(msg(i))
    expect(h.wire.map((p) => text(p.payload))).toEqual(['m1', 'm2'])
    h.ack(h.wire[1]!, 1) // m2 acked first
    await flushPromises()
    expect(h.wire.map((p) => text(p.payload))).toEqual(['m1', 'm2', 'm3'])
    expect(h.outbox.pending().map((m) => [text(m.payload), m.status])).toEqual([
      ['m1', 'sending'],
      ['m3', 'sending'],
      ['m4', 'queued'],
    ])
    h.ack(h.wire[0]!, 1)
    h.ack(h.wire[2]!, 1)
    h.ack(h.wire[3]!, 1)
    await flushPromises()
    expect(h.outbox.pending()).toEqual([])
    expect(new Set(h.wire.map((p) => p.clientSeq)).size).toBe(4)
  })

  it('channelWindow 1: one SEND per channel on the wire, each channel in send() order, channels side by side', async () => {
    const h = makeOutbox({ channelWindow: 1 })
    await h.outbox.load()
    h.connect()
    for (const [n, ch] of [[1, 'bob'], [2, 'bob'], [3, 'carol'], [4, 'bob'], [5, 'carol']] as const) await h.outbox.send(msg(n, ch))
    expect(h.wire.map((p) => text(p.payload))).toEqual(['m1', 'm3'])
    h.ack(h.wire[1]!, 1) // carol's m3
    await flushPromises()
    expect(h.wire.map((p) => text(p.payload))).toEqual(['m1', 'm3', 'm5'])
    h.ack(h.wire[0]!, 1) // bob's m1
    await flushPromises()
    expect(h.wire.map((p) => text(p.payload))).toEqual(['m1', 'm3', 'm5', 'm2'])
    h.ack(h.wire[3]!, 1)
    await flushPromises()
    h.ack(h.wire[4]!, 1)
    h.ack(h.wire[2]!, 1)
    await flushPromises()
    expect(h.wire.map((p) => text(p.payload))).toEqual(['m1', 'm3', 'm5', 'm2', 'm4'])
    expect(h.outbox.pending()).toEqual([])
  })

  it('channelWindow 1: a SENDACK in a long single-channel burst looks at a few entries, not the whole queue', async () => {
    const h = makeOutbox({ channelWindow: 1, maxMessages: 2000 })
    await h.outbox.load()
    h.connect()
    await Promise.all(Array.from({ length: 1000 }, (_, i) => h.outbox.send(msg(i))))
    await h.outbox.send(msg(1000, 'carol')) // behind the burst, and still out at once
    expect(h.wire.map((p) => text(p.payload))).toEqual(['m0', 'm1000'])
    h.ack(h.wire[1]!, 1)
    await flushPromises()
    const at = jest.spyOn(Queue.prototype, 'at')
    let bob = h.wire[0]!
    for (let k = 1; k <= 3; k++) {
      at.mockClear()
      h.ack(bob, 1) // m(k-1) acked: m(k) goes out
      await flushPromises()
      bob = h.wire[h.wire.length - 1]!
      expect(text(bob.payload)).toBe(`m${k}`)
      expect(at.mock.calls.length).toBeLessThan(20)
    }
    at.mockRestore()
  })

  it('a media message whose upload is refused for good, or that is discarded while uploading, lets its channel go on at once', async () => {
    const uploads: string[] = []
    const media = { persist: async (_f: string, no: string) => `saved/${no}`, upload: (m: { clientMsgNo: string }) => void uploads.push(m.clientMsgNo), release: () => undefined, removeSaved: () => undefined, sweep: async () => undefined, close: () => undefined }
    const h = makeOutbox({}, undefined, { media })
    await h.outbox.load()
    h.connect()
    const photo = await h.outbox.send({ channelId: 'bob', channelType: 1, content: { type: 2, width: 1, height: 1 }, file: 'tmp/a.jpg' } as never)
    await h.outbox.send(msg(1))
    expect(h.wire).toHaveLength(0) // the text waits for the photo's URL
    h.outbox.uploadFailed(photo.clientMsgNo, 'the saved file is gone')
    expect(h.wire.map((p) => text(p.payload))).toEqual(['m1'])
    const second = await h.outbox.send({ channelId: 'bob', channelType: 1, content: { type: 2, width: 1, height: 1 }, file: 'tmp/b.jpg' } as never)
    await h.outbox.send(msg(2))
    expect(h.wire).toHaveLength(1)
    await h.outbox.discard(second.clientMsgNo)
    expect(h.wire.map((p) => text(p.payload))).toEqual(['m1', 'm2'])
    expect(uploads).toEqual([photo.clientMsgNo, second.clientMsgNo])
  })

  it('reports sent in SENDACK order, whichever record removal the storage finishes first', async () => {
    const storage = new CountingStorage()
    const gates = new Map<string, () => void>()
    const remove = storage.remove.bind(storage)
    storage.remove = (key: string) => new Promise<void>((resolve) => gates.set(key, () => void remove(key).then(resolve)))
    const h = makeOutbox({}, { storage, time: new VirtualScheduler() })
    await h.outbox.load()
    h.connect()
    const nos: string[] = []
    for (let i = 1; i <= 3; i++) nos.push((await h.outbox.send(msg(i))).clientMsgNo)
    for (const p of h.wire) h.ack(p, 1)
    await flushPromises()
    const sent = () => h.statuses.filter((m) => m.status === 'sent').map((m) => m.clientMsgNo)
    for (const no of [nos[2]!, nos[1]!]) {
      gates.get(`wkmp:alice:out:${no}`)!()
      await flushPromises()
      expect(sent()).toEqual([])
    }
    gates.get(`wkmp:alice:out:${nos[0]}`)!()
    await flushPromises()
    expect(sent()).toEqual(nos)
  })

  it('channelWindow by server line (the default): one SEND per channel until the line is known to be v2, then pipelined', async () => {
    let line: 'v2' | 'v3' | undefined
    const h = makeOutbox({ channelWindow: undefined }, undefined, { line: () => line })
    await h.outbox.load()
    h.connect()
    for (const [n, ch] of [[1, 'bob'], [2, 'bob'], [3, 'carol'], [4, 'bob']] as const) await h.outbox.send(msg(n, ch))
    expect(h.wire.map((p) => text(p.payload))).toEqual(['m1', 'm3']) // unknown: as on v3
    line = 'v3'
    h.ack(h.wire[0]!, 1)
    await flushPromises()
    expect(h.wire.map((p) => text(p.payload))).toEqual(['m1', 'm3', 'm2'])
    line = 'v2'
    h.ack(h.wire[2]!, 1)
    await h.outbox.send(msg(5, 'bob'))
    await flushPromises()
    expect(h.wire.map((p) => text(p.payload))).toEqual(['m1', 'm3', 'm2', 'm4', 'm5'])
  })

  it('ignores a SENDACK whose echoed clientMsgNo (v3) does not match, or that belongs to an old connection', async () => {
    const h = makeOutbox()
    await h.outbox.load()
    h.connect()
    await h.outbox.send(msg(1))
    h.ack(h.wire[0]!, 1, { clientMsgNo: 'someone-else' })
    await flushPromises()
    expect(h.outbox.pending()[0]?.status).toBe('sending')
    h.ack(h.wire[0]!, 1, { clientMsgNo: h.wire[0]!.clientMsgNo })
    await flushPromises()
    expect(h.outbox.pending()).toEqual([])
  })

  it('requeues in-flight messages when the link drops and re-sends them after reconnect: same clientMsgNo, new clientSeq, DUP', async () => {
    const h = makeOutbox()
    await h.outbox.load()
    h.connect()
    await h.outbox.send(msg(1))
    await h.outbox.send(msg(2))
    h.disconnect()
    expect(h.outbox.pending().map((m) => m.status)).toEqual(['queued', 'queued'])
    // A late SENDACK of the dead connection changes nothing.
    h.ack(h.wire[0]!, 1)
    expect(h.outbox.pending()).toHaveLength(2)
    h.connect()
    expect(h.wire).toHaveLength(4)
    const [a, b, a2, b2] = h.wire
    expect([a2!.clientMsgNo, b2!.clientMsgNo]).toEqual([a!.clientMsgNo, b!.clientMsgNo])
    expect(a2!.clientSeq).toBeGreaterThan(b!.clientSeq)
    expect([a!.flags.dup, a2!.flags.dup, b2!.flags.dup]).toEqual([false, true, true])
    expect(a2!.connectionId).not.toBe(a!.connectionId)
  })

  it('backs off and retries a retryable code with the same clientMsgNo, holding later messages of that channel', async () => {
    const h = makeOutbox()
    await h.outbox.load()
    h.connect()
    const m1 = await h.outbox.send(msg(1))
    h.ack(h.wire[0]!, 15)
    await flushPromises()
    const m2 = await h.outbox.send(msg(2))
    await h.outbox.send(msg(3, 'carol'))
    // m2 waits behind m1 (same channel); carol's message is not held.
    expect(h.wire.map((p) => text(p.payload))).toEqual(['m1', 'm3'])
    expect(h.outbox.pending()[0]).toMatchObject({ clientMsgNo: m1.clientMsgNo, status: 'queued', reasonCode: 15 })
    await h.time.advance(499) // backoff = 0.5 × 1000 ms
    expect(h.wire).toHaveLength(2)
    await h.time.advance(1)
    expect(h.wire.map((p) => p.clientMsgNo)).toEqual([m1.clientMsgNo, expect.any(String), m1.clientMsgNo, m2.clientMsgNo])
    h.ack(h.wire[2]!, 22)
    await flushPromises()
    await h.time.advance(999) // second retry: 0.5 × 2000 ms
    expect(h.wire).toHaveLength(4)
    await h.time.advance(1)
    expect(h.wire[4]?.clientMsgNo).toBe(m1.clientMsgNo)
  })

  it('lets a retry come due while offline without spinning, and sends it once on reconnect', async () => {
    const h = makeOutbox()
    await h.outbox.load()
    h.connect()
    await h.outbox.send(msg(1))
    h.ack(h.wire[0]!, 15)
    await flushPromises()
    h.disconnect()
    await h.time.advance(10 * 60_000)
    expect(h.wire).toHaveLength(1)
    h.connect()
    expect(h.wire).toHaveLength(2)
    expect(h.wire[1]!.clientMsgNo).toBe(h.wire[0]!.clientMsgNo)
  })

  it('fails a permanent code at once, persists failed, never retries; resend and discard work on it', async () => {
    const h = makeOutbox()
    await h.outbox.load()
    h.connect()
    const m = await h.outbox.send({ channelId: 'g1', channelType: 2, payload: 'x' })
    h.ack(h.wire[0]!, 3)
    await flushPromises()
    const last = h.statuses[h.statuses.length - 1]!
    expect(last).toMatchObject({ status: 'failed', failure: 'rejected', reasonCode: 3 })
    expect(JSON.parse(h.storage.data.get(`wkmp:alice:out:${m.clientMsgNo}`)!).failed).toEqual({ failure: 'rejected', reasonCode: 3 })
    await h.time.advance(120_000)
    expect(h.wire).toHaveLength(1)

    await h.outbox.resend(m.clientMsgNo)
    expect(JSON.parse(h.storage.data.get(`wkmp:alice:out:${m.clientMsgNo}`)!).failed).toBeUndefined()
    expect(h.wire.map((p) => p.clientMsgNo)).toEqual([m.clientMsgNo, m.clientMsgNo])
    h.ack(h.wire[1]!, 3)
    await flushPromises()
    await h.outbox.discard(m.clientMsgNo)
    expect(h.storage.data.size).toBe(0)
    expect(h.outbox.pending()).toEqual([])
    expect(h.statuses[h.statuses.length - 1]).toMatchObject({ status: 'failed', failure: 'cancelled' })
  })

  it('keeps a message listed when discarding it fails in storage, so discard() can be retried', async () => {
    const h = makeOutbox()
    await h.outbox.load()
    const m = await h.outbox.send(msg(1))
    h.storage.refuse = 'failed'
    await expect(h.outbox.discard(m.clientMsgNo)).rejects.toMatchObject({ code: 'STORAGE_FAILED' })
    expect(h.outbox.pending()).toMatchObject([{ clientMsgNo: m.clientMsgNo, status: 'failed', failure: 'cancelled' }])
    h.connect()
    expect(h.wire).toHaveLength(0) // never sent meanwhile
    h.storage.refuse = undefined
    await h.outbox.discard(m.clientMsgNo)
    expect(h.outbox.pending()).toEqual([])
    expect(h.storage.data.size).toBe(0)
  })

  it('re-encodes once after SENDACK 9 and fails when it repeats', async () => {
    const h = makeOutbox()
    await h.outbox.load()
    h.connect()
    await h.outbox.send(msg(1))
    h.ack(h.wire[0]!, 9)
    expect(h.wire).toHaveLength(2)
    h.ack(h.wire[1]!, 9)
    await flushPromises()
    expect(h.outbox.pending()[0]).toMatchObject({ status: 'failed', reasonCode: 9, failure: 'rejected' })
    expect(h.wire).toHaveLength(2)
  })

  it('keeps its one timer across a stream of acked messages instead of re-arming it per SENDACK, and still checks late acks', async () => {
    const h = makeOutbox()
    await h.outbox.load()
    h.connect()
    let armed = 0
    const setTimeout = h.time.setTimeout.bind(h.time)
    h.time.setTimeout = (fn, ms) => (armed++, setTimeout(fn, ms))
    for (let i = 0; i < 50; i++) {
      await h.outbox.send(msg(i))
      h.ack(h.wire[h.wire.length - 1]!, 1)
      await flushPromises()
      await h.time.advance(10)
    }
    expect(h.statuses.filter((s) => s.status === 'sent')).toHaveLength(50)
    expect(armed).toBeLessThanOrEqual(2) // was one per message
    // A SENDACK that does not come is still looked at: the round trip starts within ~1 s.
    await h.outbox.send(msg(99))
    await h.time.advance(1_100)
    expect(h.roundTrips).toHaveLength(1)
  })

  it('starts a PING round trip when a SENDACK is late and rebuilds the link when the ack stays overdue without an answer', async () => {
    const h = makeOutbox()
    await h.outbox.load()
    h.connect()
    await h.outbox.send(msg(1))
    await h.time.advance(1_000)
    expect(h.roundTrips).toHaveLength(1)
    expect(h.wire).toHaveLength(1)
    await h.time.advance(28_999)
    expect(h.rebuilds).toEqual([])
    await h.time.advance(1)
    expect(h.rebuilds).toEqual(['sendack overdue'])
    expect(h.wire).toHaveLength(2)
    expect(h.wire[1]!.connectionId).not.toBe(h.wire[0]!.connectionId)
  })

  it('fails queued messages visibly once they are older than expireAfterMs, even while offline', async () => {
    const h = makeOutbox({ expireAfterMs: 60_000 })
    await h.outbox.load()
    const m = await h.outbox.send(msg(1))
    await h.time.advance(60_000)
    expect(h.statuses[h.statuses.length - 1]).toMatchObject({ clientMsgNo: m.clientMsgNo, status: 'failed', failure: 'expired' })
    expect(JSON.parse(h.storage.data.get(`wkmp:alice:out:${m.clientMsgNo}`)!).failed).toEqual({ failure: 'expired' })
    h.connect()
    expect(h.wire).toHaveLength(0)
  })
})

describe('outbox: restart', () => {
  it('restores queued and failed messages in enqueue order and re-sends with the original clientMsgNo and DUP', async () => {
    const first = makeOutbox()
    await first.outbox.load()
    first.connect()
    const sent: string[] = []
    for (let i = 1; i <= 5; i++) sent.push((await first.outbox.send(msg(i))).clientMsgNo)
    first.ack(first.wire[1]!, 1) // m2 done
    first.ack(first.wire[2]!, 4) // m3 permanently refused
    await flushPromises()
    first.outbox.close()

    const second = makeOutbox({}, { storage: first.storage, time: first.time })
    await second.outbox.load()
    expect(second.outbox.pending().map((m) => [text(m.payload), m.status])).toEqual([
      ['m1', 'queued'],
      ['m3', 'failed'],
      ['m4', 'queued'],
      ['m5', 'queued'],
    ])
    second.connect()
    expect(second.wire.map((p) => p.clientMsgNo)).toEqual([sent[0], sent[3], sent[4]])
    expect(second.wire.every((p) => p.flags.dup)).toBe(true)
    const next = await second.outbox.send(msg(6))
    expect(JSON.parse(second.storage.data.get(`wkmp:alice:out:${next.clientMsgNo}`)!).order).toBe(6)
  })

  it('reports a corrupt stored entry as STORAGE_CORRUPT and skips it', async () => {
    const h = makeOutbox()
    h.storage.data.set('wkmp:alice:out:abc', '{"v":1,"clientMsgNo":"abc"}')
    h.storage.data.set('wkmp:alice:out:def', '"garbage"')
    h.storage.data.set('wkmp:bob:out:zzz', '"other user, never read"')
    await h.outbox.load()
    expect(h.errors.map((e) => e.code)).toEqual(['STORAGE_CORRUPT', 'STORAGE_CORRUPT'])
    expect(h.outbox.pending()).toEqual([])
  })
})
