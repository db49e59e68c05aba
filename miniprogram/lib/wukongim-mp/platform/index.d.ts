/**
 * The platform layer in one import: the Platform contract, the wx adapter (the only code that
 * touches `wx`) and the in-memory platform for tests and tools.
 */
export type * from './types';
export { createWxPlatform, defaultWxPlatform, truncateUtf8, MAX_CLOSE_REASON_BYTES } from './wx';
export type { WxApi, WxPlatform, WxPlatformOptions } from './wx';
export { createMemoryPlatform, utf8ByteLength, WX_STORAGE_LIMITS } from './memory';
export type { HttpHandler, MemoryPlatform, MemoryPlatformControl, MemoryPlatformOptions, SocketConnector, SocketPeer, SocketServerEnd, StorageLimits, } from './memory';
