/**
 * The conversation list page over the SDK's list (client.conversations() and the `conversations`
 * event): unread badges from RECVs, the last message and its time, marks for our own unsent last
 * message, clearUnread on open (durable, then on the server), the stored list rendered at a cold
 * start before the socket connects, a bounded number of setData calls under a burst, opening
 * chats, sign-out, and unsubscribing on unload.
 */
import { waitFor } from '../support/waiters'
import { byClass, startDemo, textOf, textsOf } from './harness'
import type { Demo, RenderedComponent } from './harness'

let demo: Demo
let page: RenderedComponent
const demos: Demo[] = []

async function launch(options: Parameters<typeof startDemo>[0] = {}, connected = true): Promise<void> {
  demo = startDemo(options)
  demos.push(demo)
  if (!demo.app.im) demo.app.signIn(demo.session('alice'))
  if (connected) await waitFor(() => demo.app.im!.state === 'connected')
  page = demo.mount('pages/conversations/conversations')
  page.instance.onLoad({})
  await demo.simulate.sleep(0)
}

/** Counts the page's setData calls from now on. */
function countSetData(p: RenderedComponent): { n: number } {
  const count = { n: 0 }
  const setData = p.instance.setData as (data: Record<string, unknown>) => void
  p.instance.setData = function (this: unknown, data: Record<string, unknown>) {
    count.n++
    return setData.call(this, data)
  }
  return count
}

afterEach(async () => {
  for (const d of demos.splice(0)) await d.close()
})

const fromBob = (content: string, no: string) =>
  demo.core.handleHttp('POST', '/message/send', { from_uid: 'bob', channel_id: 'alice', channel_type: 1, client_msg_no: no, payload: Buffer.from(JSON.stringify({ type: 1, content })).toString('base64') })

it('lists conversations with the last message, its time and an unread badge that grows with every RECV', async () => {
  await launch()
  expect(textOf(page, 'empty')).toBe('No conversations yet.')
  expect(textOf(page, 'me')).toBe('Signed in as alice')
  await fromBob('first', 'b1')
  await waitFor(() => textOf(page, 'unread') === '1')
  expect(textOf(page, 'last')).toBe('first')
  await fromBob('second', 'b2')
  await waitFor(() => textOf(page, 'unread') === '2')
  expect(textsOf(page, 'peer')).toEqual(['bob'])
  expect(textOf(page, 'last')).toBe('second')
  expect(textOf(page, 'time')).toMatch(/^\d\d:\d\d$/)
  expect(byClass(page, 'empty')).toEqual([])
})

it('opening a conversation clears its badge: clearUnread is durable at once and reaches the server', async () => {
  await launch()
  await fromBob('one', 'b1')
  await fromBob('two', 'b2')
  await waitFor(() => textOf(page, 'unread') === '2')
  page.querySelector('.conversation')!.dispatchEvent('tap')
  await demo.simulate.sleep(0)
  expect(demo.navigations).toEqual([['navigateTo', '/pages/chat/chat?channelId=bob&channelType=1']])
  await waitFor(() => byClass(page, 'unread').length === 0)
  await waitFor(() => demo.core.conversationOps.length === 1)
  expect(demo.core.conversationOps).toMatchObject([{ uid: 'alice', action: 'clearUnread', channelId: 'bob', channelType: 1, lastSeq: 2 }])
  // A later RECV counts again from zero.
  await fromBob('three', 'b3')
  await waitFor(() => textOf(page, 'unread') === '1')
})

it('our own last message shows "Sending…" while offline (prefixed "You:"), and nothing once sent', async () => {
  await launch()
  demo.sim.control.setNetwork({ online: false })
  await waitFor(() => textOf(page, 'banner').startsWith('No network'))
  await demo.app.chats!.sendText('carol', 1, 'queued while offline')
  await waitFor(() => textOf(page, 'mark') === 'Sending…')
  expect(textsOf(page, 'peer')).toEqual(['carol'])
  expect(textOf(page, 'last')).toBe('You: queued while offline')
  demo.sim.control.setNetwork({ online: true })
  await waitFor(() => byClass(page, 'mark').length === 0 && byClass(page, 'banner').length === 0, { timeoutMs: 10_000 })
  expect(textOf(page, 'last')).toBe('You: queued while offline')
}, 15_000)

it('cold start: the stored list (with its badge) is rendered before the socket connects', async () => {
  await launch()
  await fromBob('kept', 'b1')
  await waitFor(() => textOf(page, 'unread') === '1')
  const { storage, core } = demo
  // The process ends without a sign-out (the session stays saved); the list is written on close.
  await demo.app.im!.close()
  await waitFor(() => storage.peek('wkmp:alice:conversations') !== undefined)
  core.faults.refuseConnections(true)
  try {
    await launch({ storage, core }, false)
    await waitFor(() => textsOf(page, 'peer').length === 1)
    expect(demo.app.im!.state).not.toBe('connected')
    expect(textsOf(page, 'peer')).toEqual(['bob'])
    expect(textOf(page, 'last')).toBe('kept')
    expect(textOf(page, 'unread')).toBe('1')
  } finally {
    core.faults.refuseConnections(false)
  }
})

it('a burst of 500 RECVs causes a bounded number of setData calls (the event is throttled)', async () => {
  await launch()
  const calls = countSetData(page)
  const started = Date.now()
  for (let i = 0; i < 500; i++) await fromBob(`burst ${i}`, `burst${i}`)
  await waitFor(() => textOf(page, 'unread') === '500', { timeoutMs: 30_000 })
  const elapsed = Date.now() - started
  expect(textOf(page, 'last')).toBe('burst 499')
  // At most one `conversations` event per 200 ms (the default throttle), plus the last one.
  expect(calls.n).toBeLessThanOrEqual(Math.ceil(elapsed / 200) + 2)
  expect(calls.n).toBeLessThan(100)
}, 40_000)

it('tapping "Chat" or Diagnostics navigates; without unread, opening sends no op', async () => {
  await launch()
  await fromBob('hi', 'b1')
  await waitFor(() => textsOf(page, 'peer').length === 1)
  page.querySelector('.peer-input')!.dispatchEvent('input', { detail: { value: 'carol' } })
  await demo.simulate.sleep(0)
  page.querySelector('.open-peer')!.dispatchEvent('tap')
  page.querySelector('.diagnostics')!.dispatchEvent('tap')
  await demo.simulate.sleep(0)
  expect(demo.navigations).toEqual([
    ['navigateTo', '/pages/chat/chat?channelId=carol&channelType=1'],
    ['navigateTo', '/pages/diagnostics/diagnostics'],
  ])
  expect(demo.core.conversationOps).toEqual([])
})

it('unload unsubscribes from the client; sign-out closes the client and returns to sign-in', async () => {
  await launch()
  const calls = countSetData(page)
  page.instance.onUnload()
  await fromBob('after unload', 'b1')
  await waitFor(() => demo.app.im!.conversations().length === 1)
  await demo.simulate.sleep(400)
  expect(calls.n).toBe(0)
  const again = demo.mount('pages/conversations/conversations')
  again.instance.onLoad({})
  const im = demo.app.im!
  again.querySelector('.sign-out')!.dispatchEvent('tap')
  await waitFor(() => im.state === 'closed')
  await waitFor(() => demo.navigations.length === 1)
  expect(demo.navigations).toEqual([['reLaunch', '/pages/login/login']])
  expect(demo.app.im).toBeUndefined()
})

it('without a signed-in client it goes back to sign-in', async () => {
  await launch()
  await demo.app.signOut()
  const orphan = demo.mount('pages/conversations/conversations')
  orphan.instance.onLoad({})
  expect(demo.navigations).toEqual([['redirectTo', '/pages/login/login']])
})
