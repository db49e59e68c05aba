/**
 * Issue 20 against a real WuKongIM server (v1.2.6: /conversation/sync; v3: /conversation/list):
 * the conversation list after a cold start (unread counts and last message from the server), and
 * clearUnread / setUnread made durable, the process killed before the server confirmed them (the
 * call failed offline, or hung), restarted, and applied on the server.
 *
 * Real SDK over the simulated wx (real time), real sockets, the server's real HTTP API. Run with
 * `npm run test:wukongim`; never part of `npm test`.
 */
import { createClient, type Client } from '../../sdk/client'
import type { Conversation } from '../../sdk/conversations/types'
import { createSimWx, realConnector, SimStorageData, type SimHttpHandler, type SimWx } from '../support/sim-wx'
import { waitFor } from './link'
import { startWukongim, wukongimFlavor, wukongimVersion, type RunningWukongim } from './server'

jest.setTimeout(60_000)

const v1 = wukongimFlavor(process.env.WUKONGIM_VERSION || wukongimVersion()) === 'v1'
const run = Date.now().toString(36)
let seq = 0
let seeds = Date.now() % 1_000_000
let wk: RunningWukongim
const clients: Client[] = []
const diag = new Map<string, string[]>()

beforeAll(async () => {
  wk = await startWukongim({ tokenAuth: true })
}, 300_000)

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => undefined)
})

afterAll(async () => {
  if (wk) await wk.stop()
})

function uids(...names: string[]): string[] {
  seq++
  return names.map((n) => `${n}${seq}${run}`)
}

async function register(...list: string[]): Promise<void> {
  for (const uid of list) await wk.api('/user/token', { uid, token: `${uid}-token`, device_flag: 1, device_level: 1 })
}

/** A phone: its own wx and storage (optionally a wx.request handler of its own). */
function phone(http?: SimHttpHandler): SimWx {
  return createSimWx({ scheduler: 'real', connect: realConnector(), storage: new SimStorageData(), seed: ++seeds, ...(http && { http }) })
}

function start(uid: string, sim: SimWx): Client {
  const client = createClient({
    uid,
    token: `${uid}-token`,
    wsAddr: wk.wsUrl,
    apiAddr: wk.apiUrl,
    platform: sim.control.platform(),
    backoff: { initialMs: 50, maxMs: 500 },
    conversations: { throttleMs: 20, retryInitialMs: 200, retryMaxMs: 1_000 },
    diagnostics: { record: (category, event, detail) => void (category === 'sync' && diag.set(uid, [...(diag.get(uid) ?? []), `${event} ${JSON.stringify(detail)}`].slice(-20))), trace: () => undefined },
  })
  clients.push(client)
  return client
}

async function online(client: Client): Promise<void> {
  let synced = false
  const off = client.on('synced', () => void (synced = true))
  await client.connect()
  await waitFor(() => client.state === 'connected' && synced, `${client.uid} connected and caught up`)
  off()
}

/** Killed (no close()): a fresh process over the same storage, network as given. */
function kill(client: Client, sim: SimWx, over: { online: boolean }): SimWx {
  clients.splice(clients.indexOf(client), 1)
  return sim.control.coldRestart({ network: over, seed: ++seeds, http: undefined })
}

async function sendFrom(uid: string, sim: SimWx, to: string, texts: string[]): Promise<void> {
  const c = start(uid, sim)
  await online(c)
  let sent = 0
  c.on('messageStatus', (m) => void (m.status === 'sent' && sent++))
  // One at a time, each after the previous SENDACK: v1.2.6 sometimes counts one unread fewer for
  // messages of one sender stored concurrently in a new conversation (3 pipelined sends listed as 2).
  for (const [i, t] of texts.entries()) {
    await c.send({ channelId: to, channelType: 1, content: { type: 1, text: t } })
    await waitFor(() => sent === i + 1, `SENDACK ${i + 1} of ${texts.length}`)
  }
}

/** uid's unread count per channel as the server lists it (the line's own conversation API). */
async function serverUnread(uid: string): Promise<Map<string, number>> {
  const body = v1 ? await wk.api<Array<{ channel_id: string; unread: number }>>('/conversation/sync', { uid, msg_count: 1 }) : await wk.api<{ conversations: Array<{ channel_id: string; unread: number }> }>('/conversation/list', { uid, limit: 100 })
  const list = Array.isArray(body) ? body : (body?.conversations ?? [])
  return new Map(list.map((c) => [c.channel_id, c.unread]))
}

/** Until the server lists these unread counts for uid (v3 updates its conversation list a moment after it stores a message). */
async function listed(uid: string, expected: Array<[string, number]>): Promise<void> {
  let seen: Map<string, number> | undefined
  await waitFor(async () => {
    seen = await serverUnread(uid)
    return expected.every(([channelId, n]) => seen?.get(channelId) === n)
  }, `the server lists ${JSON.stringify(expected)} for ${uid}`).catch((e: unknown) => {
    throw new Error(`${e instanceof Error ? e.message : String(e)}; it last listed ${JSON.stringify([...(seen ?? [])])}`)
  })
}

/** For a failed wait: what the device lists and what the server says, then rethrows. */
function explain(client: Client): (e: unknown) => Promise<never> {
  return async (e) => {
    const raw = await wk.api(v1 ? '/conversation/sync' : '/conversation/list', { uid: client.uid, msg_count: 1, limit: 100 })
    console.log(`${client.uid} lists ${JSON.stringify(client.conversations().map((x) => [x.channelId, x.unread, x.lastMessage?.messageSeq]))}; the server: ${JSON.stringify(raw).slice(0, 3000)}\n${(diag.get(client.uid) ?? []).join('\n')}`)
    throw e
  }
}

const row = (list: Conversation[], channelId: string) => list.find((c) => c.channelId === channelId)
const textOf = (c: Conversation | undefined) => (c?.lastMessage?.content.type === 1 ? c.lastMessage.content.text : undefined)

test('cold start: the list comes from the server (unread counts, last message, newest first), then from storage before the socket is up', async () => {
  const [a, b, c] = uids('cva', 'cvb', 'cvc')
  await register(a!, b!, c!)
  await sendFrom(c!, phone(), a!, ['from c'])
  await new Promise((r) => setTimeout(r, 1_100)) // a later second: the order is by time
  await sendFrom(b!, phone(), a!, ['one', 'two', 'three'])
  await listed(a!, [[b!, 3], [c!, 1]])

  const sim = phone()
  const A = start(a!, sim)
  await online(A)
  // The server's list answers after the catch-up (messages handed over meanwhile count until then).
  await waitFor(() => row(A.conversations(), b!)?.unread === 3 && row(A.conversations(), c!)?.unread === 1, 'the server list applied').catch(explain(A))
  const list = A.conversations()
  expect(list.map((x) => [x.channelId, x.unread])).toEqual([
    [b, 3],
    [c, 1],
  ])
  expect(textOf(list[0])).toBe('three')
  expect(list[0]!.lastMessage).toMatchObject({ fromUid: b, messageSeq: 3 })
  await A.close()
  clients.splice(clients.indexOf(A), 1)

  // The next launch, offline: the stored list is the first `conversations` event.
  const next = sim.control.coldRestart({ network: { online: false }, seed: ++seeds })
  const A2 = start(a!, next)
  const first: Conversation[][] = []
  A2.on('conversations', (l) => void first.push(l))
  await A2.restored()
  expect(A2.state).toBe('idle')
  expect(first[0]?.map((x) => [x.channelId, x.unread, textOf(x)])).toEqual([
    [b, 3, 'three'],
    [c, 1, 'from c'],
  ])
})

test('clearUnread made offline survives a kill: after the restart the server applies it and the list agrees', async () => {
  const [a, b] = uids('cla', 'clb')
  await register(a!, b!)
  await sendFrom(b!, phone(), a!, ['x', 'y'])
  await listed(a!, [[b!, 2]])
  const sim = phone()
  const A = start(a!, sim)
  await online(A)
  await waitFor(() => row(A.conversations(), b!)?.unread === 2, 'two unread', 5_000).catch((e) => {
    console.log(JSON.stringify(A.conversations().map((x) => [x.channelId, x.unread, x.lastMessage?.messageSeq])))
    throw e
  })
  sim.control.setNetwork({ online: false })
  await A.clearUnread({ channelId: b!, channelType: 1 })
  expect(row(A.conversations(), b!)?.unread).toBe(0)
  await new Promise((r) => setTimeout(r, 300))
  expect((await serverUnread(a!)).get(b!)).toBe(2)

  const A2 = start(a!, kill(A, sim, { online: true }))
  await A2.restored()
  expect(row(A2.conversations(), b!)?.unread).toBe(0)
  await online(A2)
  await waitFor(async () => (await serverUnread(a!)).get(b!) === 0, 'the server cleared it')
  await A2.sync()
  await new Promise((r) => setTimeout(r, 300))
  expect(row(A2.conversations(), b!)?.unread).toBe(0)
})

test('setUnread whose call hangs survives a kill: after the restart the server has the count', async () => {
  const [a, b] = uids('sua', 'sub')
  await register(a!, b!)
  await sendFrom(b!, phone(), a!, ['1', '2', '3', '4'])
  await listed(a!, [[b!, 4]])
  const ops: string[] = []
  // This process's wx.request: the op routes never answer; everything else goes to the server.
  const hang: SimHttpHandler = async (req) => {
    if (req.url.includes('/conversations/')) {
      ops.push(req.url)
      return new Promise(() => undefined)
    }
    const res = await fetch(req.url, { method: req.method, headers: { 'content-type': 'application/json', ...req.header }, body: req.method === 'GET' ? undefined : JSON.stringify(req.data ?? {}) })
    const text = await res.text()
    let data: unknown = text
    try {
      data = JSON.parse(text)
    } catch {
      // not JSON: handed over as text, as wx does
    }
    return { statusCode: res.status, data }
  }
  const sim = phone(hang)
  const A = start(a!, sim)
  await online(A)
  await waitFor(() => row(A.conversations(), b!)?.unread === 4, 'four unread').catch(explain(A))
  await A.setUnread({ channelId: b!, channelType: 1 }, 1)
  await waitFor(() => ops.length === 1, 'the call went out (and hangs)')
  expect((await serverUnread(a!)).get(b!)).toBe(4)

  const A2 = start(a!, kill(A, sim, { online: true }))
  await online(A2)
  await waitFor(async () => (await serverUnread(a!)).get(b!) === 1, 'the server has unread 1')
  await A2.sync()
  await waitFor(() => row(A2.conversations(), b!)?.unread === 1, 'the list agrees')
})
