/**
 * Interop: two instances of the official `wukongimjssdk@1.0.4` (protocol version 2, its own X25519
 * + AES code, its own WebSocket handling) talk through the local server. This shows the server
 * speaks the real WuKongIM protocol, not a private dialect of our codec.
 */
import { WebSocket } from 'ws'
import { personChannelId } from '../../support/server/channels'
import { startLocalServer, type LocalServer } from '../../support/server/ws-server'

/** A fresh copy of the SDK module graph: its managers are singletons, so each client needs its own. */
function loadOfficialSdk(): any {
  let mod: any
  jest.isolateModules(() => {
    mod = require('wukongimjssdk')
  })
  return mod
}

interface Official {
  sdk: any
  /** [ConnectStatus, reasonCode] as the SDK reports them (1 Connected, 3 ConnectFail). */
  statuses: Array<[number, number]>
  acks: Array<{ clientSeq: number; reasonCode: number; messageSeq: number }>
  messages: any[]
}

function official(server: LocalServer, uid: string, token: string): Official {
  const mod = loadOfficialSdk()
  const sdk = mod.default.shared()
  clearInterval(sdk.receiptManager.timer) // started at load; not needed here
  sdk.config.addr = server.wsUrl
  sdk.config.uid = uid
  sdk.config.token = token
  const o: Official = { sdk, statuses: [], acks: [], messages: [] }
  sdk.connectManager.addConnectStatusListener((status: number, reasonCode: number) => o.statuses.push([status, reasonCode]))
  sdk.chatManager.addMessageStatusListener((ack: any) => o.acks.push({ clientSeq: ack.clientSeq, reasonCode: ack.reasonCode, messageSeq: ack.messageSeq }))
  sdk.chatManager.addMessageListener((m: any) => o.messages.push(m))
  return o
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now()
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe.each(['v2', 'v3'] as const)('official wukongimjssdk@1.0.4 against the local server (%s)', (mode) => {
  let server: LocalServer
  const clients: Official[] = []
  const g = globalThis as { WebSocket?: unknown }
  const savedWebSocket = g.WebSocket

  beforeAll(() => {
    g.WebSocket = WebSocket // the SDK uses the browser global
    jest.spyOn(console, 'log').mockImplementation(() => undefined)
  })
  afterAll(() => {
    g.WebSocket = savedWebSocket
    jest.restoreAllMocks()
  })
  beforeEach(async () => {
    server = await startLocalServer({ mode })
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.sdk.disconnect()
    await server.close()
  })

  test('encrypted person message: SENDACK 1, the other official client verifies, decrypts and acks it', async () => {
    server.core.registerToken('alice', 'ta')
    server.core.registerToken('bob', 'tb')
    const alice = official(server, 'alice', 'ta')
    const bob = official(server, 'bob', 'tb')
    clients.push(alice, bob)
    alice.sdk.connect()
    bob.sdk.connect()
    await until(() => alice.statuses.some(([s]) => s === 1) && bob.statuses.some(([s]) => s === 1), 'both CONNACKs')
    expect(server.core.connections().map((c) => c.version)).toEqual([2, 2])

    const { Channel, MessageText } = require('wukongimjssdk/lib/model')
    alice.sdk.chatManager.send(new MessageText('你好 bob, from the official SDK'), new Channel('bob', 1))
    await until(() => alice.acks.length === 1, 'SENDACK')
    expect(alice.acks[0]).toMatchObject({ reasonCode: 1, messageSeq: 1 })

    // The official receive path drops a RECV whose msgKey does not verify, so arriving here means
    // the server's encryption and msgKey match the official implementation.
    await until(() => bob.messages.length === 1, 'RECV at bob')
    const m = bob.messages[0]
    expect(m.fromUID).toBe('alice')
    expect(m.channel.channelID).toBe('alice')
    expect(m.content.text).toBe('你好 bob, from the official SDK')
    await until(() => server.core.report().acked === 1, 'RECVACK from the official client')

    const stored = server.core.messages({ channelId: personChannelId('alice', 'bob'), channelType: 1 })
    expect(JSON.parse(Buffer.from(stored[0]!.payload, 'base64').toString())).toMatchObject({ type: 1, content: '你好 bob, from the official SDK' })
  })

  test('auth failure as each server line shows it to the official client', async () => {
    server.core.registerToken('alice', 'right')
    const alice = official(server, 'alice', 'wrong')
    clients.push(alice)
    alice.sdk.connect()
    if (mode === 'v3') {
      await until(() => alice.statuses.some(([s, code]) => s === 3 && code === 2), 'failure CONNACK 2')
    } else {
      // v2 writes no CONNACK: the official client only sees the socket close.
      await until(() => server.core.report().authFailures === 1, 'the refused CONNECT')
      expect(alice.statuses.filter(([s]) => s !== 0)).toEqual([])
    }
  })
})
