/**
 * app.ts owns the one client: sign-in creates it over the (simulated) real wx, a saved session
 * signs in again at launch (cold start picks up the outbox), sign-out closes it.
 */
import { waitFor } from '../support/waiters'
import { startDemo } from './harness'
import type { Demo } from './harness'

let demo: Demo | undefined
afterEach(async () => {
  await demo?.close()
  demo = undefined
})

it('signIn creates one client over wx, connects it, and saves the session; signing in again as the same user keeps it', async () => {
  demo = startDemo()
  expect(demo.app.im).toBeUndefined()
  demo.app.signIn(demo.session('alice'))
  const im = demo.app.im!
  expect(im.uid).toBe('alice')
  await waitFor(() => im.state === 'connected')
  expect(demo.core.connections('alice')).toHaveLength(1)
  demo.app.signIn(demo.session('alice'))
  expect(demo.app.im).toBe(im)
  expect(demo.storage.items.has('demo:session')).toBe(true)
})

it('a cold start with a saved session signs in by itself and sends what the killed instance left queued', async () => {
  demo = startDemo()
  demo.app.signIn(demo.session('alice'))
  demo.sim.control.setNetwork({ online: false })
  await waitFor(() => demo!.app.im!.state === 'offline')
  const queued = await demo.app.chats!.sendText('bob', 1, 'written offline, then killed')
  // killed: no signOut, a fresh mini-program over the same storage and server
  demo.sim.control.coldRestart()
  // Its JS context is gone in WeChat; here its timers would linger, so stop it (its wx is dead:
  // nothing it does reaches storage or the server any more).
  await demo.app.im!.close()
  const second = startDemo({ storage: demo.storage, core: demo.core })
  demo = second
  const im = second.app.im!
  expect(im.uid).toBe('alice')
  await waitFor(() => im.pending().length === 0 && second.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' }).length === 1)
  expect(second.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' }).map((m) => m.clientMsgNo)).toEqual([queued.clientMsgNo])
  // The chat, opened now, shows it from the SDK's history, sent.
  await second.app.chats!.load(1, 'bob')
  expect(second.app.chats!.messages(1, 'bob').map((i) => [i.text, i.status])).toEqual([['written offline, then killed', 'sent']])
})

it('signOut closes the client and forgets the session', async () => {
  demo = startDemo()
  demo.app.signIn(demo.session('bob'))
  const im = demo.app.im!
  await waitFor(() => im.state === 'connected')
  await demo.app.signOut()
  expect(im.state).toBe('closed')
  expect(demo.app.im).toBeUndefined()
  expect(demo.storage.items.has('demo:session')).toBe(false)
  await waitFor(() => demo!.core.connections('bob').length === 0)
})
