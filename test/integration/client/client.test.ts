/**
 * The client's "must show" list (issue #5) over real sockets: real client, real wx adapter over
 * the simulated wx (real time), the local server on 127.0.0.1.
 */
import type { ImError } from '../../../sdk/errors'
import { collect, waitFor } from '../../support/waiters'
import { World } from './setup'
import { splitFrames } from '../../support/frames'
import { PacketType } from '../../../sdk/proto/packets'

const BOB = { channelId: 'bob', channelType: 1, loginUid: 'alice' }
const toBob = (text: string) => ({ channelId: 'bob', channelType: 1, payload: text })

let world: World
afterEach(async () => {
  await world.stop()
  expect(world.internal).toEqual([])
})

describe.each(['v2', 'v3'] as const)('client over real sockets (%s server)', (mode) => {
  beforeEach(async () => {
    world = await new World().start({ mode })
  })
  const storedNos = () => world.server.core.messages(BOB).map((m) => m.clientMsgNo)

  it('page switches: pages come and go while messages are in flight; all acked once, one socket total', async () => {
    const { client: im, platform } = world.app()
    await im.connect()
    const sentCount = new Map<string, number>()
    im.on('messageStatus', (m) => {
      if (m.status === 'sent') sentCount.set(m.clientMsgNo, (sentCount.get(m.clientMsgNo) ?? 0) + 1)
    })
    const nos: string[] = []
    for (let page = 0; page < 10; page++) {
      // A page mounts (listens, sends), a page trying to open its own client is refused, it unmounts.
      const seen: string[] = []
      const off = im.on('messageStatus', (m) => {
        seen.push(m.status)
      })
      expect(() => world.client(platform)).toThrow(expect.objectContaining({ code: 'CLIENT_EXISTS' }))
      for (let i = 0; i < 3; i++) nos.push((await im.send(toBob(`page ${page} msg ${i}`))).clientMsgNo)
      if (page % 2 === 0) await new Promise((r) => setTimeout(r, 5))
      off()
    }
    await waitFor(() => im.pending().length === 0)
    expect(storedNos()).toEqual(nos)
    expect(sentCount.size).toBe(30)
    expect([...sentCount.values()].every((n) => n === 1)).toBe(true)
    expect(world.sockets.dialed).toBe(1)
    expect(world.server.core.report().connectionsAccepted).toBe(1)
  })

  it('offline → 100 sends queued → online: all acked, in order per channel, once', async () => {
    world.server.core.createGroup('g1', ['alice', 'bob'])
    const { client: im, sim } = world.app()
    await im.connect()
    await waitFor(() => im.state === 'connected')
    sim.control.setNetwork({ online: false })
    await waitFor(() => im.state === 'offline')
    const dialed = world.sockets.dialed
    const expected: Record<string, string[]> = { bob: [], g1: [] }
    for (let i = 0; i < 100; i++) {
      const group = i % 4 === 0
      const m = await im.send({ channelId: group ? 'g1' : 'bob', channelType: group ? 2 : 1, payload: `offline ${i}` })
      expected[group ? 'g1' : 'bob']!.push(m.clientMsgNo)
    }
    expect(im.pending().map((m) => m.status)).toEqual(new Array(100).fill('queued'))
    expect(world.sockets.dialed).toBe(dialed) // offline: no dialing at all
    const statuses = collect(im, 'messageStatus')
    sim.control.setNetwork({ online: true })
    await waitFor(() => im.pending().length === 0)
    expect(storedNos()).toEqual(expected.bob)
    expect(world.server.core.messages({ channelId: 'g1', channelType: 2 }).map((m) => m.clientMsgNo)).toEqual(expected.g1)
    const sent = statuses.items.filter((s) => s.status === 'sent').map((s) => s.clientMsgNo)
    expect(new Set(sent).size).toBe(100)
    expect(sent).toHaveLength(100)
    expect([...world.storage.items.keys()].filter((k) => k.startsWith('wkmp:alice:out:'))).toEqual([])
    const messages = sim.control.sockets().find((s) => s.state === 'open')!.sent
    const sends = messages.map((m) => splitFrames(m).filter((f) => f.type === PacketType.SEND).length)
    if (mode === 'v2') {
      // The SENDs of one turn (a window of up to 32) went out as one WebSocket message each time.
      expect(messages.length).toBeLessThan(20)
      expect(sends.some((n) => n >= 16)).toBe(true)
    } else {
      // v3: one SEND per channel on the wire (outbox.channelWindow by line), so at most one per
      // channel in a WebSocket message.
      expect(Math.max(...sends)).toBeLessThanOrEqual(2)
    }
  })

  it('background (iOS: socket killed with no onClose): show → reconnected and flushed without waiting for a heartbeat timeout', async () => {
    // The real timeline is 5 s to suspension + 10 s to the kill; compressed here (same order of events).
    const { client: im, sim } = world.app({ rebuildAfterHiddenMs: 1_000 }, { iosNoOnClose: true, suspendAfterMs: 300, socketKillAfterSuspendMs: 700 })
    await im.connect()
    await waitFor(() => im.state === 'connected')
    const states = collect(im, 'state')
    sim.control.hide()
    const m = await im.send(toBob('written while hidden'))
    await waitFor(() => world.server.core.report().activeConnections === 0) // the kill happened, silently
    await new Promise((r) => setTimeout(r, 300))
    expect(im.state).toBe('connected') // nothing told the client
    // Suspended: storage callbacks wait for the foreground too, so this send resolves after show.
    const later = im.send(toBob('written while suspended'))
    sim.control.show()
    const afterHide = await later
    await waitFor(() => im.pending().length === 0)
    expect(storedNos()).toEqual(expect.arrayContaining([m.clientMsgNo, afterHide.clientMsgNo]))
    expect(states.items.some((s) => s.to === 'connecting' && /app shown/.test(s.reason))).toBe(true)
    expect(states.items.some((s) => s.reason === 'heartbeat timeout')).toBe(false)
    expect(world.sockets.max).toBe(1)
  })

  it('killed mid-flight (SEND written, no SENDACK) → cold restart → re-sent with the same clientMsgNo', async () => {
    const first = world.app()
    await first.client.connect()
    await waitFor(() => first.client.state === 'connected')
    world.server.core.faults.dropSendacks(1)
    const m = await first.client.send(toBob('in flight when killed'))
    await waitFor(() => storedNos().length === 1)
    expect(first.client.pending()[0]?.status).toBe('sending')
    // The mini-program is killed: no close(); a new instance starts over the same storage.
    const second = world.client(first.sim.control.coldRestart().control.platform())
    await second.restored()
    expect(second.pending().map((p) => [p.clientMsgNo, p.status])).toEqual([[m.clientMsgNo, 'queued']])
    const statuses = collect(second, 'messageStatus')
    await second.connect()
    await waitFor(() => second.pending().length === 0)
    expect(statuses.items.filter((s) => s.status === 'sent').map((s) => s.clientMsgNo)).toEqual([m.clientMsgNo])
    // Restored, it may be stored: the client asks the server by client_msg_no first (issue 15.13): stored once on both lines.
    expect(storedNos()).toEqual([m.clientMsgNo])
  })

  it('SENDACKs dropped by the server → seen by a PING round trip on the same socket; re-sent (v2: after asking the server), nothing stored twice', async () => {
    // Pipelined (channelWindow 0), so that all three are stored before any ack could come back.
    const { client: im } = world.app({ outbox: { sendackTimeoutMs: 200, channelWindow: 0 } })
    await im.connect()
    await waitFor(() => im.state === 'connected')
    world.server.core.faults.dropSendacks(3)
    const statuses = collect(im, 'messageStatus')
    const states = collect(im, 'state')
    const nos: string[] = []
    for (let i = 0; i < 3; i++) nos.push((await im.send(toBob(`ack lost ${i}`))).clientMsgNo)
    await waitFor(() => storedNos().length >= 3)
    expect(statuses.items.filter((s) => s.status === 'sent')).toEqual([])
    await waitFor(() => im.pending().length === 0)
    expect(states.items.some((s) => s.reason === 'sendack overdue')).toBe(false)
    expect(statuses.items.filter((s) => s.status === 'sent').map((s) => s.clientMsgNo)).toEqual(nos)
    expect(storedNos()).toEqual(nos)
  })

  it.each([15, 22])('retryable reason %i → backs off and retries with the same clientMsgNo', async (code) => {
    world.server.core.faults.rejectSends(1, code)
    const { client: im } = world.app({ outbox: { retryInitialMs: 100 } })
    await im.connect()
    const statuses = collect(im, 'messageStatus')
    const m = await im.send(toBob('retry me'))
    await waitFor(() => im.pending().length === 0)
    expect(statuses.items.map((s) => [s.status, s.reasonCode])).toEqual([
      ['queued', undefined],
      ['sending', undefined],
      ['queued', code],
      ['sending', code],
      ['sent', 1],
    ])
    expect(statuses.items[4]).toMatchObject({ clientMsgNo: m.clientMsgNo, attempts: 2 })
  }, 20_000) // real sockets and timers: jest's 5 s default ran out once on a loaded 2-core machine

  it('permanent reason (not a subscriber) → failed with the code, never retried; resend after the fix, discard', async () => {
    world.server.core.createGroup('others', ['bob', 'carol'])
    const { client: im } = world.app({ outbox: { retryInitialMs: 50 } })
    await im.connect()
    const statuses = collect(im, 'messageStatus')
    const m = await im.send({ channelId: 'others', channelType: 2, payload: 'let me in' })
    await waitFor(() => statuses.items.some((s) => s.status === 'failed'))
    expect(statuses.items[statuses.items.length - 1]).toMatchObject({ clientMsgNo: m.clientMsgNo, status: 'failed', failure: 'rejected', reasonCode: 3 })
    await new Promise((r) => setTimeout(r, 500))
    expect(world.server.core.report().rejected).toBe(1)
    expect(im.pending()).toMatchObject([{ clientMsgNo: m.clientMsgNo, status: 'failed', reasonCode: 3 }])
    expect(world.storage.peek(`wkmp:alice:out:${m.clientMsgNo}`)).toMatchObject({ failed: { failure: 'rejected', reasonCode: 3 } })

    // The app fixes the cause and resends (same clientMsgNo); another failed one is discarded.
    world.server.core.createGroup('others', ['bob', 'carol', 'alice'])
    await im.resend(m.clientMsgNo)
    await waitFor(() => statuses.items.some((s) => s.status === 'sent'))
    expect(world.server.core.messages({ channelId: 'others', channelType: 2 }).map((x) => x.clientMsgNo)).toEqual([m.clientMsgNo])
    const doomed = await im.send({ channelId: 'nobody-here', channelType: 2, payload: 'unknown group' })
    await waitFor(() => im.pending().some((p) => p.clientMsgNo === doomed.clientMsgNo && p.status === 'failed'))
    await im.discard(doomed.clientMsgNo)
    expect(im.pending()).toEqual([])
    expect([...world.storage.items.keys()].filter((k) => k.startsWith('wkmp:alice:out:'))).toEqual([])
  })

  it('storage full → send() rejects with the typed error; queue and storage unchanged', async () => {
    const { client: im, sim } = world.app()
    await im.restored()
    await im.send(toBob('fits'))
    const before = new Map(world.storage.items)
    sim.control.storage.setLimits({ totalBytes: world.storage.totalBytes() + 50 })
    const error = (await im.send(toBob('does not fit: ' + 'x'.repeat(200))).catch((e: ImError) => e)) as ImError
    expect(error.code).toBe('STORAGE_FULL')
    expect(world.storage.items).toEqual(before)
    expect(im.pending().map((m) => Buffer.from(m.payload).toString())).toEqual(['fits'])
  })
})

describe('reconnect storms and stops over real sockets', () => {
  it('200 forced reconnects never exceed one live socket; then a kick stops reconnecting (v2)', async () => {
    // Plaintext sessions keep 200 handshakes fast (X25519 in pure JS); the sockets are what matters.
    world = await new World().start({ mode: 'v2', encrypt: false })
    const { client: im } = world.app({ backoff: { initialMs: 2, maxMs: 10 } })
    const connects = collect(im, 'state')
    const connected = () => connects.items.filter((s) => s.to === 'connected').length
    await im.connect()
    await waitFor(() => connected() === 1)
    const nos: string[] = []
    for (let round = 1; round <= 200; round++) {
      if (round % 20 === 0) nos.push((await im.send(toBob(`storm ${round}`))).clientMsgNo)
      world.server.core.faults.closeConnections('alice', { withCloseFrame: round % 2 === 0 })
      await waitFor(() => connected() === round + 1)
    }
    await waitFor(() => im.pending().length === 0)
    expect(world.sockets.max).toBe(1)
    expect(world.sockets.dialed).toBeGreaterThanOrEqual(201)
    expect(new Set(world.server.core.messages(BOB).map((m) => m.clientMsgNo))).toEqual(new Set(nos))

    world.server.core.kick('alice', 'server kick')
    await waitFor(() => im.state === 'stopped')
    const dialed = world.sockets.dialed
    await new Promise((r) => setTimeout(r, 300))
    expect(world.sockets.dialed).toBe(dialed)
    expect(connects.items[connects.items.length - 1]).toMatchObject({ to: 'stopped', reason: 'kicked', code: 12 })
  }, 60_000)

  it('auth failure stops reconnecting (v3 CONNACK 2) and surfaces the reason', async () => {
    world = await new World().start({ mode: 'v3' })
    const { client: im } = world.app({ token: 'not-the-token' })
    const errors = collect(im, 'error')
    await im.connect()
    await waitFor(() => im.state === 'stopped')
    expect(errors.items.map((e) => e.code)).toContain('AUTH_FAILED')
    const dialed = world.sockets.dialed
    await new Promise((r) => setTimeout(r, 300))
    expect(world.sockets.dialed).toBe(dialed)
  })

  it('without wsAddr, looks the address up (GET /route) before each dial', async () => {
    world = await new World().start({ mode: 'v2' })
    const { client: im } = world.app({ wsAddr: undefined, routeAddr: 'ws_addr' })
    await im.connect()
    await waitFor(() => im.state === 'connected')
    world.server.core.faults.closeConnections('alice', { withCloseFrame: false })
    await waitFor(() => world.server.core.report().connectionsAccepted === 2 && im.state === 'connected')
    const m = await im.send(toBob('via the routed address'))
    await waitFor(() => im.pending().length === 0)
    expect(world.server.core.messages(BOB).map((x) => x.clientMsgNo)).toEqual([m.clientMsgNo])
  })

  it('closed before CONNACK (v2 auth failure) backs off and asks the token provider again', async () => {
    world = await new World().start({ mode: 'v2' })
    const asked: string[] = []
    const { client: im } = world.app({ token: undefined, tokenProvider: async () => (asked.push('ask'), asked.length < 3 ? 'stale' : 'alice-token') })
    await im.connect()
    await waitFor(() => im.state === 'connected')
    expect(asked).toHaveLength(3)
    expect(world.server.core.report().authFailures).toBe(2)
  })
})
