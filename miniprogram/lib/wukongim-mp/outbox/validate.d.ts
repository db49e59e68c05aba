import type { OutboxMessage, SendInput } from '../types';
export type ValidSend = Pick<OutboxMessage, 'channelId' | 'channelType' | 'payload' | 'topic' | 'flags' | 'expire'>;
export declare function validateSend(input: SendInput): ValidSend;
/**
 * Upper bound of a SEND's remaining length (protocol.md §4.3) when the payload is encrypted:
 * AES-CBC pads to the next 16 bytes, the wire carries base64 of that (4/3), plus the fields.
 */
export declare function sendFrameBound(payloadBytes: number, channelBytes: number, topicBytes: number): number;
