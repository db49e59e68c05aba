/**
 * The official `wukongimjssdk@1.0.4` codec, loaded for interop tests and the codec benchmark.
 * Only lib/proto.js and lib/security.js are imported (not the SDK entry, which starts managers and
 * timers). The package ships ESM without file extensions: jest's esbuild transform handles it, and
 * scripts/run-ts.js bundles it for bench/.
 *
 * 1.0.4 speaks protocol version 2 and keeps its session key in the SecurityManager singleton; set
 * it with `setOfficialSession`. Its SEND encoder always encrypts, and its receive path verifies
 * the msgKey and decrypts inside ChatManager.onPacket; `officialOpenRecv` repeats those steps.
 */
import { Md5 } from 'md5-typescript'
import Proto, { ConnectPacket, PingPacket, RecvackPacket, RecvPacket, SendPacket, Setting, SubPacket, type Packet } from 'wukongimjssdk/lib/proto'
import { SecurityManager } from 'wukongimjssdk/lib/security'
import { PacketType, type ClientPacket, type HeaderFlags } from '../../sdk/proto/packets'

export const officialProto = new Proto()

export function setOfficialSession(aesKey: string, aesIV: string): void {
  const sm = SecurityManager.shared()
  sm.aesKey = aesKey
  sm.aesIV = aesIV
}

const realEncryption = SecurityManager.prototype.encryption
const realEncryption2 = SecurityManager.prototype.encryption2

/**
 * For the unencrypted-framing benchmark only: 1.0.4 cannot send without encrypting, so this turns
 * its SecurityManager into a pass-through (payload kept as is, msgKey = MD5 of an empty string),
 * leaving just its framing and field encoding to measure. `false` restores the real methods.
 */
export function setOfficialPassThrough(on: boolean): void {
  const sm = SecurityManager.shared()
  sm.encryption = on ? () => '' : realEncryption
  sm.encryption2 = on ? (m: Uint8Array) => decodeURIComponent(escape(String.fromCharCode.apply(null, Array.from(m)))) : realEncryption2
}

function setFlags(p: Packet, f: HeaderFlags): void {
  p.dup = f.dup
  p.syncOnce = f.syncOnce
  p.reddot = f.redDot
  p.noPersist = f.noPersist
}

/**
 * The official SDK's object for one of our client packets. For SEND, `p.payload` is the plaintext
 * (the official encoder encrypts it); only receipt and topic settings exist in 1.0.4.
 */
export function toOfficialPacket(p: ClientPacket): Packet {
  switch (p.type) {
    case PacketType.CONNECT: {
      const o = new ConnectPacket()
      Object.assign(o, { version: p.version, deviceFlag: p.deviceFlag, deviceID: p.deviceId, uid: p.uid, token: p.token, clientTimestamp: p.clientTimestamp, clientKey: p.clientKey })
      return o
    }
    case PacketType.SEND: {
      const o = new SendPacket()
      setFlags(o, p.flags)
      o.setting = new Setting()
      o.setting.receiptEnabled = (p.setting & 0x80) !== 0
      o.setting.topic = (p.setting & 0x08) !== 0
      Object.assign(o, { clientSeq: p.clientSeq, clientMsgNo: p.clientMsgNo, channelID: p.channelId, channelType: p.channelType, payload: p.payload })
      if (p.topic !== undefined) o.topic = p.topic
      return o
    }
    case PacketType.RECVACK: {
      const o = new RecvackPacket()
      setFlags(o, p.flags)
      Object.assign(o, { messageID: p.messageId, messageSeq: p.messageSeq })
      return o
    }
    case PacketType.SUB: {
      const o = new SubPacket()
      Object.assign(o, { setting: p.setting, clientMsgNo: p.subNo, channelID: p.channelId, channelType: p.channelType, action: p.action, param: p.param })
      return o
    }
    case PacketType.PING:
      return new PingPacket()
  }
}

export function officialEncode(p: Packet): Uint8Array {
  return officialProto.encode(p)
}

export function officialDecode(frame: Uint8Array): Packet {
  return officialProto.decode(frame)
}

/** ChatManager.onPacket's RECV checks: msgKey from the verify string, then decryption; null when the msgKey is wrong. */
export function officialOpenRecv(p: RecvPacket): Uint8Array | null {
  const sm = SecurityManager.shared()
  if (Md5.init(sm.encryption(p.veritifyString)) !== p.msgKey) return null
  return sm.decryption(p.payload)
}

export { RecvPacket as OfficialRecvPacket }
