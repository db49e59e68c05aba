/** The Go decoders read a string length as int16: 32,767 bytes at most (protocol.md §3). */
export declare const MAX_STRING_BYTES = 32767;
export declare class Writer {
    buf: Uint8Array;
    pos: number;
    constructor(capacity?: number);
    private room;
    u8(v: number, field: string): void;
    u32(v: number, field: string): void;
    private put32;
    /** A safe integer as a signed 64-bit two's complement value (timestamps, timeDiff, v6 seqs). */
    i64(v: number, field: string): void;
    /** A non-negative safe integer as u64 (v6 messageSeq). */
    u64(v: number, field: string): void;
    /** A decimal string (optional leading '-') as a 64-bit value: ids, nodeId, EVENT timestamp. */
    i64s(s: string, field: string): void;
    str(s: string, field: string): void;
}
/** [hi, lo] u32 halves of a decimal 64-bit integer (two's complement when negative), or null. */
export declare function parseDecimal64(s: string): [number, number] | null;
/** Decimal string of the 64-bit value hi:lo, signed (two's complement) or unsigned. */
export declare function formatDecimal64(hi: number, lo: number, signed: boolean): string;
export declare class Reader {
    readonly buf: Uint8Array;
    pos: number;
    constructor(buf: Uint8Array, pos?: number);
    get remaining(): number;
    private need;
    u8(field: string): number;
    u32(field: string): number;
    private get32;
    /** 64-bit as decimal string. */
    i64s(field: string, signed?: boolean): string;
    /** Signed 64-bit that must be a safe integer (timeDiff, clientTimestamp). */
    i64(field: string): number;
    /** Unsigned 64-bit that must be at most 2^53 - 1 (v6 messageSeq). */
    u64(field: string): number;
    str(field: string): string;
    /** All remaining bytes (a view, not a copy). */
    rest(): Uint8Array;
}
