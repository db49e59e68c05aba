/** Writes `s` as UTF-8 into `out` at `offset` (caller guarantees 3 bytes per UTF-16 unit); returns the end offset. */
export declare function writeUtf8(s: string, out: Uint8Array, offset: number): number;
export declare function encodeUtf8(s: string): Uint8Array;
/** Decodes bytes[start, end) as strict UTF-8; throws ProtocolError on invalid input. */
export declare function decodeUtf8(bytes: Uint8Array, start?: number, end?: number): string;
