/**
 * ConversationList (issue 20) in virtual time over the memory platform: storage failure model
 * (a corrupt list is dropped and refetched, unreadable ops are never written over), the event
 * throttle and batched writes under a burst, op retry until confirmed, unread counted once.
 */
import { ConversationList } from '../../../sdk/conversations/conversations'
import type { Conversation } from '../../../sdk/conversations/types'
import type { DiagnosticsSink } from '../../../sdk/diagnostics/types'
import { createMemoryPlatform } from '../../../sdk/platform/memory'
import type { MemoryPlatform } from '../../../sdk/platform/memory'
import type { ConversationOp, ServerConversation, SyncProvider } from '../../../sdk/sync/types'
import type { InboundMessage, OutboxMessage } from '../../../sdk/types'

const PREFIX = 'wkmp:alice'
const LIST_KEY = `${PREFIX}:conversations`
const OPS_KEY = `${PREFIX}:conversation-ops`
const quiet: DiagnosticsSink = { record: () => undefined, trace: () => undefined }

function recv(channelId: string, seq: number, fromUid = channelId): InboundMessage {
  return {
    messageId: `m${channelId}${seq}`, messageSeq: seq, clientMsgNo: `c${seq}`, fromUid, channelId, channelType: 1,
    timestamp: 1_700_000_000 + seq, payload: new Uint8Array([seq & 0xff]), flags: { noPersist: false, redDot: true, syncOnce: false }, source: 'push',
  }
}

function rig(options: { data?: Map<string, string>; server?: ServerConversation[]; update?: (op: ConversationOp) => Promise<void>; platform?: MemoryPlatform; caughtUp?: () => boolean } = {}) {
  const platform = options.platform ?? createMemoryPlatform({ data: options.data })
  const events: Conversation[][] = []
  const updates: ConversationOp[] = []
  const sync: SyncProvider = {
    syncMessages: async () => ({ messages: [], more: false }),
    syncConversations: async () => [],
    listConversations: async () => options.server ?? [],
    updateConversation: async (op) => {
      updates.push(op)
      if (options.update) await options.update(op)
    },
  }
  const list = new ConversationList({
    uid: 'alice', platform, prefix: PREFIX, sync, diagnostics: quiet,
    emit: (l) => void events.push(l), random: () => 0.5,
    options: { throttleMs: 100, writeDelayMs: 1000, retryInitialMs: 1000, retryMaxMs: 8000 },
    ...(options.caughtUp && { caughtUp: options.caughtUp }),
  })
  return { platform, list, events, updates }
}

const settle = async (platform: MemoryPlatform, ms = 0): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve()
  if (ms > 0) platform.control.advance(ms)
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

describe('ConversationList', () => {
  it('a burst of 500 RECVs: bounded events (throttle) and one list write per write delay; each unread counted once', async () => {
    const { platform, list, events } = rig()
    await list.load()
    let writes = 0
    const set = platform.storage.set.bind(platform.storage)
    platform.storage.set = (key, value) => ((writes += key === LIST_KEY ? 1 : 0), set(key, value))
    for (let seq = 1; seq <= 500; seq++) {
      list.onMessage(recv('bob', seq))
      if (seq % 50 === 0) await settle(platform, 20)
    }
    list.onMessage(recv('bob', 500)) // again (a re-delivery): not counted twice
    list.onMessage(recv('bob', 3))
    await settle(platform, 1000)
    expect(list.list()).toMatchObject([{ channelId: 'bob', unread: 500, lastMessage: { messageSeq: 500 } }])
    expect(events.length).toBeLessThanOrEqual(3) // the one from storage, then ≤ 1 per 100 ms of virtual time
    expect(writes).toBe(1)
    expect(JSON.parse(platform.control.data.get(LIST_KEY)!).list[0].u).toBe(500)
  })

  it('our own sends cost no list write of their own: they go with the next write, or at flush (hide, close)', async () => {
    const { platform, list } = rig()
    await list.load()
    const writes: string[] = []
    const set = platform.storage.set.bind(platform.storage)
    platform.storage.set = (key, value) => (writes.push(key), set(key, value))
    const own = (clientMsgNo: string, status: OutboxMessage['status'], seq?: number): OutboxMessage => ({
      clientMsgNo, channelId: 'bob', channelType: 1, payload: new Uint8Array([1]), flags: { noPersist: false, redDot: true, syncOnce: false },
      expire: 0, status, createdAt: platform.now(), attempts: 1, ...(seq !== undefined && { messageId: `id${seq}`, messageSeq: seq }),
    })
    for (const status of ['queued', 'sending'] as const) list.onOwn(own('c1', status))
    list.onOwn(own('c1', 'sent', 1))
    await settle(platform, 5000)
    expect(writes).toEqual([])
    expect(list.list()).toMatchObject([{ channelId: 'bob', lastMessage: { clientMsgNo: 'c1', messageSeq: 1 } }])
    await list.flush()
    expect(writes).toEqual([LIST_KEY])
    expect(JSON.parse(platform.control.data.get(LIST_KEY)!).list[0].m.n).toBe('c1')
    // A RECV's write (after the write delay) carries the own changes made meanwhile.
    list.onOwn(own('c2', 'sent', 2))
    list.onMessage(recv('carol', 1))
    await settle(platform, 1000)
    expect(writes).toEqual([LIST_KEY, LIST_KEY])
    const stored = JSON.parse(platform.control.data.get(LIST_KEY)!).list as Array<{ c: string; m: { n: string } }>
    expect(stored.find((e) => e.c === 'bob')!.m.n).toBe('c2')
    await list.flush()
    expect(writes).toHaveLength(2)
  })

  it('a stored list that is not a valid record is kept aside, the list starts empty and the next sync fills it; a bad entry is dropped alone', async () => {
    const data = new Map<string, string>([[LIST_KEY, JSON.stringify({ v: 1, list: 'garbage' })]])
    const server: ServerConversation[] = [{ channelId: 'bob', channelType: 1, unread: 2, timestamp: 5000, lastSeq: 2 }]
    const a = rig({ data, server })
    await a.list.load()
    expect(a.events[0]).toEqual([])
    expect(JSON.parse(data.get(`${LIST_KEY}:corrupt`)!)).toEqual({ v: 1, list: 'garbage' })
    await a.list.refresh()
    expect(a.list.list()).toMatchObject([{ channelId: 'bob', unread: 2 }])

    const good = { c: 'carol', t: 1, u: 1, ts: 10, s: 1 }
    const data2 = new Map<string, string>([[LIST_KEY, JSON.stringify({ v: 1, list: [good, { c: 'x', t: 'one' }] })]])
    const b = rig({ data: data2 })
    await b.list.load()
    expect(b.list.list().map((c) => c.channelId)).toEqual(['carol'])
  })

  it('an op is durable before change() resolves, applied over what storage and the server say, and retried until confirmed', async () => {
    let failures = 2
    const data = new Map<string, string>()
    const server: ServerConversation[] = [{ channelId: 'bob', channelType: 1, unread: 7, timestamp: 5000, lastSeq: 7 }]
    const a = rig({ data, server, update: async () => { if (failures-- > 0) throw new Error('HTTP 502') } })
    await a.list.load()
    await a.list.refresh()
    await a.list.change({ kind: 'clearUnread', channelId: 'bob', channelType: 1 })
    expect(JSON.parse(data.get(OPS_KEY)!).ops).toMatchObject([{ kind: 'clearUnread', channelId: 'bob' }])
    expect(a.list.list()[0]?.unread).toBe(0)
    // The server still says 7 until it confirmed: the pending op wins.
    await a.list.refresh()
    expect(a.list.list()[0]?.unread).toBe(0)
    await settle(a.platform, 1000)
    await settle(a.platform, 2000)
    await settle(a.platform, 4000)
    expect(a.updates.length).toBe(3)
    expect(a.list.pendingOps()).toEqual([])
    expect(JSON.parse(data.get(OPS_KEY)!).ops).toEqual([])
  })

  it('ops whose key could not be read are never written over: they are read again and merged before the next write', async () => {
    const data = new Map<string, string>([[OPS_KEY, JSON.stringify({ v: 1, ops: [{ id: 4, kind: 'setUnread', channelId: 'carol', channelType: 1, unread: 3 }] })]])
    const platform = createMemoryPlatform({ data })
    const get = platform.storage.get.bind(platform.storage)
    let failingReads = 2
    platform.storage.get = (key) => (key === OPS_KEY && failingReads-- > 0 ? Promise.reject(new Error('getStorage:fail')) : get(key))
    const a = rig({ platform, update: () => new Promise(() => undefined) })
    await a.list.load()
    expect(a.list.pendingOps()).toEqual([])
    await a.list.change({ kind: 'clearUnread', channelId: 'bob', channelType: 1 })
    const stored = JSON.parse(data.get(OPS_KEY)!).ops as ConversationOp[]
    expect(stored.map((o) => o.channelId).sort()).toEqual(['bob', 'carol'])
  })

  it('an op whose write fails is refused and never sent; the op it replaced stays pending and goes out', async () => {
    const data = new Map<string, string>()
    const platform = createMemoryPlatform({ data })
    let online = false
    const a = rig({ platform, update: async () => { if (!online) throw new Error('offline') } })
    await a.list.load()
    await a.list.change({ kind: 'setUnread', channelId: 'bob', channelType: 1, unread: 2 })
    const set = platform.storage.set.bind(platform.storage)
    platform.storage.set = (key, value) => (key === OPS_KEY ? Promise.reject(new Error('setStorage:fail quota')) : set(key, value))
    await expect(a.list.change({ kind: 'delete', channelId: 'bob', channelType: 1 })).rejects.toThrow('quota')
    expect(a.list.pendingOps()).toEqual([{ kind: 'setUnread', channelId: 'bob', channelType: 1, unread: 2 }])
    platform.storage.set = set
    online = true
    await settle(platform, 8000)
    expect(a.updates.map((u) => u.kind)).not.toContain('delete')
    expect(a.updates[a.updates.length - 1]).toEqual({ kind: 'setUnread', channelId: 'bob', channelType: 1, unread: 2 })
    expect(a.list.pendingOps()).toEqual([])
  })

  it('ops wait until the client has caught up on a connection (WuKongIM applies them up to the last seq), then go out', async () => {
    let caughtUp = false
    const a = rig({ caughtUp: () => caughtUp })
    await a.list.load()
    await a.list.change({ kind: 'delete', channelId: 'bob', channelType: 1 })
    await settle(a.platform, 1000)
    await settle(a.platform, 2000)
    expect(a.updates).toEqual([])
    caughtUp = true
    await a.list.refresh()
    await settle(a.platform)
    expect(a.updates).toEqual([{ kind: 'delete', channelId: 'bob', channelType: 1 }])
    expect(a.list.pendingOps()).toEqual([])
  })

  it('our own message discarded from the outbox leaves the list (a conversation that held only it goes)', async () => {
    const { list } = rig()
    await list.load()
    const own = { clientMsgNo: 'x1', channelId: 'carol', channelType: 1, payload: new Uint8Array([1]), createdAt: 1000, attempts: 0 }
    list.onOwn({ ...own, status: 'failed' } as OutboxMessage)
    expect(list.list()).toMatchObject([{ channelId: 'carol', lastMessage: { status: 'failed' } }])
    list.onOwn({ ...own, status: 'failed', failure: 'cancelled' } as OutboxMessage)
    expect(list.list()).toEqual([])
    list.onMessage(recv('bob', 4))
    list.onOwn({ ...own, channelId: 'bob', clientMsgNo: 'x2', createdAt: 1_800_000_000_000, status: 'failed' } as OutboxMessage)
    list.onOwn({ ...own, channelId: 'bob', clientMsgNo: 'x2', createdAt: 1_800_000_000_000, status: 'failed', failure: 'cancelled' } as OutboxMessage)
    expect(list.list()).toMatchObject([{ channelId: 'bob', unread: 1 }])
    expect(list.list()[0]?.lastMessage).toBeUndefined()
  })

  it('a restored own message whose channel type is damaged (failed as invalid) makes no conversation', async () => {
    const { list } = rig()
    await list.load()
    list.onOwn({ clientMsgNo: 'x3', channelId: 'carol', channelType: 300, payload: new Uint8Array([1]), createdAt: 1000, attempts: 1, status: 'failed', failure: 'invalid' } as OutboxMessage)
    expect(list.list()).toEqual([])
  })

  it('at launch, stored previews of our own messages take the outbox status, or lose theirs when the outbox no longer holds them', async () => {
    const data = new Map<string, string>()
    const a = rig({ data })
    await a.list.load()
    const own = (channelId: string, clientMsgNo: string) => ({ clientMsgNo, channelId, channelType: 1, payload: new Uint8Array([1]), createdAt: 1000, attempts: 0 })
    a.list.onOwn({ ...own('bob', 'x1'), status: 'failed' } as OutboxMessage)
    a.list.onOwn({ ...own('carol', 'x2'), status: 'sending' } as OutboxMessage)
    await a.list.flush()
    a.list.close()
    const b = rig({ data })
    await b.list.load()
    b.list.reconcile([{ ...own('carol', 'x2'), status: 'queued' } as OutboxMessage])
    const byId = new Map(b.list.list().map((c) => [c.channelId, c.lastMessage?.status]))
    expect(byId).toEqual(new Map([['bob', undefined], ['carol', 'queued']]))
    // Not on the server's list and no longer ours in flight: the next sync drops it.
    await b.list.refresh()
    expect(b.list.list().map((c) => c.channelId)).toEqual(['carol'])
  })
})
