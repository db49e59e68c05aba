/**
 * The simulated wx against the platform facts it claims (docs/platform.md), through the raw wx API —
 * so it cannot drift into an always-succeeding stub.
 */
import { createSimWx, SimStorageData, virtualConnector, type AcceptFn, type SimWx, type SimWxOptions } from '../../support/sim-wx'
import { VirtualScheduler } from '../../support/virtual-time'

type Res = Record<string, any>

/** Calls a callback-style wx API and settles with { ok, res }. */
function cb(fn: (o: Res) => unknown, o: Res = {}): Promise<{ ok: boolean; res: Res }> {
  return new Promise((resolve) => {
    fn({ ...o, success: (res: Res) => resolve({ ok: true, res }), fail: (res: Res) => resolve({ ok: false, res }) })
  })
}

/** An echo server that counts connections and closes. */
function echoServer() {
  const stats = { accepted: 0, closed: 0, received: [] as Uint8Array[] }
  const accept: AcceptFn = (sink) => {
    stats.accepted++
    return {
      onData: (d) => {
        stats.received.push(d)
        sink.send(d)
      },
      onClose: () => void stats.closed++,
    }
  }
  return { stats, accept }
}

function setup(extra: Partial<SimWxOptions> = {}) {
  const scheduler = new VirtualScheduler()
  const server = echoServer()
  const sim = createSimWx({ scheduler, connect: virtualConnector(server.accept, { latencyMs: 5 }), ...extra })
  const w = sim.wx as unknown as Record<string, (...a: any[]) => any>
  return { scheduler, server, sim, w }
}

function open(w: Record<string, (...a: any[]) => any>, url = 'wss://im.example.com') {
  const log: string[] = []
  const task = w.connectSocket!({ url })
  task.onOpen(() => log.push('open'))
  task.onMessage((r: Res) => log.push(`message:${r.data instanceof ArrayBuffer ? 'binary' : 'text'}`))
  task.onError((r: Res) => log.push(`error:${r.errMsg}`))
  task.onClose((r: Res) => log.push(`close:${r.code}`))
  return { task, log }
}

describe('sim wx storage', () => {
  it('stores JSON copies: later mutation does not leak, binary does not survive, absent keys fail "data not found"', async () => {
    const { w } = setup()
    const value = { a: [1, 2], bytes: new Uint8Array([1, 2, 3]) }
    await cb(w.setStorage!, { key: 'k', data: value })
    value.a.push(3)
    const got = await cb(w.getStorage!, { key: 'k' })
    expect(got.res.data).toEqual({ a: [1, 2], bytes: { 0: 1, 1: 2, 2: 3 } })
    const missing = await cb(w.getStorage!, { key: 'nope' })
    expect(missing).toEqual({ ok: false, res: { errMsg: 'getStorage:fail data not found' } })
    expect(w.getStorageSync!('nope')).toBe('')
  })

  it('enforces 1 MB per key and 10 MB in total with the wx error texts, and reports KB sizes', async () => {
    const { w, sim } = setup()
    const big = 'x'.repeat(1024 * 1024)
    expect(await cb(w.setStorage!, { key: 'big', data: big })).toEqual({ ok: false, res: { errMsg: 'setStorage:fail exceed storage item max length' } })
    const chunk = 'y'.repeat(1000 * 1024)
    for (let i = 0; i < 10; i++) expect((await cb(w.setStorage!, { key: `c${i}`, data: chunk })).ok).toBe(true)
    const full = await cb(w.setStorage!, { key: 'c10', data: chunk })
    expect(full).toEqual({ ok: false, res: { errMsg: 'setStorage:fail exceed storage max size 10Mb' } })
    expect(() => w.setStorageSync!('c10', chunk)).toThrow('APP-SERVICE-SDK:setStorageSync:fail exceed storage max size 10Mb')
    const info = await cb(w.getStorageInfo!)
    expect(info.res.keys).toHaveLength(10)
    expect(info.res.limitSize).toBe(10240)
    expect(info.res.currentSize).toBe(Math.ceil(sim.control.storage.data.totalBytes() / 1024))
    expect(info.res.currentSize).toBeGreaterThan(10000)
    // Removing and shrinking free space (the running total follows every write and remove).
    expect((await cb(w.removeStorage!, { key: 'c0' })).ok).toBe(true)
    expect((await cb(w.setStorage!, { key: 'c1', data: 'small' })).ok).toBe(true)
    expect((await cb(w.setStorage!, { key: 'c10', data: chunk })).ok).toBe(true)
    expect((await cb(w.setStorage!, { key: 'c11', data: chunk })).ok).toBe(true)
    expect((await cb(w.setStorage!, { key: 'c12', data: chunk })).res.errMsg).toBe('setStorage:fail exceed storage max size 10Mb')
    const after = await cb(w.getStorageInfo!)
    expect(after.res.currentSize).toBe(Math.ceil([...sim.control.storage.data.items].reduce((n, [k, v]) => n + sim.control.storage.data.sizeOf(k, v), 0) / 1024))
  })

  it('counts encrypted values 1.4x (about 0.7 MB per key) and needs encrypt on read', async () => {
    const { w } = setup()
    const v = 'z'.repeat(800 * 1024)
    expect((await cb(w.setStorage!, { key: 'plain', data: v })).ok).toBe(true)
    expect((await cb(w.setStorage!, { key: 'enc', data: v, encrypt: true })).res.errMsg).toBe('setStorage:fail exceed storage item max length')
    expect((await cb(w.setStorage!, { key: 'enc', data: 'secret', encrypt: true })).ok).toBe(true)
    expect((await cb(w.getStorage!, { key: 'enc' })).ok).toBe(false)
    expect((await cb(w.getStorage!, { key: 'enc', encrypt: true })).res.data).toBe('secret')
  })

  it('completes same-tick async writes to one key in a seeded order that is not always call order', async () => {
    const lastWins: string[] = []
    for (let seed = 1; seed <= 8; seed++) {
      const { w, sim } = setup({ seed })
      const a = cb(w.setStorage!, { key: 'k', data: 'first' })
      const b = cb(w.setStorage!, { key: 'k', data: 'second' })
      await Promise.all([a, b])
      lastWins.push(sim.control.storage.data.peek('k') as string)
    }
    expect(lastWins).toContain('first')
    expect(lastWins).toContain('second')
    // Replays exactly from the seed.
    const again = setup({ seed: 1 })
    await Promise.all([cb(again.w.setStorage!, { key: 'k', data: 'first' }), cb(again.w.setStorage!, { key: 'k', data: 'second' })])
    expect(again.sim.control.storage.data.peek('k')).toBe(lastWins[0])
  })

  it('injects failures and custom limits', async () => {
    const { w, sim } = setup()
    sim.control.storage.failNext(1, 'setStorage:fail disk io')
    expect((await cb(w.setStorage!, { key: 'k', data: 1 })).res.errMsg).toBe('setStorage:fail disk io')
    expect((await cb(w.setStorage!, { key: 'k', data: 1 })).ok).toBe(true)
    sim.control.storage.setLimits({ totalBytes: 100 })
    expect((await cb(w.setStorage!, { key: 'k2', data: 'q'.repeat(200) })).res.errMsg).toBe('setStorage:fail exceed storage max size 10Mb')
  })

  it('keeps data across a cold restart and loses writes not yet applied', async () => {
    const data = new SimStorageData()
    const scheduler = new VirtualScheduler()
    const first = createSimWx({ scheduler, storage: data })
    const w1 = first.wx as unknown as Record<string, (...a: any[]) => any>
    await cb(w1.setStorage!, { key: 'kept', data: 1 })
    w1.setStorage!({ key: 'lost', data: 2 })
    const second: SimWx = first.control.coldRestart()
    await scheduler.advance(1)
    expect(first.control.alive).toBe(false)
    const w2 = second.wx as unknown as Record<string, (...a: any[]) => any>
    expect((await cb(w2.getStorageInfo!)).res.keys).toEqual(['kept'])
  })
})

describe('sim wx sockets', () => {
  it('has only the SocketTask methods, binary frames as ArrayBuffer, and refuses typed-array sends', async () => {
    const { w, scheduler, server } = setup()
    const { task, log } = open(w)
    expect(Object.keys(task).sort()).toEqual(['close', 'onClose', 'onError', 'onMessage', 'onOpen', 'send'])
    const early = await cb(task.send, { data: new Uint8Array([1]).buffer })
    expect(early.res.errMsg).toMatch(/not connected/)
    await scheduler.advance(5)
    expect(log).toEqual(['open'])
    const bad = await cb(task.send, { data: new Uint8Array([1, 2]) })
    expect(bad.res.errMsg).toMatch(/parameter error/)
    expect((await cb(task.send, { data: new Uint8Array([7, 8]).buffer })).ok).toBe(true)
    await scheduler.advance(10)
    expect(server.stats.received).toEqual([new Uint8Array([7, 8])])
    expect(log).toEqual(['open', 'message:binary'])
  })

  it('caps concurrent sockets at 5 with the wx text; closed tasks count until released', async () => {
    const { w, scheduler, sim } = setup()
    const tasks = Array.from({ length: 5 }, () => open(w))
    await scheduler.advance(5)
    const sixth = open(w)
    const res = await new Promise<Res>((resolve) => {
      w.connectSocket!({ url: 'wss://x', fail: resolve })
      void scheduler.advance(1)
    })
    expect(res.errMsg).toBe('createSocketTask: fail exceed max cocurrent count')
    await scheduler.advance(1)
    expect(sixth.log).toEqual(['error:createSocketTask: fail exceed max cocurrent count'])
    expect(sim.control.openSocketCount).toBe(5)
    tasks[0]!.task.close({})
    await scheduler.advance(10)
    expect(tasks[0]!.log).toEqual(['open', 'close:1000'])
    expect(sim.control.openSocketCount).toBe(5) // closed, not yet released
    await scheduler.advance(100)
    expect(sim.control.openSocketCount).toBe(4)
  })

  it('close() refuses dead tasks, bad codes, long reasons, and does nothing before open', async () => {
    const { w, scheduler, server } = setup()
    const { task, log } = open(w)
    expect((await cb(task.close)).res.errMsg).toBe('closeSocket:fail WebSocket is not connected')
    await scheduler.advance(5)
    expect(log).toEqual(['open']) // the early close did nothing
    expect((await cb(task.close, { code: 1006 })).ok).toBe(false)
    expect((await cb(task.close, { reason: 'é'.repeat(62) })).res.errMsg).toMatch(/123 bytes/)
    expect((await cb(task.close, { code: 4000, reason: 'bye' })).ok).toBe(true)
    await scheduler.advance(10)
    expect(log).toEqual(['open', 'close:4000'])
    expect(server.stats.closed).toBe(1)
    expect((await cb(task.close)).res.errMsg).toBe('closeSocket:fail WebSocket is not connected')
  })

  it('fires the global onSocketClose too, and server resets reach the task as 1006', async () => {
    const { w, scheduler, sim } = setup()
    const globals: number[] = []
    w.onSocketClose!((r: Res) => globals.push(r.code))
    const { log } = open(w)
    await scheduler.advance(5)
    sim.control.sockets()[0]!.kill('reset')
    await scheduler.advance(1)
    expect(log).toEqual(['open', 'close:1006'])
    expect(globals).toEqual([1006])
  })
})

describe('sim wx network', () => {
  it('offline: status listeners hear it, live sockets end, dials and requests fail', async () => {
    const { w, scheduler, sim } = setup({ http: async () => ({ statusCode: 200, data: { ok: 1 } }) })
    const heard: Res[] = []
    w.onNetworkStatusChange!((r: Res) => heard.push(r))
    const live = open(w)
    await scheduler.advance(5)
    sim.control.setNetwork({ online: false })
    await scheduler.advance(5)
    expect(heard).toEqual([{ isConnected: false, networkType: 'none' }])
    expect(live.log).toEqual(['open', 'error:sim: network lost', 'close:1006'])
    const dial = open(w)
    await scheduler.advance(5)
    expect(dial.log).toEqual(['error:connectSocket:fail net::ERR_INTERNET_DISCONNECTED', 'close:1006'])
    const req = cb(w.request!, { url: 'https://api/x' })
    await scheduler.advance(5)
    expect((await req).res.errMsg).toMatch(/^request:fail /)
    const type = cb(w.getNetworkType!)
    await scheduler.advance(1)
    expect((await type).res.networkType).toBe('none')
    sim.control.setNetwork({ online: true, type: '4g' })
    const ok = cb(w.request!, { url: 'https://api/x' })
    await scheduler.advance(20)
    expect((await ok).res).toMatchObject({ statusCode: 200, data: { ok: 1 } })
  })
})

describe('sim wx background timeline', () => {
  it('hide → 5 s suspended (timers wait, requests interrupted) → 10 s sockets closed 1001 → show delivers late', async () => {
    const { w, scheduler, sim } = setup({ http: () => new Promise(() => undefined) })
    const events: string[] = []
    w.onAppHide!(() => events.push('hide'))
    w.onAppShow!(() => events.push('show'))
    const { log } = open(w)
    await scheduler.advance(5)
    sim.control.hide()
    const req = cb(w.request!, { url: 'https://api/slow' })
    sim.control.timers.setTimeout(() => events.push(`timer@${scheduler.now()}`), 6000)
    await scheduler.advance(5000)
    expect(sim.control.suspended).toBe(true)
    await scheduler.advance(20_000)
    expect(events).toEqual(['hide']) // nothing reaches the app while suspended
    expect(log).toEqual(['open'])
    const before = scheduler.now()
    sim.control.show()
    expect(events[0]).toBe('hide')
    expect(events[1]).toBe('show')
    expect(events[2]).toBe(`timer@${before}`) // fired late, on show
    expect((await req).res.errMsg).toBe('request:fail interrupted')
    expect(log).toEqual(['open', 'close:1001'])
  })

  it('iOS: the task onClose never fires, the global onSocketClose fires once', async () => {
    const { w, scheduler, sim, server } = setup({ iosNoOnClose: true })
    const globals: number[] = []
    w.onSocketClose!((r: Res) => globals.push(r.code))
    const { log } = open(w)
    await scheduler.advance(5)
    sim.control.hide()
    await scheduler.advance(16_000)
    sim.control.show()
    await scheduler.advance(1000)
    expect(log).toEqual(['open'])
    expect(globals).toEqual([1001])
    expect(server.stats.closed).toBe(1)
  })

  it('30 min suspended = destroyed: show throws, coldRestart gives a live wx over the same storage', async () => {
    const { w, scheduler, sim } = setup()
    await cb(w.setStorage!, { key: 'k', data: 'v' })
    sim.control.hide()
    await scheduler.advance(5000 + 30 * 60_000)
    expect(sim.control.destroyed).toBe(true)
    expect(() => sim.control.show()).toThrow(/destroyed/)
    const next = sim.control.coldRestart()
    const w2 = next.wx as unknown as Record<string, (...a: any[]) => any>
    expect((await cb(w2.getStorage!, { key: 'k' })).res.data).toBe('v')
  })
})

describe('sim wx request cap', () => {
  it('allows 10 concurrent requests; the 11th fails at once', async () => {
    const { w, scheduler } = setup({ http: () => new Promise(() => undefined) })
    for (let i = 0; i < 10; i++) w.request!({ url: 'https://api/hang' })
    const eleventh = cb(w.request!, { url: 'https://api/x' })
    await scheduler.advance(1)
    expect((await eleventh).res.errMsg).toBe('request:fail exceed max task count')
  })
})
