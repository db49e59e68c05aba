/**
 * The one door between the SDK core and the outside world (docs/design.md §2, docs/style.md habit 1).
 * The core reads no global: sockets, storage, network status, app lifecycle, HTTP, timers, the
 * clock and randomness all come from a Platform. `createWxPlatform(wx)` (wx.ts) is the real one;
 * `createMemoryPlatform()` (memory.ts) is for unit tests; the simulated wx in test/support runs the
 * real wx adapter in tests.
 */
import type { ImError } from '../errors'

export type Unsubscribe = () => void
/** Opaque timer handle (a number in WeChat, an object under Node, an id in virtual time). */
export type TimerId = unknown

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerId
  clearTimeout(id: TimerId): void
}

/** Callbacks for one socket. Given at open time because SocketTask has no off* methods. */
export interface SocketHandlers {
  onOpen(): void
  /** One binary WebSocket message (may hold several frames, or part of one). */
  onMessage(data: Uint8Array): void
  /** Socket-level failure: dial failed, send failed, text frame (ProtocolError). */
  onError(error: ImError): void
  /** The socket is gone. Called at most once. */
  onClose(code: number, reason: string): void
}

export interface PlatformSocket {
  /** Queue one binary message. Failures arrive through onError; success is not delivery. */
  send(data: Uint8Array): void
  /**
   * Close this socket (reason at most 123 UTF-8 bytes; longer is truncated). After close() no
   * handler of this socket is called again, so a late event from a superseded socket cannot leak.
   */
  close(code?: number, reason?: string): void
}

/**
 * Async key-value storage of JSON values. Writes to one key complete in call order (the adapter
 * serialises them); reads see every write that resolved before them.
 */
export interface PlatformStorage {
  /** The stored value, or undefined when the key is absent. */
  get(key: string): Promise<unknown>
  /** Rejects with StorageError: STORAGE_FULL when a limit would be exceeded, STORAGE_FAILED otherwise. */
  set(key: string, value: unknown): Promise<void>
  remove(key: string): Promise<void>
  /** Every key currently stored. */
  keys(): Promise<string[]>
}

export interface NetworkStatus {
  online: boolean
  /** 'wifi' | '2g' | '3g' | '4g' | '5g' | 'unknown' | 'none' */
  type: string
}

export interface HttpRequest {
  url: string
  method: 'GET' | 'POST'
  /** JSON body for POST. */
  data?: unknown
  headers?: Record<string, string>
  /** Default 10 000 ms. */
  timeoutMs?: number
}

export interface HttpResponse {
  /** HTTP status; any status resolves, only transport failures reject (NetworkError). */
  status: number
  data: unknown
}

/** Optional sink for field diagnostics (WeChat's realtime log manager). */
export interface RealtimeLog {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

/** One file upload (multipart/form-data POST, WeChat's wx.uploadFile). */
export interface UploadFileRequest {
  url: string
  /** Local path of the file. */
  filePath: string
  /** Form field of the file part. */
  name: string
  headers?: Record<string, string>
  formData?: Record<string, string>
  /** Default 60 000 ms. */
  timeoutMs?: number
  /** Fraction of the body sent, 0..1 (wx: UploadTask.onProgressUpdate). */
  onProgress?(fraction: number): void
}

export interface UploadFileTask {
  /** HTTP status and body text; rejects with NetworkError on transport failure (abort included). */
  done: Promise<{ status: number; data: string }>
  abort(): void
}

/**
 * Local files (WeChat's FileSystemManager) and uploads. Paths are platform paths (wxfile://...).
 * Failures reject with StorageError: STORAGE_FULL when the files budget (200 MB in WeChat) would
 * be exceeded, STORAGE_FAILED otherwise (`context.missing` true when the file does not exist).
 */
export interface PlatformFiles {
  /** A directory that survives restarts (wx.env.USER_DATA_PATH). Temp paths do not. */
  readonly userDir: string
  copy(from: string, to: string): Promise<void>
  /** Resolves also when the file is already gone. */
  remove(path: string): Promise<void>
  /** Bytes, or undefined when there is no such file. */
  size(path: string): Promise<number | undefined>
  /** File names (not paths) directly in `dir`. */
  list(dir: string): Promise<string[]>
  upload(req: UploadFileRequest): UploadFileTask
}

export interface Platform extends Clock, Timers {
  /** Short name for diagnostics: 'wx', 'memory', ... */
  readonly name: string
  /** What this platform lacks and what that costs (old wx base libraries), shown by client.diagnose(). */
  readonly missing?: readonly string[]
  /** Cryptographically secure bytes. Rejects with PlatformError when no secure source exists. */
  randomBytes(length: number): Promise<Uint8Array>
  openSocket(url: string, handlers: SocketHandlers): PlatformSocket
  storage: PlatformStorage
  network: {
    getStatus(): Promise<NetworkStatus>
    onChange(listener: (status: NetworkStatus) => void): Unsubscribe
  }
  lifecycle: {
    onShow(listener: () => void): Unsubscribe
    onHide(listener: () => void): Unsubscribe
  }
  request(req: HttpRequest): Promise<HttpResponse>
  /** Local files and uploads (media messages); absent where the platform has none. */
  files?: PlatformFiles
  realtimeLog?: RealtimeLog
}
