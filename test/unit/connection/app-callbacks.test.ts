/**
 * Issue 15.7: the app's own callbacks on the dial path (tokenProvider, a wsAddr function) get a
 * deadline, a typed error and a retry, so one that hangs cannot keep the client `connecting`.
 */
import { createClient } from '../../../sdk/client'
import type { Client } from '../../../sdk/client'
import type { ImError } from '../../../sdk/errors'
import type { ClientOptions } from '../../../sdk/options'
import { collect, waitFor } from '../../support/waiters'
import { makeDevice, makeWorld } from '../client/harness'
import type { Device, World } from '../client/harness'

const never = <T>(): Promise<T> => new Promise<T>(() => undefined)

describe('app callbacks on the dial path', () => {
  let world: World
  let device: Device
  const clients: Client[] = []
  const start = (extra: Partial<ClientOptions>): Client => {
    const c = createClient({ uid: 'alice', apiAddr: 'http://api', platform: device.platform, random: () => 0.5, ...extra })
    clients.push(c)
    return c
  }
  beforeEach(() => {
    world = makeWorld()
    device = makeDevice(world)
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close()
  })

  /** The callback under test hangs on its first two calls, then answers: `calls` counts them. */
  const flaky = (answer: string) => {
    const state = { calls: 0 }
    const fn = (): Promise<string> => (++state.calls <= 2 ? never() : Promise.resolve(answer))
    return { state, fn }
  }
  const cases: Array<[string, (fn: () => Promise<string>) => Partial<ClientOptions>]> = [
    ['tokenProvider', (fn) => ({ wsAddr: 'ws://core', tokenProvider: fn })],
    ['wsAddr', (fn) => ({ token: 'alice-token', wsAddr: fn })],
  ]

  it.each(cases)('a %s that hangs, across a network flap and hide/show, then answers: connected without the app doing anything', async (name, options) => {
    const cb = flaky(name === 'wsAddr' ? 'ws://core' : 'alice-token')
    const c = start(options(cb.fn))
    const errors = collect(c, 'error')
    const t0 = world.time.now()
    await c.connect()
    await world.time.advance(2_000)
    device.setNetwork(false) // the flap: the dial in progress ends, the next one asks again
    await world.time.advance(1_000)
    device.setNetwork(true)
    await world.time.advance(1_000)
    device.hide()
    device.show()
    expect(c.state).toBe('connecting')
    expect(cb.state.calls).toBe(2)
    await waitFor(() => c.state === 'connected', { tick: () => world.time.advance(500), timeoutMs: 120 })
    expect(cb.state.calls).toBe(3)
    // The hung call was given callbackTimeoutMs (10 s), reported as a typed TIMEOUT naming the callback.
    expect(world.time.now() - t0).toBeLessThan(30_000)
    expect(errors.items.map((e: ImError) => [e.code, e.context.callback])).toEqual([['TIMEOUT', name]])
    const report = await c.diagnose()
    expect(report.connection.recentAnomalies.some((e) => e.event === 'error' && e.detail?.code === 'TIMEOUT')).toBe(true)
  })

  it.each(cases)('with the test-only switch noCallbackDeadlines, a hung %s holds the client connecting (the old defect)', async (name, options) => {
    const cb = flaky(name === 'wsAddr' ? 'ws://core' : 'alice-token')
    const c = start({ ...options(cb.fn), _unsafe: { noCallbackDeadlines: true } })
    await c.connect()
    await world.time.advance(5 * 60_000)
    expect(c.state).toBe('connecting')
    expect(cb.state.calls).toBe(1)
  })

  it('callbackTimeoutMs sets the deadline; a callback that throws or returns a bad address is a failed dial, retried with backoff', async () => {
    let calls = 0
    const c = start({ token: 'alice-token', callbackTimeoutMs: 1_000, wsAddr: () => {
      calls++
      if (calls === 1) throw new Error('no config yet')
      if (calls === 2) return 'not a url'
      return calls === 3 ? never() : 'ws://core'
    } })
    const errors = collect(c, 'error')
    await c.connect()
    await waitFor(() => c.state === 'connected', { tick: () => world.time.advance(100), timeoutMs: 200 })
    expect(calls).toBe(4)
    expect(errors.items.map((e: ImError) => e.code)).toEqual(['NETWORK', 'INVALID_ARGUMENT', 'TIMEOUT'])
    expect(errors.items[2]).toMatchObject({ context: { callback: 'wsAddr', timeoutMs: 1_000 } })
  })
})
