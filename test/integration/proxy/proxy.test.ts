/**
 * The reference proxy (test/support/proxy) in front of the local server over real sockets: a
 * user reaches only the allow-listed endpoints, as itself, with a valid token; the real client
 * works through it (route lookup and catch-up) with its token in `apiHeaders`.
 */
import { startProxy } from '../../support/proxy/proxy'
import type { Proxy } from '../../support/proxy/proxy'
import { waitForEvent } from '../../support/waiters'
import { World } from '../client/setup'

const TOKENS: Record<string, string> = { 'alice-token': 'alice', 'bob-token': 'bob', 'carol-token': 'carol' }
const GROUP = 2

let world: World
let proxy: Proxy
afterEach(async () => {
  await proxy.close()
  await world.stop()
})

/** A backend send straight to the upstream API (the app's server, not a user). */
async function backendSend(from: string, channelId: string, channelType: number, text: string): Promise<void> {
  const res = await fetch(`${world.server.apiUrl}/message/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from_uid: from, channel_id: channelId, channel_type: channelType, payload: Buffer.from(text).toString('base64'), header: { red_dot: 1 } }),
  })
  expect(res.status).toBe(200)
}

async function asUser(token: string | undefined, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(proxy.url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token !== undefined && { authorization: `Bearer ${token}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: await res.json() }
}

describe.each(['v2', 'v3'] as const)('reference proxy (%s server)', (mode) => {
  beforeEach(async () => {
    world = await new World().start({ mode })
    proxy = await startProxy({
      upstream: world.server.apiUrl,
      verify: (token) => TOKENS[token],
      mayReadGroup: (uid, channelId) => channelId === 'team' && uid !== 'alice',
    })
    await fetch(`${world.server.apiUrl}/channel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel_id: 'team', channel_type: GROUP, subscribers: ['bob', 'carol'] }),
    })
    await backendSend('bob', 'carol', 1, 'bob to carol, private')
    await backendSend('bob', 'team', GROUP, 'team secret')
    await backendSend('bob', 'alice', 1, 'bob to alice')
  })

  it('refuses a missing or unknown token (401) and every endpoint off the allow-list (404)', async () => {
    expect((await asUser(undefined, 'POST', '/channel/messagesync', { channel_id: 'bob', channel_type: 1 })).status).toBe(401)
    expect((await asUser('guessed', 'POST', '/channel/messagesync', { channel_id: 'bob', channel_type: 1 })).status).toBe(401)
    for (const path of ['/message/send', '/user/token', '/channel/subscriber_add', '/channel', '/conn/kick', '/admin/report', '/admin/faults/clear']) {
      expect({ path, status: (await asUser('alice-token', 'POST', path, { uid: 'alice', from_uid: 'alice', channel_id: 'team', channel_type: GROUP })).status }).toEqual({ path, status: 404 })
    }
    expect(world.server.core.messages({ channelId: 'team', channelType: GROUP })).toHaveLength(1)
  })

  it("a user cannot read another user's conversations: uid is forced to the caller's own", async () => {
    const path = mode === 'v2' ? '/conversation/sync' : '/conversation/list'
    const res = await asUser('alice-token', 'POST', path, { uid: 'bob', last_msg_seqs: '', msg_count: 1, limit: 100 })
    expect(res.status).toBe(200)
    const list: Array<{ channel_id: string }> = mode === 'v2' ? res.body : res.body.conversations
    // Bob has three conversations; alice sees her one with bob, as herself.
    expect(list.map((c) => c.channel_id)).toEqual(['bob'])
  })

  it("a user cannot read another user's person channel or a group it is not allowed in", async () => {
    // login_uid is forced to alice: "carol" means alice↔carol (empty), never bob↔carol.
    const person = await asUser('alice-token', 'POST', '/channel/messagesync', { login_uid: 'bob', channel_id: 'carol', channel_type: 1, start_message_seq: 0, end_message_seq: 0, pull_mode: 1, limit: 10 })
    expect(person.status).toBe(200)
    expect(person.body.messages).toEqual([])
    const group = await asUser('alice-token', 'POST', '/channel/messagesync', { channel_id: 'team', channel_type: GROUP, start_message_seq: 0, end_message_seq: 0, pull_mode: 1, limit: 10 })
    expect(group.status).toBe(403)
    const lookup = await asUser('alice-token', 'POST', '/message', { login_uid: 'bob', channel_id: 'team', channel_type: GROUP, client_msg_no: 'x' })
    expect(lookup.status).toBe(403)
    // Carol, a member, reads it through the same proxy.
    const member = await asUser('carol-token', 'POST', '/channel/messagesync', { channel_id: 'team', channel_type: GROUP, start_message_seq: 0, end_message_seq: 0, pull_mode: 1, limit: 10 })
    expect(member.status).toBe(200)
    expect(member.body.messages.map((m: { payload: string }) => Buffer.from(m.payload, 'base64').toString())).toEqual(['team secret'])
  })

  it('the real client works through it: route lookup and catch-up with its token in apiHeaders; without it, no route', async () => {
    const viaProxy = { wsAddr: undefined, apiAddr: proxy.url, routeAddr: 'ws_addr' as const, apiHeaders: () => ({ Authorization: 'Bearer alice-token' }), serverLine: mode }
    const errors: string[] = []
    const first = world.app(viaProxy).client
    first.on('error', (e) => void errors.push(e.message))
    const synced = waitForEvent(first, 'synced')
    await first.connect()
    await synced
    await first.close()
    await backendSend('bob', 'alice', 1, 'while alice was away')

    // Cold start: the route lookup and the catch-up both go through the proxy.
    const { client } = world.app(viaProxy)
    client.on('error', (e) => void errors.push(e.message))
    const texts: string[] = []
    client.on('message', (m) => void texts.push(new TextDecoder().decode(m.payload)))
    const caughtUp = waitForEvent(client, 'synced')
    await client.connect()
    await caughtUp
    expect(client.state).toBe('connected')
    expect(texts).toEqual(['while alice was away'])
    expect(errors).toEqual([])

    const bare = world.app({ uid: 'bob', token: 'bob-token', wsAddr: undefined, apiAddr: proxy.url, routeAddr: 'ws_addr' }).client
    const refused = waitForEvent(bare, 'state', (s) => s.to === 'waiting')
    await bare.connect()
    expect((await refused).reason).toMatch(/route/)
  })
})
