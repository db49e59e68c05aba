/**
 * diagnose() answering the message-loss checklist in scenarios made with the local server's fault
 * injection: a lost SENDACK, a network drop, a permanent rejection and an unfillable gap. Real
 * clients over the wx adapter and the simulated wx, real sockets, the local server.
 */
import { createHttpSyncProvider } from '../../../sdk/sync/http'
import type { InboundMessage, OutboxMessage } from '../../../sdk/types'
import { createSimWx, realConnector, SimStorageData } from '../../support/sim-wx'
import { waitFor } from '../../support/waiters'
import { World } from '../client/setup'

jest.setTimeout(30_000)

describe('diagnose()', () => {
  let world: World
  beforeEach(async () => {
    world = await new World().start({ mode: 'v3', encrypt: true })
  })
  afterEach(() => world.stop())

  async function online(options: Parameters<World['app']>[0] = {}) {
    const app = world.app(options)
    const statuses: OutboxMessage[] = []
    app.client.on('messageStatus', (m) => {
      statuses.push(m)
    })
    await app.client.connect()
    await waitFor(() => app.client.state === 'connected')
    return { ...app, statuses }
  }

  it('(1)(2) a lost SENDACK (v2 line): no ACK while it waits, then found stored by the outbox\'s lookup instead of a re-send, once', async () => {
    // The client notices the lost SENDACK itself (a PING round trip) and asks the server before
    // re-sending (issue 15.13/14). Only on the v2 line: a v3 server de-duplicates the re-send itself.
    await world.stop()
    world = await new World().start({ mode: 'v2', encrypt: true })
    const { client } = await online({ outbox: { sendackTimeoutMs: 500 } })
    world.server.core.faults.dropSendacks(1)
    const msg = await client.send({ channelId: 'bob', channelType: 1, payload: 'where did it go?' })
    await waitFor(() => world.server.core.report().droppedSendacks === 1)
    const before = await client.diagnose({ clientMsgNo: msg.clientMsgNo, lookup: false })
    expect(before.message).toMatchObject({ known: true, status: 'sending' })
    expect(before.message?.ack).toBeUndefined()
    expect(before.summary[0]).toContain('no ACK yet')

    await waitFor(() => client.pending().length === 0, { message: 'the re-send acked' })
    const after = await client.diagnose({ clientMsgNo: msg.clientMsgNo })
    const stored = world.server.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' }).filter((m) => m.clientMsgNo === msg.clientMsgNo)
    expect(stored).toHaveLength(1)
    expect(after.message).toMatchObject({ status: 'sent' })
    expect(after.message?.ack).toBeUndefined()
    expect(after.message?.attempts).toHaveLength(1)
    expect(after.message?.trace.map((s) => s.step)).toEqual(['persisted', 'attempt', 'requeued', 'lookup'])
    expect(after.message?.server).toMatchObject({ lookedUp: true, found: true, messageSeq: stored[0]?.messageSeq })
    expect(after.delivery.outboxDepth).toBe(0)
    expect(after.summary.join('\n')).toMatch(/SENDACK was lost; the server, asked by client_msg_no, holds it/)
    expect(after.summary.join('\n')).toMatch(/server lookup by client_msg_no: stored as seq/)
  })

  it('(1) a permanent rejection names its reason code', async () => {
    const { client } = await online()
    world.server.core.faults.rejectSends(1, 3)
    const msg = await client.send({ channelId: 'bob', channelType: 1, payload: 'x' })
    await waitFor(() => client.pending()[0]?.status === 'failed')
    const r = await client.diagnose({ clientMsgNo: msg.clientMsgNo, lookup: false })
    expect(r.message).toMatchObject({ status: 'failed', ack: { reasonCode: 3, reason: 'SubscriberNotExist' } })
    expect(r.delivery.failed).toBe(1)
  })

  it('(3) a network drop shows as a disconnect reason, a network change and a reconnect', async () => {
    const { client, sim } = await online()
    sim.control.setNetwork({ online: false })
    await waitFor(() => client.state === 'offline')
    sim.control.setNetwork({ online: true, type: 'wifi' })
    await waitFor(() => client.state === 'connected')
    const r = await client.diagnose()
    expect(r.connection.networkChanges).toBeGreaterThanOrEqual(2)
    expect(r.delivery.reconnects).toBe(1)
    expect(Object.keys(r.connection.disconnectReasons)).toHaveLength(1)
    expect(r.connection.recentAnomalies.some((e) => e.category === 'connection' && e.detail?.from === 'connected')).toBe(true)
    expect(r.summary.find((l) => l.startsWith('(3)'))).toMatch(/1 reconnect\(s\)/)
  })

  it('(4) an unfillable gap is counted and the last catch-up is reported', async () => {
    const { client: alice } = await online()
    // Bob's app proxies sync through a backend that lost seq 2 (retention).
    const sim = createSimWx({ scheduler: 'real', connect: realConnector(), storage: new SimStorageData() })
    const platform = sim.control.platform()
    const http = createHttpSyncProvider({ apiAddr: world.server.apiUrl, uid: 'bob', platform })
    const bob = world.client(platform, {
      uid: 'bob',
      token: 'bob-token',
      sync: { ...http, syncMessages: async (req) => { const res = await http.syncMessages(req); return { ...res, messages: res.messages.filter((m) => m.messageSeq !== 2) } } },
    })
    const got: InboundMessage[] = []
    bob.on('message', (m) => {
      got.push(m)
    })
    let synced = false
    bob.on('synced', () => {
      synced = true
    })
    await bob.connect()
    await waitFor(() => bob.state === 'connected' && synced)
    world.server.core.faults.withholdRecv({ channelId: 'bob', channelType: 1, loginUid: 'alice' }, [2])
    for (const t of ['one', 'two', 'three']) await alice.send({ channelId: 'bob', channelType: 1, payload: t })
    await waitFor(() => got.length === 2, { message: 'seq 1 and 3 delivered' })
    const r = await bob.diagnose()
    expect(r.gapFilling).toMatchObject({ detected: 1, unfillable: 1, held: 0 })
    expect(r.gapFilling.lastCatchUp?.ok).toBe(true)
    expect(r.summary.find((l) => l.startsWith('(4)'))).toMatch(/1 detected, 0 filled, 1 unfillable/)
  })
})
