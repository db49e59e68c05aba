/** The fault hooks the chaos engine uses beyond the original ones: HTTP faults, soft DISCONNECT, forged RECV, failed reads. */
import { createClient } from '../../sdk/client'
import type { Client } from '../../sdk/client'
import { ServerCore } from '../support/server/core'
import { createSimWx } from '../support/sim-wx'
import { VirtualScheduler } from '../support/virtual-time'
import { waitFor } from '../support/waiters'
import { makeDevice, makeWorld } from '../unit/client/harness'
import { runScenario } from './engine'

const SYNC = { login_uid: 'u1', channel_id: 'g1', channel_type: 2, start_message_seq: 1, end_message_seq: 0, pull_mode: 1, limit: 10 }

function core(time = new VirtualScheduler()): ServerCore {
  const c = new ServerCore({ mode: 'v3', encrypt: false, clock: time, timers: time, random: (n) => new Uint8Array(n), routes: { wsAddr: 'ws://core' } })
  c.createGroup('g1', ['u0', 'u1'])
  for (const no of ['a', 'b', 'c']) c.submit('u0', { flags: { dup: false, syncOnce: false, redDot: false, noPersist: false }, setting: 0, clientMsgNo: no, channelId: 'g1', channelType: 2, expire: 0 }, new Uint8Array([1]))
  return c
}

describe('chaos fault hooks', () => {
  it('failHttp: 500, HTML, wrong shape, 404 for the next answers of the chosen uid and path only', async () => {
    const c = core()
    c.faults.failHttp(['/channel/messagesync'], 'status-500', { count: 1, uid: 'u1' })
    c.faults.failHttp(['/channel/messagesync'], 'html', { count: 1 })
    c.faults.failHttp(['/channel/messagesync'], 'wrong-shape', { count: 1 })
    c.faults.failHttp(['/conversation/list'], 'not-found', { count: 1 })
    expect((await c.handleHttp('POST', '/channel/messagesync', { ...SYNC, login_uid: 'u0' })).body).toBe('<html><body>502 Bad Gateway</body></html>') // 500 is u1's only
    expect(await c.handleHttp('POST', '/channel/messagesync', SYNC)).toMatchObject({ status: 500 })
    expect(await c.handleHttp('POST', '/channel/messagesync', SYNC)).toMatchObject({ status: 200, body: { data: 'maintenance' } })
    expect(await c.handleHttp('POST', '/conversation/list', { uid: 'u1' })).toMatchObject({ status: 404 })
    expect(await c.handleHttp('POST', '/conversation/list', { uid: 'u1' })).toMatchObject({ status: 200 })
    const good = (await c.handleHttp('POST', '/channel/messagesync', SYNC)).body as { messages: Array<{ message_seq: unknown }> }
    expect(good.messages.map((m) => m.message_seq)).toEqual([1, 2, 3])
  })

  it('failHttp: a malformed item spoils one message of the page; no-answer never settles; a window ends on the clock', async () => {
    const time = new VirtualScheduler()
    const c = core(time)
    c.faults.failHttp(['/channel/messagesync'], 'malformed-item', { untilMs: time.now() + 1_000 })
    const page = (await c.handleHttp('POST', '/channel/messagesync', SYNC)).body as { messages: Array<{ message_seq: unknown }> }
    expect(page.messages.map((m) => m.message_seq)).toEqual([1, 'seq', 3])
    await time.advance(1_000)
    c.faults.failHttp(['/channel/messagesync'], 'no-answer', { count: 1 })
    let settled = false
    void c.handleHttp('POST', '/channel/messagesync', SYNC).then(() => void (settled = true))
    const after = (await c.handleHttp('POST', '/channel/messagesync', SYNC)).body as { messages: Array<{ message_seq: unknown }> }
    expect(after.messages.map((m) => m.message_seq)).toEqual([1, 2, 3])
    expect(settled).toBe(false)
    c.faults.failHttp(['/channel/messagesync'], 'status-500', { untilMs: time.now() + 10 })
    c.faults.clear()
    expect(await c.handleHttp('POST', '/channel/messagesync', SYNC)).toMatchObject({ status: 200 })
  })

  it('failReads: the next reads of matching keys fail, the others and later ones do not', async () => {
    const sim = createSimWx({ scheduler: new VirtualScheduler() })
    const wx = sim.wx as unknown as { setStorageSync(k: string, v: unknown): void; getStorage(o: { key: string; success(r: { data: unknown }): void; fail(e: { errMsg: string }): void }): void }
    wx.setStorageSync('a:in:cursors', 1)
    wx.setStorageSync('a:out:x', 2)
    const read = (key: string): Promise<string> => new Promise((resolve) => wx.getStorage({ key, success: (r) => resolve(`ok ${String(r.data)}`), fail: (e) => resolve(e.errMsg) }))
    sim.control.storage.failReads(1, ':in:cursors')
    expect(await read('a:out:x')).toBe('ok 2')
    expect(await read('a:in:cursors')).toBe('getStorage:fail sim injected read failure')
    expect(await read('a:in:cursors')).toBe('ok 1')
  })

  it('failWrites: the next writes of matching keys fail and write nothing, the others and later ones do not', async () => {
    const sim = createSimWx({ scheduler: new VirtualScheduler() })
    const wx = sim.wx as unknown as { getStorageSync(k: string): unknown; setStorage(o: { key: string; data: unknown; success(): void; fail(e: { errMsg: string }): void }): void }
    const write = (key: string, data: unknown): Promise<string> => new Promise((resolve) => wx.setStorage({ key, data, success: () => resolve('ok'), fail: (e) => resolve(e.errMsg) }))
    sim.control.storage.failWrites(1, ':out:#')
    expect(await write('a:out:x', 1)).toBe('ok')
    expect(await write('a:out:#1', 2)).toBe('setStorage:fail sim injected failure')
    expect(wx.getStorageSync('a:out:#1')).toBe('')
    expect(await write('a:out:#1', 3)).toBe('ok')
    expect(wx.getStorageSync('a:out:#1')).toBe(3)
  })

  it('storage.freeze: operations not yet applied and later ones never complete, earlier ones stay', async () => {
    const time = new VirtualScheduler()
    const sim = createSimWx({ scheduler: time })
    type Opts = { key: string; data?: unknown; success(): void; fail(): void }
    const wx = sim.wx as unknown as { setStorage(o: Opts): void; getStorage(o: Opts): void; getStorageSync(k: string): unknown }
    const settled: string[] = []
    const set = (key: string): void => wx.setStorage({ key, data: key, success: () => void settled.push(key), fail: () => void settled.push(`${key} failed`) })
    set('before')
    await time.advance(0)
    set('in-flight')
    sim.control.storage.freeze()
    set('after')
    wx.getStorage({ key: 'before', success: () => void settled.push('read'), fail: () => void settled.push('read failed') })
    await time.advance(10)
    expect(settled).toEqual(['before'])
    expect([wx.getStorageSync('before'), wx.getStorageSync('in-flight'), wx.getStorageSync('after')]).toEqual(['before', '', ''])
  })

  // Seed 164: the kill came inside the handler of the first message of a claimed run (8 held
  // messages, the cursor stored at the run's end before it was shown). Killed in the middle of
  // the task, the rest of the run was never shown though the run's own task would have shown it:
  // u2 lost u0's message at g1 seq 16. The kill now lands where WeChat can end a process, after
  // the task, with the storage as it was inside the handler. (Since the last episodes were added
  // to the schedule the seed's kill lands in the task that shows seq 9, 10 and the pushed 17.)
  // Without issue 19's media episodes and issue 21's batch episodes, which add steps to the timeline and move the kill.
  // The conversation list's sync after each catch-up (issue 20) leaves the kill in that task; only
  // the world's seeded random stream is drawn in another order, so seq 17's clientMsgNo is another.
  // The message history (issue 20: small per-channel stores, written in batches) shifts it again;
  // the kill still lands in the task that shows the pushed seq 17.
  // Likewise issue 21's lazy own-SENDACK notes (fewer storage writes draw fewer completion orders).
  it.each(['v2', 'v3'] as const)('handler-kill: a kill inside a claimed run loses none of it (seed 164, %s)', async (mode) => {
    const r = await runScenario(164, { mode, trace: true, without: ['media', 'batches', 'convops'] })
    expect(r.trace.some((line) => line.includes('u2#4 killed inside the message handler'))).toBe(true)
    expect(r.trace.some((line) => / u2#4 shown 2:g1 seq 17 from u0 [0-9a-f]{8} \(push\)/.test(line))).toBe(true)
    expect(r.failures.filter((f) => f.startsWith('lost'))).toEqual([])
  }, 60_000)

  it('mixPipelinedSends: a pipelined SEND lends its payload to the held one; one SEND per channel (the v3 default) is never mixed', async () => {
    const stored = async (channelWindow: number | undefined): Promise<string[]> => {
      const world = makeWorld('v3', true)
      world.core.createGroup('g1', ['u0', 'u1'])
      world.core.registerToken('u1', 'u1-token')
      const client = createClient({ uid: 'u1', token: 'u1-token', wsAddr: 'ws://core', apiAddr: 'http://api', platform: makeDevice(world).platform, random: () => 0.5, outbox: { channelWindow } })
      try {
        await client.connect()
        await waitFor(() => client.state === 'connected', { tick: () => world.time.advance(50) })
        world.core.faults.mixPipelinedSends(3, 100)
        await Promise.all(['m1', 'm2', 'm3'].map((t) => client.send({ channelId: 'g1', channelType: 2, payload: t })))
        await waitFor(() => client.pending().length === 0, { tick: () => world.time.advance(50) })
        return world.core.messages({ channelId: 'g1', channelType: 2 }).map((m) => Buffer.from(m.payload, 'base64').toString())
      } finally {
        await client.close()
      }
    }
    expect(await stored(0)).toEqual(['m2', 'm2', 'm3'])
    expect(await stored(undefined)).toEqual(['m1', 'm2', 'm3'])
  })

  describe.each(['v2', 'v3'] as const)('on a live SDK session (%s)', (mode) => {
    const clients: Client[] = []
    afterEach(async () => {
      for (const c of clients.splice(0)) await c.close()
    })
    const connected = async (encrypt: boolean) => {
      const world = makeWorld(mode, encrypt)
      world.core.createGroup('g1', ['u0', 'u1'])
      const client = createClient({ uid: 'u1', token: 'u1-token', wsAddr: 'ws://core', platform: makeDevice(world).platform, random: () => 0.5 })
      clients.push(client)
      world.core.registerToken('u1', 'u1-token')
      await client.connect()
      await waitFor(() => client.state === 'connected', { tick: () => world.time.advance(50) })
      return { world, client }
    }

    it('disconnect: a DISCONNECT with a non-kick reason reaches the client and ends the link', async () => {
      const { world, client } = await connected(false)
      const states: string[] = []
      client.on('state', (s) => void states.push(`${s.to} (${s.reason})`))
      expect(world.core.faults.disconnect('u1', 15, 'going away')).toBe(1)
      await world.time.advance(50)
      expect(client.state).not.toBe('connected')
      expect(states.length).toBeGreaterThan(0)
      expect(world.core.report().kicks).toBe(0)
    })

    it('forgePlainRecv: only encrypted sessions get a forged plaintext RECV', async () => {
      const plain = await connected(false)
      expect(plain.world.core.faults.forgePlainRecv('u1', { channelId: 'g1', channelType: 2 }, 'u0')).toBe(0)
      const enc = await connected(true)
      expect(enc.world.core.faults.forgePlainRecv('u1', { channelId: 'g1', channelType: 2 }, 'u0')).toBe(1)
      expect(enc.world.core.messages({ channelId: 'g1', channelType: 2 })).toEqual([])
    })
  })
})
