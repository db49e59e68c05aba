/**
 * The conversation list: rows built from the app's chat store (last text, unread and unsent
 * counts), opening chats, the banner, sign-out, and unsubscribing on unload.
 */
import { waitFor } from '../support/waiters'
import { byClass, startDemo, textOf, textsOf } from './harness'
import type { Demo, RenderedComponent } from './harness'

let demo: Demo
let page: RenderedComponent
beforeEach(async () => {
  demo = startDemo()
  demo.app.signIn(demo.session('alice'))
  await waitFor(() => demo.app.im!.state === 'connected')
  page = demo.mount('pages/conversations/conversations')
  page.instance.onLoad({})
  await demo.simulate.sleep(0)
})
afterEach(async () => {
  await demo.close()
})

const fromBob = (content: string, no: string) =>
  demo.core.handleHttp('POST', '/message/send', { from_uid: 'bob', channel_id: 'alice', channel_type: 1, client_msg_no: no, payload: Buffer.from(JSON.stringify({ type: 1, content })).toString('base64') })

it('lists conversations with the last message and unread count as messages arrive', async () => {
  expect(textOf(page, 'empty')).toBe('No conversations yet.')
  expect(textOf(page, 'me')).toBe('Signed in as alice')
  await fromBob('first', 'b1')
  await fromBob('second', 'b2')
  await waitFor(() => textOf(page, 'unread') === '2')
  expect(textsOf(page, 'peer')).toEqual(['bob'])
  expect(textOf(page, 'last')).toBe('second')
  expect(textOf(page, 'time')).toMatch(/^\d\d:\d\d$/)
  expect(byClass(page, 'empty')).toEqual([])
})

it('shows unsent messages while offline, and the banner; both clear once back online', async () => {
  demo.sim.control.setNetwork({ online: false })
  await waitFor(() => textOf(page, 'banner').startsWith('No network'))
  await demo.app.chats!.sendText('carol', 1, 'queued while offline')
  await waitFor(() => textOf(page, 'unsent') === '1 unsent')
  expect(textsOf(page, 'peer')).toEqual(['carol'])
  demo.sim.control.setNetwork({ online: true })
  await waitFor(() => byClass(page, 'unsent').length === 0 && byClass(page, 'banner').length === 0)
})

it('tapping a conversation or "Chat" opens the chat page with its query', async () => {
  await fromBob('hi', 'b1')
  await waitFor(() => textsOf(page, 'peer').length === 1)
  page.querySelector('.conversation')!.dispatchEvent('tap')
  page.querySelector('.peer-input')!.dispatchEvent('input', { detail: { value: 'carol' } })
  await demo.simulate.sleep(0)
  page.querySelector('.open-peer')!.dispatchEvent('tap')
  page.querySelector('.diagnostics')!.dispatchEvent('tap')
  await demo.simulate.sleep(0)
  expect(demo.navigations).toEqual([
    ['navigateTo', '/pages/chat/chat?channelId=bob&channelType=1'],
    ['navigateTo', '/pages/chat/chat?channelId=carol&channelType=1'],
    ['navigateTo', '/pages/diagnostics/diagnostics'],
  ])
})

it('unload unsubscribes; sign-out closes the client and returns to sign-in', async () => {
  const listeners = demo.app.chats!.listenerCount
  page.instance.onUnload()
  expect(demo.app.chats!.listenerCount).toBe(listeners - 1)
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
  await demo.app.signOut()
  const orphan = demo.mount('pages/conversations/conversations')
  orphan.instance.onLoad({})
  expect(demo.navigations).toEqual([['redirectTo', '/pages/login/login']])
})
