// The wire under a real-server test: a real socket (realConnector) wrapped so the test sees both
// directions decoded at the negotiated version and can swallow a server frame or drop the link,
// since a real server has no fault injection. Shared by client-e2e and the v3 cluster suite.
import type { SocketConnector } from '../../sdk/platform/memory'
import { decodeServerPacket } from '../../sdk/proto/codec'
import { decodeClientPacket } from '../support/server/codec'
import { FrameDecoder } from '../../sdk/proto/frame-decoder'
import { PacketType, type ClientPacket, type Frame, type ServerPacket, type ConnackPacket, type RecvPacket } from '../../sdk/proto/packets'
import { realConnector } from '../support/sim-wx'

export const text = (m: { payload: Uint8Array }) => Buffer.from(m.payload).toString('utf8')
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls `cond` until true; a throwing `cond` (e.g. v3's 400 while a new channel's membership is created) counts as not yet. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      if (await cond()) return
    } catch (e) {
      last = e
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`)
    await pause(20)
  }
}

/** The bytes of one frame as it was on the wire (PING/PONG are a single byte). */
function frameBytes(f: Frame): Uint8Array {
  const head = (f.type << 4) | f.flags
  if (f.type === PacketType.PING || f.type === PacketType.PONG) return Uint8Array.of(head)
  const len: number[] = []
  let n = f.body.length
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n > 0) b |= 0x80
    len.push(b)
  } while (n > 0)
  const out = new Uint8Array(1 + len.length + f.body.length)
  out[0] = head
  out.set(len, 1)
  out.set(f.body, 1 + len.length)
  return out
}

/**
 * A real socket plus a view of both directions, decoded at the negotiated version. `swallow`
 * decides per server packet whether the client gets it; kill() drops every live TCP link.
 */
export class Link {
  connacks: ConnackPacket[] = []
  fromServer: ServerPacket[] = []
  fromClient: ClientPacket[] = []
  /** Server → client frames kept from the client. */
  swallowed: ServerPacket[] = []
  decodeErrors: unknown[] = []
  dialed = 0
  swallow: ((p: ServerPacket) => boolean) | undefined
  private readonly ends = new Set<{ close(code: number, reason: string): void }>()

  connector(): SocketConnector {
    const inner = realConnector()
    return (url, peer, ctx) => {
      this.dialed++
      let version = 5 // what our CONNECT asks; CONNACK may lower it (v1.2.6 answers 3)
      const down = new FrameDecoder()
      const up = new FrameDecoder()
      const far = inner(
        url,
        {
          open: () => peer.open(),
          error: (e) => peer.error(e),
          close: (code, reason) => {
            this.ends.delete(far)
            peer.close(code, reason)
          },
          message: (data) => {
            if (typeof data === 'string') return peer.message(data)
            down.push(new Uint8Array(data))
            const keep: Uint8Array[] = []
            for (let f = down.next(); f; f = down.next()) {
              let p: ServerPacket
              try {
                p = decodeServerPacket(f, version)
              } catch (e) {
                this.decodeErrors.push(e)
                keep.push(frameBytes(f))
                continue
              }
              if (p.type === PacketType.CONNACK) {
                this.connacks.push(p)
                version = p.serverVersion
              }
              this.fromServer.push(p)
              if (this.swallow?.(p)) this.swallowed.push(p)
              else keep.push(frameBytes(f))
            }
            if (keep.length > 0) peer.message(Buffer.concat(keep))
          },
        },
        ctx,
      )
      this.ends.add(far)
      return {
        send: (data) => {
          up.push(new Uint8Array(data).slice())
          for (let f = up.next(); f; f = up.next()) {
            try {
              this.fromClient.push(decodeClientPacket(f, f.type === PacketType.CONNECT ? 5 : version))
            } catch (e) {
              this.decodeErrors.push(e)
            }
          }
          far.send(data)
        },
        close: (code, reason) => {
          this.ends.delete(far)
          far.close(code, reason)
        },
      }
    }
  }

  /** The link dies under the client (TCP gone, no close frame): the client sees close 1006. */
  kill(): void {
    for (const e of [...this.ends]) e.close(1006, 'killed by the test')
  }

  recvs(): RecvPacket[] {
    return this.fromServer.filter((p): p is RecvPacket => p.type === PacketType.RECV)
  }
}

