/**
 * The conversation list (issue 20) over real sockets against the local server, both lines: synced
 * at connect, updated live by RECV and our own sends, unread ops durable across a kill, the list
 * rendered from storage on a cold start before the socket is up, per-uid isolation. Kills: a
 * clearUnread made offline, a setUnread whose call hangs.
 */
import type { Conversation } from '../../../sdk/conversations/types'
import { waitFor, waitForEvent } from '../../support/waiters'
import { World } from '../client/setup'

const BOB = { channelId: 'bob', channelType: 1 }
const CAROL = { channelId: 'carol', channelType: 1 }
const text = (c: Conversation | undefined): string => new TextDecoder().decode(c?.lastMessage?.payload)
const find = (list: Conversation[], channelId: string) => list.find((c) => c.channelId === channelId)

let world: World
afterEach(async () => {
  await world.stop()
  expect(world.internal).toEqual([])
})

async function backendSend(from: string, to: string, body: string): Promise<void> {
  const res = await fetch(`${world.server.apiUrl}/message/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from_uid: from, channel_id: to, channel_type: 1, payload: Buffer.from(body).toString('base64'), header: { red_dot: 1 } }),
  })
  expect(res.status).toBe(200)
}

/** alice's unread count for a channel as the server keeps it (through the HTTP API). */
async function serverUnread(mode: 'v2' | 'v3', channelId: string): Promise<number | undefined> {
  const path = mode === 'v2' ? '/conversation/sync' : '/conversation/list'
  const res = await fetch(world.server.apiUrl + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uid: 'alice', msg_count: 1, limit: 100 }) })
  const body = (await res.json()) as any
  const list: Array<{ channel_id: string; unread: number }> = mode === 'v2' ? body : body.conversations
  return list.find((c) => c.channel_id === channelId)?.unread
}

describe.each(['v2', 'v3'] as const)('conversation list over real sockets (%s server)', (mode) => {
  beforeEach(async () => {
    world = await new World().start({ mode })
  })

  it('synced from the server at connect: unread counts, last message, newest first', async () => {
    await backendSend('carol', 'alice', 'from carol')
    await new Promise((r) => setTimeout(r, 1100)) // a later second, so the order is by time
    for (const t of ['one', 'two', 'three']) await backendSend('bob', 'alice', t)
    const { client } = world.app({ serverLine: mode })
    const listed = waitForEvent(client, 'conversations', (l) => l.length === 2)
    await client.connect()
    const list = await listed
    expect(list.map((c) => [c.channelId, c.unread])).toEqual([['bob', 3], ['carol', 1]])
    expect(text(list[0])).toBe('three')
    expect(list[0]?.lastMessage).toMatchObject({ fromUid: 'bob', messageSeq: 3 })
    expect(list[0]!.timestamp).toBeGreaterThan(list[1]!.timestamp)
  })

  it('updated live: a RECV adds one unread once; our own send shows queued/sending, then sent', async () => {
    const { client } = world.app({ serverLine: mode, conversations: { throttleMs: 10 } })
    await client.connect()
    await waitForEvent(client, 'synced')
    await backendSend('bob', 'alice', 'live')
    await waitFor(() => find(client.conversations(), 'bob')?.unread === 1)
    expect(text(find(client.conversations(), 'bob'))).toBe('live')

    world.server.core.faults.dropSendacks(1)
    const sent = await client.send({ ...BOB, payload: 'my reply' })
    const own = () => find(client.conversations(), 'bob')?.lastMessage
    expect(own()).toMatchObject({ clientMsgNo: sent.clientMsgNo, fromUid: 'alice', messageSeq: 0 })
    expect(['queued', 'sending']).toContain(own()?.status)
    await waitFor(() => own()?.status === undefined && own()!.messageSeq > 0, { timeoutMs: 30_000 })
    expect(text(find(client.conversations(), 'bob'))).toBe('my reply')
    expect(find(client.conversations(), 'bob')?.unread).toBe(1)
  }, 40_000)

  it('clearUnread offline survives a kill, goes to the server after the cold start, and stays cleared', async () => {
    for (const t of ['a', 'b']) await backendSend('bob', 'alice', t)
    const first = world.app({ serverLine: mode })
    await first.client.connect()
    await waitFor(() => find(first.client.conversations(), 'bob')?.unread === 2)
    first.sim.control.setNetwork({ online: false })
    await first.client.clearUnread(BOB)
    expect(find(first.client.conversations(), 'bob')?.unread).toBe(0)
    expect(world.server.core.conversationOps).toEqual([])
    expect(await serverUnread(mode, 'bob')).toBe(2)

    // Killed: no close(), a fresh instance over the same storage.
    const next = first.sim.control.coldRestart()
    const second = world.client(next.control.platform(), { serverLine: mode })
    await second.restored()
    expect(find(second.conversations(), 'bob')?.unread).toBe(0)
    // The phone is still offline after the restart; the network comes back.
    next.control.setNetwork({ online: true })
    await second.connect()
    await waitFor(() => world.server.core.conversationOps.length === 1)
    expect(world.server.core.conversationOps).toMatchObject([{ uid: 'alice', action: 'clearUnread', channelId: 'bob', channelType: 1, lastSeq: 2 }])
    expect(await serverUnread(mode, 'bob')).toBe(0)
    // The sync after the catch-up, and any later one, agrees.
    await second.sync()
    await new Promise((r) => setTimeout(r, 300))
    expect(find(second.conversations(), 'bob')?.unread).toBe(0)
  }, 20_000)

  it('setUnread whose call never gets an answer survives a kill: the next process sends it and the server has the count', async () => {
    for (const t of ['a', 'b', 'c']) await backendSend('bob', 'alice', t)
    const first = world.app({ serverLine: mode })
    await first.client.connect()
    await waitFor(() => find(first.client.conversations(), 'bob')?.unread === 3)
    // The route swallows the next call (it hangs until the SDK's deadline); the process is killed meanwhile.
    world.server.core.faults.failHttp(['/conversations/setUnread'], 'no-answer', { count: 1 })
    await first.client.setUnread(BOB, 1)
    await new Promise((r) => setTimeout(r, 200))
    expect(world.server.core.conversationOps).toEqual([])
    expect(await serverUnread(mode, 'bob')).toBe(3)

    const next = first.sim.control.coldRestart()
    const second = world.client(next.control.platform(), { serverLine: mode })
    await second.restored()
    expect(find(second.conversations(), 'bob')?.unread).toBe(1)
    await second.connect()
    await waitFor(() => world.server.core.conversationOps.length === 1)
    expect(world.server.core.conversationOps).toMatchObject([{ uid: 'alice', action: 'setUnread', channelId: 'bob', unread: 1, lastSeq: 3 }])
    expect(await serverUnread(mode, 'bob')).toBe(1)
    await second.sync()
    await waitFor(() => find(second.conversations(), 'bob')?.unread === 1)
  }, 20_000)

  it('setUnread and deleteConversation reach the server; a later message brings a deleted conversation back', async () => {
    await backendSend('bob', 'alice', 'x')
    await backendSend('carol', 'alice', 'y')
    const { client } = world.app({ serverLine: mode })
    await client.connect()
    await waitFor(() => client.conversations().length === 2)
    await client.setUnread(CAROL, 5)
    await client.deleteConversation(BOB)
    expect(client.conversations().map((c) => [c.channelId, c.unread])).toEqual([['carol', 5]])
    await waitFor(() => world.server.core.conversationOps.length === 2)
    expect(world.server.core.conversationOps.map((o) => o.action)).toEqual(['setUnread', 'delete'])
    // The server clamps to what the channel holds (1 message).
    expect(await serverUnread(mode, 'carol')).toBe(1)
    expect(await serverUnread(mode, 'bob')).toBeUndefined()
    await backendSend('bob', 'alice', 'back again')
    await waitFor(() => find(client.conversations(), 'bob')?.unread === 1)
    expect(text(find(client.conversations(), 'bob'))).toBe('back again')
  })

  it('cold start: the stored list is emitted before the socket connects; another uid on the phone never sees it', async () => {
    await backendSend('bob', 'alice', 'stored')
    const first = world.app({ serverLine: mode })
    await first.client.connect()
    await waitFor(() => first.client.conversations().length === 1)
    await first.client.close()

    const app = world.app({ serverLine: mode })
    const events: Array<{ state: string; list: Conversation[] }> = []
    app.client.on('conversations', (list) => void events.push({ state: app.client.state, list }))
    await app.client.restored()
    expect(events[0]?.state).toBe('idle')
    expect(events[0]?.list.map((c) => [c.channelId, text(c)])).toEqual([['bob', 'stored']])

    const other = world.app({ uid: 'bob', token: 'bob-token', serverLine: mode }, {})
    await other.client.restored()
    expect(other.client.conversations().map((c) => c.channelId)).not.toContain('bob')
    expect(other.client.conversations()).toEqual([])
    // Logout purges this uid's list.
    await app.client.logout()
    const after = world.app({ serverLine: mode })
    await after.client.restored()
    expect(after.client.conversations()).toEqual([])
  })
})
