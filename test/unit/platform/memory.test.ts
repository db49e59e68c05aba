/** What the memory platform adds beyond the contract: its manual timers and failure switches. */
import { createMemoryPlatform } from '../../../sdk/platform/memory'
import type { ImError } from '../../../sdk/errors'

describe('createMemoryPlatform', () => {
  it('runs its own manual timers in time order when no clock is given', () => {
    const p = createMemoryPlatform()
    const seen: string[] = []
    p.setTimeout(() => seen.push(`b@${p.now()}`), 20)
    p.setTimeout(() => seen.push(`a@${p.now()}`), 10)
    p.control.advance(15)
    expect(seen).toEqual(['a@10'])
    p.control.advance(5)
    expect(seen).toEqual(['a@10', 'b@20'])
  })

  it('injected write failures and the total limit reject with StorageError codes', async () => {
    const p = createMemoryPlatform({ limits: { perKeyBytes: 1000, totalBytes: 30 } })
    p.control.failNextWrites(1)
    await expect(p.storage.set('k', 1)).rejects.toMatchObject({ code: 'STORAGE_FAILED' })
    await p.storage.set('k', 'x'.repeat(10))
    await expect(p.storage.set('k2', 'y'.repeat(20))).rejects.toMatchObject({ code: 'STORAGE_FULL' })
    expect(await p.storage.keys()).toEqual(['k'])
  })

  it('without a connector a dial fails (onError then onClose 1006); without a handler requests reject', async () => {
    const p = createMemoryPlatform()
    const log: string[] = []
    p.openSocket('wss://x', {
      onOpen: () => log.push('open'),
      onMessage: () => log.push('message'),
      onError: (e: ImError) => log.push(`error:${e.code}`),
      onClose: (code) => log.push(`close:${code}`),
    })
    expect(p.control.openSockets).toBe(1)
    p.control.advance(1)
    expect(log).toEqual(['error:NETWORK', 'close:1006'])
    expect(p.control.openSockets).toBe(0)
    await expect(p.request({ url: 'https://x', method: 'GET' })).rejects.toMatchObject({ code: 'NETWORK' })
  })

  it('its default random source is deterministic per seed (tests only, not secure)', async () => {
    const a = await createMemoryPlatform({ seed: 5 }).randomBytes(8)
    const b = await createMemoryPlatform({ seed: 5 }).randomBytes(8)
    const c = await createMemoryPlatform({ seed: 6 }).randomBytes(8)
    expect(a).toEqual(b)
    expect(a).not.toEqual(c)
  })
})
