/** The checker on hand-made histories: each invariant it reports, and what it must not report. */
import { ServerCore } from '../support/server/core'
import { VirtualScheduler } from '../support/virtual-time'
import { check, violationCount, type Delivery, type History } from './checker'

const FLAGS = { dup: false, syncOnce: false, redDot: false, noPersist: false }

function setup(mode: 'v2' | 'v3') {
  const time = new VirtualScheduler()
  const core = new ServerCore({ mode, encrypt: false, clock: time, timers: time, random: (n) => new Uint8Array(n), routes: { wsAddr: 'ws://core' } })
  core.createGroup('g1', ['u0', 'u1', 'u2'])
  const store = (from: string, clientMsgNo: string) => core.submit(from, { flags: FLAGS, setting: 0, clientMsgNo, channelId: 'g1', channelType: 2, expire: 0 }, new Uint8Array([1]))
  const history: History = { mode, uids: ['u0', 'u1', 'u2'], resolved: [], sent: [], deliveries: [], baselines: new Map(), excused: new Set(), stuck: [], internalErrors: [], kills: [], corrupted: new Set(), toldFailed: new Set(), v2CopiesAllowed: false, media: new Map(), uploaded: () => undefined, pages: [], convOps: [], finalLists: new Map() }
  for (const uid of history.uids) history.baselines.set(uid, new Map([['2:g1', 0]]))
  // By default the stored message at `seq` (its messageId), as the server would have pushed it.
  const idAt = (seq: number): string => core.messages({ channelId: 'g1', channelType: 2 }).find((m) => m.messageSeq === seq)?.messageId ?? `id${seq}`
  const shown = (uid: string, from: string, clientMsgNo: string, seq: number, messageId = idAt(seq)): Delivery => ({ uid, instance: 1, messageId, messageSeq: seq, clientMsgNo, fromUid: from, channelId: 'g1', channelType: 2 })
  return { core, history, store, shown, idAt }
}

describe('chaos checker', () => {
  it('a clean history passes', () => {
    const { core, history, store, shown } = setup('v3')
    const a = store('u0', 'a')
    store('u0', 'b')
    history.resolved.push({ uid: 'u0', clientMsgNo: 'a', channelId: 'g1', channelType: 2 }, { uid: 'u0', clientMsgNo: 'b', channelId: 'g1', channelType: 2 })
    history.sent.push({ uid: 'u0', clientMsgNo: 'a', reasonCode: 1, messageId: a.messageId, messageSeq: a.messageSeq })
    for (const uid of ['u1', 'u2']) history.deliveries.push(shown(uid, 'u0', 'a', 1), shown(uid, 'u0', 'b', 2))
    expect(check(history, core)).toMatchObject({ lost: 0, duplicated: 0, misordered: 0, stuck: 0, unacked: 0, internal: 0, failures: [] })
  })

  it('reports lost, duplicated, misordered, unacked, stuck and internal', () => {
    const { core, history, store, shown } = setup('v3')
    store('u0', 'a')
    store('u0', 'b')
    history.resolved.push({ uid: 'u0', clientMsgNo: 'never-stored', channelId: 'g1', channelType: 2 })
    history.sent.push({ uid: 'u0', clientMsgNo: 'b', reasonCode: 1, messageId: 'bogus', messageSeq: 2 })
    history.deliveries.push(shown('u1', 'u0', 'b', 2), shown('u1', 'u0', 'a', 1)) // out of order
    history.deliveries.push(shown('u2', 'u0', 'a', 1), shown('u2', 'u0', 'a', 1)) // twice; b never
    history.stuck.push('u0: x still queued')
    history.internalErrors.push('u0#1: boom')
    const r = check(history, core)
    expect(r).toMatchObject({ lost: 2, duplicated: 1, misordered: 1, unacked: 1, stuck: 1, internal: 1 })
    expect(r.failures.join('\n')).toContain('never stored')
    expect(r.failures.join('\n')).toContain('u2 never shown')
  })

  it('a v2 re-send stored twice is a duplicate (copies per message 1.00 on both lines), unless v2 copies are allowed', () => {
    const { core, history, store } = setup('v2')
    store('u0', 'a')
    store('u0', 'a') // the v2 re-send
    store('u0', 'b')
    history.resolved.push({ uid: 'u0', clientMsgNo: 'a', channelId: 'g1', channelType: 2 }, { uid: 'u0', clientMsgNo: 'b', channelId: 'g1', channelType: 2 })
    history.baselines.set('u1', new Map([['2:g1', 3]]))
    history.baselines.set('u2', new Map([['2:g1', 3]]))
    const r = check(history, core)
    expect(r).toMatchObject({ duplicated: 1, storedRows: 3, storedMessages: 2 })
    expect(r.failures.join('\n')).toContain('stored 2 times by a v2 server')
    history.v2CopiesAllowed = true
    expect(check(history, core)).toMatchObject({ duplicated: 0 })
  })

  it('v2 may (when allowed) store a re-send twice, but the app must see it once; history below the baseline is not owed', () => {
    const { core, history, store, shown, idAt } = setup('v2')
    history.v2CopiesAllowed = true
    store('u0', 'a')
    store('u0', 'a') // the v2 re-send
    store('u0', 'b')
    history.resolved.push({ uid: 'u0', clientMsgNo: 'a', channelId: 'g1', channelType: 2 })
    history.baselines.set('u2', new Map([['2:g1', 2]]))
    history.deliveries.push(shown('u1', 'u0', 'a', 1), shown('u1', 'u0', 'b', 3), shown('u2', 'u0', 'b', 3))
    expect(check(history, core)).toMatchObject({ lost: 0, duplicated: 0, misordered: 0 })
    history.deliveries.push(shown('u1', 'u0', 'a', 4, idAt(2)))
    expect(check(history, core)).toMatchObject({ duplicated: 1 })
    // The sender handed the other copy of its own re-send back as incoming: an echo.
    history.deliveries.push(shown('u0', 'u0', 'a', 2))
    const r = check(history, core)
    expect(r).toMatchObject({ echoed: 1, duplicated: 1 })
    expect(r.failures.join('\n')).toContain('u0#1 handed its own')
  })

  it('a re-delivery after storage refused the inbox state and the app died is counted apart', () => {
    const { core, history, store, shown } = setup('v3')
    store('u0', 'a')
    history.deliveries.push(shown('u1', 'u0', 'a', 1), shown('u1', 'u0', 'a', 1), shown('u2', 'u0', 'a', 1))
    history.excused.add('u1|u0|a')
    expect(check(history, core)).toMatchObject({ duplicated: 0, misordered: 0, excusedRedeliveries: 1 })
  })

  it('re-shown after a kill: the message in the handler once, anything else is a duplicate', () => {
    const { core, history, store, shown } = setup('v3')
    store('u0', 'a')
    store('u0', 'b')
    const again = (d: Delivery): Delivery => ({ ...d, instance: 2 })
    history.deliveries.push(shown('u1', 'u0', 'a', 1), shown('u1', 'u0', 'b', 2), again(shown('u1', 'u0', 'b', 2)), shown('u2', 'u0', 'a', 1), shown('u2', 'u0', 'b', 2))
    history.kills.push({ uid: 'u1', instance: 1, inHandler: 'u0|b' })
    expect(check(history, core)).toMatchObject({ duplicated: 0, reShown: 1 })
    // The one before it was handled: showing it again is a duplicate.
    history.deliveries.push(again(shown('u1', 'u0', 'a', 1)))
    expect(check(history, core)).toMatchObject({ duplicated: 1, reShown: 2 })
    // A kill outside any handler allows nothing.
    history.kills[0] = { uid: 'u1', instance: 1 }
    expect(check(history, core)).toMatchObject({ duplicated: 2, reShown: 2 })
  })

  it('a message the server never stored, shown to an app, is forged', () => {
    const { core, history, store, shown } = setup('v3')
    store('u0', 'a')
    history.deliveries.push(shown('u1', 'u0', 'a', 1), shown('u2', 'u0', 'a', 1), shown('u1', 'u2', 'forged-1', 2, '9000000001'))
    const r = check(history, core)
    expect(r).toMatchObject({ forged: 1, lost: 0, duplicated: 0 })
    expect(violationCount(r)).toBe(1)
  })

  it('a message stored with another text than its send() was given is a wrong payload (the stored bytes here: [1])', () => {
    const { core, history, store, shown } = setup('v3')
    store('u0', 'a')
    store('u0', 'b')
    history.resolved.push({ uid: 'u0', clientMsgNo: 'a', channelId: 'g1', channelType: 2, text: '\u0001' }, { uid: 'u0', clientMsgNo: 'b', channelId: 'g1', channelType: 2, text: 'b' })
    for (const uid of ['u1', 'u2']) history.deliveries.push(shown(uid, 'u0', 'a', 1), shown(uid, 'u0', 'b', 2))
    const r = check(history, core)
    expect(r).toMatchObject({ wrongPayload: 1, lost: 0 })
    expect(r.failures).toEqual([expect.stringContaining("wrong payload: u0's b")])
  })

  it('a corrupted outbox record is not lost only when the SDK reported it failed', () => {
    const { core, history } = setup('v3')
    history.resolved.push({ uid: 'u0', clientMsgNo: 'c', channelId: 'g1', channelType: 2 })
    history.corrupted.add('u0|c')
    expect(check(history, core)).toMatchObject({ lost: 1, corruptedTold: 0 })
    history.toldFailed.add('u0|c')
    expect(check(history, core)).toMatchObject({ lost: 0, corruptedTold: 1 })
  })

  it('media: stored and shown pointing at the upload holding its own file, else bad media', () => {
    const { core, history, shown } = setup('v3')
    const bytes = (j: unknown) => new TextEncoder().encode(JSON.stringify(j))
    const image = (url: string) => bytes({ type: 2, url, width: 1, height: 1 })
    const objects = new Map([['http://upload/files/f1', new TextEncoder().encode('image:m1')], ['http://upload/files/f2', new TextEncoder().encode('image:other')]])
    history.uploaded = (url) => objects.get(url)
    const submit = (no: string, payload: Uint8Array) => core.submit('u0', { flags: FLAGS, setting: 0, clientMsgNo: no, channelId: 'g1', channelType: 2, expire: 0 }, payload)
    submit('good', image('http://upload/files/f1'))
    submit('wrong', image('http://upload/files/f2'))
    submit('nourl', image(''))
    for (const [no, text] of [['good', 'm1'], ['wrong', 'm2'], ['nourl', 'm3']] as const) {
      history.resolved.push({ uid: 'u0', clientMsgNo: no, channelId: 'g1', channelType: 2 })
      history.media.set(`u0|${no}`, text)
    }
    for (const [no, seq] of [['good', 1], ['wrong', 2], ['nourl', 3]] as const) history.deliveries.push({ ...shown('u1', 'u0', no, seq), url: no === 'good' ? 'http://upload/files/f1' : '' }, { ...shown('u2', 'u0', no, seq), url: no === 'good' ? 'http://upload/files/f1' : '' })
    const r = check(history, core)
    expect(r.badMedia).toBe(2 + 2) // two bad stored messages, and the two recipients shown 'wrong' with another url
    expect(violationCount(r)).toBe(4)
  })
})
