/**
 * createCoreClient: the core (connect, send, receive, outbox) without the optional parts, and the
 * same core with the parts given (ClientParts), against the server core in virtual time.
 */
import { createClient, createCoreClient, httpApiPart } from '../../../sdk/client'
import type { Client, CoreClient } from '../../../sdk/client'
import { conversationsPart } from '../../../sdk/conversations/conversations'
import type { Conversation } from '../../../sdk/conversations/types'
import { diagnosticsPart } from '../../../sdk/diagnostics/report'
import type { DiagnosticsSink } from '../../../sdk/diagnostics/types'
import type { ImError } from '../../../sdk/errors'
import type { InboundMessage, OutboxMessage } from '../../../sdk/types'
import { collect, waitFor } from '../../support/waiters'
import { makeDevice, makeWorld } from './harness'
import type { World } from './harness'

const base = (uid: string) => ({ uid, token: `${uid}-token`, wsAddr: 'ws://core', random: () => 0.5 })

describe('createCoreClient', () => {
  let world: World
  const clients: CoreClient[] = []
  const keep = <C extends CoreClient>(c: C): C => (clients.push(c), c)
  const tick = () => world.time.advance(100)
  beforeEach(() => {
    world = makeWorld()
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close()
  })

  it('without parts: connects over wsAddr, sends through the outbox and receives pushes; diagnose() is PART_MISSING', async () => {
    const lines: string[] = []
    const sink: DiagnosticsSink = { record: (category, event) => void lines.push(`${category} ${event}`), trace: () => undefined }
    const alice = keep(createCoreClient({ ...base('alice'), platform: makeDevice(world).platform, diagnostics: sink }))
    const bob = keep(createClient({ ...base('bob'), platform: makeDevice(world).platform }))
    const received = collect(alice, 'message')
    const errors = collect(alice, 'error')
    const statuses = collect(alice, 'messageStatus')
    const lists = collect(alice, 'conversations')
    await alice.connect()
    await bob.connect()
    await waitFor(() => alice.state === 'connected' && bob.state === 'connected', { tick })
    // No SyncProvider: the catch-up after connect fails with a typed error, and nothing else breaks.
    await waitFor(() => errors.items.length > 0, { tick })
    expect(errors.items.map((e: ImError) => [e.code, e.message])).toEqual([['SYNC_FAILED', 'catch-up needs apiAddr or a sync provider']])

    const m = await alice.send({ channelId: 'bob', channelType: 1, payload: 'hi bob' })
    await waitFor(() => statuses.items.some((s: OutboxMessage) => s.status === 'sent'), { tick })
    expect(world.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' }).map((s) => s.clientMsgNo)).toEqual([m.clientMsgNo])

    await bob.send({ channelId: 'alice', channelType: 1, payload: 'hi alice' })
    await waitFor(() => received.items.length === 1, { tick })
    expect(received.items.map((r: InboundMessage) => r.fromUid)).toEqual(['bob'])
    // The subsystems report to the app's own sink: there is no log of the client's own.
    expect(lines).toContain('connection state')
    await expect((alice as Client).diagnose()).rejects.toMatchObject({ code: 'PART_MISSING' })
    // No conversations part: no list, no `conversations` event, the list's calls are PART_MISSING.
    expect(() => (alice as Client).conversations()).toThrow(expect.objectContaining({ code: 'PART_MISSING' }))
    await expect((alice as Client).clearUnread({ channelId: 'bob', channelType: 1 })).rejects.toMatchObject({ code: 'PART_MISSING' })
    // No history part: messages() is PART_MISSING.
    await expect((alice as Client).messages({ channelId: 'bob', channelType: 1 })).rejects.toMatchObject({ code: 'PART_MISSING' })
    expect(lists.items).toEqual([])
  })

  it('refuses the options that need a part it was not given', () => {
    const platform = makeDevice(world).platform
    expect(() => createCoreClient({ ...base('alice'), platform, apiAddr: 'http://api' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', context: { option: 'apiAddr' } }))
    expect(() => createCoreClient({ ...base('alice'), platform, diagnostics: { capacity: 10 } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', context: { option: 'diagnostics' } }))
    expect(() => createCoreClient({ ...base('alice'), platform, conversations: { throttleMs: 0 } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', context: { option: 'conversations' } }))
    expect(() => createCoreClient({ ...base('alice'), platform, history: { perChannel: 50 } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', context: { option: 'history' } }))
    // Refused before the uid was taken: a client for alice can still be made.
    keep(createCoreClient({ ...base('alice'), platform }))
  })

  it('with the conversations part (no api part) the list follows deliveries, last message decoded', async () => {
    const alice = keep(createCoreClient({ ...base('alice'), platform: makeDevice(world).platform, diagnostics: { record: () => undefined, trace: () => undefined } }, { conversations: conversationsPart }))
    const bob = keep(createClient({ ...base('bob'), platform: makeDevice(world).platform }))
    const lists = collect(alice, 'conversations')
    await Promise.all([alice.connect(), bob.connect()])
    await waitFor(() => alice.state === 'connected' && bob.state === 'connected', { tick })
    await bob.send({ channelId: 'alice', channelType: 1, content: { type: 1, text: 'hi alice' } })
    await waitFor(() => lists.items.some((l: Conversation[]) => l.length === 1), { tick })
    expect(alice.conversations()).toMatchObject([{ channelId: 'bob', channelType: 1, unread: 1, lastMessage: { fromUid: 'bob', content: { type: 1, text: 'hi alice' } } }])
    await alice.clearUnread({ channelId: 'bob', channelType: 1 })
    expect(alice.conversations().map((c) => c.unread)).toEqual([0])
  })

  it('with the api and diagnostics parts it dials by /route, catches up over HTTP and answers diagnose()', async () => {
    const device = makeDevice(world)
    const bob = keep(createClient({ ...base('bob'), platform: makeDevice(world).platform }))
    const { wsAddr: _dialedByRoute, ...options } = base('alice')
    const alice = keep(createCoreClient({ ...options, apiAddr: 'http://api', platform: device.platform }, { api: httpApiPart, diagnostics: diagnosticsPart }))
    const received = collect(alice, 'message')
    const synced = collect(alice, 'synced')
    await Promise.all([alice.connect(), bob.connect()])
    await waitFor(() => synced.items.length === 1 && bob.state === 'connected', { tick })
    // Sent while alice is offline: only the catch-up over the HTTP API brings it.
    device.setNetwork(false)
    await waitFor(() => alice.state !== 'connected', { tick })
    await bob.send({ channelId: 'alice', channelType: 1, payload: 'while you were away' })
    await waitFor(() => world.core.messages({ channelId: 'alice', channelType: 1, loginUid: 'bob' }).length === 1, { tick })
    device.setNetwork(true)
    await waitFor(() => received.items.length === 1, { tick })
    const report = await alice.diagnose()
    expect(report).toMatchObject({ uid: 'alice', state: 'connected' })
    expect(report.delivery.reconnects).toBe(1)
  })
})
