/**
 * The message history (issue 20) over real sockets and HTTP against the local server, both
 * lines: paging across the store/server boundary with the middle missing from the store (filled
 * from the server, no duplicates, storage pages need no request), a range the server answers
 * without some seqs reported as a gap, and a failed sync rejecting without losing what is stored.
 */
import type { HistoryPage } from '../../../sdk/history/types'
import { waitFor } from '../../support/waiters'
import { World } from '../client/setup'

const BOB = { channelId: 'bob', channelType: 1 }
const body = (m: { payload: Uint8Array }): string => new TextDecoder().decode(m.payload)
const seqs = (p: HistoryPage): number[] => p.messages.map((m) => m.messageSeq)
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i)

let world: World
afterEach(async () => {
  await world.stop()
  expect(world.internal).toEqual([])
})

async function backendSend(from: string, to: string, text: string): Promise<void> {
  const res = await fetch(`${world.server.apiUrl}/message/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from_uid: from, channel_id: to, channel_type: 1, payload: Buffer.from(text).toString('base64'), header: { red_dot: 1 } }),
  })
  expect(res.status).toBe(200)
}

/** Counts alice's /channel/messagesync requests. */
function countSyncs(): { readonly n: number } {
  const counter = { n: 0 }
  const handle = world.server.core.handleHttp.bind(world.server.core)
  world.server.core.handleHttp = (method, path, data) => {
    if (path.startsWith('/channel/messagesync')) counter.n++
    return handle(method, path, data)
  }
  return counter
}

describe.each(['v2', 'v3'] as const)('history paging over real sockets (%s server)', (mode) => {
  beforeEach(async () => {
    world = await new World().start({ mode })
  })

  it('pages across the store/server boundary with the middle missing from the store: filled from the server, no duplicates', async () => {
    for (let i = 1; i <= 30; i++) await backendSend('bob', 'alice', `m${i}`)
    const first = world.app({ serverLine: mode, history: { writeDelayMs: 50 } })
    await first.client.connect()
    await waitFor(() => first.client.state === 'connected')
    await first.client.sync()
    // The oldest five and the newest five reach the store (a fresh install: all 30 were history).
    expect(seqs(await first.client.messages(BOB, { before: 6, limit: 5 }))).toEqual(range(1, 5))
    expect(seqs(await first.client.messages(BOB, { limit: 5 }))).toEqual(range(26, 30))
    await first.client.close()

    // A cold start, offline: both ends come from storage alone.
    const second = world.app({ serverLine: mode })
    second.sim.control.setNetwork({ online: false })
    await second.client.restored()
    const syncs = countSyncs()
    const newest = await second.client.messages(BOB, { limit: 5 })
    expect(seqs(newest)).toEqual(range(26, 30))
    expect(seqs(await second.client.messages(BOB, { before: 6, limit: 5 }))).toEqual(range(1, 5))
    expect(syncs.n).toBe(0)

    // Online: paging back from the newest fills the middle from the server, then meets the stored oldest.
    second.sim.control.setNetwork({ online: true })
    await second.client.connect()
    await waitFor(() => second.client.state === 'connected')
    const pages: HistoryPage[] = [newest]
    while (pages[pages.length - 1]!.more) pages.push(await second.client.messages(BOB, { before: pages[pages.length - 1]!.from, limit: 10 }))
    const all = pages.reverse().flatMap((p) => p.messages)
    expect(all.map((m) => m.messageSeq)).toEqual(range(1, 30))
    expect(all.map(body)).toEqual(range(1, 30).map((i) => `m${i}`))
    expect(pages.every((p) => p.gaps.length === 0)).toBe(true)
    // 25..6 came from the server (two requests: 16..25 and 6..15); 1..5 did not need one.
    expect(syncs.n).toBe(2)
    expect(seqs(pages[0]!)).toEqual(range(1, 5))
  }, 30_000)

  it('a range the server answers without a seq is reported as a gap, filled once the server has it; a failed sync rejects and loses nothing', async () => {
    for (let i = 1; i <= 12; i++) await backendSend('bob', 'alice', `m${i}`)
    const { client } = world.app({ serverLine: mode })
    await client.connect()
    await waitFor(() => client.state === 'connected')
    await client.sync()
    await backendSend('bob', 'alice', 'live')
    await waitFor(async () => (await client.messages(BOB, { limit: 1 })).messages.length === 1)

    world.server.core.faults.failHttp(['/channel/messagesync'], 'malformed-item', { count: 1 })
    const spoiled = await client.messages(BOB, { before: 13, limit: 12 })
    expect(spoiled.gaps).toHaveLength(1)
    const [gap] = spoiled.gaps
    expect(gap!.from).toBe(gap!.to)
    expect(seqs(spoiled)).toEqual(range(1, 12).filter((s) => s !== gap!.from))

    world.server.core.faults.failHttp(['/channel/messagesync'], 'status-500', { count: 1 })
    await expect(client.messages(BOB, { before: 13, limit: 12 })).rejects.toMatchObject({ code: 'SYNC_FAILED' })

    const again = await client.messages(BOB, { before: 13, limit: 12 })
    expect(again.gaps).toEqual([])
    expect(seqs(again)).toEqual(range(1, 12))
    expect(seqs(await client.messages(BOB, { limit: 13 }))).toEqual(range(1, 13))
  }, 30_000)
})
