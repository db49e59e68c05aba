/** Connection lifecycle: token auth, CONNECT first, no pipelining, idle close, kicks — both modes, real sockets. */
import { encodeClientPacket } from '../../../sdk/proto/codec'
import { PacketType, type DisconnectPacket } from '../../../sdk/proto/packets'
import { RawClient } from '../../support/server/raw-client'
import { harness, MODES, sleep, type Harness } from './helpers'

describe.each(MODES)('local server connections (%s)', (mode) => {
  let h: Harness
  beforeEach(async () => {
    h = await harness({ mode, kickCloseDelayMs: 50 })
  })
  afterEach(() => h.close())

  test('wrong token: v2 closes without CONNACK, v3 answers CONNACK 2 then closes', async () => {
    h.server.core.registerToken('alice', 'right')
    const c = await RawClient.connect(h.server.wsUrl, { uid: 'alice', token: 'wrong' })
    await c.closed
    if (mode === 'v2') expect(c.packets).toEqual([])
    else expect(c.connack).toMatchObject({ reasonCode: 2, hasServerVersion: false, serverKey: '' })
    expect(h.server.core.report()).toMatchObject({ authFailures: 1, activeConnections: 0 })
  })

  test('a uid without a registered token is refused; with tokenAuth off any token passes', async () => {
    const c = await RawClient.connect(h.server.wsUrl, { uid: 'ghost', token: 'x' })
    await c.closed
    expect(c.connack?.reasonCode ?? 'none').toBe(mode === 'v2' ? 'none' : 2)
    await h.close()
    h = await harness({ mode, tokenAuth: false })
    const ok = await RawClient.connect(h.server.wsUrl, { uid: 'ghost', token: 'anything' })
    h.clients.push(ok)
    expect(ok.connack?.reasonCode).toBe(1)
  })

  test('a token is per device flag', async () => {
    h.server.core.registerToken('alice', 't', 0)
    const web = await RawClient.connect(h.server.wsUrl, { uid: 'alice', token: 't', deviceFlag: 1 })
    await web.closed
    const app = await RawClient.connect(h.server.wsUrl, { uid: 'alice', token: 't', deviceFlag: 0 })
    h.clients.push(app)
    expect(app.connack?.reasonCode).toBe(1)
  })

  test('empty clientKey with encryption on: v3 CONNACK 21, v2 closes', async () => {
    h.server.core.registerToken('alice', 't')
    const c = await RawClient.connect(h.server.wsUrl, { uid: 'alice', token: 't', noClientKey: true })
    await c.closed
    expect(c.connack?.reasonCode ?? 'none').toBe(mode === 'v3' ? 21 : 'none')
  })

  test('anything but CONNECT first closes the socket', async () => {
    const c = await RawClient.open(h.server.wsUrl)
    c.ping()
    expect((await c.closed).code).toBe(1002)
    expect(c.packets).toEqual([])
    expect(h.server.core.report().protocolErrors).toBe(1)
  })

  test('frames pipelined behind CONNECT (before CONNACK) close the socket', async () => {
    h.server.core.registerToken('alice', 't')
    const c = await RawClient.open(h.server.wsUrl)
    const connect = encodeClientPacket(
      { type: PacketType.CONNECT, version: 5, deviceFlag: 1, deviceId: 'd', uid: 'alice', token: 't', clientTimestamp: Date.now(), clientKey: '' },
      5,
    )
    c.raw(Buffer.concat([connect, Buffer.from([0x70])]))
    expect((await c.closed).code).toBe(1002)
    expect(c.connack).toBeUndefined()
  })

  test('idle close after idleTimeoutMs without inbound data; PINGs keep it open', async () => {
    await h.close()
    h = await harness({ mode, idleTimeoutMs: 500 })
    const idle = await h.connect('alice')
    const pinger = await h.connect('bob')
    const timer = setInterval(() => pinger.ping(), 100)
    try {
      const closed = await idle.closed
      expect(closed.code).toBe(1006) // dropped without a close frame
      await sleep(600) // longer than the idle timeout: only the pings keep bob's socket open
      expect(pinger.isClosed).toBe(false)
    } finally {
      clearInterval(timer)
    }
  })

  test('kick: v2 DISCONNECT 12 then close; v3 plain close', async () => {
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    expect((await h.http('POST', '/conn/kick', { uid: 'alice' })).status).toBe(200)
    const closed = await alice.closed
    if (mode === 'v2') {
      const d = alice.packets.find((p): p is DisconnectPacket => p.type === PacketType.DISCONNECT)
      expect(d).toMatchObject({ reasonCode: 12, reason: 'server kick' })
    } else {
      expect(alice.packets.filter((p) => p.type === PacketType.DISCONNECT)).toEqual([])
      expect(closed.code).toBe(1000)
    }
    expect(bob.isClosed).toBe(false)
    expect(h.server.core.report().kicks).toBe(1)
  })

  test('v2 kick timing like the real v1.2.6: /conn/kick closes without a close frame after kickCloseDelayMs; a token update keeps the socket 10 s', async () => {
    if (mode !== 'v2') return
    await h.http('POST', '/user/token', { uid: 'alice', token: 't', device_flag: 1, device_level: 1 })
    const a = await RawClient.connect(h.server.wsUrl, { uid: 'alice', token: 't', deviceId: 'phone-1' })
    h.clients.push(a)
    await h.http('POST', '/user/token', { uid: 'alice', token: 't2', device_flag: 1, device_level: 1 })
    await a.waitUntil(() => a.packets.some((p) => p.type === PacketType.DISCONNECT))
    expect(a.packets.find((p) => p.type === PacketType.DISCONNECT)).toMatchObject({ reasonCode: 12, reason: '账号在其他设备上登录' })
    await sleep(300) // kickCloseDelayMs is 50 here; the token-update delay is 10 s
    expect(a.isClosed).toBe(false)
    const b = await h.connect('bob')
    expect((await h.http('POST', '/conn/kick', { uid: 'bob' })).status).toBe(200)
    expect((await b.closed).code).toBe(1006)
  })

  test('a master token for a new device kicks the old connection of that device flag', async () => {
    await h.http('POST', '/user/token', { uid: 'alice', token: 't', device_flag: 1, device_level: 1 })
    const first = await RawClient.connect(h.server.wsUrl, { uid: 'alice', token: 't', deviceId: 'phone-1' })
    h.clients.push(first)
    const second = await RawClient.connect(h.server.wsUrl, { uid: 'alice', token: 't', deviceId: 'phone-2' })
    h.clients.push(second)
    expect(second.connack?.reasonCode).toBe(1)
    await first.closed
    if (mode === 'v2') expect(first.packets.some((p) => p.type === PacketType.DISCONNECT && p.reasonCode === 12)).toBe(true)
    expect(h.server.core.connections('alice').map((c) => c.deviceId)).toEqual(['phone-2'])
  })
})
