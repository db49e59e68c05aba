/**
 * wukongim-mp/testing: an in-memory Platform for an app's own unit tests (node or jest, no `wx`):
 * storage with the wx size limits, network and app lifecycle switched by hand, sockets through a
 * connector the test writes, HTTP through a handler. Pass it as `createClient({ platform })`.
 * Not for use inside a mini-program; the mini-program build (miniprogram_npm) does not contain it.
 */
export { createMemoryPlatform, WX_STORAGE_LIMITS } from './platform/memory'
export type {
  HttpHandler, MemoryPlatform, MemoryPlatformControl, MemoryPlatformOptions, SocketConnector, SocketPeer, SocketServerEnd, StorageLimits,
} from './platform/memory'
