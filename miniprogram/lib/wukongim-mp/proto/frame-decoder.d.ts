import { type Frame } from './packets';
export declare class FrameDecoder {
    private readonly maxRemainingLength;
    private buf;
    private pos;
    constructor(maxRemainingLength?: number);
    push(chunk: Uint8Array): void;
    /** Bytes buffered but not yet returned as frames. */
    get buffered(): number;
    next(): Frame | undefined;
    /** Drops everything buffered. */
    reset(): void;
    private fail;
}
/** Splits a complete buffer (e.g. one WebSocket message) into frames; throws if bytes are left over. */
export declare function splitFrames(bytes: Uint8Array, maxRemainingLength?: number): Frame[];
