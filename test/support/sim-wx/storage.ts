/**
 * Storage of the simulated wx (docs/platform.md §3): JSON-only values stored as serialised copies,
 * 1 MB per key and 10 MB in total (an `encrypt: true` value counts 1.4× its size, which gives the
 * documented ~0.7 MB / ~7.1 MB), the real error texts, sizes in KB from getStorageInfo.
 *
 * SimStorageData is the "disk": it outlives a simulated wx, so `createSimWx({ storage: same })`
 * (or `control.coldRestart()`) is a cold start over the same data.
 *
 * Error texts: `exceed storage max size 10Mb` is observed on WeChat [S3]; the per-key text
 * `exceed storage item max length` comes from another container [S7] — WeChat's own is unconfirmed.
 * The encrypt-mismatch and not-serialisable texts are this simulator's own.
 */
import { utf8ByteLength } from '../../../sdk/platform/memory'

export interface SimStorageLimits {
  /** Bytes per key (key + stored JSON, UTF-8; ×1.4 when encrypted). Default 1 MiB. */
  perKeyBytes: number
  /** Bytes over all keys. Default 10 MiB. */
  totalBytes: number
}

export interface SimStorageItem {
  json: string
  encrypted: boolean
  /** sizeOf(key, this), counted once when written. */
  size: number
}

export const ENCRYPT_GROWTH = 1.4
export const FULL_TEXT = 'exceed storage max size 10Mb'
export const ITEM_TOO_LONG_TEXT = 'exceed storage item max length'
export const NOT_FOUND_TEXT = 'data not found'

/** The persistent part of storage: survives a cold restart. */
export class SimStorageData {
  private readonly map = new Map<string, SimStorageItem>()
  /** Sum of sizeOf over all items, kept up to date so a write costs O(1), not O(keys). */
  private used = 0
  limits: SimStorageLimits = { perKeyBytes: 1024 * 1024, totalBytes: 10 * 1024 * 1024 }

  /** The stored items, read-only: change them through write() and delete(). */
  get items(): ReadonlyMap<string, SimStorageItem> {
    return this.map
  }

  sizeOf(key: string, item: Omit<SimStorageItem, 'size'>): number {
    const value = utf8ByteLength(item.json)
    return utf8ByteLength(key) + (item.encrypted ? Math.ceil(value * ENCRYPT_GROWTH) : value)
  }

  totalBytes(): number {
    return this.used
  }

  delete(key: string): void {
    const old = this.map.get(key)
    if (old === undefined) return
    this.used -= old.size
    this.map.delete(key)
  }

  /** The stored value parsed back (a fresh copy), or undefined. Test inspection only. */
  peek(key: string): unknown {
    const item = this.items.get(key)
    return item === undefined ? undefined : JSON.parse(item.json)
  }

  /** Applies a write; returns the fail text (without the api prefix) or undefined on success. */
  write(key: string, data: unknown, encrypted: boolean): string | undefined {
    if (typeof key !== 'string' || key === '') return 'parameter error: key should be a non-empty string'
    let json: string | undefined
    try {
      json = JSON.stringify(data)
    } catch {
      json = undefined
    }
    if (json === undefined) return 'parameter error: data is not JSON-serialisable'
    const size = this.sizeOf(key, { json, encrypted })
    if (size > this.limits.perKeyBytes) return ITEM_TOO_LONG_TEXT
    const old = this.map.get(key)
    const others = this.used - (old ? old.size : 0)
    if (others + size > this.limits.totalBytes) return FULL_TEXT
    this.map.set(key, { json, encrypted, size })
    this.used = others + size
    return undefined
  }

  /** Reads a value (a fresh copy); `{ fail }` when absent or read with the wrong `encrypt`. */
  read(key: string, encrypted: boolean): { data: unknown } | { fail: string } {
    const item = this.items.get(key)
    if (!item) return { fail: NOT_FOUND_TEXT }
    if (item.encrypted && !encrypted) return { fail: 'data was stored with encrypt: true, read it with encrypt: true' }
    if (!item.encrypted && encrypted) return { fail: 'decrypt failed: data was not stored with encrypt: true' }
    return { data: JSON.parse(item.json) }
  }

  info(): { keys: string[]; currentSize: number; limitSize: number } {
    return {
      keys: [...this.items.keys()],
      currentSize: Math.ceil(this.totalBytes() / 1024),
      limitSize: Math.floor(this.limits.totalBytes / 1024),
    }
  }
}
