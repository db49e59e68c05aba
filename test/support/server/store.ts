/**
 * What the local server stores: messages per canonical channel with contiguous seqs, the v3
 * idempotency index, tokens, groups, blacklists and bans. In memory, optionally persisted to a
 * directory as an append-only JSON-lines log (`<dir>/store.log`), fsync-free but written
 * synchronously before the server acknowledges anything, so a restarted process sees every
 * acknowledged write. Replaying the log rebuilds the same state.
 */
import * as fs from 'fs'
import * as path from 'path'
import { channelKey } from './channels'

export interface StoredMessage {
  /** Decimal int64 (above 2^53, like real snowflake ids). */
  messageId: string
  messageSeq: number
  clientMsgNo: string
  fromUid: string
  /** Canonical id (`A@B` for person chats). */
  channelId: string
  channelType: number
  /** Server seconds when stored. */
  timestamp: number
  expire: number
  setting: number
  topic?: string
  flags: { noPersist: boolean; redDot: boolean; syncOnce: boolean }
  /** Base64 of the plaintext payload. */
  payload: string
}

export interface ChannelInfo {
  subscribers: string[]
  blacklist: string[]
  ban: boolean
  disband: boolean
}

export interface TokenEntry {
  token: string
  deviceLevel: number
}

/** One user's read and delete marks in one conversation (WuKongIM's conversation record). */
export interface ConversationMarks {
  /** Messages up to this seq count as read. */
  readTo: number
  /** Deleted up to this seq: the conversation is listed again only once a later message exists. */
  deletedTo: number
}

type Op =
  | { op: 'msg'; m: StoredMessage }
  | { op: 'conv'; uid: string; channelType: number; canonical: string; marks: ConversationMarks }
  | { op: 'token'; uid: string; deviceFlag: number; entry: TokenEntry | null }
  | { op: 'channel'; channelType: number; channelId: string; info: ChannelInfo }

// Message ids start at 2^60 so they exceed 2^53 as real snowflake ids do.
const ID_BASE = BigInt(2) ** BigInt(60)

export class ServerStore {
  private readonly channelsMsgs = new Map<string, StoredMessage[]>()
  private readonly idempotency = new Map<string, StoredMessage>()
  private readonly byClientMsgNo = new Map<string, StoredMessage[]>()
  private readonly tokens = new Map<string, TokenEntry>()
  private readonly channelInfos = new Map<string, ChannelInfo>()
  private readonly marks = new Map<string, ConversationMarks>()
  private lastId = BigInt(0)
  private readonly logFile: string | undefined

  /** With `dataDir`, loads `<dataDir>/store.log` (creating the directory) and appends every change to it. */
  constructor(dataDir?: string) {
    if (dataDir === undefined) return
    fs.mkdirSync(dataDir, { recursive: true })
    this.logFile = path.join(dataDir, 'store.log')
    if (!fs.existsSync(this.logFile)) return
    const lines = fs.readFileSync(this.logFile, 'utf8').split('\n')
    for (const line of lines) {
      if (line === '') continue
      try {
        this.apply(JSON.parse(line) as Op)
      } catch {
        // A torn last line (crash mid-write) was never acknowledged: skip it.
      }
    }
  }

  /** Appends a message to its channel with the next seq and a new id, and records it. */
  append(m: Omit<StoredMessage, 'messageId' | 'messageSeq'>): StoredMessage {
    const list = this.channelsMsgs.get(channelKey(m.channelType, m.channelId))
    const last = list && list.length > 0 ? list[list.length - 1]! : undefined
    const stored: StoredMessage = {
      ...m,
      messageId: (ID_BASE + this.lastId + BigInt(1)).toString(),
      messageSeq: last ? last.messageSeq + 1 : 1,
    }
    this.write({ op: 'msg', m: stored })
    return stored
  }

  /** A new message id for a message that is not stored (NoPersist). */
  transientId(): string {
    this.lastId += BigInt(1)
    return (ID_BASE + this.lastId).toString()
  }

  /** The stored messages of a channel, ascending by seq (a copy). */
  messages(channelType: number, canonical: string): StoredMessage[] {
    return (this.channelsMsgs.get(channelKey(channelType, canonical)) ?? []).slice()
  }

  /** Every channel holding messages, as [channelType, canonical id]. */
  channels(): Array<[number, string]> {
    const out: Array<[number, string]> = []
    for (const list of this.channelsMsgs.values()) if (list[0]) out.push([list[0].channelType, list[0].channelId])
    return out
  }

  lastSeq(channelType: number, canonical: string): number {
    const list = this.channelsMsgs.get(channelKey(channelType, canonical))
    return list && list.length > 0 ? list[list.length - 1]!.messageSeq : 0
  }

  /** The v3 idempotency index: the message stored for (channel, fromUid, clientMsgNo). */
  findIdempotent(channelType: number, canonical: string, fromUid: string, clientMsgNo: string): StoredMessage | undefined {
    return this.idempotency.get(idemKey(channelType, canonical, fromUid, clientMsgNo))
  }

  /** Stored messages with this clientMsgNo (several on v2, where resends are stored again). */
  findByClientMsgNo(clientMsgNo: string): StoredMessage[] {
    return (this.byClientMsgNo.get(clientMsgNo) ?? []).slice()
  }

  token(uid: string, deviceFlag: number): TokenEntry | undefined {
    return this.tokens.get(`${uid}:${deviceFlag}`)
  }

  /** Sets (or with null clears) the token of (uid, deviceFlag). */
  setToken(uid: string, deviceFlag: number, entry: TokenEntry | null): void {
    this.write({ op: 'token', uid, deviceFlag, entry })
  }

  channelInfo(channelType: number, channelId: string): ChannelInfo | undefined {
    const info = this.channelInfos.get(channelKey(channelType, channelId))
    return info && { ...info, subscribers: info.subscribers.slice(), blacklist: info.blacklist.slice() }
  }

  /** Creates or replaces a channel's settings. */
  setChannelInfo(channelType: number, channelId: string, info: ChannelInfo): void {
    this.write({ op: 'channel', channelType, channelId, info })
  }

  /** Every channel with settings (groups, and person owners with a blacklist). */
  channelInfoKeys(): Array<[number, string]> {
    return [...this.channelInfos.keys()].map((k) => {
      const i = k.indexOf(':')
      return [Number(k.slice(0, i)), k.slice(i + 1)] as [number, string]
    })
  }

  /** `uid`'s marks in a conversation (zeros when it never changed them). */
  conversationMarks(uid: string, channelType: number, canonical: string): ConversationMarks {
    return { ...(this.marks.get(`${uid}\u0000${channelKey(channelType, canonical)}`) ?? { readTo: 0, deletedTo: 0 }) }
  }

  setConversationMarks(uid: string, channelType: number, canonical: string, marks: ConversationMarks): void {
    this.write({ op: 'conv', uid, channelType, canonical, marks })
  }

  private write(op: Op): void {
    if (this.logFile !== undefined) fs.appendFileSync(this.logFile, JSON.stringify(op) + '\n')
    this.apply(op)
  }

  private apply(op: Op): void {
    switch (op.op) {
      case 'msg': {
        const m = op.m
        const key = channelKey(m.channelType, m.channelId)
        let list = this.channelsMsgs.get(key)
        if (!list) this.channelsMsgs.set(key, (list = []))
        list.push(m)
        const id = BigInt(m.messageId) - ID_BASE
        if (id > this.lastId) this.lastId = id
        const idem = idemKey(m.channelType, m.channelId, m.fromUid, m.clientMsgNo)
        if (!this.idempotency.has(idem)) this.idempotency.set(idem, m)
        const same = this.byClientMsgNo.get(m.clientMsgNo)
        if (same) same.push(m)
        else this.byClientMsgNo.set(m.clientMsgNo, [m])
        return
      }
      case 'token':
        if (op.entry) this.tokens.set(`${op.uid}:${op.deviceFlag}`, op.entry)
        else this.tokens.delete(`${op.uid}:${op.deviceFlag}`)
        return
      case 'channel':
        this.channelInfos.set(channelKey(op.channelType, op.channelId), op.info)
        return
      case 'conv':
        this.marks.set(`${op.uid}\u0000${channelKey(op.channelType, op.canonical)}`, op.marks)
        return
    }
  }
}

const idemKey = (channelType: number, canonical: string, fromUid: string, clientMsgNo: string): string =>
  `${channelType}:${canonical}\u0000${fromUid}\u0000${clientMsgNo}`
