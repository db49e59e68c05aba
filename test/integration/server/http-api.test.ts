/** The HTTP API over a real socket: route, tokens, groups, message sync, conversations, lookup, backend send. */
import { harness, MODES, type Harness } from './helpers'

const seqs = (body: { messages: Array<{ message_seq: number }> }): number[] => body.messages.map((m) => m.message_seq)

describe.each(MODES)('local server HTTP API (%s)', (mode) => {
  let h: Harness
  beforeEach(async () => {
    h = await harness({ mode })
  })
  afterEach(() => h.close())

  /** alice → bob person messages 1..n over the socket. */
  async function chat(n: number): Promise<void> {
    const alice = await h.connect('alice')
    for (let i = 1; i <= n; i++) await alice.sendAndAck({ channelId: 'bob', channelType: 1, payload: `m${i}`, clientMsgNo: `c${i}` })
  }

  test('GET /route reports the WebSocket address', async () => {
    const res = await h.http('GET', '/route?uid=alice')
    expect(res).toEqual({ status: 200, body: expect.objectContaining({ ws_addr: h.server.wsUrl }) })
  })

  test('POST /user/token registers the token CONNECT is checked against; bad requests are 400 {msg, status}', async () => {
    expect((await h.http('POST', '/user/token', { uid: 'alice', token: 'secret', device_flag: 1 })).status).toBe(200)
    expect(h.server.core.store.token('alice', 1)?.token).toBe('secret')
    const bad = await h.http('POST', '/user/token', { token: 'x' })
    expect(bad).toEqual({ status: 400, body: { msg: 'uid is required', status: 400 } })
    expect((await h.http('POST', '/nope', {})).status).toBe(404)
  })

  test('groups: POST /channel with subscribers, subscriber_add / _remove decide who may send', async () => {
    expect((await h.http('POST', '/channel', { channel_id: 'g', channel_type: 2, subscribers: ['alice'] })).status).toBe(200)
    const bob = await h.connect('bob')
    expect((await bob.sendAndAck({ channelId: 'g', channelType: 2, payload: 'x' })).reasonCode).toBe(3)
    await h.http('POST', '/channel/subscriber_add', { channel_id: 'g', channel_type: 2, uids: ['bob'] })
    expect((await bob.sendAndAck({ channelId: 'g', channelType: 2, payload: 'x' })).reasonCode).toBe(1)
    await h.http('POST', '/channel/subscriber_remove', { channel_id: 'g', channel_type: 2, uids: ['bob'] })
    expect((await bob.sendAndAck({ channelId: 'g', channelType: 2, payload: 'x' })).reasonCode).toBe(3)
    expect((await h.http('POST', '/channel/subscriber_add', { channel_id: 'missing', channel_type: 2, uids: ['bob'] })).status).toBe(400)
  })

  test('/channel/messagesync: start inclusive, end exclusive, pull modes, limit and more, viewer-relative ids', async () => {
    await chat(5)
    const sync = async (body: Record<string, unknown>) =>
      (await h.http('POST', '/channel/messagesync', { login_uid: 'bob', channel_id: 'alice', channel_type: 1, ...body })).body
    expect(seqs(await sync({ start_message_seq: 2, end_message_seq: 4, pull_mode: 1, limit: 10 }))).toEqual([2, 3])
    const page = await sync({ start_message_seq: 1, end_message_seq: 0, pull_mode: 1, limit: 2 })
    expect([seqs(page), page.more]).toEqual([[1, 2], 1])
    expect((await sync({ start_message_seq: 4, end_message_seq: 6, pull_mode: 1, limit: 2 })).more).toBe(0)
    expect(seqs(await sync({ start_message_seq: 4, end_message_seq: 1, pull_mode: 0, limit: 2 }))).toEqual([3, 4])
    expect(seqs(await sync({ start_message_seq: 0, end_message_seq: 0, pull_mode: 1, limit: 2 }))).toEqual([4, 5])
    const limitless = await sync({ start_message_seq: 1, end_message_seq: 0, pull_mode: 1, limit: 0 })
    // v2 has no default limit (nothing, but more = 1); v3 defaults to 100.
    expect(seqs(limitless)).toEqual(mode === 'v2' ? [] : [1, 2, 3, 4, 5])
    const m = (await sync({ start_message_seq: 1, end_message_seq: 2, pull_mode: 1, limit: 1 })).messages[0]
    expect(m).toMatchObject({ channel_id: 'alice', channel_type: 1, from_uid: 'alice', client_msg_no: 'c1', message_seq: 1, header: { red_dot: 1, no_persist: 0, sync_once: 0 } })
    expect(Buffer.from(m.payload, 'base64').toString()).toBe('m1') // plaintext, never AES
    expect(m.message_idstr).toMatch(/^\d{19}$/)
    // alice sees the same channel under bob's uid.
    const own = (await h.http('POST', '/channel/messagesync', { login_uid: 'alice', channel_id: 'bob', channel_type: 1, start_message_seq: 1, limit: 1, pull_mode: 1 })).body
    expect(own.messages[0].channel_id).toBe('bob')
  })

  test('conversations: v2 /conversation/sync (bare array, last_msg_seqs) or v3 /conversation/list', async () => {
    await chat(3)
    if (mode === 'v2') {
      const all = (await h.http('POST', '/conversation/sync', { uid: 'bob', msg_count: 2 })).body
      expect(all).toEqual([expect.objectContaining({ channel_id: 'alice', channel_type: 1, last_msg_seq: 3, last_client_msg_no: 'c3' })])
      expect(all[0].recents.map((m: { message_seq: number }) => m.message_seq)).toEqual([3, 2])
      expect((await h.http('POST', '/conversation/sync', { uid: 'bob', msg_count: 1, last_msg_seqs: 'alice:1:3' })).body).toEqual([])
      expect((await h.http('POST', '/conversation/sync', { uid: 'bob', msg_count: 1, last_msg_seqs: 'alice:1:2' })).body).toHaveLength(1)
      expect((await h.http('POST', '/conversation/sync', { uid: 'bob', msg_count: 0 })).body).toEqual([])
      expect((await h.http('POST', '/conversation/list', { uid: 'bob' })).status).toBe(404)
    } else {
      const list = (await h.http('POST', '/conversation/list', { uid: 'bob', limit: 10 })).body
      expect(list).toMatchObject({ done: true, next_cursor: '' })
      expect(list.conversations).toEqual([expect.objectContaining({ channel_id: 'alice', channel_type: 1, last_message: expect.objectContaining({ message_seq: 3, client_msg_no: 'c3' }) })])
      expect((await h.http('POST', '/conversation/sync', { uid: 'bob', msg_count: 1 })).status).toBe(404)
    }
  })

  test('message lookup by client_msg_no: GET /message/byclientmsgno and POST /message', async () => {
    await chat(2)
    const got = await h.http('GET', '/message/byclientmsgno?channel_id=alice&channel_type=1&login_uid=bob&client_msg_no=c2')
    expect(got).toMatchObject({ status: 200, body: { message_seq: 2, channel_id: 'alice', client_msg_no: 'c2' } })
    const posted = await h.http('POST', '/message', { login_uid: 'alice', channel_id: 'bob', channel_type: 1, client_msg_no: 'c1' })
    expect(posted).toMatchObject({ status: 200, body: { message_seq: 1, channel_id: 'bob' } })
    expect((await h.http('GET', '/message/byclientmsgno?client_msg_no=none')).status).toBe(404)
  })

  test('POST /message/send stores and pushes like a SEND', async () => {
    h.server.core.createGroup('g', ['sys', 'bob'])
    const bob = await h.connect('bob')
    const res = await h.http('POST', '/message/send', { from_uid: 'sys', channel_id: 'g', channel_type: 2, payload: Buffer.from('notice').toString('base64'), header: { red_dot: 1 } })
    expect(res.body).toMatchObject({ message_seq: 1 })
    await bob.waitUntil(() => bob.recvs.length === 1)
    expect(bob.recvs[0]).toMatchObject({ fromUid: 'sys', channelId: 'g', plain: 'notice', messageId: res.body.message_idstr })
  })
})
