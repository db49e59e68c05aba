import { createHttpSyncProvider, routeLookup } from '../../../sdk/sync/http'
import type { HttpRequest, HttpResponse, Platform } from '../../../sdk/platform/types'
import { NetworkError } from '../../../sdk/errors'

type Route = (req: HttpRequest) => HttpResponse | Promise<HttpResponse>

function rig(routes: Record<string, Route>, serverLine?: 'v2' | 'v3' | 'auto', unsafe?: { stickyLineDetection?: boolean }) {
  const requests: HttpRequest[] = []
  const platform = {
    async request(req: HttpRequest) {
      requests.push(req)
      const path = req.url.replace('http://api.test:5001', '')
      const route = routes[path]
      return route ? route(req) : { status: 404, data: '404 page not found' }
    },
  } as unknown as Platform
  const provider = createHttpSyncProvider({ apiAddr: 'http://api.test:5001/', uid: 'u1', platform, serverLine, ...(unsafe && { unsafe }) })
  return { provider, requests }
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')

function apiMessage(seq: number, over: Record<string, unknown> = {}) {
  return {
    header: { no_persist: 0, red_dot: 1, sync_once: 0 },
    setting: 0,
    message_id: 1234567890123456800,
    message_idstr: `12345678901234567${seq}`,
    client_msg_no: `c${seq}`,
    message_seq: seq,
    from_uid: 'u2',
    channel_id: 'u2',
    channel_type: 1,
    expire: 0,
    timestamp: 1700000000 + seq,
    payload: b64(`{"type":1,"content":"你好 ${seq}"}`),
    ...over,
  }
}

describe('http sync provider: /channel/messagesync', () => {
  it('sends the documented body and maps messages to InboundMessage', async () => {
    const { provider, requests } = rig({
      '/channel/messagesync': () => ({ status: 200, data: { start_message_seq: 5, end_message_seq: 9, more: 1, messages: [apiMessage(5, { channel_id: 'u1' }), apiMessage(6, { topic: 't1' })] } }),
    })
    const res = await provider.syncMessages({ channelId: 'u2', channelType: 1, startSeq: 5, endSeq: 9, limit: 2 })
    expect(requests[0]).toMatchObject({
      url: 'http://api.test:5001/channel/messagesync',
      method: 'POST',
      data: { login_uid: 'u1', channel_id: 'u2', channel_type: 1, start_message_seq: 5, end_message_seq: 9, pull_mode: 1, limit: 2 },
    })
    expect(res.more).toBe(true)
    expect(res.messages).toHaveLength(2)
    expect(res.messages[0]).toEqual({
      messageId: '123456789012345675',
      messageSeq: 5,
      clientMsgNo: 'c5',
      fromUid: 'u2',
      channelId: 'u2',
      channelType: 1,
      timestamp: 1700000005,
      payload: new Uint8Array(Buffer.from('{"type":1,"content":"你好 5"}', 'utf8')),
      flags: { noPersist: false, redDot: true, syncOnce: false },
      source: 'sync',
    })
    expect(res.messages[1]!.topic).toBe('t1')
  })

  it('falls back to String(message_id) without message_idstr, and reads more: 0 as false', async () => {
    const { provider } = rig({
      '/channel/messagesync': () => ({ status: 200, data: { more: 0, messages: [apiMessage(1, { message_idstr: undefined, message_id: 42 })] } }),
    })
    const res = await provider.syncMessages({ channelId: 'u2', channelType: 1, startSeq: 1, endSeq: 0, limit: 10 })
    expect(res.messages[0]!.messageId).toBe('42')
    expect(res.more).toBe(false)
  })

  it('turns HTTP errors, transport failures and malformed answers into SYNC_FAILED', async () => {
    const bad = rig({ '/channel/messagesync': () => ({ status: 400, data: { msg: 'channel_id不能为空！', status: 400 } }) })
    await expect(bad.provider.syncMessages({ channelId: '', channelType: 1, startSeq: 1, endSeq: 0, limit: 1 })).rejects.toMatchObject({
      code: 'SYNC_FAILED',
      context: { path: '/channel/messagesync', status: 400 },
    })
    const down = rig({
      '/channel/messagesync': () => {
        throw new NetworkError('request:fail timeout')
      },
    })
    const err = await down.provider.syncMessages({ channelId: 'x', channelType: 2, startSeq: 1, endSeq: 0, limit: 1 }).catch((e) => e)
    expect(err.code).toBe('SYNC_FAILED')
    expect(err.cause).toBeInstanceOf(NetworkError)
    for (const data of ['<html>502 Bad Gateway</html>', { messages: 'x' }, null]) {
      const junk = rig({ '/channel/messagesync': () => ({ status: 200, data }) })
      await expect(junk.provider.syncMessages({ channelId: 'x', channelType: 2, startSeq: 1, endSeq: 0, limit: 1 })).rejects.toMatchObject({ code: 'SYNC_FAILED' })
    }
  })

  it('leaves a malformed item out of the page and counts it, keeping the rest (issue 15.1)', async () => {
    const { provider } = rig({
      '/channel/messagesync': () => ({ status: 200, data: { more: 0, messages: [apiMessage(1), { message_seq: 'x' }, apiMessage(3, { payload: '%%%' }), apiMessage(4)] } }),
    })
    const res = await provider.syncMessages({ channelId: 'u2', channelType: 1, startSeq: 1, endSeq: 0, limit: 10 })
    expect(res.messages.map((m) => m.messageSeq)).toEqual([1, 4])
    expect(res.malformed).toBe(2)
  })
})

describe('http sync provider: conversations', () => {
  const v2Conversations = () => ({
    status: 200,
    data: [{ channel_id: 'u2', channel_type: 1, unread: 2, timestamp: 1, last_msg_seq: 9, last_client_msg_no: 'c9', recents: [apiMessage(9)] }],
  })

  it('v2: POST /conversation/sync with last_msg_seqs and msg_count ≥ 1', async () => {
    const { provider, requests } = rig({ '/conversation/sync': v2Conversations }, 'v2')
    const states = await provider.syncConversations([
      { channelId: 'u2', channelType: 1, lastSeq: 3 },
      { channelId: 'g1', channelType: 2, lastSeq: 100 },
    ])
    expect(requests[0]!.data).toEqual({ uid: 'u1', version: 0, last_msg_seqs: 'u2:1:3|g1:2:100', msg_count: 1 })
    expect(states).toEqual([{ channelId: 'u2', channelType: 1, lastSeq: 9 }])
  })

  it('v3: POST /conversation/list, following next_cursor until done', async () => {
    const pages = [
      { conversations: [{ channel_id: 'u2', channel_type: 1, last_message: { message_seq: 4, message_idstr: '1' } }], next_cursor: 'p2', done: false },
      { conversations: [{ channel_id: 'g1', channel_type: 2, last_message: { message_seq: 70 } }], next_cursor: '', done: true },
    ]
    const { provider, requests } = rig({ '/conversation/list': () => ({ status: 200, data: pages.shift() }) }, 'v3')
    const states = await provider.syncConversations([])
    expect(requests.map((r) => r.data)).toEqual([
      { uid: 'u1', limit: 200 },
      { uid: 'u1', limit: 200, cursor: 'p2' },
    ])
    expect(states).toEqual([
      { channelId: 'u2', channelType: 1, lastSeq: 4 },
      { channelId: 'g1', channelType: 2, lastSeq: 70 },
    ])
  })

  it("auto: falls back to v3 on a 404 and stays there", async () => {
    const { provider, requests } = rig({ '/conversation/list': () => ({ status: 200, data: { conversations: [], done: true } }) }, 'auto')
    await provider.syncConversations([])
    await provider.syncConversations([])
    expect(requests.map((r) => r.url.replace('http://api.test:5001', ''))).toEqual(['/conversation/sync', '/conversation/list', '/conversation/list'])
  })

  it('auto: one 404 hiccup on a v2 server does not pin v3; the next catch-up asks v2 again (issue 15.5)', async () => {
    let hiccup = true
    const routes = {
      '/conversation/sync': () => {
        if (!hiccup) return v2Conversations()
        hiccup = false
        return { status: 404, data: '404 page not found' }
      },
    }
    const { provider, requests } = rig(routes, 'auto')
    await expect(provider.syncConversations([])).rejects.toMatchObject({ code: 'SYNC_FAILED', context: { status: 404 } })
    expect(await provider.syncConversations([])).toEqual([{ channelId: 'u2', channelType: 1, lastSeq: 9 }])
    expect(await provider.syncConversations([])).toEqual([{ channelId: 'u2', channelType: 1, lastSeq: 9 }])
    expect(requests.map((r) => r.url.replace('http://api.test:5001', ''))).toEqual(['/conversation/sync', '/conversation/list', '/conversation/sync', '/conversation/sync'])
  })

  it('auto: a detected line that starts answering 404 is re-checked against the other one', async () => {
    let v3 = true
    const { provider, requests } = rig({
      '/conversation/list': () => (v3 ? { status: 200, data: { conversations: [], done: true } } : { status: 404, data: '' }),
      '/conversation/sync': () => (v3 ? { status: 404, data: '' } : v2Conversations()),
    })
    await provider.syncConversations([])
    v3 = false // the server was replaced by a v2 one behind the same address
    expect(await provider.syncConversations([])).toEqual([{ channelId: 'u2', channelType: 1, lastSeq: 9 }])
    expect(requests.map((r) => r.url.replace('http://api.test:5001', ''))).toEqual(['/conversation/sync', '/conversation/list', '/conversation/list', '/conversation/sync'])
  })

  it('auto: a 5xx does not change the detected line', async () => {
    let down = false
    const { provider, requests } = rig({ '/conversation/sync': () => (down ? { status: 502, data: '<html>' } : v2Conversations()) })
    await provider.syncConversations([])
    down = true
    await expect(provider.syncConversations([])).rejects.toMatchObject({ code: 'SYNC_FAILED', context: { status: 502 } })
    down = false
    await provider.syncConversations([])
    expect(requests.map((r) => r.url.replace('http://api.test:5001', ''))).toEqual(['/conversation/sync', '/conversation/sync', '/conversation/sync'])
  })

  it('_unsafe.stickyLineDetection brings back the one-404 switch for good', async () => {
    let hiccup = true
    const { provider } = rig(
      {
        '/conversation/sync': () => {
          if (!hiccup) return v2Conversations()
          hiccup = false
          return { status: 404, data: '' }
        },
      },
      'auto',
      { stickyLineDetection: true },
    )
    await expect(provider.syncConversations([])).rejects.toMatchObject({ code: 'SYNC_FAILED' })
    await expect(provider.syncConversations([])).rejects.toMatchObject({ code: 'SYNC_FAILED', context: { path: '/conversation/list', status: 404 } })
  })

  it('auto: uses v2 when it answers', async () => {
    const { provider } = rig({ '/conversation/sync': v2Conversations })
    expect(await provider.syncConversations([])).toEqual([{ channelId: 'u2', channelType: 1, lastSeq: 9 }])
  })

  it('a fixed v2 line reports a 404 instead of switching', async () => {
    const { provider } = rig({}, 'v2')
    await expect(provider.syncConversations([])).rejects.toMatchObject({ code: 'SYNC_FAILED', context: { status: 404 } })
  })
})

describe('http sync provider: findByClientMsgNo', () => {
  it('asks POST /message with login_uid and maps the answer (in the requested channel); 404 is undefined', async () => {
    const { provider, requests } = rig({
      '/message': (req) =>
        (req.data as { client_msg_no: string }).client_msg_no === 'c7' ? { status: 200, data: apiMessage(7, { channel_id: 'u1' }) } : { status: 404, data: '' },
    })
    const found = await provider.findByClientMsgNo!({ channelId: 'u2', channelType: 1, clientMsgNo: 'c7' })
    expect(requests[0]!.data).toEqual({ login_uid: 'u1', channel_id: 'u2', channel_type: 1, client_msg_no: 'c7' })
    expect(found).toMatchObject({ messageSeq: 7, channelId: 'u2', clientMsgNo: 'c7' })
    expect(await provider.findByClientMsgNo!({ channelId: 'u2', channelType: 1, clientMsgNo: 'nope' })).toBeUndefined()
  })
})

describe('http sync provider: headers (the app server in front of the API)', () => {
  const page = () => ({ status: 200, data: { more: 0, messages: [] } })
  function withHeaders(headers: NonNullable<Parameters<typeof createHttpSyncProvider>[0]['headers']>) {
    const requests: HttpRequest[] = []
    const platform = { request: async (req: HttpRequest) => (requests.push(req), page()) } as unknown as Platform
    return { provider: createHttpSyncProvider({ apiAddr: 'http://api.test', uid: 'u1', platform, headers }), requests }
  }
  const sync = (p: ReturnType<typeof withHeaders>['provider']) => p.syncMessages({ channelId: 'u2', channelType: 1, startSeq: 1, endSeq: 0, limit: 5 })

  it('sends fixed headers, and asks a headers function before every request (a token that changes)', async () => {
    const fixed = withHeaders({ Authorization: 'Bearer t0' })
    await sync(fixed.provider)
    expect(fixed.requests[0]?.headers).toEqual({ Authorization: 'Bearer t0' })
    let n = 0
    const asked = withHeaders(async () => ({ Authorization: `Bearer t${++n}` }))
    await sync(asked.provider)
    await sync(asked.provider)
    expect(asked.requests.map((r) => r.headers)).toEqual([{ Authorization: 'Bearer t1' }, { Authorization: 'Bearer t2' }])
  })

  it('a headers function that throws or answers a non-object fails the request with SYNC_FAILED, nothing sent', async () => {
    const throwing = withHeaders(() => {
      throw new Error('signed out')
    })
    await expect(sync(throwing.provider)).rejects.toMatchObject({ code: 'SYNC_FAILED', context: { path: '/channel/messagesync' } })
    const wrong = withHeaders((() => ({ Authorization: 7 })) as unknown as () => Record<string, string>)
    await expect(sync(wrong.provider)).rejects.toMatchObject({ code: 'SYNC_FAILED' })
    expect([...throwing.requests, ...wrong.requests]).toEqual([])
  })

  it('the /route lookup sends them too (the api part gives routeLookup apiHeaders); a throwing function sends nothing', async () => {
    const requests: HttpRequest[] = []
    const platform = { request: async (req: HttpRequest) => (requests.push(req), { status: 200, data: { wss_addr: 'wss://im.test/ws' } }) }
    let n = 0
    const lookup = routeLookup({ apiAddr: 'http://api.test', uid: 'u1', platform, routeAddr: 'wss_addr', headers: () => ({ Authorization: `Bearer t${++n}` }) })
    await expect(lookup()).resolves.toBe('wss://im.test/ws')
    await lookup()
    expect(requests.map((r) => [r.url, r.headers])).toEqual([
      ['http://api.test/route?uid=u1', { Authorization: 'Bearer t1' }],
      ['http://api.test/route?uid=u1', { Authorization: 'Bearer t2' }],
    ])
    const refused = routeLookup({ apiAddr: 'http://api.test', uid: 'u1', platform, routeAddr: 'wss_addr', headers: () => Promise.reject(new Error('signed out')) })
    await expect(refused()).rejects.toMatchObject({ code: 'SYNC_FAILED', context: { path: '/route' } })
    expect(requests).toHaveLength(2)
  })
})

describe('http sync provider: the conversation list and its changes (issue 20)', () => {
  it('v2: listConversations asks /conversation/sync without cursors and maps unread, time (s → ms) and the newest recent', async () => {
    const { provider, requests } = rig({
      '/conversation/sync': () => ({ status: 200, data: [{ channel_id: 'u2', channel_type: 1, unread: 4, timestamp: 1700000009, last_msg_seq: 9, recents: [apiMessage(9, { channel_id: 'u1' })] }] }),
    }, 'v2')
    const list = await provider.listConversations!()
    expect(requests[0]?.data).toEqual({ uid: 'u1', version: 0, last_msg_seqs: '', msg_count: 1 })
    expect(list).toEqual([expect.objectContaining({ channelId: 'u2', channelType: 1, unread: 4, timestamp: 1700000009000, lastSeq: 9 })])
    expect(list[0]?.lastMessage).toMatchObject({ channelId: 'u2', messageSeq: 9, clientMsgNo: 'c9', fromUid: 'u2' })
  })

  it('v3: listConversations reads /conversation/list pages; last_message gets the channel, time from server_timestamp_ms', async () => {
    const { provider } = rig({
      '/conversation/list': () => ({
        status: 200,
        data: { conversations: [{ channel_id: 'g1', channel_type: 2, unread: 2, active_at: 5, last_message: { message_idstr: '77', message_seq: 3, from_uid: 'u3', client_msg_no: 'c3', server_timestamp_ms: 1700000003123, payload: b64('hi') } }], next_cursor: '', done: true },
      }),
    }, 'v3')
    const [c] = await provider.listConversations!()
    expect(c).toMatchObject({ channelId: 'g1', channelType: 2, unread: 2, timestamp: 1700000003123, lastSeq: 3 })
    expect(c?.lastMessage).toMatchObject({ channelId: 'g1', channelType: 2, messageId: '77', messageSeq: 3, fromUid: 'u3' })
  })

  it('updateConversation posts /conversations/<kind> with uid; a refusal rejects SYNC_FAILED (so the op is retried)', async () => {
    const { provider, requests } = rig({
      '/conversations/setUnread': () => ({ status: 200, data: { status: 200 } }),
      '/conversations/delete': () => ({ status: 400, data: { msg: 'nope', status: 400 } }),
    })
    await provider.updateConversation!({ kind: 'setUnread', channelId: 'u2', channelType: 1, unread: 3 })
    expect(requests[0]).toMatchObject({ url: 'http://api.test:5001/conversations/setUnread', data: { uid: 'u1', channel_id: 'u2', channel_type: 1, unread: 3 } })
    await expect(provider.updateConversation!({ kind: 'delete', channelId: 'u2', channelType: 1 })).rejects.toMatchObject({ code: 'SYNC_FAILED', context: { status: 400 } })
  })

  it('updateConversation: a text page with status 200 (a proxy error page) confirms nothing; an empty body does', async () => {
    const { provider } = rig({
      '/conversations/clearUnread': () => ({ status: 200, data: '<html><body>502 Bad Gateway</body></html>' }),
      '/conversations/delete': () => ({ status: 200, data: '' }),
    })
    await expect(provider.updateConversation!({ kind: 'clearUnread', channelId: 'u2', channelType: 1 })).rejects.toMatchObject({ code: 'SYNC_FAILED' })
    await expect(provider.updateConversation!({ kind: 'delete', channelId: 'u2', channelType: 1 })).resolves.toBeUndefined()
  })
})
