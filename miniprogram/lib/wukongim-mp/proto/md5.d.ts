/**
 * MD5 (RFC 1321), BigInt-free. `@noble/hashes/legacy` md5 would be the obvious choice, but its
 * Merkle-Damgard base writes the bit length with `BigInt(...)` on every digest, which throws on
 * mini-program engines without BigInt; so the SDK carries this small version. Tests check it
 * against @noble/hashes and node:crypto.
 */
export declare function md5(data: Uint8Array): Uint8Array;
export declare function md5Hex(data: Uint8Array): string;
