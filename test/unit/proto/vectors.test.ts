// Every golden vector in test/fixtures/vectors: client→server frames byte-identical, server→client
// frames decode to the recorded fields (and re-encode to the same bytes), RECVs verify and decrypt.
import { readFileSync, readdirSync } from 'fs'
import { join } from 'path'
import { decodeServerPacket, encodeClientPacket } from '../../../sdk/proto/codec'
import { deriveSession, generateKeyPair, openRecv, sealSend, type SessionCrypto } from '../../../sdk/proto/crypto'
import { encodeBase64 } from '../../../sdk/proto/base64'
import { FrameDecoder } from '../../../sdk/proto/frame-decoder'
import { splitFrames } from '../../support/frames'
import { PacketType, type ClientPacket, type HeaderFlags, type RecvPacket, type SendPacket } from '../../../sdk/proto/packets'
import { decodeClientPacket, encodeServerPacket } from '../../support/server/codec'
import { deriveServerSession, openSend } from '../../support/server/crypto'

/* eslint-disable @typescript-eslint/no-explicit-any */
const dir = join(__dirname, '../../fixtures/vectors')
const load = (name: string): any => JSON.parse(readFileSync(join(dir, name), 'utf8'))
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'))
const flags = (f: Partial<HeaderFlags> = {}): HeaderFlags => ({ dup: !!f.dup, syncOnce: !!f.syncOnce, redDot: !!f.redDot, noPersist: !!f.noPersist })
const versionOf = (v: any) => (typeof v === 'number' ? v : 5)
const oneFrame = (h: string) => {
  const frames = splitFrames(bytes(h))
  expect(frames).toHaveLength(1)
  return frames[0]!
}

const hs = load('handshake.json').session
const client = generateKeyPair(new Uint8Array(Buffer.from(hs.clientSeedAscii, 'ascii')))
const session = deriveSession(client.secretKey, hs.serverPublicKeyBase64, hs.salt) as SessionCrypto
const serverSession = deriveServerSession(bytes(hs.serverPrivateKeyHex), hs.clientPublicKeyBase64, hs.salt)

describe('handshake.json', () => {
  it('reproduces the client public key, aesKey and IV from the seed and the server key', () => {
    expect(encodeBase64(client.publicKey)).toBe(hs.clientPublicKeyBase64)
    expect(session.aesKey).toBe(hs.aesKey)
    expect(session.aesIV).toBe(hs.aesIV)
    expect(serverSession.aesKey).toBe(hs.aesKey)
  })

  it('returns null (plaintext mode) for an empty server key', () => {
    expect(deriveSession(client.secretKey, '', '')).toBeNull()
  })

  it('refuses malformed, short or low-order server keys and short salts with ProtocolError', () => {
    const zeroKey = Buffer.alloc(32).toString('base64')
    for (const [key, salt] of [['not base64!', hs.salt], ['AAAA', hs.salt], [zeroKey, hs.salt], [hs.serverPublicKeyBase64, 'short']]) {
      expect(() => deriveSession(client.secretKey, key!, salt!)).toThrow(expect.objectContaining({ code: 'PROTOCOL' }))
    }
  })

  it('SessionCrypto.decrypt refuses bad base64, bad length and bad padding with ProtocolError', () => {
    const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'))
    for (const wire of ['%%%%', Buffer.alloc(15).toString('base64'), Buffer.alloc(16).toString('base64')]) {
      expect(() => session.decrypt(ascii(wire))).toThrow(expect.objectContaining({ code: 'PROTOCOL' }))
    }
    expect(session.decrypt(session.encrypt(ascii('round trip')))).toEqual(ascii('round trip'))
  })
})

const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'checks.json' && f !== 'handshake.json')

function clientPacketOf(v: any): ClientPacket {
  const i = v.input
  switch (v.packet) {
    case 'CONNECT':
      return { type: PacketType.CONNECT, version: i.version, deviceFlag: i.deviceFlag, deviceId: i.deviceID, uid: i.uid, token: i.token, clientTimestamp: i.clientTimestamp, clientKey: i.clientKey }
    case 'PING':
      return { type: PacketType.PING }
    case 'RECVACK':
      return { type: PacketType.RECVACK, flags: flags(i.headerFlags), messageId: i.messageID, messageSeq: i.messageSeq }
    case 'SUB':
      return { type: PacketType.SUB, setting: i.setting, subNo: i.clientMsgNo, channelId: i.channelID, channelType: i.channelType, action: i.action, param: i.param }
    case 'SEND': {
      const setting = typeof i.setting === 'number' ? i.setting : i.setting.topic ? 0x08 : 0
      const plain: SendPacket = {
        type: PacketType.SEND,
        flags: flags(i.headerFlags ?? i.flags),
        setting,
        clientSeq: i.clientSeq,
        clientMsgNo: i.clientMsgNo,
        channelId: i.channelID,
        channelType: i.channelType,
        expire: i.expire ?? 0,
        msgKey: '',
        payload: utf8(i.plaintextPayloadUtf8 ?? i.payload),
      }
      if (i.topic !== undefined) plain.topic = i.topic
      const sealed = sealSend(i.aesKey ? session : null, plain)
      if (v.intermediate) {
        expect(Buffer.from(sealed.payload).toString('latin1')).toBe(v.intermediate.encryptedPayloadBase64)
        expect(sealed.msgKey).toBe(v.intermediate.msgKey)
      }
      return sealed
    }
  }
  throw new Error(`no builder for ${v.packet}`)
}

describe.each(files.filter((f) => f.startsWith('c2s_')))('%s', (file) => {
  const v = load(file)
  const version = versionOf(v.protocolVersion)

  it('encodes to the recorded bytes', () => {
    expect(hex(encodeClientPacket(clientPacketOf(v), version))).toBe(v.hex)
  })

  it('decodes back with the server codec (and SEND opens with the server session)', () => {
    const p = clientPacketOf(v)
    const decoded = decodeClientPacket(oneFrame(v.hex), version)
    expect(decoded).toEqual(p)
    if (decoded.type === PacketType.SEND) {
      const plain = openSend(v.input.aesKey ? serverSession : null, decoded)
      expect(Buffer.from(plain).toString('utf8')).toBe(v.input.plaintextPayloadUtf8 ?? v.input.payload)
    }
  })
})

function expectFields(p: any, i: any): void {
  const map: Record<string, string> = { messageID: 'messageId', channelID: 'channelId', fromUID: 'fromUid', type: 'eventType' }
  for (const [k, want] of Object.entries(i)) {
    if (['plaintext', 'encryptedPayloadBase64', 'verifyString', 'aesKey', 'aesIV', 'flags', 'data', 'input'].includes(k)) continue
    const key = map[k] ?? k
    expect([key, p[key]]).toEqual([key, key === 'nodeId' || key === 'timestamp' && p.type === PacketType.EVENT || key === 'messageSeq' ? (typeof p[key] === 'string' ? String(want) : Number(want)) : want])
  }
  if (i.flags) expect(p.flags).toEqual(flags(i.flags))
}

describe.each(files.filter((f) => f.startsWith('s2c_') && f !== 's2c_multi_frame.json'))('%s', (file) => {
  const v = load(file)
  const version = versionOf(v.protocolVersion)

  it('decodes to the recorded fields and re-encodes to the same bytes', () => {
    const p: any = decodeServerPacket(oneFrame(v.hex), version)
    expect(p.type).toBe(PacketType[v.packet as keyof typeof PacketType])
    expectFields(p, v.input)
    if (p.type === PacketType.EVENT) expect(Buffer.from(p.data).toString('utf8')).toBe(v.input.data)
    expect(hex(encodeServerPacket(p, version))).toBe(v.hex)
  })

  if (v.packet === 'RECV') {
    it('verifies the msgKey and decrypts to the recorded plaintext; a tampered msgKey is refused', () => {
      const p = decodeServerPacket(oneFrame(v.hex), version) as RecvPacket
      expect(Buffer.from(p.payload).toString('latin1')).toBe(v.input.encryptedPayloadBase64)
      expect(Buffer.from(openRecv(session, p)).toString('utf8')).toBe(v.input.plaintext)
      expect(() => openRecv(session, { ...p, messageSeq: p.messageSeq + 1 })).toThrow(expect.objectContaining({ code: 'PROTOCOL' }))
    })
  }
})

describe('s2c_multi_frame.json', () => {
  const v = load('s2c_multi_frame.json')

  it('splits into its three frames, whole or one byte at a time', () => {
    const whole = splitFrames(bytes(v.hex)).map((f) => hex(encodeServerPacket(decodeServerPacket(f, 2), 2)))
    expect(whole).toEqual(v.frames)
    const d = new FrameDecoder()
    const got: string[] = []
    for (const b of bytes(v.hex)) {
      d.push(Uint8Array.of(b))
      for (let f = d.next(); f; f = d.next()) got.push(hex(encodeServerPacket(decodeServerPacket(f, 2), 2)))
    }
    expect(got).toEqual(v.frames)
  })
})
