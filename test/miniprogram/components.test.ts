/**
 * The two components alone: the banner follows the app client's state by itself; a message row
 * shows its status and, when failed, raises retry / discard with its clientMsgNo.
 */
import { waitFor } from '../support/waiters'
import { byClass, startDemo, textOf, textsOf } from './harness'
import type { Demo } from './harness'

let demo: Demo
beforeEach(() => {
  demo = startDemo({ launch: false })
})
afterEach(async () => {
  await demo.close()
})

describe('status-banner', () => {
  it('is hidden while nobody is signed in', async () => {
    const banner = demo.mount('components/status-banner/status-banner')
    await demo.simulate.sleep(0)
    expect(byClass(banner, 'banner')).toEqual([])
  })

  it("follows the client's state by itself: hidden while connected, names the problem otherwise", async () => {
    demo.app.signIn(demo.session('alice'))
    const banner = demo.mount('components/status-banner/status-banner')
    await waitFor(() => demo.app.im!.state === 'connected')
    await demo.simulate.sleep(0)
    expect(byClass(banner, 'banner')).toEqual([])
    demo.sim.control.setNetwork({ online: false })
    await waitFor(() => textOf(banner, 'banner').startsWith('No network'))
    expect(byClass(banner, 'banner-offline')).toHaveLength(1)
    demo.sim.control.setNetwork({ online: true })
    await waitFor(() => byClass(banner, 'banner').length === 0, { message: 'hidden again once connected' })
    // The server kicks this device: stopped, with the reason.
    demo.core.faults.disconnect('alice', 12, 'kicked')
    await waitFor(() => textOf(banner, 'banner').startsWith('Disconnected: kicked'))
    expect(byClass(banner, 'banner-stopped')).toHaveLength(1)
  })

  it('stops following once detached', async () => {
    demo.app.signIn(demo.session('alice'))
    const banner = demo.mount('components/status-banner/status-banner')
    await waitFor(() => demo.app.im!.state === 'connected')
    banner.detach()
    demo.sim.control.setNetwork({ online: false })
    await waitFor(() => demo.app.im!.state === 'offline')
    await demo.simulate.sleep(0)
    expect(byClass(banner, 'banner')).toEqual([])
  })
})

describe('message-item', () => {
  const item = (over: Record<string, unknown>) => ({ key: 'alice:n1', clientMsgNo: 'n1', fromUid: 'alice', mine: true, text: 'hello', status: 'sending', statusLabel: 'Sending…', at: 0, time: '10:00', failed: false, ...over })

  it('shows text, time and status of our message; no actions unless failed', async () => {
    const row = demo.mount('components/message-item/message-item', { item: item({}) })
    await demo.simulate.sleep(0)
    expect([textOf(row, 'text'), textOf(row, 'time'), textOf(row, 'status')]).toEqual(['hello', '10:00', 'Sending…'])
    expect(byClass(row, 'retry')).toEqual([])
    row.setData({ item: item({ status: 'sent', statusLabel: 'Sent' }) })
    await demo.simulate.sleep(0)
    expect(textOf(row, 'status')).toBe('Sent')
  })

  it('a failed message offers Retry and Discard, raised with its clientMsgNo', async () => {
    const row = demo.mount('components/message-item/message-item', { item: item({ status: 'failed', statusLabel: 'Failed (code 3)', failed: true }) })
    await demo.simulate.sleep(0)
    const events: Array<[string, unknown]> = []
    row.addEventListener('retry', (e) => events.push(['retry', e.detail]))
    row.addEventListener('discard', (e) => events.push(['discard', e.detail]))
    row.querySelector('.retry')!.dispatchEvent('tap')
    row.querySelector('.discard')!.dispatchEvent('tap')
    await demo.simulate.sleep(0)
    expect(events).toEqual([
      ['retry', { clientMsgNo: 'n1' }],
      ['discard', { clientMsgNo: 'n1' }],
    ])
    expect(textOf(row, 'status')).toBe('Failed (code 3)')
  })

  it("someone else's message shows the sender and no status", async () => {
    const row = demo.mount('components/message-item/message-item', { item: item({ mine: false, fromUid: 'bob', status: 'received', statusLabel: '' }) })
    await demo.simulate.sleep(0)
    expect(textOf(row, 'from')).toBe('bob')
    expect(textsOf(row, 'status')).toEqual([])
    expect(byClass(row, 'theirs')).toHaveLength(1)
  })
})
