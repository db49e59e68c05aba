/**
 * createWxPlatform specifics over the simulated wx: what the contract suite cannot say for every
 * platform (wx quirks: text frames, close reasons, the iOS global close, base-library gaps).
 */
import { createWxPlatform, truncateUtf8 } from '../../../sdk/platform/wx'
import { createClient } from '../../../sdk/client'
import type { ImError } from '../../../sdk/errors'
import { createSimWx, virtualConnector, type SimWxOptions } from '../../support/sim-wx'
import { VirtualScheduler } from '../../support/virtual-time'
import { echoAccept } from '../../contract/platform.contract'

function setup(extra: Partial<SimWxOptions> = {}) {
  const scheduler = new VirtualScheduler()
  const server = echoAccept()
  const sim = createSimWx({ scheduler, connect: virtualConnector(server.accept, { latencyMs: 5 }), ...extra })
  return { scheduler, server: server.stats, sim, platform: sim.control.platform() }
}

function record() {
  const log: string[] = []
  return {
    log,
    handlers: {
      onOpen: () => log.push('open'),
      onMessage: (d: Uint8Array) => log.push(`message:${d.length}`),
      onError: (e: ImError) => log.push(`error:${e.code}`),
      onClose: (code: number) => log.push(`close:${code}`),
    },
  }
}

describe('wx adapter sockets', () => {
  it('a text frame is a ProtocolError; binary frames pass as Uint8Array', async () => {
    const { scheduler, sim, platform } = setup()
    const r = record()
    platform.openSocket('wss://im', r.handlers)
    await scheduler.advance(5)
    sim.control.sockets()[0]!.push('hello')
    sim.control.sockets()[0]!.push(new Uint8Array([1, 2, 3]))
    await scheduler.advance(1)
    expect(r.log).toEqual(['open', 'error:PROTOCOL', 'message:3'])
  })

  it('truncates the close reason to 123 UTF-8 bytes (wx refuses longer) and maps invalid codes to 1000', async () => {
    expect(truncateUtf8('é'.repeat(100), 123)).toBe('é'.repeat(61))
    expect(truncateUtf8('a😀b', 4)).toBe('a')
    expect(truncateUtf8('short', 123)).toBe('short')
    const { scheduler, server, platform } = setup()
    const socket = platform.openSocket('wss://im', record().handlers)
    await scheduler.advance(5)
    socket.close(1001, '再见'.repeat(100))
    await scheduler.advance(10)
    expect(server.closed).toBe(1) // wx accepted the close
  })

  it('ignores every event after onClose and after a server reset', async () => {
    const { scheduler, sim, platform } = setup()
    const r = record()
    platform.openSocket('wss://im', r.handlers)
    await scheduler.advance(5)
    const s = sim.control.sockets()[0]!
    s.kill('reset')
    s.push(new Uint8Array([1]))
    await scheduler.advance(10)
    expect(r.log).toEqual(['open', 'close:1006'])
  })

  it('iOS background close: the global wx.onSocketClose ends the newest socket, once', async () => {
    const { scheduler, sim, platform } = setup({ iosNoOnClose: true })
    const r = record()
    platform.openSocket('wss://im', r.handlers)
    await scheduler.advance(5)
    sim.control.hide()
    await scheduler.advance(16_000)
    expect(r.log).toEqual(['open']) // suspended: nothing yet
    sim.control.show()
    await scheduler.advance(100)
    expect(r.log).toEqual(['open', 'close:1001'])
  })

  it.each([false, true])("another socket's close echo on the global wx.onSocketClose does not end the live one (global first: %s)", async (globalCloseFirst) => {
    const { scheduler, sim, platform } = setup({ globalCloseFirst })
    const old = record()
    const cur = record()
    platform.openSocket('wss://im', old.handlers)
    await scheduler.advance(5)
    platform.openSocket('wss://im', cur.handlers)
    await scheduler.advance(5)
    sim.control.sockets()[0]!.kill('reset') // the old task fires onClose and the global onSocketClose
    await scheduler.advance(100)
    expect(old.log).toEqual(['open', 'close:1006'])
    expect(cur.log).toEqual(['open'])
  })

  it('a dial over the socket cap fails with onError then onClose', async () => {
    const { scheduler, platform } = setup({ socketCap: 1 })
    platform.openSocket('wss://im', record().handlers)
    const r = record()
    platform.openSocket('wss://im', r.handlers)
    await scheduler.advance(5)
    expect(r.log).toEqual(['error:NETWORK', 'close:1006'])
  })
})

describe('wx adapter storage, network, request, randomness', () => {
  it('maps storage fail texts: "exceed" → STORAGE_FULL, anything else → STORAGE_FAILED', async () => {
    const { sim, platform } = setup()
    sim.control.storage.setLimits({ totalBytes: 50 })
    await expect(platform.storage.set('k', 'x'.repeat(100))).rejects.toMatchObject({ code: 'STORAGE_FULL', message: 'setStorage:fail exceed storage max size 10Mb' })
    sim.control.storage.setLimits({ totalBytes: 10 * 1024 * 1024 })
    sim.control.storage.failNext(1)
    await expect(platform.storage.set('k', 1)).rejects.toMatchObject({ code: 'STORAGE_FAILED' })
    await expect(platform.storage.set('k', 1)).resolves.toBeUndefined()
  })

  it('encryptStorage passes encrypt on write and read', async () => {
    const { sim } = setup()
    const platform = sim.control.platform({ encryptStorage: true })
    await platform.storage.set('k', 'secret')
    expect(await platform.storage.get('k')).toBe('secret')
    // A plain read of it fails in wx; the adapter then reads it encrypted (encrypt-migration.test.ts).
    expect(await sim.control.platform().storage.get('k')).toBe('secret')
  })

  it('without offNetworkStatusChange (base < 2.9.3) keeps one wx listener and filters unsubscribed ones', async () => {
    const { sim, scheduler } = setup({ missing: ['offNetworkStatusChange'] })
    const platform = sim.control.platform()
    const a: boolean[] = []
    const b: boolean[] = []
    const offA = platform.network.onChange((s) => a.push(s.online))
    platform.network.onChange((s) => b.push(s.online))
    offA()
    sim.control.setNetwork({ online: false })
    await scheduler.advance(1)
    expect(a).toEqual([])
    expect(b).toEqual([false])
    expect(platform.missing.join()).toMatch(/offNetworkStatusChange/)
  })

  it('request: any status resolves; interrupted in the background rejects with the wx errMsg', async () => {
    let status = 500
    const { scheduler, sim, platform } = setup({ http: async () => ({ statusCode: status, data: { msg: 'boom' } }) })
    const p = platform.request({ url: 'https://api/x', method: 'POST', data: { a: 1 } })
    await scheduler.advance(20)
    await expect(p).resolves.toEqual({ status: 500, data: { msg: 'boom' } })
    status = 200
    const slow = createSimWx({ scheduler, http: () => new Promise(() => undefined) })
    const q = slow.control.platform().request({ url: 'https://api/x', method: 'GET' })
    const caught = q.catch((e: ImError) => e)
    slow.control.hide()
    await scheduler.advance(6000)
    slow.control.show()
    expect(await caught).toMatchObject({ code: 'NETWORK', message: 'request:fail interrupted' })
    void sim
  })

  it('randomBytes draws from a pool refilled by wx.getRandomValues, and refuses without it (no Math.random)', async () => {
    const { sim } = setup()
    let calls = 0
    const wx = sim.wx as unknown as Record<string, unknown>
    const real = wx.getRandomValues as (o: unknown) => void
    wx.getRandomValues = (o: unknown) => {
      calls++
      real(o)
    }
    const platform = createWxPlatform(sim.wx, { randomPoolSize: 64, timers: sim.control.timers, clock: sim.control.clock })
    const draws = []
    for (let i = 0; i < 8; i++) draws.push(await platform.randomBytes(4))
    expect(new Set(draws.map((d) => d.join())).size).toBe(8)
    expect(calls).toBeLessThanOrEqual(2)
    const big = await platform.randomBytes(200)
    expect(big).toHaveLength(200)

    const old = createSimWx({ scheduler: new VirtualScheduler(), missing: ['getRandomValues'] }).control.platform()
    await expect(old.randomBytes(16)).rejects.toMatchObject({ code: 'PLATFORM_UNSUPPORTED' })
    expect(old.missing.join()).toMatch(/getRandomValues/)
    // ...and client.diagnose() names it, so "it never connects" has an answer.
    const client = createClient({ uid: 'old-phone', token: 't', wsAddr: 'ws://x', platform: old })
    const report = await client.diagnose()
    expect(report.platform).toEqual({ name: 'wx', missing: old.missing })
    expect(report.summary.some((l) => l.startsWith('platform wx lacks: getRandomValues'))).toBe(true)
    await client.close()
  })

  it('without onAppShow/onAppHide (base < 2.1.2) lifecycle listeners are inert and the gap is listed', () => {
    const { sim } = setup({ missing: ['onAppShow', 'onAppHide', 'offAppShow', 'offAppHide'] })
    const platform = sim.control.platform()
    const seen: string[] = []
    const off = platform.lifecycle.onHide(() => seen.push('hide'))
    sim.control.hide()
    off()
    expect(seen).toEqual([])
    expect(platform.missing.join()).toMatch(/onAppShow/)
  })

  it('writes realtime logs through wx.getRealtimeLogManager when present', () => {
    const { sim, platform } = setup()
    platform.realtimeLog?.warn('[wkmp] hello')
    expect(sim.control.logs).toEqual(['warn [wkmp] hello'])
  })
})
