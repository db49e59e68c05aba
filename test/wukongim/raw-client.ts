// Minimal WKProto client over the `ws` package and our codec (sdk/proto), for talking to the real
// server without the SDK client: every decoded server packet is kept in order for assertions.
import { randomBytes } from 'crypto'
import WebSocket from 'ws'
import { decodeServerPacket, encodeClientPacket } from '../../sdk/proto/codec'
import { deriveSession, encodePublicKey, generateKeyPair, openRecv, sealSend, type SessionCrypto } from '../../sdk/proto/crypto'
import { FrameDecoder } from '../../sdk/proto/frame-decoder'
import { PacketType, type ConnackPacket, type RecvPacket, type SendackPacket, type ServerPacket } from '../../sdk/proto/packets'
import { decodeUtf8, encodeUtf8 } from '../../sdk/proto/utf8'

export interface RawOptions {
  uid: string
  token?: string
  deviceFlag?: number
  deviceId?: string
  version?: number
}

export class RawClient {
  readonly packets: ServerPacket[] = []
  connack?: ConnackPacket
  session: SessionCrypto | null = null
  /** Negotiated version (CONNACK serverVersion when present, else what we asked for). */
  version: number
  closed?: { code: number; reason: string; at: number }
  /** Decode errors (the client keeps going; tests assert this stays empty). */
  readonly errors: unknown[] = []
  /** Packets in each WebSocket message received (the server may put several in one). */
  readonly messageSizes: number[] = []
  /** While set, writes are collected here and sent as one WebSocket message by uncork(). */
  private corked: Uint8Array[] | undefined
  private ws!: WebSocket
  private decoder = new FrameDecoder()
  private waiters: Array<() => void> = []
  private seq = 0
  private keys = generateKeyPair(new Uint8Array(randomBytes(32)))

  constructor(
    readonly url: string,
    readonly opts: RawOptions,
  ) {
    this.version = opts.version ?? 5
  }

  /** Opens the socket and sends CONNECT; resolves with the CONNACK, or with undefined if the socket closes first. */
  async connect(timeoutMs = 8000): Promise<ConnackPacket | undefined> {
    this.ws = new WebSocket(this.url)
    this.ws.binaryType = 'nodebuffer'
    this.ws.on('message', (data: Buffer) => this.onBytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)))
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString(), at: Date.now() }
      this.wake()
    })
    this.ws.on('error', () => {
      /* close follows */
    })
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('error', reject)
    })
    this.write(
      encodeClientPacket(
        {
          type: PacketType.CONNECT,
          version: this.version,
          deviceFlag: this.opts.deviceFlag ?? 1,
          deviceId: this.opts.deviceId ?? `dev-${this.opts.uid}-${randomBytes(4).toString('hex')}`,
          uid: this.opts.uid,
          token: this.opts.token ?? '',
          clientTimestamp: Date.now(),
          clientKey: encodePublicKey(this.keys.publicKey),
        },
        this.version,
      ),
    )
    await this.waitFor(() => this.connack !== undefined || this.closed !== undefined, timeoutMs).catch(() => undefined)
    return this.connack
  }

  private write(bytes: Uint8Array) {
    if (this.corked) this.corked.push(bytes)
    else this.ws.send(bytes)
  }

  /** Collect the following writes... */
  cork() {
    this.corked = []
  }

  /** ...and send them as one WebSocket message. */
  uncork() {
    const parts = this.corked ?? []
    this.corked = undefined
    this.ws.send(Buffer.concat(parts))
  }

  private onBytes(bytes: Uint8Array) {
    this.decoder.push(bytes)
    const before = this.packets.length
    for (;;) {
      let p: ServerPacket
      try {
        const f = this.decoder.next()
        if (!f) break
        p = decodeServerPacket(f, this.version)
      } catch (e) {
        this.errors.push(e)
        break
      }
      if (p.type === PacketType.CONNACK) {
        this.connack = p
        if (p.hasServerVersion && p.serverVersion > 0) this.version = Math.min(this.version, p.serverVersion)
        if (p.reasonCode === 1) this.session = deriveSession(this.keys.secretKey, p.serverKey, p.salt)
      }
      this.packets.push(p)
    }
    this.messageSizes.push(this.packets.length - before)
    this.wake()
  }

  private wake() {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  /** Resolves once `pred()` is true (checked on every inbound packet/close); rejects after timeoutMs. */
  waitFor<T>(pred: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs)
      const check = () => {
        const v = pred()
        if (v) {
          clearTimeout(deadline)
          resolve(v)
        } else this.waiters.push(check)
      }
      check()
    })
  }

  send(channelId: string, channelType: number, text: string, o: { clientMsgNo?: string; clientSeq?: number; noPersist?: boolean; redDot?: boolean } = {}) {
    const clientSeq = o.clientSeq ?? ++this.seq
    const clientMsgNo = o.clientMsgNo ?? `${this.opts.uid}-${randomBytes(8).toString('hex')}`
    const p = sealSend(this.session, {
      type: PacketType.SEND,
      flags: { dup: false, syncOnce: false, redDot: o.redDot ?? true, noPersist: o.noPersist ?? false },
      setting: 0,
      clientSeq,
      clientMsgNo,
      channelId,
      channelType,
      expire: 0,
      msgKey: '',
      payload: encodeUtf8(text),
    })
    this.write(encodeClientPacket(p, this.version))
    return { clientSeq, clientMsgNo }
  }

  sendack(clientSeq: number, timeoutMs = 5000): Promise<SendackPacket> {
    return this.waitFor(() => this.packets.find((p): p is SendackPacket => p.type === PacketType.SENDACK && p.clientSeq === clientSeq), timeoutMs)
  }

  recvs(): RecvPacket[] {
    return this.packets.filter((p): p is RecvPacket => p.type === PacketType.RECV)
  }

  recvWhere(pred: (r: RecvPacket) => boolean, timeoutMs = 5000): Promise<RecvPacket> {
    return this.waitFor(() => this.recvs().find(pred), timeoutMs)
  }

  text(r: RecvPacket): string {
    return decodeUtf8(openRecv(this.session, r))
  }

  recvack(r: RecvPacket) {
    this.write(encodeClientPacket({ type: PacketType.RECVACK, flags: r.flags, messageId: r.messageId, messageSeq: r.messageSeq }, this.version))
  }

  ping() {
    this.write(encodeClientPacket({ type: PacketType.PING }, this.version))
  }

  close() {
    try {
      this.ws.close()
    } catch {
      /* already */
    }
  }

  waitClosed(timeoutMs = 5000) {
    return this.waitFor(() => this.closed, timeoutMs)
  }
}
