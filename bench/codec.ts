/**
 * Codec throughput against the official wukongimjssdk@1.0.4, in one process on identical inputs
 * (protocol version 2, the only one 1.0.4 speaks):
 * - unencrypted framing: SEND encode, RECV decode (1.0.4 always encrypts; its SecurityManager is
 *   made a pass-through for this row, see setOfficialPassThrough);
 * - encrypted: SEND encode + encrypt + msgKey, RECV decode + msgKey check + decrypt.
 * Both sides run in alternating rounds after a warm-up (see compare()).
 */
import { decodeServerPacket, encodeClientPacket } from '../sdk/proto/codec'
import { openRecv, sealSend } from '../sdk/proto/crypto'
import { FrameDecoder } from '../sdk/proto/frame-decoder'
import { PacketType, type RecvPacket, type SendPacket } from '../sdk/proto/packets'
import { encodeServerPacket } from '../test/support/server/codec'
import { sealRecv } from '../test/support/server/crypto'
import { encodeUtf8 } from '../sdk/proto/utf8'
import { sessionPair } from '../test/support/sessions'
import { officialDecode, officialEncode, officialOpenRecv, setOfficialPassThrough, setOfficialSession, toOfficialPacket, type OfficialRecvPacket } from '../test/support/official-sdk'

const ROUNDS = 7
const ROUND_MS = 400

/** `batch(n)` runs the operation n times in its own loop, so each side's call site stays monomorphic. */
type Batch = (n: number) => void

function rate(batch: Batch, ms: number): number {
  let ops = 0
  const start = performance.now()
  let now = start
  while (now - start < ms) {
    batch(50)
    ops += 50
    now = performance.now()
  }
  return (ops * 1000) / (now - start)
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!

/**
 * ops/s of both sides, measured in alternating rounds so that load from other processes on a
 * shared machine hits both alike; the ratio is the median of the per-round ratios.
 */
function compare(ours: Batch, official: Batch): Row {
  rate(ours, 300)
  rate(official, 300)
  const a: number[] = []
  const b: number[] = []
  const ratios: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    a.push(rate(ours, ROUND_MS))
    b.push(rate(official, ROUND_MS))
    ratios.push(a[r]! / b[r]!)
  }
  return { ours: Math.round(median(a)), official: Math.round(median(b)), ratio: Math.round(median(ratios) * 10) / 10 }
}

const flags = { dup: false, syncOnce: false, redDot: true, noPersist: false }
const text = encodeUtf8(JSON.stringify({ type: 1, content: 'Hello 你好，世界 🎉 — a typical chat message of about a hundred bytes.' }))

function fixtures() {
  const { session, serverSession } = sessionPair(7)
  const send: SendPacket = { type: PacketType.SEND, flags, setting: 0, clientSeq: 12345, clientMsgNo: '3b1f9c0e6a4d4e2f9a7b5c3d1e0f2a4b3', channelId: 'u_bob', channelType: 1, expire: 0, msgKey: '', payload: text }
  const recv: RecvPacket = { type: PacketType.RECV, flags, setting: 0, msgKey: '', fromUid: 'u_bob', channelId: 'u_bob', channelType: 1, expire: 0, clientMsgNo: '9e8d7c6b5a4f43e2d1c0b9a8f7e6d5c43', messageId: '1878429148223459330', messageSeq: 7, timestamp: 1700000100, payload: text }
  return { session, send, plainRecvFrame: encodeServerPacket(recv, 2), sealedRecvFrame: encodeServerPacket(sealRecv(serverSession, recv), 2) }
}

interface Row {
  ours: number
  official: number
  ratio: number
}

export async function run(): Promise<Record<string, unknown>> {
  const { session, send, plainRecvFrame, sealedRecvFrame } = fixtures()
  setOfficialSession(session.aesKey, session.aesIV)
  const decoder = new FrameDecoder()
  const decodeRecv = (frame: Uint8Array) => {
    decoder.push(frame)
    return decodeServerPacket(decoder.next()!, 2) as RecvPacket
  }

  // Sanity: both sides agree on the bytes before anything is timed.
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b))
  if (!same(encodeClientPacket(sealSend(session, send), 2), officialEncode(toOfficialPacket(send)))) throw new Error('encrypted SEND differs from the official bytes')
  if (officialOpenRecv(officialDecode(sealedRecvFrame) as OfficialRecvPacket) === null) throw new Error('official SDK refused our RECV')

  setOfficialPassThrough(true)
  if (!same(encodeClientPacket({ ...send, msgKey: 'd41d8cd98f00b204e9800998ecf8427e' }, 2), officialEncode(toOfficialPacket(send)))) throw new Error('plain SEND differs')
  const sendEncode = compare(
    (n) => {
      for (let i = 0; i < n; i++) encodeClientPacket(send, 2)
    },
    (n) => {
      for (let i = 0; i < n; i++) officialEncode(toOfficialPacket(send))
    },
  )
  setOfficialPassThrough(false)
  const recvDecode = compare(
    (n) => {
      for (let i = 0; i < n; i++) decodeRecv(plainRecvFrame)
    },
    (n) => {
      for (let i = 0; i < n; i++) officialDecode(plainRecvFrame)
    },
  )
  const sendEncrypted = compare(
    (n) => {
      for (let i = 0; i < n; i++) encodeClientPacket(sealSend(session, send), 2)
    },
    (n) => {
      for (let i = 0; i < n; i++) officialEncode(toOfficialPacket(send))
    },
  )
  const recvDecrypted = compare(
    (n) => {
      for (let i = 0; i < n; i++) openRecv(session, decodeRecv(sealedRecvFrame))
    },
    (n) => {
      for (let i = 0; i < n; i++) officialOpenRecv(officialDecode(sealedRecvFrame) as OfficialRecvPacket)
    },
  )
  return {
    unit: 'ops/s (median of 7 alternating 0.4 s rounds; ratio = median of per-round ratios)',
    payloadBytes: text.length,
    official: 'wukongimjssdk@1.0.4 Proto + SecurityManager, protocol version 2',
    unencrypted: { sendEncode, recvDecode },
    encrypted: { sendEncodeEncrypt: sendEncrypted, recvDecodeVerifyDecrypt: recvDecrypted },
    targets: { unencrypted: '>= 20x', encrypted: '>= 5x' },
  }
}

export function render(r: Record<string, unknown>): string {
  const u = r.unencrypted as Record<string, Row>
  const e = r.encrypted as Record<string, Row>
  const line = (name: string, x: Row, target: string) => `| ${name} | ${x.ours.toLocaleString('en-US')} | ${x.official.toLocaleString('en-US')} | ${x.ratio}x | ${target} |`
  return [
    `Inputs: one person-chat message, ${String(r.payloadBytes)}-byte UTF-8 JSON payload, protocol version 2; ${String(r.unit)}.`,
    '',
    '| Operation | ours | official 1.0.4 | ours / official | target |',
    '|---|---:|---:|---:|---:|',
    line('SEND encode (unencrypted framing)', u.sendEncode!, '>= 20x'),
    line('RECV decode (unencrypted framing)', u.recvDecode!, '>= 20x'),
    line('SEND encode + encrypt + msgKey', e.sendEncodeEncrypt!, '>= 5x'),
    line('RECV decode + msgKey check + decrypt', e.recvDecodeVerifyDecrypt!, '>= 5x'),
    '',
    '1.0.4 cannot send unencrypted; for the unencrypted SEND row its SecurityManager is a pass-through (its MD5 of an empty msgKey string remains).',
  ].join('\n')
}
