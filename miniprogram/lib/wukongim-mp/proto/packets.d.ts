/**
 * WKProto packet shapes (protocol.md §4). One discriminated union on `type`.
 *
 * Conventions:
 * - 64-bit integers (messageId, nodeId, EVENT timestamp) are decimal strings: ids are snowflakes
 *   above 2^53 and mini-program engines may lack BigInt.
 * - clientTimestamp / timeDiff (i64 milliseconds) are plain numbers (always within 2^53).
 * - messageSeq is a number (u32 for versions <= 5; u64 for v6, rejected above 2^53 - 1).
 * - `payload` is the bytes as they travel on the wire: for an encrypted session that is the ASCII
 *   of the base64 ciphertext (see crypto.ts), otherwise the raw application bytes.
 */
export declare const PacketType: {
    readonly CONNECT: 1;
    readonly CONNACK: 2;
    readonly SEND: 3;
    readonly SENDACK: 4;
    readonly RECV: 5;
    readonly RECVACK: 6;
    readonly PING: 7;
    readonly PONG: 8;
    readonly DISCONNECT: 9;
    readonly SUB: 10;
    readonly SUBACK: 11;
    readonly EVENT: 12;
};
export type PacketType = (typeof PacketType)[keyof typeof PacketType];
/** The protocol version this SDK asks for; servers negotiate down (protocol.md §1). */
export declare const PROTOCOL_VERSION = 5;
/** Servers reject frames whose remaining length exceeds this (protocol.md §2.2). */
export declare const MAX_REMAINING_LENGTH: number;
/** Header flag bits (low nibble) for every packet but CONNACK (protocol.md §2.1). */
export interface HeaderFlags {
    dup: boolean;
    syncOnce: boolean;
    redDot: boolean;
    noPersist: boolean;
}
/** Setting byte bits for SEND / RECV / SUB (protocol.md §4.12). */
export declare const Setting: {
    readonly RECEIPT: 128;
    readonly SIGNAL: 32;
    readonly NO_ENCRYPT: 16;
    readonly TOPIC: 8;
    readonly STREAM: 2;
};
export interface ConnectPacket {
    type: typeof PacketType.CONNECT;
    version: number;
    deviceFlag: number;
    deviceId: string;
    uid: string;
    token: string;
    clientTimestamp: number;
    clientKey: string;
}
export interface ConnackPacket {
    type: typeof PacketType.CONNACK;
    /** Header bit 0; when set, serverVersion is on the wire. */
    hasServerVersion: boolean;
    serverVersion: number;
    timeDiff: number;
    reasonCode: number;
    serverKey: string;
    salt: string;
    /** Present on the wire when the negotiated version is >= 4; "0" otherwise. */
    nodeId: string;
}
export interface SendPacket {
    type: typeof PacketType.SEND;
    flags: HeaderFlags;
    setting: number;
    clientSeq: number;
    clientMsgNo: string;
    /** Only on the wire for 2 <= version < 5 with Setting.STREAM (avoid). */
    streamNo?: string;
    channelId: string;
    channelType: number;
    /** Only on the wire for version >= 3. Seconds; 0 = never. */
    expire: number;
    msgKey: string;
    /** On the wire iff setting has Setting.TOPIC. */
    topic?: string;
    payload: Uint8Array;
}
export interface SendackPacket {
    type: typeof PacketType.SENDACK;
    flags: HeaderFlags;
    messageId: string;
    clientSeq: number;
    messageSeq: number;
    reasonCode: number;
    /** v3 servers append the clientMsgNo when non-empty; absent from v2 servers. */
    clientMsgNo?: string;
}
export interface RecvPacket {
    type: typeof PacketType.RECV;
    flags: HeaderFlags;
    setting: number;
    msgKey: string;
    fromUid: string;
    channelId: string;
    channelType: number;
    expire: number;
    clientMsgNo: string;
    /** Legacy stream fields, only for 2 <= version < 5 with Setting.STREAM. */
    streamFlag?: number;
    streamNo?: string;
    streamId?: string;
    messageId: string;
    messageSeq: number;
    /** Server seconds (push time). */
    timestamp: number;
    topic?: string;
    payload: Uint8Array;
}
export interface RecvackPacket {
    type: typeof PacketType.RECVACK;
    flags: HeaderFlags;
    messageId: string;
    messageSeq: number;
}
export interface PingPacket {
    type: typeof PacketType.PING;
}
export interface PongPacket {
    type: typeof PacketType.PONG;
}
export interface DisconnectPacket {
    type: typeof PacketType.DISCONNECT;
    reasonCode: number;
    reason: string;
}
export interface SubPacket {
    type: typeof PacketType.SUB;
    setting: number;
    subNo: string;
    channelId: string;
    channelType: number;
    action: number;
    param: string;
}
export interface SubackPacket {
    type: typeof PacketType.SUBACK;
    subNo: string;
    channelId: string;
    channelType: number;
    action: number;
    reasonCode: number;
}
export interface EventPacket {
    type: typeof PacketType.EVENT;
    id: string;
    eventType: string;
    /** i64 milliseconds as a decimal string. */
    timestamp: string;
    data: Uint8Array;
}
/** Packets a client writes. */
export type ClientPacket = ConnectPacket | SendPacket | RecvackPacket | PingPacket | SubPacket;
/** Packets a server writes. DISCONNECT's codec is bidirectional but only servers send it. */
export type ServerPacket = ConnackPacket | SendackPacket | RecvPacket | PongPacket | DisconnectPacket | SubackPacket | EventPacket;
export type Packet = ClientPacket | ServerPacket;
/** One frame split out of the byte stream, before its body is decoded. */
export interface Frame {
    type: number;
    /** Low nibble of the fixed header. */
    flags: number;
    body: Uint8Array;
}
