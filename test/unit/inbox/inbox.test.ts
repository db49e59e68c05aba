import { FakeSync, makeInbox, msg, recvOf, settle, UID } from './harness'
import type { InboundMessage } from '../../../sdk/types'
import { SessionCrypto } from '../../../sdk/proto/crypto'
import type { RecvPacket } from '../../../sdk/proto/packets'
import { WRITE_SPACING_MS } from '../../../sdk/inbox/store'

const session = new SessionCrypto('0123456789abcdef', 'fedcba9876543210')

/** The RECV as an encrypting server sends it: ciphertext payload and its msgKey. */
function sealed(p: RecvPacket): RecvPacket {
  const out = { ...p, payload: session.encrypt(p.payload) }
  out.msgKey = session.recvMsgKey(out)
  return out
}

describe('push delivery and RECVACK', () => {
  it('delivers pushes in order and acks each with the RECV flags copied', async () => {
    const r = makeInbox()
    r.push(recvOf(msg('a', 1), { noPersist: false, syncOnce: true, redDot: false }), null)
    r.push(recvOf(msg('a', 2), { redDot: true }), null)
    await settle()
    expect(r.seqs()).toEqual([1, 2])
    expect(r.delivered[0]!.source).toBe('push')
    expect(r.acks).toEqual([
      { type: 6, flags: { dup: false, noPersist: false, syncOnce: true, redDot: false }, messageId: 'id-a-1', messageSeq: 1 },
      { type: 6, flags: { dup: false, noPersist: false, syncOnce: false, redDot: true }, messageId: 'id-a-2', messageSeq: 2 },
    ])
  })

  it('acks only after the handler promise settles, and delivers the next message of the channel after it', async () => {
    const r = makeInbox()
    let release!: () => void
    r.handler = (m) => (m.channelId === 'a' && m.messageSeq === 1 ? new Promise<void>((res) => (release = res)) : Promise.resolve())
    r.push(recvOf(msg('a', 1)), null)
    r.push(recvOf(msg('a', 2)), null)
    r.push(recvOf(msg('b', 1)), null)
    await settle()
    expect(r.seqs('a')).toEqual([1])
    expect(r.seqs('b')).toEqual([1]) // other channels are not blocked
    expect(r.acks.map((a) => a.messageId)).toEqual(['id-b-1'])
    release()
    await settle()
    expect(r.seqs('a')).toEqual([1, 2])
    expect(r.acks.map((a) => a.messageId)).toEqual(['id-b-1', 'id-a-1', 'id-a-2'])
  })

  it('keeps going when the deliver port rejects', async () => {
    const r = makeInbox()
    r.handler = async (m) => {
      if (m.messageSeq === 1) throw new Error('app bug')
    }
    r.push(recvOf(msg('a', 1)), null)
    r.push(recvOf(msg('a', 2)), null)
    await settle()
    expect(r.seqs()).toEqual([1, 2])
    expect(r.acks).toHaveLength(2)
    expect(r.diag.some((d) => d.event === 'deliver-failed')).toBe(true)
  })

  it('drops a RECV that fails verification: not delivered, not acked, reported', async () => {
    const r = makeInbox()
    r.push({ ...sealed(recvOf(msg('a', 1))), msgKey: '0'.repeat(32) }, session)
    r.push(sealed(recvOf(msg('a', 2, { payload: new Uint8Array([1, 2, 3]) }))), session)
    await settle()
    expect(r.errors.map((e) => e.code)).toEqual(['PROTOCOL'])
    expect(r.diag.find((d) => d.event === 'rejected')?.detail).toMatchObject({ messageId: 'id-a-1' })
    // seq 1 was rejected, so it was the channel's first contact at 2
    expect(r.seqs()).toEqual([2])
    expect(Array.from(r.delivered[0]!.payload)).toEqual([1, 2, 3]) // decrypted
    expect(r.acks.map((a) => a.messageSeq)).toEqual([2])
  })

  it('a tampered RECV inside a known channel is recovered from sync, never from the tampered bytes', async () => {
    const r = makeInbox()
    const m2 = r.sync.add('a', 2, { payload: new Uint8Array([42]) })
    r.push(recvOf(r.sync.add('a', 1)), null)
    await settle()
    const good = sealed(recvOf(m2))
    r.push({ ...good, payload: sealed(recvOf({ ...m2, payload: new Uint8Array([66]) })).payload }, session)
    r.push(recvOf(r.sync.add('a', 3)), null)
    await settle()
    expect(r.seqs()).toEqual([1, 2, 3])
    expect(Array.from(r.delivered[1]!.payload)).toEqual([42])
    expect(r.delivered[1]!.source).toBe('sync')
    expect(r.acks.map((a) => a.messageSeq)).toEqual([1, 3])
  })
})

describe('de-duplication', () => {
  it('a redelivered RECV is delivered once and acked again', async () => {
    const r = makeInbox()
    const p = recvOf(msg('a', 1))
    r.push(p, null)
    await settle()
    r.push(p, null)
    await settle()
    expect(r.seqs()).toEqual([1])
    expect(r.acks.map((a) => a.messageId)).toEqual(['id-a-1', 'id-a-1'])
  })

  it('a copy redelivered while the handler still runs is not delivered again; both acks wait for the handler', async () => {
    const r = makeInbox()
    let release!: () => void
    r.handler = () => new Promise<void>((res) => (release = res))
    const p = recvOf(msg('a', 1))
    r.push(p, null)
    await settle()
    r.push(p, null)
    await settle()
    expect(r.seqs()).toEqual([1])
    expect(r.acks).toEqual([])
    release()
    await settle()
    expect(r.seqs()).toEqual([1])
    expect(r.acks.map((a) => a.messageId)).toEqual(['id-a-1', 'id-a-1'])
  })

  it('a message whose handler never settled (crash) is delivered again after a cold restart', async () => {
    const store = new Map<string, string>()
    const sync = new FakeSync()
    const a = makeInbox({ sync, store })
    await a.inbox.onConnected()
    a.push(recvOf(sync.add('a', 1)), null)
    await settle()
    a.handler = () => new Promise<void>(() => {}) // the app is killed inside this handler
    a.push(recvOf(sync.add('a', 2)), null)
    await settle()
    await a.inbox.flush()
    const b = makeInbox({ sync, store })
    await b.inbox.load()
    await b.inbox.onConnected()
    expect(b.seqs()).toEqual([2])
  })

  it('a v2 double-store (same fromUid + clientMsgNo, new id and seq) is delivered once and its seq consumed', async () => {
    const r = makeInbox()
    r.push(recvOf(msg('a', 1)), null)
    r.push(recvOf(msg('a', 2, { clientMsgNo: 'cm-a-1' })), null)
    r.push(recvOf(msg('a', 3)), null)
    await settle()
    expect(r.seqs()).toEqual([1, 3])
    expect(r.acks.map((a) => a.messageSeq)).toEqual([1, 2, 3])
    expect(r.inbox.cursor('a', 1)).toBe(3)
    expect(r.sync.messageRequests).toEqual([])
  })

  it('the same clientMsgNo from a different sender is not a duplicate', async () => {
    const r = makeInbox()
    r.push(recvOf(msg('g', 1, { channelType: 2, fromUid: 'x', clientMsgNo: 'same' })), null)
    r.push(recvOf(msg('g', 2, { channelType: 2, fromUid: 'y', clientMsgNo: 'same' })), null)
    await settle()
    expect(r.seqs()).toEqual([1, 2])
  })

  it('NoPersist (seq 0) messages are delivered once by messageId and leave the cursor alone', async () => {
    const r = makeInbox()
    r.push(recvOf(msg('a', 5)), null)
    const cmd = recvOf(msg('a', 0, { messageId: 'np-1', flags: { noPersist: true, syncOnce: true, redDot: false } }))
    r.push(cmd, null)
    r.push(cmd, null)
    await settle()
    expect(r.delivered.map((m) => m.messageId)).toEqual(['id-a-5', 'np-1'])
    expect(r.inbox.cursor('a', 1)).toBe(5)
    expect(r.acks.filter((a) => a.messageId === 'np-1')).toEqual([
      { type: 6, flags: { dup: false, noPersist: true, syncOnce: true, redDot: false }, messageId: 'np-1', messageSeq: 0 },
      { type: 6, flags: { dup: false, noPersist: true, syncOnce: true, redDot: false }, messageId: 'np-1', messageSeq: 0 },
    ])
  })
})

describe('RECVACKs written together (issue 21)', () => {
  it('acks a burst of one drain together, and a gap that hangs on one channel holds no other ack', async () => {
    const r = makeInbox()
    r.push(recvOf(msg('a', 1)), null)
    r.push(recvOf(msg('b', 1)), null)
    await settle()
    // Channel a: a hole whose sync never answers; its drain waits in the gap fill.
    r.sync.hang = true
    r.push(recvOf(msg('a', 5)), null)
    await settle()
    const before = r.acks.length
    // Channel b keeps flowing: its burst is acked as soon as its own drain ends.
    for (let s = 2; s <= 6; s++) r.push(recvOf(msg('b', s)), null)
    await settle()
    expect(r.acks.slice(before).map((x) => `${x.messageId}`)).toEqual(['id-b-2', 'id-b-3', 'id-b-4', 'id-b-5', 'id-b-6'])
    // A copy of a seq already shown on the hanging channel is acked at once too.
    r.push(recvOf(msg('a', 1)), null)
    expect(r.acks[r.acks.length - 1]?.messageId).toBe('id-a-1')
  })
})

describe('gaps', () => {
  it('holds a RECV above cursor + 1, pulls the hole and delivers in seq order once', async () => {
    const r = makeInbox()
    for (let s = 1; s <= 5; s++) r.sync.add('a', s)
    r.push(recvOf(msg('a', 1)), null)
    await settle()
    r.push(recvOf(msg('a', 5)), null)
    r.push(recvOf(msg('a', 3)), null) // a late push of a seq inside the hole
    await settle()
    expect(r.seqs()).toEqual([1, 2, 3, 4, 5])
    expect(r.sync.messageRequests[0]).toEqual({ channelId: 'a', channelType: 1, startSeq: 2, endSeq: 5, limit: 100 })
    expect(r.sync.messageRequests).toHaveLength(1)
    expect(r.gaps).toEqual([
      { channelId: 'a', channelType: 1, fromSeq: 2, toSeq: 4, outcome: 'detected' },
      { channelId: 'a', channelType: 1, fromSeq: 2, toSeq: 4, outcome: 'filled' },
    ])
    expect(r.acks.map((a) => a.messageSeq)).toEqual([1, 3, 5])
  })

  it('pages through a large gap with the configured limit', async () => {
    const r = makeInbox({ options: { syncPageLimit: 40 } })
    for (let s = 1; s <= 101; s++) r.sync.add('a', s)
    r.push(recvOf(msg('a', 1)), null)
    await settle()
    r.push(recvOf(msg('a', 101)), null)
    await settle()
    expect(r.seqs()).toEqual(Array.from({ length: 101 }, (_, i) => i + 1))
    expect(r.sync.messageRequests.map((q) => [q.startSeq, q.endSeq, q.limit])).toEqual([
      [2, 101, 40],
      [42, 101, 40],
      [82, 101, 40],
    ])
  })

  it('skips a range the server no longer has (retention) after its retries, reporting it', async () => {
    const r = makeInbox()
    for (let s = 1; s <= 6; s++) r.sync.add('a', s)
    r.sync.missing.add('1:a:2').add('1:a:3')
    r.push(recvOf(msg('a', 1)), null)
    await settle()
    r.push(recvOf(msg('a', 6)), null)
    await settle()
    expect(r.seqs()).toEqual([1])
    await r.clock.advance(1000 + 2000 + 4000) // the default retries: 1 s, doubled
    await settle()
    expect(r.seqs()).toEqual([1, 4, 5, 6])
    expect(r.sync.messageRequests).toHaveLength(4)
    expect(r.gaps.map((g) => [g.outcome, g.fromSeq, g.toSeq])).toEqual([
      ['detected', 2, 5],
      ['unfillable', 2, 3],
    ])
    expect(r.diag.some((d) => d.event === 'gap-unfillable' && d.detail?.fromSeq === 2)).toBe(true)
  })

  it('a lower seq that reaches the sync API after a higher one (v1.2.6 stores concurrently) is waited for, not skipped', async () => {
    const r = makeInbox()
    await r.inbox.onConnected() // baseline
    r.sync.add('a', 1)
    r.push(recvOf(msg('a', 1)), null)
    await settle()
    // Offline meanwhile: 2 and 3 were stored, but the sync API shows only 3 at first.
    r.sync.add('a', 2)
    r.sync.add('a', 3)
    r.sync.missing.add('1:a:2')
    const caughtUp = r.inbox.onConnected()
    await settle()
    expect(r.seqs()).toEqual([1])
    r.sync.missing.clear()
    await r.clock.advance(1000)
    await caughtUp
    expect(r.seqs()).toEqual([1, 2, 3])
    expect(r.gaps.filter((g) => g.outcome === 'unfillable')).toEqual([])
  })

  it('an empty answer proves nothing: the next request reaches the held seq, and the range is given up only when an answer shows a later seq without it', async () => {
    const r = makeInbox({ options: { gapRetries: 2, gapRetryDelayMs: 1000 } })
    r.sync.add('a', 4)
    r.sync.add('a', 5)
    r.push(recvOf(msg('a', 1)), null)
    await settle()
    r.push(recvOf(msg('a', 4)), null)
    r.push(recvOf(msg('a', 5)), null)
    await settle()
    expect(r.seqs()).toEqual([1])
    await r.clock.advance(999)
    expect(r.sync.messageRequests).toHaveLength(1)
    await r.clock.advance(1)
    await r.clock.advance(2000)
    expect(r.sync.messageRequests.map((q) => [q.startSeq, q.endSeq])).toEqual([
      [2, 4],
      [2, 5],
      [2, 5],
    ])
    expect(r.seqs()).toEqual([1, 4, 5])
    expect(r.gaps.map((g) => [g.outcome, g.fromSeq, g.toSeq])).toEqual([
      ['detected', 2, 3],
      ['unfillable', 2, 3],
    ])
    expect(r.acks.map((a) => a.messageSeq)).toEqual([1, 4, 5])
  })

  it('close() ends a gap retry in progress and leaves no timer behind', async () => {
    const r = makeInbox({ options: { gapRetries: 5, gapRetryDelayMs: 10_000 } })
    r.push(recvOf(msg('a', 1)), null)
    r.push(recvOf(msg('a', 3)), null)
    await settle()
    await r.inbox.flush() // no state write waiting: the one timer is the gap retry
    expect(r.clock.pendingTimers()).toBe(1)
    r.inbox.close()
    await settle()
    expect(r.clock.pendingTimers()).toBe(0)
    expect(r.sync.messageRequests).toHaveLength(1)
    expect(r.seqs()).toEqual([1])
    expect(r.acks.map((a) => a.messageSeq)).toEqual([1]) // the held one is pulled next time
  })

  it('drops the newest held push beyond maxHeldPerChannel, acks it, and pulls it later', async () => {
    const r = makeInbox({ options: { maxHeldPerChannel: 2 } })
    for (let s = 1; s <= 5; s++) r.sync.add('a', s)
    r.sync.failMessages = 1 // the first fill fails, so pushes pile up meanwhile
    r.push(recvOf(msg('a', 1)), null)
    await settle()
    r.push(recvOf(msg('a', 3)), null)
    r.push(recvOf(msg('a', 4)), null)
    r.push(recvOf(msg('a', 5)), null)
    expect(r.acks.map((a) => a.messageSeq)).toEqual([1, 5])
    await r.clock.advance(1000)
    expect(r.seqs()).toEqual([1, 2, 3, 4, 5])
    expect(r.delivered[4]!.source).toBe('sync')
    expect(r.acks.map((a) => a.messageSeq)).toEqual([1, 5, 3, 4])
  })
})

describe('own messages (noteSent)', () => {
  it('a seq this device sent is neither pulled nor delivered', async () => {
    const r = makeInbox()
    r.push(recvOf(msg('a', 1)), null)
    await settle()
    r.inbox.noteSent({ channelId: 'a', channelType: 1, messageId: 'mine-2', messageSeq: 2, clientMsgNo: 'c-mine' })
    r.push(recvOf(msg('a', 3)), null)
    await settle()
    expect(r.seqs()).toEqual([1, 3])
    expect(r.sync.messageRequests).toEqual([])
    expect(r.gaps).toEqual([])
    expect(r.inbox.cursor('a', 1)).toBe(3)
  })

  it("a copy of this install's own send (v2 stored a re-send twice) is not delivered; the same user's other device's is", async () => {
    const pending = new Set(['c-mine'])
    const r = makeInbox({ ownSend: (no) => pending.has(no) })
    await r.inbox.onConnected() // baseline
    r.sync.add('a', 1)
    r.push(recvOf(msg('a', 1)), null)
    await settle()
    // Catch-up meets the first copy of our re-sent message before the re-send's SENDACK.
    r.sync.add('a', 2, { fromUid: UID, clientMsgNo: 'c-mine' })
    r.sync.add('a', 3, { fromUid: UID, clientMsgNo: 'c-other-device' })
    await r.inbox.onConnected()
    expect(r.delivered.map((m) => [m.messageSeq, m.fromUid, m.clientMsgNo])).toEqual([
      [1, 'a', expect.any(String)],
      [3, UID, 'c-other-device'],
    ])
    expect(r.inbox.cursor('a', 1)).toBe(3)
    expect(r.diag.some((d) => d.event === 'duplicate' && d.detail?.messageSeq === 2)).toBe(true)
  })

  it('own acks cost no write of their own: they go with the next write, or at flush (hide, close)', async () => {
    const r = makeInbox()
    r.push(recvOf(msg('a', 1)), null)
    await settle()
    await r.inbox.flush()
    await r.clock.advance(WRITE_SPACING_MS) // a quiet spell
    const storage = r.clock.platform.storage
    const set = storage.set
    const writes: string[] = []
    storage.set = (key, value) => (writes.push(key), set(key, value))
    for (let s = 2; s <= 101; s++) {
      r.inbox.noteSent({ channelId: 'a', channelType: 1, messageId: `mine-${s}`, messageSeq: s, clientMsgNo: `c-${s}` })
      await settle(2)
    }
    await r.clock.advance(10 * WRITE_SPACING_MS)
    await settle()
    expect(writes).toEqual([])
    expect(r.inbox.cursor('a', 1)).toBe(101)
    // A shown message's cursor is written at once and carries the own seqs below it; the seen
    // list (its spacing long over) goes at once too, own ids included.
    r.push(recvOf(msg('a', 102)), null)
    await settle()
    expect(r.seqs()).toEqual([1, 102])
    expect(writes.sort()).toEqual(['wkmp:me:in:cursors', 'wkmp:me:in:seen'])
    expect(JSON.parse(r.clock.store.get('wkmp:me:in:cursors')!).channels).toEqual([[1, 'a', 102]])
    const seen = JSON.parse(r.clock.store.get('wkmp:me:in:seen')!).ids as string[]
    expect(seen).toEqual(expect.arrayContaining(['mine-2', 'mine-101', r.delivered[1]!.messageId]))
    // Alone, an own ack reaches storage at flush (the client flushes on hide and close).
    writes.length = 0
    r.inbox.noteSent({ channelId: 'a', channelType: 1, messageId: 'mine-103', messageSeq: 103, clientMsgNo: 'c-103' })
    await r.clock.advance(10 * WRITE_SPACING_MS)
    await settle()
    expect(writes).toEqual([])
    await r.inbox.flush()
    expect(writes.sort()).toEqual(['wkmp:me:in:cursors', 'wkmp:me:in:seen'])
    expect(JSON.parse(r.clock.store.get('wkmp:me:in:cursors')!).channels).toEqual([[1, 'a', 103]])
    expect(JSON.parse(r.clock.store.get('wkmp:me:in:seen')!).ids).toContain('mine-103')
  })

  it('while hidden an own ack is written at once (WeChat may kill a background app)', async () => {
    const r = makeInbox()
    r.push(recvOf(msg('a', 1)), null)
    await settle()
    r.clock.platform.control.hide()
    await r.inbox.flush()
    r.inbox.noteSent({ channelId: 'a', channelType: 1, messageId: 'mine-2', messageSeq: 2, clientMsgNo: 'c-2' })
    await settle()
    expect(JSON.parse(r.clock.store.get('wkmp:me:in:cursors')!).channels).toEqual([[1, 'a', 2]])
    expect(JSON.parse(r.clock.store.get('wkmp:me:in:seen')!).ids).toContain('mine-2')
  })

  it('killed before an own ack reached storage: the relaunch drops the copy catch-up pulls (ownSend), never shows it', async () => {
    const own = (no: string): boolean => no.startsWith('c-mine')
    const r = makeInbox({ ownSend: own })
    await r.inbox.onConnected() // baseline
    r.sync.add('a', 1)
    r.push(recvOf(msg('a', 1)), null)
    await settle()
    await r.inbox.flush()
    const mine = r.sync.add('a', 2, { fromUid: UID, clientMsgNo: 'c-mine-2' })
    r.inbox.noteSent({ channelId: 'a', channelType: 1, messageId: mine.messageId, messageSeq: 2, clientMsgNo: 'c-mine-2' })
    await settle()
    const disk = new Map(r.clock.store) // killed now: the note is not in storage
    expect(JSON.parse(disk.get('wkmp:me:in:cursors')!).channels).toEqual([[1, 'a', 1]])
    const b = makeInbox({ store: disk, sync: r.sync, ownSend: own })
    await b.inbox.load()
    r.sync.add('a', 3)
    await b.inbox.onConnected()
    expect(b.seqs()).toEqual([3])
    expect(b.inbox.cursor('a', 1)).toBe(3)
  })
})

describe('state writes', () => {
  it('a message without a seq (NoPersist) has its id saved at once: no cursor guards it', async () => {
    const r = makeInbox()
    r.inbox.noteSent({ channelId: 'a', channelType: 1, messageId: 'mine-1', messageSeq: 1, clientMsgNo: 'c-1' })
    await settle()
    await r.inbox.flush() // the spacing now runs for both keys
    r.push(recvOf(msg('a', 0, { messageId: 'np-9', flags: { noPersist: true, syncOnce: false, redDot: false } })), null)
    await settle()
    expect(r.delivered.map((m) => m.messageId)).toEqual(['np-9'])
    expect(JSON.parse(r.clock.store.get('wkmp:me:in:seen')!).ids).toContain('np-9')
  })

  // Chaos corrupt-kill (e.g. v3 seed 30): a message shown in the background after the hide flush,
  // killed 65 ms later with the cursors record then unreadable; the seen record, still waiting for
  // the spacing, did not know the message, so the relaunch showed it again.
  it('while the app is hidden every change is written at once: a kill then cannot leave the seen record behind', async () => {
    const r = makeInbox()
    r.push(recvOf(msg('a', 1)), null)
    await settle()
    r.clock.platform.control.hide()
    await r.inbox.flush() // the client's flush on hide; the spacing now runs for both keys
    r.push(recvOf(msg('a', 2)), null)
    await settle()
    const disk = new Map(r.clock.store) // killed now
    disk.set('wkmp:me:in:cursors', '{"v":1,"chan')
    const b = makeInbox({ store: disk, sync: r.sync })
    await b.inbox.load()
    b.push(recvOf(msg('a', 2)), null)
    b.push(recvOf(msg('a', 3)), null)
    await settle()
    expect(b.seqs()).toEqual([3])
    // Back in the foreground, the seen record waits for the spacing again.
    r.clock.platform.control.show()
    r.push(recvOf(msg('a', 3)), null)
    await settle()
    expect(JSON.parse(r.clock.store.get('wkmp:me:in:seen')!).ids).not.toContain('id-a-3')
  })
})

describe('catch-up', () => {
  it('on a fresh install, history is not delivered; afterwards missed messages are pulled from each cursor', async () => {
    const sync = new FakeSync()
    for (let s = 1; s <= 3; s++) sync.add('a', s)
    const r = makeInbox({ sync })
    await r.inbox.onConnected()
    expect(r.delivered).toEqual([])
    expect(r.inbox.cursor('a', 1)).toBe(3)
    for (let s = 4; s <= 250; s++) sync.add('a', s)
    for (let s = 1; s <= 7; s++) sync.add('new', s)
    await r.inbox.onConnected()
    expect(sync.conversationRequests[1]).toEqual([{ channelId: 'a', channelType: 1, lastSeq: 3 }])
    expect(r.seqs('a')).toEqual(Array.from({ length: 247 }, (_, i) => i + 4))
    expect(r.seqs('new')).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(r.delivered.every((m) => m.source === 'sync')).toBe(true)
    expect(r.acks).toEqual([])
  })

  it('pulls at most newChannelBacklog messages of a channel first seen in conversation sync', async () => {
    const r = makeInbox({ options: { newChannelBacklog: 5 } })
    await r.inbox.onConnected()
    for (let s = 1; s <= 20; s++) r.sync.add('big', s, { channelType: 2 })
    await r.inbox.onConnected()
    expect(r.seqs()).toEqual([16, 17, 18, 19, 20])
  })

  it('a push on an unknown channel waits for the conversation sync in flight, so nothing sent while offline hides behind it', async () => {
    const r = makeInbox()
    await r.inbox.onConnected() // baseline
    for (let s = 1; s <= 4; s++) r.sync.add('a', s)
    let open!: () => void
    r.sync.conversationGate = new Promise<void>((res) => (open = res))
    const done = r.inbox.onConnected()
    await settle()
    r.push(recvOf(r.sync.add('a', 5)), null)
    await settle()
    expect(r.delivered).toEqual([])
    open()
    await done
    expect(r.seqs()).toEqual([1, 2, 3, 4, 5])
    expect(r.acks.map((a) => a.messageSeq)).toEqual([5])
  })

  it('a push arriving while a catch-up pulls the channel is not reported as a gap', async () => {
    const r = makeInbox()
    r.push(recvOf(r.sync.add('a', 1)), null)
    await settle()
    for (let s = 2; s <= 300; s++) r.sync.add('a', s)
    const done = r.inbox.onConnected()
    await settle(3)
    r.push(recvOf(r.sync.add('a', 301)), null)
    await done
    expect(r.seqs()).toEqual(Array.from({ length: 301 }, (_, i) => i + 1))
    expect(r.gaps).toEqual([])
  })

  it('a failed conversation sync is reported and leaves cursors as they were', async () => {
    const r = makeInbox()
    r.sync.failConversations = 1
    await r.inbox.onConnected()
    expect(r.errors.map((e) => e.code)).toEqual(['SYNC_FAILED'])
    r.sync.add('a', 1)
    await r.inbox.onConnected()
    expect(r.inbox.cursor('a', 1)).toBe(1)
  })

  it('a continuity check runs the catch-up periodically while connected', async () => {
    const r = makeInbox({ options: { continuityCheckMs: 60_000 } })
    await r.inbox.onConnected()
    r.sync.add('a', 1)
    r.sync.add('a', 2)
    await r.clock.advance(60_000)
    expect(r.sync.conversationRequests).toHaveLength(2)
    await r.clock.advance(60_000)
    expect(r.sync.conversationRequests).toHaveLength(3)
    r.inbox.onDisconnected()
    await r.clock.advance(180_000)
    expect(r.sync.conversationRequests).toHaveLength(3)
    await r.inbox.onConnected()
    r.inbox.close()
    expect(r.clock.pendingTimers()).toBe(0)
  })

  it('concurrent catch-ups share one run', async () => {
    const r = makeInbox()
    await Promise.all([r.inbox.onConnected(), r.inbox.catchUp(), r.inbox.catchUp()])
    expect(r.sync.conversationRequests.length).toBeLessThanOrEqual(2)
  })
})

describe('persistence', () => {
  it('a cold restart restores cursors and de-dup state: nothing old re-delivered, nothing new missed', async () => {
    const store = new Map<string, string>()
    const sync = new FakeSync()
    const a = makeInbox({ sync, store })
    await a.inbox.load()
    await a.inbox.onConnected()
    for (let s = 1; s <= 3; s++) a.push(recvOf(sync.add('a', s)), null)
    await settle()
    await a.inbox.flush()
    a.inbox.close()
    expect(a.seqs()).toEqual([1, 2, 3])

    for (let s = 4; s <= 6; s++) sync.add('a', s)
    const b = makeInbox({ sync, store })
    await b.inbox.load()
    expect(b.inbox.cursor('a', 1)).toBe(3)
    b.push(recvOf(msg('a', 2)), null) // a late redelivery of an old message
    await b.inbox.onConnected()
    // the v2 double-store of seq 3's message, arriving after the restart
    b.push(recvOf(sync.add('a', 7, { clientMsgNo: 'cm-a-3' })), null)
    await settle()
    expect(b.seqs()).toEqual([4, 5, 6])
    expect(b.acks.map((x) => x.messageSeq)).toEqual([2, 7])
  })

  it('stores state under the user prefix, bounded by dedupCapacity', async () => {
    const store = new Map<string, string>()
    const r = makeInbox({ store, options: { dedupCapacity: 3 } })
    for (let s = 1; s <= 10; s++) r.push(recvOf(msg('a', s)), null)
    await settle()
    await r.inbox.flush()
    expect(JSON.parse(store.get('wkmp:me:in:cursors')!)).toEqual({ v: 1, baseline: false, channels: [[1, 'a', 10]] })
    const seen = JSON.parse(store.get('wkmp:me:in:seen')!)
    expect(seen.ids).toEqual(['id-a-8', 'id-a-9', 'id-a-10'])
    expect(seen.keys).toHaveLength(3)
  })

  it('a failing storage is reported once per streak and the state is written once it works again', async () => {
    const store = new Map<string, string>()
    const r = makeInbox({ store })
    r.clock.failWrites = true
    for (let s = 1; s <= 3; s++) r.push(recvOf(msg('a', s)), null)
    await settle()
    await r.inbox.flush()
    expect(r.seqs()).toEqual([1, 2, 3])
    expect(r.errors.map((e) => e.code)).toEqual(['STORAGE_FAILED'])
    expect(store.size).toBe(0)
    r.clock.failWrites = false
    r.push(recvOf(msg('b', 1)), null)
    await settle()
    await r.inbox.flush()
    expect(JSON.parse(store.get('wkmp:me:in:cursors')!).channels).toEqual([
      [1, 'a', 3],
      [1, 'b', 1],
    ])
    expect(JSON.parse(store.get('wkmp:me:in:seen')!).ids).toEqual(['id-a-1', 'id-a-2', 'id-a-3', 'id-b-1'])
  })

  it('corrupt stored state is reported and reset, and the inbox works', async () => {
    const store = new Map<string, string>([
      ['wkmp:me:in:cursors', JSON.stringify({ v: 1, channels: [[1, 'a', 'x']] })],
      ['wkmp:me:in:seen', JSON.stringify('garbage')],
    ])
    const r = makeInbox({ store })
    await r.inbox.load()
    expect(r.errors.map((e) => e.code)).toEqual(['STORAGE_CORRUPT', 'STORAGE_CORRUPT'])
    r.push(recvOf(msg('a', 1)), null)
    await settle()
    await r.inbox.flush()
    expect(r.seqs()).toEqual([1])
    expect(JSON.parse(store.get('wkmp:me:in:cursors')!).channels).toEqual([[1, 'a', 1]])
  })
})

describe('ordering under interleaving', () => {
  it('random push orders and redeliveries still yield each message once, in seq order', async () => {
    let seed = 7
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n)
    for (let run = 0; run < 20; run++) {
      const r = makeInbox()
      const all: InboundMessage[] = []
      for (let s = 1; s <= 30; s++) all.push(r.sync.add('a', s))
      r.push(recvOf(all[0]!), null)
      await settle(2)
      const rest = all.slice(1).flatMap((m) => (rand(4) === 0 ? [m, m] : rand(5) === 0 ? [] : [m]))
      for (let i = rest.length - 1; i > 0; i--) {
        const j = rand(i + 1)
        ;[rest[i], rest[j]] = [rest[j]!, rest[i]!]
      }
      for (const m of rest) {
        r.push(recvOf(m), null)
        if (rand(3) === 0) await settle(1)
      }
      await r.inbox.onConnected()
      await settle()
      expect(r.seqs()).toEqual(all.map((m) => m.messageSeq))
    }
  })
})

describe('snapshot', () => {
  it('tells diagnose() how the receive side is doing', async () => {
    const r = makeInbox({ options: { gapRetries: 0 } })
    const calm = { stalled: [], syncFaults: { failed: 0, malformed: 0 }, unreadableState: false }
    expect(r.inbox.snapshot()).toEqual({ channels: 0, held: 0, delivering: 0, ...calm })
    r.sync.add('a', 3) // 2 is gone
    let release!: () => void
    r.handler = (m) => (m.messageSeq === 1 ? new Promise<void>((res) => (release = res)) : Promise.resolve())
    r.push(recvOf(msg('a', 1)), null)
    r.push(recvOf(msg('a', 3)), null)
    await settle()
    expect(r.inbox.snapshot()).toMatchObject({ channels: 1, held: 1, delivering: 1 })
    expect(r.gaps.map((g) => g.outcome)).toEqual(['detected'])
    release()
    await r.clock.advance(1)
    await r.inbox.onConnected()
    expect(r.inbox.snapshot()).toEqual({ channels: 1, held: 0, delivering: 0, lastCatchUp: { at: 1, ok: true }, ...calm })
    expect(r.gaps.map((g) => g.outcome)).toEqual(['detected', 'unfillable'])
  })
})
