/**
 * Typed content end to end over real sockets: alice's client sends `content`, the local server
 * stores the JSON payload, bob's client delivers it decoded on the `message` event; raw payloads
 * still go through (and arrive as UnknownContent when they are not content JSON).
 */
import type { Content } from '../../../sdk/content/types'
import type { ReceivedMessage } from '../../../sdk/types'
import { decodeUtf8 } from '../../../sdk/proto/utf8'
import { BUILT_INS } from '../../support/contents'
import { waitFor } from '../../support/waiters'
import { World } from './setup'

let world: World
afterEach(async () => {
  await world.stop()
  expect(world.internal).toEqual([])
})

describe.each(['v2', 'v3'] as const)('typed content over real sockets (%s server)', (mode) => {
  beforeEach(async () => {
    world = await new World().start({ mode })
  })

  it('every built-in type, with mention and reply, arrives decoded; a raw payload arrives as unknown', async () => {
    const alice = world.app().client
    const bob = world.app({ uid: 'bob', token: 'bob-token' }).client
    const got: ReceivedMessage[] = []
    bob.on('message', (m) => {
      got.push(m)
    })
    await Promise.all([alice.connect(), bob.connect()])
    const sent = BUILT_INS.map(([content]) => content)
    for (const content of sent) await alice.send({ channelId: 'bob', channelType: 1, content })
    const reply: Content = { type: 1, text: 'yes', mention: { all: false, uids: ['bob'] }, reply: { messageId: '1', messageSeq: 1, fromUid: 'bob', content: { type: 1, text: 'lunch?' } } }
    await alice.send({ channelId: 'bob', channelType: 1, content: reply })
    await alice.send({ channelId: 'bob', channelType: 1, payload: 'plain bytes, no JSON' })
    await waitFor(() => got.length === sent.length + 2)
    expect(got.slice(0, sent.length).map((m) => m.content)).toEqual(sent)
    expect(got[sent.length]?.content).toEqual(reply)
    expect(got[sent.length + 1]?.content).toMatchObject({ type: 0, reason: 'not UTF-8 JSON' })
    // What went over the wire is the ecosystem's JSON (the text content as `content`).
    expect(JSON.parse(decodeUtf8(got[0]?.payload as Uint8Array))).toEqual({ type: 1, content: '你好 👋' })
  })

  it('send() refuses content and payload together, and content that cannot be encoded, before anything is stored', async () => {
    const alice = world.app().client
    await alice.restored()
    await expect(alice.send({ channelId: 'bob', channelType: 1, content: { type: 1, text: 'x' }, payload: 'y' } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', context: { field: 'content' } })
    await expect(alice.send({ channelId: 'bob', channelType: 1, content: { type: 2, url: 'u' } as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', context: { field: 'content.width' } })
    expect(alice.pending()).toEqual([])
    expect([...world.storage.items.keys()].filter((k) => k.includes(':out:'))).toEqual([])
  })
})
