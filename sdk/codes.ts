/** WuKongIM reason codes (docs/protocol.md §6), values in the servers' iota order. */
export const ReasonCode = {
  Unknown: 0,
  Success: 1,
  AuthFail: 2,
  SubscriberNotExist: 3,
  InBlacklist: 4,
  ChannelNotExist: 5,
  UserNotOnNode: 6,
  SenderOffline: 7,
  MsgKeyError: 8,
  PayloadDecodeError: 9,
  ForwardSendPacketError: 10,
  NotAllowSend: 11,
  ConnectKick: 12,
  NotInWhitelist: 13,
  QueryTokenError: 14,
  SystemError: 15,
  ChannelIDError: 16,
  NodeMatchError: 17,
  NodeNotMatch: 18,
  Ban: 19,
  NotSupportHeader: 20,
  ClientKeyIsEmpty: 21,
  RateLimit: 22,
  NotSupportChannelType: 23,
  Disband: 24,
  SendBan: 25,
  ChannelDeleting: 26,
  ProtocolUpgradeRequired: 27,
  IdempotencyConflict: 28,
  MessageSeqExhausted: 29,
} as const
export type ReasonCode = (typeof ReasonCode)[keyof typeof ReasonCode]

/** What the outbox does with a SENDACK reason code (docs/protocol.md §6.1). */
export type SendackClass = 'done' | 'retry' | 'reencode' | 'permanent'

const RETRYABLE: ReadonlySet<number> = new Set([0, 6, 10, 15, 17, 18, 22])

/**
 * 1 → done; 9 → re-encode with the current session key and retry (a stale key on v2 servers; the
 * outbox treats a repeat as permanent); 0, 6, 10, 15, 17, 18, 22 → retry with backoff; every
 * other code, known or not, → permanent (never loop on something the server keeps refusing).
 */
export function classifySendack(reasonCode: number): SendackClass {
  if (reasonCode === ReasonCode.Success) return 'done'
  if (reasonCode === ReasonCode.PayloadDecodeError) return 'reencode'
  return RETRYABLE.has(reasonCode) ? 'retry' : 'permanent'
}

/**
 * Reason codes of a CONNACK failure or a DISCONNECT after which dialing again cannot help until
 * the app acts (new token, user unbanned, the other device logged out): 2 AuthFail, 12
 * ConnectKick, 19 Ban (docs/protocol.md §6.2, §6.3). Every other code is a server-side hiccup: the
 * client backs off and dials again.
 */
export function endsSession(reasonCode: number): boolean {
  return reasonCode === ReasonCode.AuthFail || reasonCode === ReasonCode.ConnectKick || reasonCode === ReasonCode.Ban
}

/** Channel types (docs/protocol.md §7.6). */
export const ChannelType = {
  Person: 1,
  Group: 2,
  CustomerService: 3,
  Community: 4,
  CommunityTopic: 5,
  Info: 6,
  Data: 7,
  Temp: 8,
  Live: 9,
  Visitors: 10,
  Agent: 11,
  AgentGroup: 12,
} as const
export type ChannelType = (typeof ChannelType)[keyof typeof ChannelType]

const CHANNEL_TYPES: ReadonlySet<number> = new Set(Object.values(ChannelType))

/** One of the channel types above: what send() accepts and what a conversation can be. */
export const isChannelType = (n: unknown): n is ChannelType => typeof n === 'number' && CHANNEL_TYPES.has(n)

/** Device flags for CONNECT (docs/protocol.md §4.1). */
export const DeviceFlag = { App: 0, Web: 1, PC: 2 } as const
