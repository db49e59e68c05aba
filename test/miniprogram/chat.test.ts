/**
 * The chat page over the real app, client and (in-process) server: local echo with per-message
 * status that changes with the client's events, Retry / Discard acting on the outbox, the banner
 * following network events, received messages, and unsubscribing on unload.
 */
import { waitFor } from '../support/waiters'
import { byClass, startDemo, textOf, textsOf } from './harness'
import type { Demo, RenderedComponent } from './harness'

let demo: Demo
let page: RenderedComponent
afterEach(async () => {
  await demo.close()
})

async function openChat(channelId: string, channelType = 1): Promise<RenderedComponent> {
  page = demo.mount('pages/chat/chat')
  page.instance.onLoad({ channelId, channelType: String(channelType) })
  await demo.simulate.sleep(0)
  return page
}

async function type(text: string): Promise<void> {
  page.querySelector('.draft')!.dispatchEvent('input', { detail: { value: text } })
  await demo.simulate.sleep(0)
  page.querySelector('.send')!.dispatchEvent('tap')
}

const statuses = () => textsOf(page, '.status')
const texts = () => textsOf(page, '.text')

beforeEach(async () => {
  demo = startDemo()
  demo.app.signIn(demo.session('alice'))
  await waitFor(() => demo.app.im!.state === 'connected')
})

it('a sent message shows at once (local echo) and its status follows the outbox to "Sent"', async () => {
  await openChat('bob')
  expect(textOf(page, '.title')).toBe('bob')
  expect(textOf(page, '.empty')).toBe('No messages yet.')
  const seen: string[] = []
  const off = demo.app.chats!.on(() => seen.push(statuses()[0] ?? ''))
  demo.core.faults.delaySendacks(1, 150) // hold the ack long enough to see the row before it
  await type('hello bob')
  await waitFor(() => texts().length === 1)
  expect(texts()).toEqual(['hello bob'])
  expect(['Queued', 'Sending…']).toContain(statuses()[0])
  expect(page.data.draft).toBe('')
  await waitFor(() => statuses()[0] === 'Sent', { message: 'row became Sent' })
  off()
  expect(seen).toContain('Sent')
  expect(seen.indexOf('Sent')).toBeGreaterThan(0) // queued/sending rendered before sent
  expect(textOf(page, '.time')).toMatch(/^\d\d:\d\d$/)
  expect(demo.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' }).map((m) => m.clientMsgNo)).toEqual([page.data.items[0].clientMsgNo])
})

it('offline: banner shows, rows stay "Queued"; back online: banner goes, rows become "Sent"', async () => {
  await openChat('bob')
  expect(byClass(page, 'banner')[0]).toBeUndefined()
  demo.sim.control.setNetwork({ online: false })
  await waitFor(() => textOf(page, '.banner').startsWith('No network'))
  await type('one')
  await waitFor(() => texts().length === 1)
  await type('two')
  await waitFor(() => texts().length === 2)
  expect(statuses()).toEqual(['Queued', 'Queued'])
  demo.sim.control.setNetwork({ online: true })
  await waitFor(() => statuses().join() === 'Sent,Sent', { message: 'both sent after reconnect' })
  await waitFor(() => byClass(page, 'banner')[0] === undefined, { message: 'banner hidden once connected' })
  expect(texts()).toEqual(['one', 'two'])
})

it('the banner says reconnecting while the client dials again after the server dropped it', async () => {
  await openChat('bob')
  const states: string[] = []
  const off = demo.app.im!.on('state', ({ to }) => {
    states.push(`${to}:${textOf(page, '.banner') ? 'banner' : 'none'}`)
  })
  demo.core.faults.refuseConnections(true)
  demo.core.faults.closeConnections('alice', { withCloseFrame: false })
  await waitFor(() => textOf(page, '.banner').startsWith('Reconnecting'))
  demo.core.faults.refuseConnections(false)
  await waitFor(() => demo.app.im!.state === 'connected' && byClass(page, 'banner')[0] === undefined)
  off()
  expect(states[0]).toMatch(/^(waiting|connecting)/)
})

it('a refused message shows "Failed" with Retry and Discard; Discard removes it from the outbox', async () => {
  await openChat('nogroup', 2)
  await type('to a group that does not exist')
  await waitFor(() => statuses()[0]?.startsWith('Failed'))
  expect(statuses()[0]).toMatch(/^Failed \(code \d+\)$/)
  expect(textsOf(page, 'retry')).toEqual(['Retry'])
  expect(textsOf(page, 'discard')).toEqual(['Discard'])
  const no = page.data.items[0].clientMsgNo as string
  expect(demo.app.im!.pending().map((m) => [m.clientMsgNo, m.status])).toEqual([[no, 'failed']])
  page.querySelector('.message')!.querySelector('.discard')!.dispatchEvent('tap')
  await waitFor(() => texts().length === 0)
  expect(demo.app.im!.pending()).toEqual([])
  expect(byClass(page, 'retry')[0]).toBeUndefined()
})

it('Retry puts a failed message back in the outbox (same clientMsgNo) and it is sent once the cause is fixed', async () => {
  await openChat('team', 2)
  await type('hello team')
  await waitFor(() => statuses()[0]?.startsWith('Failed'))
  const no = page.data.items[0].clientMsgNo as string
  demo.core.createGroup('team', ['alice', 'bob'])
  page.querySelector('.message')!.querySelector('.retry')!.dispatchEvent('tap')
  await waitFor(() => statuses()[0] === 'Sent')
  expect(page.data.items.map((i: { clientMsgNo: string }) => i.clientMsgNo)).toEqual([no])
  expect(demo.core.messages({ channelId: 'team', channelType: 2 }).map((m) => m.clientMsgNo)).toEqual([no])
  expect(demo.app.im!.pending()).toEqual([])
})

it('received messages render with the sender and time, in order', async () => {
  await openChat('bob')
  for (const [i, content] of ['hi alice', 'are you there?'].entries()) {
    const res = await demo.core.handleHttp('POST', '/message/send', {
      from_uid: 'bob',
      channel_id: 'alice',
      channel_type: 1,
      client_msg_no: `bob-${i}`,
      payload: Buffer.from(JSON.stringify({ type: 1, content })).toString('base64'),
    })
    expect(res.status).toBe(200)
  }
  await waitFor(() => texts().length === 2)
  expect(texts()).toEqual(['hi alice', 'are you there?'])
  expect(textsOf(page, '.from')).toEqual(['bob', 'bob'])
  expect(statuses()).toEqual([]) // no outbox status on their messages
})

it('pull-down loads older messages: the chat opens with the newest page, scrolling to the top brings the older one', async () => {
  // carol wrote to bob before bob ever signed in on this phone: history, not delivered live.
  for (let i = 1; i <= 30; i++) {
    const res = await demo.core.handleHttp('POST', '/message/send', {
      from_uid: 'carol', channel_id: 'bob', channel_type: 1, client_msg_no: `carol-${i}`,
      payload: Buffer.from(JSON.stringify({ type: 1, content: `old ${i}` })).toString('base64'),
    })
    expect(res.status).toBe(200)
  }
  demo.app.signIn(demo.session('bob'))
  await waitFor(() => demo.app.im?.uid === 'bob' && demo.app.im.state === 'connected')
  await demo.app.im!.sync()
  await openChat('carol')
  await waitFor(() => texts().length === 20)
  expect(texts()).toEqual(Array.from({ length: 20 }, (_, i) => `old ${i + 11}`))
  expect(page.data.more).toBe(true)
  page.querySelector('.list')!.dispatchEvent('scrolltoupper')
  await waitFor(() => texts().length === 30)
  expect(texts()).toEqual(Array.from({ length: 30 }, (_, i) => `old ${i + 1}`))
  expect(page.data.more).toBe(false)
  expect(textsOf(page, '.older')).toEqual([])
  // Nothing older: another pull does nothing.
  page.querySelector('.list')!.dispatchEvent('scrolltoupper')
  await demo.simulate.sleep(50)
  expect(texts()).toHaveLength(30)
})

it('unload releases the page subscriptions: later events no longer touch the page', async () => {
  const before = demo.app.chats!.listenerCount
  await openChat('bob')
  expect(demo.app.chats!.listenerCount).toBe(before + 1)
  page.instance.onUnload()
  expect(demo.app.chats!.listenerCount).toBe(before)
  demo.sim.control.setNetwork({ online: false })
  await demo.app.chats!.sendText('bob', 1, 'after unload')
  await waitFor(() => demo.app.im!.state === 'offline')
  expect(page.data.items).toEqual([])
  page.detach() // detached after unload is harmless
  expect(demo.app.chats!.listenerCount).toBe(before)
})

describe('media and typed content (issue 19)', () => {
  const post = async (i: number, body: unknown) => {
    const res = await demo.core.handleHttp('POST', '/message/send', { from_uid: 'bob', channel_id: 'alice', channel_type: 1, client_msg_no: `bob-c${i}`, payload: Buffer.from(JSON.stringify(body)).toString('base64') })
    expect(res.status).toBe(200)
  }
  const kinds = () => page.data.items.map((i: { kind: string }) => i.kind)

  it('a photo from wx.chooseMedia: shown at once from the saved copy with upload progress, then Sent pointing at the uploaded file', async () => {
    await openChat('bob')
    const photo = new Uint8Array(50_000).fill(7)
    demo.sim.control.choose([{ bytes: photo, ext: 'jpg', width: 800, height: 600 }])
    const progress: number[] = []
    const off = demo.app.chats!.on(() => {
      const p = page.data.items[0]?.progress
      if (typeof p === 'number') progress.push(p)
    })
    page.querySelector('.photo')!.dispatchEvent('tap')
    await waitFor(() => kinds().length === 1)
    expect(page.data.items[0]).toMatchObject({ kind: 'image', mine: true, width: 800, height: 600 })
    expect(page.data.items[0].url).toMatch(/^wxfile:\/\/usr\//) // the saved copy, while it uploads
    expect(byClass(page.querySelector('.message')!, 'picture')).toHaveLength(1)
    await waitFor(() => statuses()[0] === 'Sent')
    off()
    expect(progress.length).toBeGreaterThan(0)
    expect(page.data.items[0].url).toMatch(/^http:\/\/127\.0\.0\.1:5001\/files\/f1$/)
    expect(Buffer.from(demo.uploads.get(page.data.items[0].url)!).equals(Buffer.from(photo))).toBe(true)
    // The user cancels the picker: nothing happens.
    page.querySelector('.photo')!.dispatchEvent('tap')
    await demo.simulate.sleep(20)
    expect(kinds()).toEqual(['image'])
  })

  it('a voice note: hold to record, release to send; shown with its length', async () => {
    await openChat('bob')
    demo.sim.control.record(new Uint8Array([1, 2, 3]), 2_400)
    page.querySelector('.voice-button')!.dispatchEvent('touchstart')
    await demo.simulate.sleep(0)
    expect(page.data.recording).toBe(true)
    page.querySelector('.voice-button')!.dispatchEvent('touchend')
    await waitFor(() => statuses()[0] === 'Sent')
    expect(page.data.recording).toBe(false)
    expect(page.data.items[0]).toMatchObject({ kind: 'voice', text: '[Voice 2″]' })
    expect(demo.uploads.size).toBe(1)
  })

  it('every built-in type renders; an unknown type gets the placeholder', async () => {
    await openChat('bob')
    const bodies = [
      { type: 1, content: 'text' },
      { type: 2, url: 'http://cdn/a.jpg', width: 1, height: 1 },
      { type: 3, url: 'http://cdn/a.gif', width: 1, height: 1 },
      { type: 4, url: 'http://cdn/a.mp3', timeTrad: 3 },
      { type: 5, url: 'http://cdn/a.mp4', cover: 'http://cdn/c.jpg', size: 10, width: 1, height: 1, second: 9 },
      { type: 6, lng: 1, lat: 2, title: 'Cafe', address: 'Main St' },
      { type: 7, uid: 'carol', name: 'Carol' },
      { type: 8, url: 'http://cdn/r.pdf', name: 'report.pdf', size: 10 },
      { type: 98, data: 'AQI=' },
      { type: 99, cmd: 'typing' },
      { type: 4242, poll: true },
    ]
    for (const [i, body] of bodies.entries()) await post(i, body)
    await waitFor(() => kinds().length === bodies.length)
    expect(kinds()).toEqual(['text', 'image', 'gif', 'voice', 'video', 'location', 'card', 'file', 'stream', 'cmd', 'unknown'])
    expect(texts()).toEqual(['text', '▶', '[Video 9″]', '[Location] Cafe', '[Contact] Carol', '[File] report.pdf', '[Streaming…]', '[Command typing]', '[Message this version cannot show]'].flatMap((t) => (t === '▶' ? ['[Voice 3″]'] : [t])))
    expect(byClass(page, 'picture')).toHaveLength(2)
    expect(byClass(page, 'placeholder')).toHaveLength(1)
  })
})
