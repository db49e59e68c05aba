/**
 * The floor of client CPU per acked message (issue 21): what a client costs that does nothing but
 * write pre-encoded, pre-encrypted SEND frames with `ws` and count the SENDACKs coming back (frame
 * headers only). No SDK can go below it in this bench: WebSocket framing and masking, the socket
 * syscalls, the buffers' garbage. Run by `-- e2e` against the same child-process server.
 *
 * Two write patterns: one WebSocket message per frame, all written at once (the official SDK's
 * pattern), and frames coalesced WINDOW at a time per message, refilled as SENDACKs return (ours:
 * the outbox window, one WebSocket message per turn).
 */
import { FrameDecoder } from '../sdk/proto/frame-decoder'
import { PacketType } from '../sdk/proto/packets'
import { RawClient } from '../test/support/server/raw-client'
import { until } from './support'
import type { ServerUrls } from './e2e'

const WINDOW = 32

export async function floor(server: ServerUrls, uid: string, n: number, coalesce: boolean): Promise<Record<string, number>> {
  server.register(uid, 'ft')
  const raw = await RawClient.connect(server.wsUrl, { uid, token: 'ft' })
  try {
    if (raw.connack?.reasonCode !== 1) throw new Error('floor client: no CONNACK')
    // Pre-encoded outside the measurement: sealing and encoding are the SDK's work, not the floor.
    const frames = Array.from({ length: n }, (_, i) => raw.encodeSend({ channelId: 'bob', channelType: 1, payload: `hello ${i}` }).bytes)
    const decoder = new FrameDecoder()
    let acked = 0
    let next = 0
    const write = (): void => {
      if (!coalesce) {
        for (; next < n; next++) raw.ws.send(frames[next]!)
        return
      }
      const end = Math.min(n, acked + WINDOW)
      if (next >= end) return
      raw.ws.send(Buffer.concat(frames.slice(next, end)))
      next = end
    }
    raw.ws.removeAllListeners('message')
    raw.ws.on('message', (data: Buffer) => {
      decoder.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      for (let f = decoder.next(); f; f = decoder.next()) if (f.type === PacketType.SENDACK) acked++
      if (coalesce) write()
    })
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    write()
    await until(() => acked >= n, 'floor SENDACKs', 120_000)
    const secs = (performance.now() - t0) / 1000
    const c = process.cpuUsage(c0)
    return { n, seconds: Math.round(secs * 1000) / 1000, ackedPerSec: Math.round(n / secs), cpuUsPerMsg: Math.round((c.user + c.system) / n) }
  } finally {
    raw.close()
  }
}
