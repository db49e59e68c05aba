/**
 * The ServerCore without sockets or real timers, driven in virtual time the way the chaos
 * simulator drives it: the server's defaults (60 s redelivery, 3 min idle) play out instantly.
 */
import { decodeServerPacket, encodeClientPacket } from '../../../sdk/proto/codec'
import { deriveSession, encodePublicKey, generateKeyPair, openRecv, sealSend, type SessionCrypto } from '../../../sdk/proto/crypto'
import { FrameDecoder } from '../../../sdk/proto/frame-decoder'
import { PacketType, type ServerPacket } from '../../../sdk/proto/packets'
import type { TimerId } from '../../../sdk/platform/types'
import { ServerCore, type ServerConnection, type ServerCoreOptions } from '../../support/server/core'

/** A minimal virtual clock + timers. */
class Virtual {
  now = 1_700_000_000_000
  private timers = new Map<number, { at: number; fn: () => void }>()
  private next = 1
  setTimeout = (fn: () => void, ms: number): TimerId => {
    const id = this.next++
    this.timers.set(id, { at: this.now + ms, fn })
    return id
  }
  clearTimeout = (id: TimerId): void => void this.timers.delete(id as number)
  advance(ms: number): void {
    const end = this.now + ms
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
      if (!due) break
      this.timers.delete(due[0])
      this.now = due[1].at
      due[1].fn()
    }
    this.now = end
  }
}

let seed = 1
const random = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff)

/** An in-memory client on a core connection. */
class MemClient {
  packets: ServerPacket[] = []
  closed?: { withCloseFrame: boolean }
  conn: ServerConnection
  private decoder = new FrameDecoder()
  private session: SessionCrypto | null = null
  private secret = random(32)

  constructor(core: ServerCore, uid: string) {
    this.conn = core.accept({
      send: (data) => {
        this.decoder.push(data.slice())
        for (let f = this.decoder.next(); f; f = this.decoder.next()) {
          const p = decodeServerPacket(f, 5)
          if (p.type === PacketType.CONNACK) this.session = deriveSession(this.secret, p.serverKey, p.salt)
          this.packets.push(p)
        }
      },
      close: (opts) => (this.closed = opts),
    })
    const clientKey = encodePublicKey(generateKeyPair(this.secret).publicKey)
    this.conn.onData(encodeClientPacket({ type: PacketType.CONNECT, version: 5, deviceFlag: 1, deviceId: uid, uid, token: 't', clientTimestamp: 0, clientKey }, 5))
  }

  send(channelId: string, text: string): void {
    const p = sealSend(this.session, {
      type: PacketType.SEND, flags: { dup: false, syncOnce: false, redDot: true, noPersist: false }, setting: 0, clientSeq: 1,
      clientMsgNo: `${text}`, channelId, channelType: 1, expire: 0, msgKey: '', payload: new Uint8Array(Buffer.from(text)),
    })
    this.conn.onData(encodeClientPacket(p, 5))
  }

  recvTexts(): string[] {
    return this.packets.flatMap((p) => (p.type === PacketType.RECV ? [Buffer.from(openRecv(this.session, p)).toString()] : []))
  }
}

function makeCore(v: Virtual, mode: 'v2' | 'v3', extra: Partial<ServerCoreOptions> = {}): ServerCore {
  const core = new ServerCore({ mode, encrypt: true, clock: { now: () => v.now }, timers: v, random, ...extra })
  core.registerToken('alice', 't')
  core.registerToken('bob', 't')
  return core
}

describe('ServerCore in virtual time', () => {
  test('v2 default redelivery: every 60 s, 5 times, then stops', () => {
    const v = new Virtual()
    const core = makeCore(v, 'v2', { idleTimeoutMs: 3_600_000 })
    const alice = new MemClient(core, 'alice')
    const bob = new MemClient(core, 'bob')
    alice.send('bob', 'hello')
    expect(alice.packets.map((p) => p.type)).toEqual([PacketType.CONNACK, PacketType.SENDACK])
    expect(bob.recvTexts()).toEqual(['hello'])
    v.advance(59_999)
    expect(bob.recvTexts()).toHaveLength(1)
    v.advance(1)
    expect(bob.recvTexts()).toEqual(['hello', 'hello'])
    v.advance(10 * 60_000)
    expect(bob.recvTexts()).toHaveLength(6)
    expect(core.report().redelivered).toBe(5)
  })

  test('idle close after 3 minutes without inbound data (outbound does not count)', () => {
    const v = new Virtual()
    const core = makeCore(v, 'v3')
    const alice = new MemClient(core, 'alice')
    const bob = new MemClient(core, 'bob')
    v.advance(170_000)
    bob.conn.onData(Uint8Array.of(0x70)) // PING: inbound for bob
    bob.send('alice', 'to alice') // outbound for alice
    expect(alice.recvTexts()).toEqual(['to alice'])
    v.advance(10_000)
    expect(alice.closed).toEqual({ withCloseFrame: false })
    expect(bob.closed).toBeUndefined()
    v.advance(170_000)
    expect(bob.closed).toEqual({ withCloseFrame: false })
    expect(core.connections()).toEqual([])
  })

  test('delayed SENDACKs and restart in virtual time', () => {
    const v = new Virtual()
    const core = makeCore(v, 'v3')
    const alice = new MemClient(core, 'alice')
    core.faults.delaySendacks(1, 5_000)
    alice.send('bob', 'slow')
    expect(alice.packets.filter((p) => p.type === PacketType.SENDACK)).toHaveLength(0)
    v.advance(5_000)
    expect(alice.packets.filter((p) => p.type === PacketType.SENDACK)).toHaveLength(1)
    core.restart()
    expect(alice.closed).toEqual({ withCloseFrame: false })
    expect(core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' })).toHaveLength(1)
  })
})
