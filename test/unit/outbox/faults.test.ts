/**
 * Issue 15, send side, at the outbox's own level: unreadable and corrupt records (3), restored
 * records the encoder refuses (6), the v2 lookup before a re-send (13), dropped SENDACKs on a live
 * link (14). Each test switches the protection off where a test-only switch exists and shows the
 * old defect come back.
 */
import { makeOutbox, flushPromises, text } from './harness'
import type { CountingStorage, Harness } from './harness'
import { LOOKUP_GIVE_UP_MS } from '../../../sdk/outbox/outbox'
import type { OutboxDeps } from '../../../sdk/outbox/outbox'
import { toStored } from '../../../sdk/outbox/store'
import { ClientError } from '../../../sdk/errors'
import type { SentLookup, SentLookupResult } from '../../../sdk/sync/types'
import type { OutboxMessage } from '../../../sdk/types'
import { VirtualScheduler } from '../../support/virtual-time'

const msg = (n: number, channelId = 'bob') => ({ channelId, channelType: 1, payload: `m${n}` })
const key = (no: string) => `wkmp:alice:out:${no}`

/** Three queued messages written by a first run that never connected, then closed. */
async function storedQueue(n = 3): Promise<{ storage: CountingStorage; time: VirtualScheduler; nos: string[] }> {
  const first = makeOutbox()
  await first.outbox.load()
  const nos: string[] = []
  for (let i = 1; i <= n; i++) nos.push((await first.outbox.send(msg(i))).clientMsgNo)
  first.outbox.close()
  return { storage: first.storage, time: first.time, nos }
}

/** A stored record as a previous version could have left it: right types, values send() refuses. */
function storeRaw(storage: CountingStorage, no: string, patch: Partial<OutboxMessage>, order: number): void {
  const m: OutboxMessage = { clientMsgNo: no, channelId: 'bob', channelType: 1, payload: new Uint8Array([104, 105]), flags: { redDot: true, syncOnce: false, noPersist: false }, expire: 0, status: 'queued', createdAt: 0, attempts: 0, ...patch }
  storage.data.set(key(no), JSON.stringify(toStored(m, order)))
}

describe('issue 15.3: one unreadable outbox record does not brick the outbox', () => {
  it('quarantines a key whose reads keep failing, runs with the rest, and leaves the key in storage', async () => {
    const { storage, time, nos } = await storedQueue()
    storage.failReads.set(key(nos[1]!), 99)
    const h = makeOutbox({}, { storage, time })
    await h.outbox.load()
    expect(h.outbox.pending().map((m) => text(m.payload))).toEqual(['m1', 'm3'])
    expect(h.outbox.quarantined()).toEqual([{ clientMsgNo: nos[1], reason: 'unreadable' }])
    expect(h.errors.map((e) => [e.code, e.context.clientMsgNo])).toEqual([['STORAGE_FAILED', nos[1]]])
    expect(storage.data.has(key(nos[1]!))).toBe(true) // never overwritten nor removed
    h.connect()
    expect(h.wire.map((p) => p.clientMsgNo)).toEqual([nos[0], nos[2]])
    const fresh = await h.outbox.send(msg(4))
    expect(fresh.status).toBe('queued')
  })

  it('a read that fails once is retried and the record loads', async () => {
    const { storage, time, nos } = await storedQueue()
    storage.failReads.set(key(nos[0]!), 1)
    const h = makeOutbox({}, { storage, time })
    await h.outbox.load()
    expect(h.outbox.pending()).toHaveLength(3)
    expect(h.outbox.quarantined()).toEqual([])
  })

  it('strictOutboxLoad brings the old all-or-nothing load back', async () => {
    const { storage, time, nos } = await storedQueue()
    storage.failReads.set(key(nos[1]!), 99)
    const h = makeOutbox({}, { storage, time }, { unsafe: { strictOutboxLoad: true } })
    await expect(h.outbox.load()).rejects.toMatchObject({ code: 'STORAGE_FAILED' })
    await expect(h.outbox.send(msg(4))).rejects.toMatchObject({ code: 'STORAGE_FAILED' })
  })

  it('a corrupt record is reported once (not at the next launch), keeps its raw value, and discard() removes it', async () => {
    const { storage, time, nos } = await storedQueue(1)
    storage.data.set(key('garbled'), '{"v":1,"clientMsgNo":"garbled","channelId":7}')
    const first = makeOutbox({}, { storage, time })
    await first.outbox.load()
    expect(first.errors.map((e) => e.code)).toEqual(['STORAGE_CORRUPT'])
    expect(first.outbox.quarantined()).toEqual([{ clientMsgNo: 'garbled', reason: 'corrupt', raw: { v: 1, clientMsgNo: 'garbled', channelId: 7 } }])
    expect(first.outbox.pending().map((m) => m.clientMsgNo)).toEqual(nos)
    first.outbox.close()

    const second = makeOutbox({}, { storage, time })
    await second.outbox.load()
    expect(second.errors).toEqual([])
    expect(second.outbox.quarantined()).toHaveLength(1)
    await second.outbox.discard('garbled')
    expect(storage.data.has(key('garbled'))).toBe(false)
    expect(second.outbox.quarantined()).toEqual([])
    expect(second.outbox.pending().map((m) => m.clientMsgNo)).toEqual(nos)
  })
})

describe('issue 15.6: a restored record the encoder refuses does not wedge the outbox', () => {
  for (const [what, patch] of [['expire 2^33', { expire: 2 ** 33 }], ['channelType 300', { channelType: 300 }]] as const) {
    it(`${what}: failed 'invalid' (persisted, reported once), the messages behind it go out, resend refuses it, discard removes it`, async () => {
      const time = new VirtualScheduler()
      const { storage } = makeOutbox({}, undefined)
      storeRaw(storage, 'bad', patch, 1)
      storeRaw(storage, 'good', {}, 2)
      const h = makeOutbox({}, { storage, time })
      await h.outbox.load()
      await flushPromises()
      expect(h.outbox.pending().map((m) => [m.clientMsgNo, m.status, m.failure])).toEqual([['bad', 'failed', 'invalid'], ['good', 'queued', undefined]])
      expect(JSON.parse(storage.data.get(key('bad'))!).failed).toEqual({ failure: 'invalid' })
      h.connect()
      expect(h.wire.map((p) => p.clientMsgNo)).toEqual(['good'])
      await expect(h.outbox.resend('bad')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
      await h.outbox.discard('bad')
      expect(storage.data.has(key('bad'))).toBe(false)

      const again = makeOutbox({}, { storage, time })
      await again.outbox.load()
      expect(again.statuses).toEqual([]) // nothing reported twice
    })
  }

  it('skipRestoreValidation brings the wedge back: the bad record stays sending and holds its channel', async () => {
    const time = new VirtualScheduler()
    const { storage } = makeOutbox()
    storeRaw(storage, 'bad', { expire: 2 ** 33 }, 1)
    storeRaw(storage, 'good', {}, 2)
    const h = makeOutbox({}, { storage, time }, { unsafe: { skipRestoreValidation: true } })
    await h.outbox.load()
    expect(() => h.connect()).toThrow(/cannot encode expire/)
    expect(h.outbox.pending().map((m) => m.status)).toEqual(['sending', 'queued'])
    expect(h.wire).toEqual([])
  })

  it('an exception in one write fails that message only; the flush goes on to the next', async () => {
    const h = makeOutbox()
    await h.outbox.load()
    const a = await h.outbox.send(msg(1))
    await h.outbox.send(msg(2))
    // A message the encoder refuses although it passed send() (e.g. a codec limit changed).
    const entry = h.outbox.pending()[0]!
    expect(entry.clientMsgNo).toBe(a.clientMsgNo)
    ;(h.outbox as unknown as { byNo: Map<string, { msg: OutboxMessage }> }).byNo.get(a.clientMsgNo)!.msg.channelType = 300
    h.connect()
    await flushPromises()
    expect(h.outbox.pending().map((m) => [text(m.payload), m.status, m.failure])).toEqual([['m1', 'failed', 'invalid'], ['m2', 'sending', undefined]])
    expect(h.errors.map((e) => e.code)).toEqual(['INVALID_ARGUMENT'])
  })
})

/** A lookup that records its requests and answers from `stored`, or fails while `down`. */
function fakeLookup(time: VirtualScheduler) {
  const calls: SentLookup[] = []
  const state = { stored: new Map<string, number>(), down: false }
  const lookup: NonNullable<OutboxDeps['lookup']> = async (req) => {
    calls.push(req)
    await new Promise<void>((resolve) => time.setTimeout(resolve, 50))
    if (state.down) throw new ClientError('SYNC_FAILED', '/channel/messagesync answered HTTP 500')
    const found: SentLookupResult = new Map()
    for (const no of req.clientMsgNos) if (state.stored.has(no)) found.set(no, { messageId: `id-${no}`, messageSeq: state.stored.get(no)! })
    return found
  }
  return { calls, state, lookup }
}

async function inFlight(h: Harness, n: number, channel = (i: number) => 'bob'): Promise<string[]> {
  await h.outbox.load()
  h.connect()
  const nos: string[] = []
  for (let i = 1; i <= n; i++) nos.push((await h.outbox.send(msg(i, channel(i)))).clientMsgNo)
  return nos
}

describe('issue 15.13: on v2, ask the server before re-sending what may be stored', () => {
  it('after a disconnect: one lookup per channel; found → sent with the server ids and removed; absent → re-sent', async () => {
    const time = new VirtualScheduler()
    const fake = fakeLookup(time)
    const h = makeOutbox({}, { storage: makeOutbox().storage, time }, { lookup: fake.lookup })
    const nos = await inFlight(h, 4, (i) => (i % 2 ? 'bob' : 'carol'))
    expect(h.wire).toHaveLength(4)
    fake.state.stored.set(nos[0]!, 11) // the server stored m1 and m2; their acks were lost with the link
    fake.state.stored.set(nos[1]!, 12)
    h.disconnect()
    h.connect()
    expect(h.wire).toHaveLength(4) // nothing re-sent before the answers
    await time.advance(100)
    expect(fake.calls.map((c) => [c.channelId, c.clientMsgNos])).toEqual([['bob', [nos[0], nos[2]]], ['carol', [nos[1], nos[3]]]])
    expect(h.wire.slice(4).map((p) => [p.clientMsgNo, p.flags.dup])).toEqual([[nos[2], true], [nos[3], true]])
    const sent = h.statuses.filter((m) => m.status === 'sent')
    expect(sent.map((m) => [m.clientMsgNo, m.messageId, m.messageSeq, m.reasonCode])).toEqual([[nos[0], `id-${nos[0]}`, 11, 1], [nos[1], `id-${nos[1]}`, 12, 1]])
    expect(h.storage.data.has(key(nos[0]!))).toBe(false)
  })

  it('restored after a kill: looked up before the first write', async () => {
    const { storage, time, nos } = await storedQueue(2)
    const fake = fakeLookup(time)
    fake.state.stored.set(nos[0]!, 5)
    const h = makeOutbox({}, { storage, time }, { lookup: fake.lookup })
    await h.outbox.load()
    h.connect()
    expect(h.wire).toEqual([])
    await time.advance(100)
    expect(fake.calls).toHaveLength(1)
    expect(h.wire.map((p) => p.clientMsgNo)).toEqual([nos[1]])
  })

  it('a failing lookup holds the channel with backoff (no blind re-send), and after LOOKUP_GIVE_UP_MS re-sends unverified', async () => {
    const time = new VirtualScheduler()
    const fake = fakeLookup(time)
    fake.state.down = true
    const h = makeOutbox({ retryMaxMs: 30_000 }, { storage: makeOutbox().storage, time }, { lookup: fake.lookup })
    const nos = await inFlight(h, 1)
    h.disconnect()
    h.connect()
    const later = await h.outbox.send(msg(2)) // same channel: must not overtake
    await time.advance(60_000)
    expect(fake.calls.length).toBeGreaterThan(2)
    expect(h.wire).toHaveLength(1)
    expect(h.outbox.pending().map((m) => m.status)).toEqual(['queued', 'queued'])
    await time.advance(LOOKUP_GIVE_UP_MS)
    expect(h.wire.slice(1).map((p) => p.clientMsgNo)).toEqual([nos[0], later.clientMsgNo])
  })

  it('a failing lookup stops holding the channel once the line turns out to be v3: re-sent at the next try, no more lookups', async () => {
    // Seen on a real v3 server: nothing stored yet in a new person channel, so every lookup answers
    // 400 "valid channel membership required" and, without this, the channel waited LOOKUP_GIVE_UP_MS.
    const time = new VirtualScheduler()
    const fake = fakeLookup(time)
    fake.state.down = true
    let line: 'v2' | 'v3' | undefined
    const h = makeOutbox({ retryMaxMs: 30_000, channelWindow: undefined }, { storage: makeOutbox().storage, time }, { lookup: fake.lookup, line: () => line })
    const nos = await inFlight(h, 2)
    h.disconnect()
    h.connect()
    await time.advance(5_000)
    const asked = fake.calls.length
    expect(asked).toBeGreaterThan(0)
    expect(h.wire).toHaveLength(1) // the line unknown: one SEND per channel, m2 waits behind m1
    line = 'v3' // the catch-up's conversation sync answered on the v3 route
    await time.advance(20_000)
    expect(fake.calls).toHaveLength(asked)
    expect(h.wire.slice(1).map((p) => [p.clientMsgNo, p.flags.dup])).toEqual([[nos[0], true]])
    h.ack(h.wire[1]!, 1)
    await flushPromises()
    expect(h.wire.slice(2).map((p) => [p.clientMsgNo, p.flags.dup])).toEqual([[nos[1], false]])
  })

  it('the lookup comes back when the sync API does, and the message is found, not re-sent', async () => {
    const time = new VirtualScheduler()
    const fake = fakeLookup(time)
    fake.state.down = true
    const h = makeOutbox({}, { storage: makeOutbox().storage, time }, { lookup: fake.lookup })
    const nos = await inFlight(h, 1)
    fake.state.stored.set(nos[0]!, 3)
    h.disconnect()
    h.connect()
    await time.advance(5_000)
    fake.state.down = false
    await time.advance(60_000)
    expect(h.wire).toHaveLength(1)
    expect(h.outbox.pending()).toEqual([])
  })

  it('resendWithoutLookup brings the blind re-send back', async () => {
    const time = new VirtualScheduler()
    const fake = fakeLookup(time)
    const h = makeOutbox({}, { storage: makeOutbox().storage, time }, { lookup: fake.lookup, unsafe: { resendWithoutLookup: true } })
    const nos = await inFlight(h, 1)
    fake.state.stored.set(nos[0]!, 3)
    h.disconnect()
    h.connect()
    expect(fake.calls).toEqual([])
    expect(h.wire.map((p) => p.clientMsgNo)).toEqual([nos[0], nos[0]])
  })
})

describe('issue 15.14: a SENDACK lost on a live link is recovered in seconds', () => {
  it('the PONG comes back while acks are missing: re-sent on the same socket within ~1 s', async () => {
    const h = makeOutbox()
    const nos = await inFlight(h, 3)
    await h.time.advance(1_000)
    expect(h.roundTrips).toHaveLength(1)
    h.ack(h.wire[1]!, 1) // one ack did arrive
    h.roundTrips.shift()!()
    expect(h.wire.slice(3).map((p) => [p.clientMsgNo, p.connectionId, p.flags.dup])).toEqual([[nos[0], 1, true], [nos[2], 1, true]])
    expect(h.rebuilds).toEqual([])
  })

  it('_unsafe.disableResend also leaves an attempt whose ack was dropped unsent (the old defect whole)', async () => {
    const h = makeOutbox({}, undefined, { unsafe: { disableResend: true } })
    await inFlight(h, 2)
    await h.time.advance(1_000)
    h.roundTrips.shift()!()
    await h.time.advance(1_000)
    expect(h.wire).toHaveLength(2)
    expect(h.outbox.pending().map((m) => m.status)).toEqual(['sending', 'sending'])
  })

  it('on v2 the re-send after a dropped ack is looked up first', async () => {
    const time = new VirtualScheduler()
    const fake = fakeLookup(time)
    const h = makeOutbox({}, { storage: makeOutbox().storage, time }, { lookup: fake.lookup })
    const nos = await inFlight(h, 2)
    fake.state.stored.set(nos[0]!, 1) // stored, ack dropped
    await time.advance(2_000)
    h.roundTrips.shift()!()
    await time.advance(100)
    expect(h.wire.slice(2).map((p) => p.clientMsgNo)).toEqual([nos[1]])
    expect(h.statuses.filter((m) => m.status === 'sent').map((m) => m.clientMsgNo)).toEqual([nos[0]])
  })
})
