/**
 * A bare WKProto client over a real WebSocket for server tests: it speaks the protocol with the
 * SDK codec and crypto but has none of the SDK's reliability logic, so tests see exactly what the
 * server sends. Every received packet is kept (`packets`), RECVs with their verified plaintext.
 */
import { randomBytes } from 'crypto'
import { WebSocket } from 'ws'
import { decodeServerPacket, encodeClientPacket } from '../../../sdk/proto/codec'
import { deriveSession, encodePublicKey, generateKeyPair, openRecv, sealSend, type SessionCrypto } from '../../../sdk/proto/crypto'
import { FrameDecoder } from '../../../sdk/proto/frame-decoder'
import { PacketType, Setting, type ConnackPacket, type RecvPacket, type SendackPacket, type SendPacket, type ServerPacket } from '../../../sdk/proto/packets'

export interface RawClientOptions {
  uid: string
  token?: string
  /** Protocol version in CONNECT. Default 5. */
  version?: number
  deviceFlag?: number
  deviceId?: string
  /** Send an empty clientKey. */
  noClientKey?: boolean
}

/** A RECV as received, plus its plaintext (undefined when msgKey or decryption failed). */
export type ReceivedRecv = RecvPacket & { plain?: string }

export interface SendOptions {
  channelId: string
  channelType: number
  payload: string
  clientMsgNo?: string
  clientSeq?: number
  flags?: Partial<SendPacket['flags']>
  setting?: number
  topic?: string
  /** Break the msgKey (tests the server's verification). */
  badMsgKey?: boolean
}

let seqCounter = 0

export class RawClient {
  readonly packets: ServerPacket[] = []
  readonly recvs: ReceivedRecv[] = []
  connack?: ConnackPacket
  version: number
  closed: Promise<{ code: number; reason: string }>
  isClosed = false
  private session: SessionCrypto | null = null
  private readonly decoder = new FrameDecoder()
  private waiters: Array<() => void> = []
  private decodeError?: Error

  private constructor(
    readonly ws: WebSocket,
    private readonly secretKey: Uint8Array,
  ) {
    this.version = 5
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.isClosed = true
        resolve({ code, reason: reason.toString() })
        this.wake()
      })
    })
    ws.on('error', () => undefined)
    ws.on('message', (data) => this.onMessage(data as Buffer))
  }

  /** Opens the socket (rejects if the upgrade fails). CONNECT is sent with connect(). */
  static open(url: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url)
      ws.binaryType = 'nodebuffer'
      const client = new RawClient(ws, new Uint8Array(randomBytes(32)))
      ws.once('open', () => resolve(client))
      ws.once('error', reject)
    })
  }

  /** Opens, sends CONNECT and waits for CONNACK (or the socket closing: then connack stays undefined). */
  static async connect(url: string, opts: RawClientOptions): Promise<RawClient> {
    const c = await RawClient.open(url)
    c.sendConnect(opts)
    await c.waitUntil(() => c.connack !== undefined || c.isClosed)
    return c
  }

  sendConnect(opts: RawClientOptions): void {
    this.version = opts.version ?? 5
    const publicKey = generateKeyPair(this.secretKey).publicKey
    this.raw(
      encodeClientPacket(
        {
          type: PacketType.CONNECT,
          version: this.version,
          deviceFlag: opts.deviceFlag ?? 1,
          deviceId: opts.deviceId ?? `dev-${++seqCounter}`,
          uid: opts.uid,
          token: opts.token ?? '',
          clientTimestamp: Date.now(),
          clientKey: opts.noClientKey ? '' : encodePublicKey(publicKey),
        },
        this.version,
      ),
    )
  }

  /** Sends a SEND and returns its clientSeq. */
  send(o: SendOptions): number {
    const { clientSeq, bytes } = this.encodeSend(o)
    this.raw(bytes)
    return clientSeq
  }

  /** A SEND sealed and encoded for this session, not written (benchmarks pre-encode frames). */
  encodeSend(o: SendOptions): { clientSeq: number; bytes: Uint8Array } {
    const clientSeq = o.clientSeq ?? ++seqCounter
    const packet: SendPacket = {
      type: PacketType.SEND,
      flags: { dup: false, syncOnce: false, redDot: true, noPersist: false, ...o.flags },
      setting: (o.setting ?? 0) | (o.topic !== undefined ? Setting.TOPIC : 0),
      clientSeq,
      clientMsgNo: o.clientMsgNo ?? `cmn-${clientSeq}-${Math.random().toString(16).slice(2)}`,
      channelId: o.channelId,
      channelType: o.channelType,
      expire: 0,
      msgKey: '',
      ...(o.topic !== undefined && { topic: o.topic }),
      payload: new Uint8Array(Buffer.from(o.payload, 'utf8')),
    }
    const sealed = sealSend(this.session, packet)
    if (o.badMsgKey) sealed.msgKey = '0'.repeat(32)
    return { clientSeq, bytes: encodeClientPacket(sealed, this.connack?.serverVersion || this.version) }
  }

  /** Sends and waits for the SENDACK of that clientSeq. */
  async sendAndAck(o: SendOptions, timeoutMs = 3000): Promise<SendackPacket> {
    const clientSeq = this.send(o)
    return this.waitFor((p): p is SendackPacket => p.type === PacketType.SENDACK && p.clientSeq === clientSeq, timeoutMs)
  }

  recvack(r: RecvPacket): void {
    const flags = { ...r.flags, dup: false }
    this.raw(encodeClientPacket({ type: PacketType.RECVACK, flags, messageId: r.messageId, messageSeq: r.messageSeq }, this.negotiated()))
  }

  ping(): void {
    this.raw(encodeClientPacket({ type: PacketType.PING }, this.negotiated()))
  }

  raw(bytes: Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(bytes)
  }

  /** Resolves with the first received packet (past or future) matching `pred`. */
  async waitFor<T extends ServerPacket>(pred: (p: ServerPacket) => p is T, timeoutMs = 3000): Promise<T> {
    let found: T | undefined
    await this.waitUntil(() => (found = this.packets.find(pred)) !== undefined, timeoutMs)
    return found!
  }

  /** Resolves once `cond()` holds; rejects after timeoutMs. */
  waitUntil(cond: () => boolean, timeoutMs = 3000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (!cond()) return false
        clearTimeout(timer)
        resolve()
        return true
      }
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        reject(new Error(`timed out after ${timeoutMs} ms; packets: ${this.packets.map((p) => p.type).join(',')}; closed: ${this.isClosed}; decode error: ${this.decodeError?.message}`))
      }, timeoutMs)
      const waiter = (): void => {
        if (check()) this.waiters = this.waiters.filter((w) => w !== waiter)
      }
      if (!check()) this.waiters.push(waiter)
    })
  }

  close(): void {
    this.ws.terminate()
  }

  private negotiated(): number {
    return this.connack?.serverVersion || this.version
  }

  private wake(): void {
    for (const w of [...this.waiters]) w()
  }

  private onMessage(data: Buffer): void {
    this.decoder.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    try {
      for (let frame = this.decoder.next(); frame; frame = this.decoder.next()) {
        // (A v3 failure CONNACK is encoded as v5; decoders ignore its trailing nodeId.)
        const p = decodeServerPacket(frame, this.negotiated())
        if (p.type === PacketType.CONNACK) {
          this.connack = p
          if (p.reasonCode === 1) this.session = deriveSession(this.secretKey, p.serverKey, p.salt)
        }
        if (p.type === PacketType.RECV) {
          let plain: string | undefined
          try {
            plain = Buffer.from(openRecv(this.session, p)).toString('utf8')
          } catch {
            plain = undefined
          }
          const r: ReceivedRecv = { ...p, ...(plain !== undefined && { plain }) }
          this.recvs.push(r)
          this.packets.push(r)
        } else {
          this.packets.push(p)
        }
      }
    } catch (e) {
      this.decodeError = e as Error
    }
    this.wake()
  }
}
