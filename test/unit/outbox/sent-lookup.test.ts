/**
 * findSent of the HTTP sync provider (sync/http.ts): the v2 "is it stored?" lookup over /channel/messagesync, since
 * v1.2.6 answers 404 on /message/byclientmsgno. Against the local server core's HTTP API.
 */
import { randomBytes } from 'crypto'
import { createHttpSyncProvider } from '../../../sdk/sync/http'
import type { HttpRequest, Platform } from '../../../sdk/platform/types'
import type { SyncProvider } from '../../../sdk/sync/types'
import { ServerCore } from '../../support/server/core'
import { VirtualScheduler } from '../../support/virtual-time'

function setup(rewrite?: (path: string, body: unknown) => { status: number; data: unknown } | undefined) {
  const time = new VirtualScheduler()
  const core = new ServerCore({ mode: 'v2', encrypt: true, clock: time, timers: time, random: (n) => new Uint8Array(randomBytes(n)), routes: { wsAddr: 'ws://core' } })
  const requests: Array<Record<string, unknown>> = []
  const platform = {
    request: async (req: HttpRequest) => {
      const path = req.url.replace(/^https?:\/\/[^/]+/, '')
      requests.push(req.data as Record<string, unknown>)
      const res = await core.handleHttp(req.method, path, req.data)
      return rewrite?.(path, res.body) ?? { status: res.status, data: res.body }
    },
  } as unknown as Platform
  const send = async (from: string, no: string) => {
    const res = await core.handleHttp('POST', '/message/send', { from_uid: from, channel_id: from === 'alice' ? 'bob' : 'alice', channel_type: 1, client_msg_no: no, payload: Buffer.from('x').toString('base64') })
    expect(res.status).toBe(200)
  }
  const lookup = createHttpSyncProvider({ apiAddr: 'http://api', uid: 'alice', platform }).findSent as NonNullable<SyncProvider['findSent']>
  return { time, core, requests, send, lookup }
}

describe('findSent over /channel/messagesync', () => {
  it('finds messages on the newest page and pages older ones down; absent ones are not in the result', async () => {
    const { send, lookup, requests } = setup()
    await send('alice', 'old')
    for (let i = 0; i < 250; i++) await send(i % 2 ? 'alice' : 'bob', `n${i}`)
    await send('alice', 'newest')
    const found = await lookup({ channelId: 'bob', channelType: 1, clientMsgNos: ['newest', 'old', 'missing'], since: 0 })
    expect(found.get('newest')).toMatchObject({ messageSeq: 252 })
    expect(found.get('old')).toMatchObject({ messageSeq: 1 })
    expect(found.has('missing')).toBe(false)
    expect(requests.map((r) => [r.start_message_seq, r.pull_mode])).toEqual([[0, 1], [152, 0], [52, 0]])
  })

  it('stops paging once a page reaches back before `since` (less the clock-skew margin)', async () => {
    const { send, lookup, requests, time } = setup()
    for (let i = 0; i < 150; i++) await send('bob', `early${i}`)
    await time.advance(3_600_000)
    for (let i = 0; i < 150; i++) await send('bob', `late${i}`)
    const found = await lookup({ channelId: 'bob', channelType: 1, clientMsgNos: ['mine'], since: time.now() - 1_000 })
    expect(found.size).toBe(0)
    expect(requests).toHaveLength(2) // the second page holds messages an hour older than `since`
  })

  it('skips a malformed item instead of the page; rejects when the server answers 500 or no message list', async () => {
    const broken = (path: string, body: unknown) => {
      const b = body as { messages: unknown[] }
      return { status: 200, data: { ...b, messages: [null, { client_msg_no: 'mine' }, ...b.messages] } }
    }
    const a = setup(broken)
    await a.send('alice', 'mine')
    expect((await a.lookup({ channelId: 'bob', channelType: 1, clientMsgNos: ['mine'], since: 0 })).get('mine')).toMatchObject({ messageSeq: 1 })

    const down = setup(() => ({ status: 500, data: '<html>bad gateway</html>' }))
    await expect(down.lookup({ channelId: 'bob', channelType: 1, clientMsgNos: ['x'], since: 0 })).rejects.toMatchObject({ code: 'SYNC_FAILED' })
    const odd = setup(() => ({ status: 200, data: '<html>' }))
    await expect(odd.lookup({ channelId: 'bob', channelType: 1, clientMsgNos: ['x'], since: 0 })).rejects.toMatchObject({ code: 'SYNC_FAILED' })
  })

  // Chaos (v2, sync-malformed episodes): the spoiled item was the message being looked up; "absent"
  // made the outbox re-send it and the v2 server stored it twice.
  it('a malformed item while a message is still missing: cannot tell (rejects), never "absent"', async () => {
    const spoiled = (path: string, body: unknown) => {
      const b = body as { messages: Array<Record<string, unknown>> }
      return { status: 200, data: { ...b, messages: b.messages.map((m) => (m.client_msg_no === 'mine' ? { ...m, message_seq: 'seq' } : m)) } }
    }
    const a = setup(spoiled)
    await a.send('alice', 'mine')
    await a.send('alice', 'other')
    await expect(a.lookup({ channelId: 'bob', channelType: 1, clientMsgNos: ['mine'], since: 0 })).rejects.toMatchObject({ code: 'SYNC_FAILED' })
    // Everything asked for found: a malformed item elsewhere changes nothing.
    expect((await a.lookup({ channelId: 'bob', channelType: 1, clientMsgNos: ['other'], since: 0 })).get('other')).toMatchObject({ messageSeq: 2 })
  })
})
