/**
 * The sign-in page: it checks the fields, hands the session to the App (which creates the one
 * client) and moves on to the conversation list.
 */
import { waitFor } from '../support/waiters'
import { startDemo, textOf } from './harness'
import type { Demo, RenderedComponent } from './harness'

let demo: Demo
let page: RenderedComponent
beforeEach(() => {
  demo = startDemo()
  page = demo.mount('pages/login/login')
  page.instance.onLoad({})
})
afterEach(async () => {
  await demo.close()
})

const fill = (field: string, value: string) => page.querySelector(`.field-${field}`)!.dispatchEvent('input', { detail: { value } })

it('refuses an empty user id and a bad server address, saying why; no client is created', async () => {
  page.querySelector('.sign-in')!.dispatchEvent('tap')
  await demo.simulate.sleep(0)
  expect(textOf(page, 'error')).toBe('Enter a user id.')
  fill('uid', 'alice')
  fill('apiAddr', 'ftp://nowhere')
  page.querySelector('.sign-in')!.dispatchEvent('tap')
  await demo.simulate.sleep(0)
  expect(textOf(page, 'error')).toBe('The server address must start with http:// or https://.')
  expect(demo.app.im).toBeUndefined()
  expect(demo.navigations).toEqual([])
})

it('signs in through the App: one client for the typed uid connects, and the page goes to the conversation list', async () => {
  fill('uid', 'bob')
  fill('token', 'bob-token')
  await demo.simulate.sleep(0)
  expect(page.data).toMatchObject({ uid: 'bob', token: 'bob-token', apiAddr: 'http://127.0.0.1:5001', wsAddr: 'ws://127.0.0.1:5200' })
  page.querySelector('.sign-in')!.dispatchEvent('tap')
  await demo.simulate.sleep(0)
  expect(textOf(page, 'error')).toBe('')
  expect(demo.navigations).toEqual([['redirectTo', '/pages/conversations/conversations']])
  const im = demo.app.im!
  expect(im.uid).toBe('bob')
  await waitFor(() => im.state === 'connected')
  expect(demo.core.connections('bob')).toHaveLength(1)
})

it('a wrong token: the client stops and says why (the banner on the next page shows it)', async () => {
  fill('uid', 'alice')
  fill('token', 'wrong')
  page.querySelector('.sign-in')!.dispatchEvent('tap')
  await waitFor(() => demo.app.im?.state === 'stopped')
  expect(demo.core.report().authFailures).toBeGreaterThanOrEqual(1)
})

it('prefills the fields from the saved session', async () => {
  demo.app.signIn(demo.session('alice'))
  const again = demo.mount('pages/login/login')
  again.instance.onLoad({})
  await demo.simulate.sleep(0)
  expect(again.data).toMatchObject({ uid: 'alice', token: 'alice-token' })
})
