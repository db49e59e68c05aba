/**
 * Issue #10, second half: the real SDK against a real WuKongIM server.
 *
 * createClient over the wx adapter over the simulated wx (real time), real sockets
 * (realConnector) to the server started by startWukongim(), and the client's own HTTP sync
 * provider (apiAddr) against the server's real HTTP API. A wrapping connector ("Link") watches the
 * wire both ways and can swallow a server frame (one RECV, some SENDACKs) or kill the socket, since
 * a real server has no fault injection. "Stored once" is checked on the server by scanning
 * /channel/messagesync for each client_msg_no (v1.2.6 has no lookup by client_msg_no).
 *
 * Run with `npm run test:wukongim` (needs Go, or WUKONGIM_BIN); never part of `npm test`.
 */
import { createClient, type Client } from '../../sdk/client'
import type { ClientOptions } from '../../sdk/options'
import type { ImError } from '../../sdk/errors'
import type { GapEvent, InboundMessage, OutboxMessage, StateChange } from '../../sdk/types'
import type { HistoryPage } from '../../sdk/history/types'
import { PacketType, type RecvPacket, type SendPacket } from '../../sdk/proto/packets'
import { createSimWx, SimStorageData, type SimWx } from '../support/sim-wx'
import { Link, pause, text, waitFor } from './link'
import { startWukongim, wukongimFlavor, wukongimVersion, type RunningWukongim } from './server'

jest.setTimeout(60_000)

interface Peer {
  uid: string
  client: Client
  sim: SimWx
  storage: SimStorageData
  link: Link
  messages: InboundMessage[]
  gaps: GapEvent[]
  errors: ImError[]
  states: StateChange[]
  sent: OutboxMessage[]
  synced: number
  diag: Array<{ category: string; event: string; detail?: Record<string, unknown> }>
}

const flavor = wukongimFlavor(process.env.WUKONGIM_VERSION || wukongimVersion())
const v1 = flavor === 'v1'
const run = Date.now().toString(36)
let seq = 0
let wk: RunningWukongim
const peers: Peer[] = []

beforeAll(async () => {
  // Short RECV redelivery (v1.2.6 messageRetry) so "the receiver RECVACKs" is visible in the test:
  // an acked RECV is never sent again, an unacked one comes back after 2 s.
  wk = await startWukongim({ tokenAuth: true, extraConfig: v1 ? 'messageRetry:\n  interval: 2s\n  scanInterval: 1s\n  maxCount: 2' : undefined })
}, 300_000)

afterEach(async () => {
  for (const p of peers.splice(0)) await p.client.close().catch(() => undefined)
})

afterAll(async () => {
  if (reorderings.length > 0) process.stdout.write(`wukongim e2e: messages stored out of send() order:\n  ${reorderings.join('\n  ')}\n`)
  if (wk) await wk.stop()
})

/**
 * Every simulated phone (and every restart of one) needs its own randomness: sim wx seeds
 * getRandomValues with 1 by default, so two instances would share deviceIds (v1.2.6 then treats
 * them as one device: no kick, the old socket is closed 4 s later) and clientMsgNos.
 */
let seeds = Date.now() % 1_000_000
const nextSeed = () => ++seeds

function uids(...names: string[]): string[] {
  seq++
  return names.map((n) => `${n}${seq}${run}`)
}

async function register(uid: string, token = `${uid}-token`): Promise<void> {
  await wk.api('/user/token', { uid, token, device_flag: 1, device_level: 1 })
}

function peer(uid: string, opts: { storage?: SimStorageData; sim?: SimWx; link?: Link; options?: Partial<ClientOptions> } = {}): Peer {
  const storage = opts.storage ?? new SimStorageData()
  const link = opts.link ?? new Link()
  const sim = opts.sim ?? createSimWx({ scheduler: 'real', connect: link.connector(), storage, seed: nextSeed() })
  const diag: Peer['diag'] = []
  const client = createClient({
    uid,
    token: `${uid}-token`,
    wsAddr: wk.wsUrl,
    apiAddr: wk.apiUrl,
    platform: sim.control.platform(),
    backoff: { initialMs: 50, maxMs: 500 },
    // Retries up to 200+400+...+3 200 ms: a loaded machine can be slow to show a message in messagesync.
    inbox: { continuityCheckMs: 0, gapRetries: 5, gapRetryDelayMs: 200 },
    diagnostics: { record: (category, event, detail) => void diag.push({ category, event, detail }), trace: (clientMsgNo, step, detail) => void diag.push({ category: `trace ${clientMsgNo.slice(0, 8)}`, event: step, detail }) },
    ...opts.options,
  })
  const p: Peer = { uid, client, sim, storage, link, diag, messages: [], gaps: [], errors: [], states: [], sent: [], synced: 0 }
  client.on('message', (m) => void p.messages.push(m))
  client.on('gap', (g) => void p.gaps.push(g))
  client.on('error', (e) => void p.errors.push(e))
  client.on('state', (s) => void p.states.push(s))
  client.on('synced', () => void p.synced++)
  client.on('messageStatus', (m) => {
    if (m.status === 'sent') p.sent.push(m)
  })
  peers.push(p)
  return p
}

/** For a failed wait: prints what the peer received and its last diagnostics (seen once as a rare flake), then rethrows. */
function explain(p: Peer): (e: unknown) => never {
  return (e) => {
    const seen = { delivered: p.messages.map((m) => [m.messageSeq, m.source]), pushed: p.link.recvs().map((r) => r.messageSeq), gaps: p.gaps, errors: p.errors.map((x) => x.message) }
    console.log(`${p.uid}: ${JSON.stringify(seen)}\n${JSON.stringify(p.diag.filter((d) => d.category !== 'storage').slice(-40), null, 1)}`)
    throw e
  }
}

async function online(...ps: Peer[]): Promise<void> {
  await Promise.all(
    ps.map(async (p) => {
      const before = p.synced
      await p.client.connect()
      await waitFor(() => p.client.state === 'connected' && p.synced > before, `${p.uid} connected and caught up`)
    }),
  )
}

async function sendAll(from: Peer, channelId: string, channelType: number, texts: string[]): Promise<OutboxMessage[]> {
  const before = from.sent.length
  const out: OutboxMessage[] = []
  for (const t of texts) out.push(await from.client.send({ channelId, channelType, payload: t }))
  await waitFor(() => from.sent.length >= before + texts.length, `${texts.length} SENDACKs for ${from.uid}`).catch((e: unknown) => {
    // What the outbox holds when the server is slow to ack (a v3 flake under load): status, attempts, reason.
    const left = from.client.pending().map((m) => `${m.clientMsgNo.slice(0, 8)} ${m.status} attempts ${m.attempts} rc ${m.reasonCode ?? '-'}`)
    console.log(`${from.uid} diagnostics: ${JSON.stringify(from.diag.filter((d) => d.category !== 'storage').slice(-80))}`)
    throw new Error(`${e instanceof Error ? e.message : String(e)}; ${from.client.state}, outbox: ${left.join('; ') || 'empty'}`)
  })
  return out
}

/**
 * Where the server stored each client_msg_no of the channel: its message seqs, ascending (a scan of
 * /channel/messagesync as `loginUid`; v1.2.6 has no lookup by client_msg_no).
 */
async function storedSeqs(loginUid: string, channelId: string, channelType: number): Promise<Map<string, number[]>> {
  const bySeq = new Map<number, string>()
  let start = 0
  for (let page = 0; page < 100; page++) {
    const r = await wk.api<{ messages: Array<{ client_msg_no: string; message_seq: number }> | null; more: number }>('/channel/messagesync', {
      login_uid: loginUid,
      channel_id: channelId,
      channel_type: channelType,
      start_message_seq: start,
      end_message_seq: 0,
      pull_mode: 1,
      limit: 100,
    })
    const ms = r.messages ?? []
    for (const m of ms) bySeq.set(m.message_seq, m.client_msg_no)
    if (!r.more || ms.length === 0) break
    start = Math.max(...ms.map((m) => m.message_seq)) + 1
  }
  const out = new Map<string, number[]>()
  for (const seq of [...bySeq.keys()].sort((x, y) => x - y)) {
    const no = bySeq.get(seq)!
    out.set(no, [...(out.get(no) ?? []), seq])
  }
  return out
}

/** client_msg_no → how many times stored. */
async function storedCounts(loginUid: string, channelId: string, channelType: number): Promise<Map<string, number>> {
  return new Map([...(await storedSeqs(loginUid, channelId, channelType))].map(([no, seqs]) => [no, seqs.length]))
}

/**
 * storedCounts once every message of `expect` shows `copies` copies, or after 10 s. A SENDACK can
 * come before /channel/messagesync shows the copy it acknowledged (seen once on v1.2.6 for the
 * second copy of a re-send), so a single read right after the last ack may still miss it.
 */
async function settledCounts(loginUid: string, channelId: string, expect: OutboxMessage[], copies: number): Promise<Map<string, number>> {
  let counts = await storedCounts(loginUid, channelId, 1)
  const until = Date.now() + 10_000
  while (Date.now() < until && expect.some((m) => (counts.get(m.clientMsgNo) ?? 0) < copies)) {
    await pause(200)
    counts = await storedCounts(loginUid, channelId, 1)
  }
  return counts
}

/**
 * The texts of `sent` in the order the server stored them (first copy). v1.2.6 does not always
 * store SENDs pipelined on one connection in the order they were written (observed: two of a burst
 * swapped), so "in order" means the server's seq order, which is what every receiver must show.
 */
async function inServerOrder(loginUid: string, channelId: string, sent: OutboxMessage[]): Promise<string[]> {
  const seqs = await storedSeqs(loginUid, channelId, 1)
  const first = (m: OutboxMessage) => seqs.get(m.clientMsgNo)?.[0] ?? Infinity
  return [...sent].sort((x, y) => first(x) - first(y)).map(text)
}

/** Whether the server kept the order of `sent` (observed, not asserted): send() order, wire order, stored order. */
const reorderings: string[] = []
async function noteOrder(what: string, sender: Peer, channelId: string, sent: OutboxMessage[]): Promise<void> {
  const order = await inServerOrder(sender.uid, channelId, sent)
  const nos = new Set(sent.map((m) => m.clientMsgNo))
  const byNo = new Map(sent.map((m) => [m.clientMsgNo, text(m)]))
  const wire = [...new Set(sender.link.fromClient.filter((p): p is SendPacket => p.type === PacketType.SEND && nos.has(p.clientMsgNo)).map((p) => p.clientMsgNo))].map((no) => byNo.get(no)!)
  const called = sent.map(text)
  if (order.join('\n') !== called.join('\n') || wire.join('\n') !== called.join('\n')) {
    reorderings.push(`${what}: send() ${JSON.stringify(called)}\n    wire ${JSON.stringify(wire)}\n    stored ${JSON.stringify(order)}`)
  }
}

/** Whether the receiver got its pushes in seq order per channel (observed, not asserted). */
function noteRecvOrder(what: string, receiver: Peer): void {
  const seqs = receiver.link.recvs().map((r) => `${r.channelId}:${r.messageSeq}`)
  const firsts = [...new Set(seqs)]
  const byChannel = new Map<string, number[]>()
  for (const k of firsts) {
    const i = k.lastIndexOf(':')
    const ch = k.slice(0, i)
    byChannel.set(ch, [...(byChannel.get(ch) ?? []), Number(k.slice(i + 1))])
  }
  for (const [ch, list] of byChannel) {
    if (list.some((x, i) => i > 0 && x < list[i - 1]!)) reorderings.push(`${what}: RECVs of ${ch} pushed in seq order ${JSON.stringify(list)}`)
  }
}

test('connect (encrypted): CONNACK 1 with a server key, the negotiated version is used for every packet', async () => {
  const [a] = uids('conn')
  await register(a!)
  const A = peer(a!)
  await online(A)
  const connack = A.link.connacks[0]!
  expect(connack.reasonCode).toBe(1)
  expect(connack.serverKey).not.toBe('')
  if (v1) expect(connack).toMatchObject({ hasServerVersion: true, serverVersion: 3 })
  const connect = A.link.fromClient[0]!
  expect(connect).toMatchObject({ type: PacketType.CONNECT, version: 5, uid: a })
  expect((connect as { clientKey: string }).clientKey).not.toBe('')
  expect(A.link.decodeErrors).toEqual([])
  expect(A.errors).toEqual([])
})

test('person channel: SENDACK 1, both directions, encrypted RECV decrypted, every RECV acked (no redelivery)', async () => {
  const [a, b] = uids('alice', 'bob')
  await register(a!)
  await register(b!)
  const A = peer(a!)
  const B = peer(b!)
  await online(A, B)
  const ab = await sendAll(A, b!, 1, ['hello bob', 'how are you'])
  await waitFor(() => B.messages.length >= 2, 'B gets two messages').catch(explain(B))
  const ba = await sendAll(B, a!, 1, ['hi alice'])
  await waitFor(() => A.messages.length >= 1, 'A gets the reply').catch(explain(A))

  // SENDACK reason 1 with a seq, on the wire and in the status events.
  const acks = A.link.fromServer.filter((p) => p.type === PacketType.SENDACK)
  expect(acks.map((p) => (p as { reasonCode: number }).reasonCode)).toEqual([1, 1])
  expect(A.sent.map((m) => [m.clientMsgNo, m.reasonCode, m.messageSeq]).sort()).toEqual([
    [ab[0]!.clientMsgNo, 1, expect.any(Number)],
    [ab[1]!.clientMsgNo, 1, expect.any(Number)],
  ].sort())
  expect(A.sent.map((m) => m.messageSeq).sort()).toEqual([1, 2])
  expect(B.sent.map((m) => m.messageSeq)).toEqual([3]) // one seq space per person channel
  await noteOrder('person', A, b!, ab)
  noteRecvOrder('person', B)
  expect(B.messages.map(text)).toEqual(await inServerOrder(a!, b!, ab))
  expect(B.messages.map((m) => m.messageSeq)).toEqual([1, 2])
  expect(B.messages.every((m) => m.channelId === a && m.channelType === 1 && m.fromUid === a && m.source === 'push')).toBe(true)
  expect(A.messages.map((m) => [text(m), m.channelId, m.messageSeq, m.clientMsgNo])).toEqual([['hi alice', b, 3, ba[0]!.clientMsgNo]])
  // The RECVs were encrypted on the wire.
  const recv = B.link.recvs()[0]!
  expect(Buffer.from(recv.payload).toString('utf8')).not.toBe('hello bob')

  // The receiver RECVACKs each message; v1.2.6 would send an unacked RECV again after 2 s.
  await waitFor(() => B.link.fromClient.filter((p) => p.type === PacketType.RECVACK).length >= 2, 'two RECVACKs from B')
  const recvacks = B.link.fromClient.filter((p) => p.type === PacketType.RECVACK) as Array<{ messageId: string; messageSeq: number }>
  expect(recvacks.map((x) => x.messageSeq).sort()).toEqual([1, 2])
  expect(recvacks.map((x) => x.messageId).sort()).toEqual(B.messages.map((m) => m.messageId).sort())
  await pause(v1 ? 4500 : 500)
  expect(B.link.recvs()).toHaveLength(2)
  expect(A.link.recvs()).toHaveLength(1)
  const stored = await storedCounts(a!, b!, 1)
  expect([...stored.values()]).toEqual([1, 1, 1])
  expect([...A.errors, ...B.errors]).toEqual([])
}, 60_000)

test('group channel: members exchange messages; a non-member is refused (reason 3)', async () => {
  const [a, b, c, g, d] = uids('ga', 'gb', 'gc', 'grp', 'gd')
  for (const u of [a, b, c, d]) await register(u!)
  const created = await wk.apiRaw('/channel', { channel_id: g, channel_type: 2, subscribers: [a, b, c] })
  expect(created.status).toBe(200)
  const A = peer(a!)
  const B = peer(b!)
  const C = peer(c!)
  const D = peer(d!)
  await online(A, B, C, D)
  await sendAll(A, g!, 2, ['group hello'])
  await waitFor(() => B.messages.length >= 1 && C.messages.length >= 1, 'B and C get it').catch(explain(B))
  await sendAll(B, g!, 2, ['group reply'])
  await waitFor(() => A.messages.length >= 1 && C.messages.length >= 2, 'A and C get the reply').catch(explain(A))
  expect(C.messages.map((m) => [text(m), m.channelId, m.channelType, m.fromUid, m.messageSeq])).toEqual([
    ['group hello', g, 2, a, 1],
    ['group reply', g, 2, b, 2],
  ])
  expect(A.messages.map(text)).toEqual(['group reply'])
  expect(B.messages.map(text)).toEqual(['group hello'])
  const refused = await D.client.send({ channelId: g!, channelType: 2, payload: 'let me in' })
  await waitFor(() => D.client.pending().some((m) => m.clientMsgNo === refused.clientMsgNo && m.status === 'failed'), 'the refusal')
  expect(D.client.pending()).toMatchObject([{ clientMsgNo: refused.clientMsgNo, status: 'failed', failure: 'rejected', reasonCode: 3 }])
  await waitFor(() => C.link.fromClient.filter((p) => p.type === PacketType.RECVACK).length >= 2, 'C acks both')
  expect([...A.errors, ...B.errors, ...C.errors]).toEqual([])
})

test('a RECV lost on the way: the gap is detected and filled over the real /channel/messagesync', async () => {
  const [a, b] = uids('gapa', 'gapb')
  await register(a!)
  await register(b!)
  const A = peer(a!)
  const B = peer(b!)
  await online(A, B)
  let dropped = 0
  B.link.swallow = (p) => p.type === PacketType.RECV && (p as RecvPacket).messageSeq === 3 && dropped++ === 0
  const sent = await sendAll(A, b!, 1, ['m1', 'm2', 'm3', 'm4', 'm5'])
  await waitFor(() => B.messages.length >= 5, 'five messages').catch(explain(B))
  await pause(200)
  expect(B.link.swallowed).toHaveLength(1)
  await noteOrder('gap', A, b!, sent)
  expect(B.messages.map(text)).toEqual(await inServerOrder(a!, b!, sent))
  expect(B.messages.map((m) => m.messageSeq)).toEqual([1, 2, 3, 4, 5])
  noteRecvOrder('gap', B)
  // v1.2.6 may push RECVs out of seq order (4 after 5): then the gap seen is 3..4 and 4 comes by
  // push or sync. Either way seq 3 came from the HTTP API and every gap detected was filled.
  expect(B.messages[2]!.source).toBe('sync')
  // The provider labels results with the channel asked for (v1.2.6 answers channel_id = the viewer).
  expect(B.messages[2]).toMatchObject({ channelId: a, channelType: 1, fromUid: a })
  const detected = B.gaps.filter((g) => g.outcome === 'detected')
  expect(detected[0]).toMatchObject({ channelId: a, channelType: 1, fromSeq: 3 })
  expect(B.gaps.filter((g) => g.outcome === 'filled').map((g) => [g.fromSeq, g.toSeq])).toEqual(detected.map((g) => [g.fromSeq, g.toSeq]))
  expect(B.gaps.filter((g) => g.outcome === 'unfillable')).toEqual([])
  if (v1) {
    // The swallowed RECV was never acked: v1.2.6 sends it again; the inbox delivers it only once.
    await waitFor(() => B.link.recvs().filter((r) => r.messageSeq === 3).length >= 2, 'the redelivered RECV', 10_000)
    await pause(300)
    expect(B.messages.filter((m) => m.messageSeq === 3)).toHaveLength(1)
  }
  expect(B.errors).toEqual([])
}, 60_000)

test('offline messages are caught up through the real HTTP API after the receiver comes back', async () => {
  const [a, b, g] = uids('offa', 'offb', 'offg')
  await register(a!)
  await register(b!)
  await wk.api('/channel', { channel_id: g, channel_type: 2, subscribers: [a, b] })
  const A = peer(a!)
  const B = peer(b!)
  await online(A, B)
  await sendAll(A, b!, 1, ['before'])
  await waitFor(() => B.messages.length === 1, 'the first message').catch(explain(B))
  B.sim.control.setNetwork({ online: false })
  await waitFor(() => B.client.state !== 'connected', 'B offline')
  const person = Array.from({ length: 30 }, (_, i) => `offline ${i + 1}`)
  const personSent = await sendAll(A, b!, 1, person)
  await sendAll(A, g!, 2, ['group offline 1'])
  await sendAll(A, g!, 2, ['group offline 2'])
  await pause(200)
  expect(B.messages.map(text)).toEqual(['before'])
  const syncedBefore = B.synced
  B.sim.control.setNetwork({ online: true })
  await waitFor(() => B.synced > syncedBefore && B.messages.length >= 33, 'the catch-up', 30_000)
  await pause(300)
  const inPerson = B.messages.filter((m) => m.channelType === 1)
  await noteOrder('offline burst', A, b!, personSent)
  expect(inPerson.map(text)).toEqual(['before', ...(await inServerOrder(a!, b!, personSent))])
  expect(inPerson.map((m) => m.messageSeq)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1))
  expect(inPerson.every((m) => m.channelId === a)).toBe(true)
  expect(B.messages.filter((m) => m.channelType === 2).map((m) => [text(m), m.channelId, m.source])).toEqual([
    ['group offline 1', g, 'sync'],
    ['group offline 2', g, 'sync'],
  ])
  expect(new Set(B.messages.map((m) => m.messageId)).size).toBe(B.messages.length)
  expect(B.errors.filter((e) => e.code !== 'NETWORK')).toEqual([])
}, 60_000)

test('outbox.channelWindow 1: a burst to one channel is stored in send() order', async () => {
  const [a, b] = uids('cwa', 'cwb')
  await register(a!)
  await register(b!)
  const A = peer(a!, { options: { outbox: { channelWindow: 1 } } })
  await online(A)
  const texts = Array.from({ length: 40 }, (_, i) => `ordered ${i + 1}`)
  const sent = await sendAll(A, b!, 1, texts)
  const seqs = await storedSeqs(a!, b!, 1)
  expect(sent.map((m) => seqs.get(m.clientMsgNo))).toEqual(sent.map((_, i) => [i + 1]))
}, 60_000)

test('outbox: flushes after a forced reconnect; each message stored once on both lines', async () => {
  const [a, b] = uids('rca', 'rcb')
  await register(a!)
  await register(b!)
  const A = peer(a!, { options: { outbox: { sendackTimeoutMs: 60_000 } } })
  const B = peer(b!)
  await online(A, B)

  // 1. Sent while the network is down: queued, flushed once the link is back.
  A.sim.control.setNetwork({ online: false })
  await waitFor(() => A.client.state !== 'connected', 'A offline')
  const queued = []
  for (const t of ['queued 1', 'queued 2', 'queued 3']) queued.push(await A.client.send({ channelId: b!, channelType: 1, payload: t }))
  expect(A.client.pending().map((m) => m.status)).toEqual(['queued', 'queued', 'queued'])
  A.sim.control.setNetwork({ online: true })
  await waitFor(() => A.client.pending().length === 0, 'the flush')

  // 2. In flight when the link dies: SEND stored by the server, its SENDACK lost; re-sent after
  // the reconnect with the same clientMsgNo.
  let lose = 2
  A.link.swallow = (p) => p.type === PacketType.SENDACK && lose-- > 0
  const inflight = [await A.client.send({ channelId: b!, channelType: 1, payload: 'in flight 1' }), await A.client.send({ channelId: b!, channelType: 1, payload: 'in flight 2' })]
  await waitFor(async () => {
    const s = await storedCounts(a!, b!, 1)
    return inflight.every((m) => s.get(m.clientMsgNo) === 1)
  }, 'the server stored both')
  // Unacked, so still in flight — unless the outbox's PING probe (an ack 1 s late, issue 15.14)
  // already found the acks dropped and recovered them on this link, which a loaded machine allows.
  expect(A.client.pending().filter((m) => m.status !== 'sending')).toEqual([])
  const dialed = A.link.dialed
  A.link.kill()
  // The probe may have recovered both before the kill: then the outbox is empty already, so wait
  // for the redial itself too.
  await waitFor(() => A.link.dialed === dialed + 1 && A.client.state === 'connected' && A.client.pending().length === 0, 'the re-send after the reconnect')
  expect(A.sent.map((m) => m.clientMsgNo).sort()).toEqual([...queued, ...inflight].map((m) => m.clientMsgNo).sort())

  // v1.2.6 has no de-dup by clientMsgNo (a re-send would be stored again under a new seq): the
  // outbox asks /channel/messagesync first and does not re-send what is stored (issue 15.13); v3
  // de-duplicates itself. Either way: one copy.
  const stored = await settledCounts(a!, b!, inflight, 1)
  for (const m of queued) expect(stored.get(m.clientMsgNo)).toBe(1)
  for (const m of inflight) expect(stored.get(m.clientMsgNo)).toBe(1)
  // The receiver shows each message once all the same.
  await waitFor(() => B.messages.length >= 5, 'B has all five').catch(explain(B))
  await pause(500)
  await noteOrder('flush after reconnect', A, b!, [...queued, ...inflight])
  expect(B.messages.map(text)).toEqual(await inServerOrder(a!, b!, [...queued, ...inflight]))
  expect(B.messages.map(text).sort()).toEqual(['in flight 1', 'in flight 2', 'queued 1', 'queued 2', 'queued 3'])
  expect(A.errors.filter((e) => e.code !== 'NETWORK')).toEqual([])
}, 60_000)

test('outbox: flushes after a cold restart; queued messages stored once', async () => {
  const [a, b] = uids('cra', 'crb')
  await register(a!)
  await register(b!)
  const A1 = peer(a!, { options: { outbox: { sendackTimeoutMs: 60_000 } } })
  const B = peer(b!)
  await online(A1, B)
  // Every SENDACK of this link is lost: a re-send after the PING probe (1 s without an ack) would
  // otherwise be acked before the kill when the server is slow to show the message stored.
  A1.link.swallow = (p) => p.type === PacketType.SENDACK
  const inflight = await A1.client.send({ channelId: b!, channelType: 1, payload: 'in flight when killed' })
  await waitFor(async () => (await storedCounts(a!, b!, 1)).get(inflight.clientMsgNo) === 1, 'the server stored it')
  A1.sim.control.setNetwork({ online: false })
  await waitFor(() => A1.client.state !== 'connected', 'A offline')
  const queued = [await A1.client.send({ channelId: b!, channelType: 1, payload: 'queued 1' }), await A1.client.send({ channelId: b!, channelType: 1, payload: 'queued 2' })]
  // Killed, not closed: a new mini-program instance over the same storage, network back.
  peers.splice(peers.indexOf(A1), 1)
  const link2 = new Link()
  const sim2 = A1.sim.control.coldRestart({ network: { online: true }, connect: link2.connector(), seed: nextSeed() })
  // v1.2.6 only: the PING probe (an ack 1 s late) is followed by a lookup that finds it stored, so
  // on a slow machine it may be confirmed before the kill. v3 has no lookup: its acks are all lost.
  const recovered = A1.sent.some((m) => m.clientMsgNo === inflight.clientMsgNo)
  if (recovered) process.stdout.write('wukongim e2e cold restart: the in-flight message was confirmed by a lookup before the kill\n')
  const A2 = peer(a!, { storage: A1.storage, sim: sim2, link: link2 })
  await A2.client.restored()
  expect(A2.client.pending().map((m) => [text(m), m.status])).toEqual([
    ...(recovered ? [] : [['in flight when killed', 'queued']]),
    ['queued 1', 'queued'],
    ['queued 2', 'queued'],
  ])
  await A2.client.connect()
  await waitFor(() => A2.client.pending().length === 0, 'the flush after the restart')
  expect(A2.sent.map((m) => m.clientMsgNo).sort()).toEqual([inflight, ...queued].map((m) => m.clientMsgNo).sort())
  // Stored once on both lines (v1.2.6: found by the outbox's lookup after the restart, not re-sent).
  const stored = await settledCounts(a!, b!, [inflight], 1)
  for (const m of queued) expect(stored.get(m.clientMsgNo)).toBe(1)
  expect(stored.get(inflight.clientMsgNo)).toBe(1)
  await waitFor(() => B.messages.length >= 3, 'B has all three').catch(explain(B))
  await pause(500)
  await noteOrder('flush after cold restart', A2, b!, [inflight, ...queued])
  expect(B.messages.map(text)).toEqual(await inServerOrder(a!, b!, [inflight, ...queued]))
  expect(B.messages.map(text).sort()).toEqual(['in flight when killed', 'queued 1', 'queued 2'])
  expect(A2.errors).toEqual([])
}, 60_000)

// Token and kick tests exist on the v1.2.6 line only: v3 HEAD checks no tokens and kicks nobody
// (docs/wukongim-real-server.md), so they are not registered there rather than left skipped.
const authTest = (name: string, fn: () => Promise<void>, timeout?: number): void => {
  if (v1) test(name, fn, timeout)
}

authTest('kick: a second master device logs in → DISCONNECT 12, the old client stops and does not reconnect', async () => {
  const [a] = uids('kick')
  await register(a!)
  const first = peer(a!)
  await online(first)
  const second = peer(a!) // another phone: its own wx, storage and deviceId
  await online(second)
  await waitFor(() => first.client.state === 'stopped', 'the first client stopped')
  expect(first.link.fromServer.filter((p) => p.type === PacketType.DISCONNECT)).toEqual([{ type: PacketType.DISCONNECT, reasonCode: 12, reason: 'login in other device' }])
  expect(first.states[first.states.length - 1]).toMatchObject({ to: 'stopped', reason: 'kicked', code: 12 })
  expect(first.errors.map((e) => e.code)).toContain('KICKED')
  const dialed = first.link.dialed
  await pause(1500)
  expect(first.link.dialed).toBe(dialed)
  expect(second.client.state).toBe('connected')
}, 30_000)

authTest('kick: the token is replaced while connected → DISCONNECT 12 reported', async () => {
  const [a] = uids('retoken')
  await register(a!)
  const A = peer(a!)
  await online(A)
  await register(a!, 'a-new-token')
  await waitFor(() => A.client.state === 'stopped', 'stopped')
  expect(A.link.fromServer.filter((p) => p.type === PacketType.DISCONNECT).map((p) => (p as { reasonCode: number }).reasonCode)).toEqual([12])
  expect(A.states[A.states.length - 1]).toMatchObject({ to: 'stopped', reason: 'kicked', code: 12 })
}, 30_000)

authTest('auth failure: wrong token → CONNACK 2 reported as AUTH_FAILED, no reconnect loop', async () => {
  const [a] = uids('badtoken')
  await register(a!)
  const A = peer(a!, { options: { token: 'wrong' } })
  await A.client.connect()
  await waitFor(() => A.client.state === 'stopped', 'stopped')
  expect(A.link.connacks.map((c) => [c.reasonCode, c.hasServerVersion])).toEqual([[2, false]])
  expect(A.errors.map((e) => e.code)).toContain('AUTH_FAILED')
  expect(A.states[A.states.length - 1]).toMatchObject({ to: 'stopped', code: 2 })
  const dialed = A.link.dialed
  await pause(1500)
  expect(A.link.dialed).toBe(dialed)
}, 30_000)

test('history: messages() pages the stored newest, then older pages from the real /channel/messagesync, no gaps or duplicates', async () => {
  const [a, b] = uids('hista', 'histb')
  await register(a!)
  await register(b!)
  const A = peer(a!)
  const B1 = peer(b!, { options: { history: { perChannel: 10, writeDelayMs: 50 } } })
  await online(A, B1)
  const texts = Array.from({ length: 25 }, (_, i) => `history ${i + 1}`)
  const sent = await sendAll(A, b!, 1, texts)
  await waitFor(() => B1.messages.length === 25, 'B received all 25').catch(explain(B1))
  // What B's pages will ask for: the server's message sync shows all 25 to B (a v3 server can lag).
  await waitFor(async () => (await storedSeqs(b!, a!, 1)).size === 25, "the server's sync shows B all 25")
  const order = B1.messages.map(text)
  // The sender's history holds its own messages once the SENDACKs gave them seqs.
  const own = await A.client.messages({ channelId: b!, channelType: 1 }, { limit: 25 })
  if (own.messages.some((m, i) => text(m) !== order[i])) {
    const row = (m: InboundMessage) => [m.messageSeq, text(m), m.source, m.messageId, m.clientMsgNo]
    const server = await wk.api<{ messages: Array<{ client_msg_no: string; message_seq: number; payload: string }> | null }>('/channel/messagesync', {
      login_uid: b!, channel_id: a!, channel_type: 1, start_message_seq: 0, end_message_seq: 0, pull_mode: 1, limit: 100,
    })
    const stored = (server.messages ?? []).map((m) => [m.message_seq, m.client_msg_no.slice(0, 8), Buffer.from(m.payload, 'base64').toString('utf8').slice(0, 40)])
    const sends = A.link.fromClient.filter((p): p is SendPacket => p.type === PacketType.SEND).map((p) => [p.clientSeq, p.clientMsgNo.slice(0, 8), p.flags.dup, Buffer.from(p.payload).toString('utf8').slice(0, 24)])
    console.log(`history: server stored ${JSON.stringify(stored)}\n A wrote ${JSON.stringify(sends)}`)
    console.log(`history: B's deliveries differ from A's stored order\n B ${JSON.stringify(B1.messages.map(row))}\n A ${JSON.stringify(own.messages.map((m) => [m.messageSeq, text(m), m.messageId, m.clientMsgNo]))}\n B pushed ${JSON.stringify(B1.link.recvs().map((r) => [r.messageSeq, r.messageId, r.clientMsgNo]))}\n${JSON.stringify(B1.diag.filter((d) => d.category !== 'storage').slice(-60))}`)
  }
  expect(own.messages.map((m) => [m.messageSeq, text(m), m.status])).toEqual(order.map((t, i) => [i + 1, t, undefined]))
  await B1.client.close()

  // A cold start of B, offline: the newest 10 from storage; online: the rest from the server.
  peers.splice(peers.indexOf(B1), 1)
  const link2 = new Link()
  const sim2 = B1.sim.control.coldRestart({ network: { online: false }, connect: link2.connector(), seed: nextSeed() })
  const B2 = peer(b!, { storage: B1.storage, sim: sim2, link: link2, options: { history: { perChannel: 10 } } })
  await B2.client.restored()
  const newest = await B2.client.messages({ channelId: a!, channelType: 1 }, { limit: 10 })
  expect(newest.messages.map((m) => m.messageSeq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 16))
  sim2.control.setNetwork({ online: true })
  await online(B2)
  // A v3 server has once answered a sync right after a cold start with HTTP 400 "valid channel
  // membership required": the rejection is typed (SYNC_FAILED) and the user pulls again.
  const pull = async (before: number, attempt = 0): Promise<HistoryPage> => {
    try {
      return await B2.client.messages({ channelId: a!, channelType: 1 }, { before, limit: 10 })
    } catch (e) {
      if ((e as ImError).code !== 'SYNC_FAILED' || attempt >= 3) throw e
      process.stdout.write(`wukongim e2e history: pulled again after ${(e as ImError).message}\n`)
      await pause(500)
      return pull(before, attempt + 1)
    }
  }
  const pages = [newest]
  while (pages[pages.length - 1]!.more) pages.push(await pull(pages[pages.length - 1]!.from))
  expect(sent.map((m) => m.clientMsgNo).sort()).toEqual(pages.flatMap((p) => p.messages).map((m) => m.clientMsgNo).sort())
  const all = pages.reverse().flatMap((p) => p.messages)
  expect(all.map((m) => m.messageSeq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
  expect(all.map(text)).toEqual(order)
  expect(pages.flatMap((p) => p.gaps)).toEqual([])
  expect(all.every((m) => m.fromUid === a && m.channelId === a)).toBe(true)
}, 60_000)
