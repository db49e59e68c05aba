/**
 * Field layouts of every WKProto packet (protocol.md §4), one `write*` and one `read*` per packet,
 * shared by the client codec (codec.ts) and the server codec (server-codec.ts). Each function is a
 * standalone export so a bundle keeps only the halves it uses.
 *
 * `v` is the negotiated protocol version; every version-dependent field is decided here:
 * expire (v >= 3), legacy stream fields (2 <= v < 5 with Setting.STREAM), u64 messageSeq (v >= 6),
 * CONNACK nodeId (v >= 4) and serverVersion (header bit 0).
 */
import { ProtocolError } from '../errors';
import { Writer } from './bytes';
import { type ConnackPacket, type ConnectPacket, type DisconnectPacket, type EventPacket, type Frame, type HeaderFlags, type RecvackPacket, type RecvPacket, type SendackPacket, type SendPacket, type SubackPacket, type SubPacket } from './packets';
export declare function flagsToNibble(f: HeaderFlags): number;
export declare function nibbleToFlags(n: number): HeaderFlags;
/** A frame for PING/PONG: the single header byte, no remaining length (protocol.md §2.3). */
export declare function encodeBare(type: number): Uint8Array;
/**
 * Header byte + varint remaining length + the writer's body + `tail` (a payload, appended without
 * first copying it into the scratch writer), as one array of exactly the frame's size.
 */
export declare function finishFrame(type: number, flags: number, w: Writer, tail?: Uint8Array): Uint8Array;
export declare function writeConnect(p: ConnectPacket): Uint8Array;
export declare function readConnect(f: Frame): ConnectPacket;
export declare function writeConnack(p: ConnackPacket, v: number): Uint8Array;
/**
 * `v` is the version the client asked for. With header bit 0 the server's byte decides the layout;
 * without it nothing was negotiated upwards and `v` stands. A missing nodeId reads as "0" and
 * trailing bytes are ignored (a v3 server's failure CONNACK carries a nodeId even for v2 clients).
 */
export declare function readConnack(f: Frame, v: number): ConnackPacket;
export declare function writeSend(p: SendPacket, v: number): Uint8Array;
export declare function readSend(f: Frame, v: number): SendPacket;
export declare function writeSendack(p: SendackPacket, v: number): Uint8Array;
export declare function readSendack(f: Frame, v: number): SendackPacket;
export declare function writeRecv(p: RecvPacket, v: number): Uint8Array;
export declare function readRecv(f: Frame, v: number): RecvPacket;
export declare function writeRecvack(p: RecvackPacket, v: number): Uint8Array;
export declare function readRecvack(f: Frame, v: number): RecvackPacket;
export declare function writeDisconnect(p: DisconnectPacket): Uint8Array;
export declare function readDisconnect(f: Frame): DisconnectPacket;
export declare function writeSub(p: SubPacket): Uint8Array;
export declare function readSub(f: Frame): SubPacket;
export declare function writeSuback(p: SubackPacket): Uint8Array;
export declare function readSuback(f: Frame): SubackPacket;
export declare function writeEvent(p: EventPacket): Uint8Array;
export declare function readEvent(f: Frame): EventPacket;
export declare function unexpected(f: Frame, side: string): ProtocolError;
