/** base64 of `bytes` as ASCII bytes (what an encrypted payload looks like on the wire). */
export declare function encodeBase64Ascii(bytes: Uint8Array): Uint8Array;
export declare function encodeBase64(bytes: Uint8Array): string;
/** Decodes base64 given as ASCII bytes; throws ProtocolError when it is not valid padded base64. */
export declare function decodeBase64Ascii(ascii: Uint8Array): Uint8Array;
export declare function decodeBase64(s: string): Uint8Array;
/** Latin-1 view of ASCII bytes as a string (for base64 text and hex). */
export declare function asciiToString(bytes: Uint8Array): string;
/** Char codes of `s` as bytes; any code above 0x7f makes it invalid ASCII → 0xff (never valid base64). */
export declare function stringToAscii(s: string): Uint8Array;
