/** WuKongIM reason codes (protocol.md §6), values in the servers' iota order. */
export declare const ReasonCode: {
    readonly Unknown: 0;
    readonly Success: 1;
    readonly AuthFail: 2;
    readonly SubscriberNotExist: 3;
    readonly InBlacklist: 4;
    readonly ChannelNotExist: 5;
    readonly UserNotOnNode: 6;
    readonly SenderOffline: 7;
    readonly MsgKeyError: 8;
    readonly PayloadDecodeError: 9;
    readonly ForwardSendPacketError: 10;
    readonly NotAllowSend: 11;
    readonly ConnectKick: 12;
    readonly NotInWhitelist: 13;
    readonly QueryTokenError: 14;
    readonly SystemError: 15;
    readonly ChannelIDError: 16;
    readonly NodeMatchError: 17;
    readonly NodeNotMatch: 18;
    readonly Ban: 19;
    readonly NotSupportHeader: 20;
    readonly ClientKeyIsEmpty: 21;
    readonly RateLimit: 22;
    readonly NotSupportChannelType: 23;
    readonly Disband: 24;
    readonly SendBan: 25;
    readonly ChannelDeleting: 26;
    readonly ProtocolUpgradeRequired: 27;
    readonly IdempotencyConflict: 28;
    readonly MessageSeqExhausted: 29;
};
export type ReasonCode = (typeof ReasonCode)[keyof typeof ReasonCode];
/** What the outbox does with a SENDACK reason code (protocol.md §6.1). */
export type SendackClass = 'done' | 'retry' | 'reencode' | 'permanent';
/**
 * 1 → done; 9 → re-encode with the current session key and retry (a stale key on v2 servers; the
 * outbox treats a repeat as permanent); 0, 6, 10, 15, 17, 18, 22 → retry with backoff; every
 * other code, known or not, → permanent (never loop on something the server keeps refusing).
 */
export declare function classifySendack(reasonCode: number): SendackClass;
/**
 * Reason codes of a CONNACK failure or a DISCONNECT after which dialing again cannot help until
 * the app acts (new token, user unbanned, the other device logged out): 2 AuthFail, 12
 * ConnectKick, 19 Ban (protocol.md §6.2, §6.3). Every other code is a server-side hiccup: the
 * client backs off and dials again.
 */
export declare function endsSession(reasonCode: number): boolean;
/** Channel types (protocol.md §7.6). */
export declare const ChannelType: {
    readonly Person: 1;
    readonly Group: 2;
    readonly CustomerService: 3;
    readonly Community: 4;
    readonly CommunityTopic: 5;
    readonly Info: 6;
    readonly Data: 7;
    readonly Temp: 8;
    readonly Live: 9;
    readonly Visitors: 10;
    readonly Agent: 11;
    readonly AgentGroup: 12;
};
export type ChannelType = (typeof ChannelType)[keyof typeof ChannelType];
/** Device flags for CONNECT (protocol.md §4.1). */
export declare const DeviceFlag: {
    readonly App: 0;
    readonly Web: 1;
    readonly PC: 2;
};
