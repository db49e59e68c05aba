/**
 * An Outbox wired to a recording transport over a counting in-memory storage in virtual time, so
 * unit tests can see exactly which SENDs went out and what storage holds.
 */
import { Outbox } from '../../../sdk/outbox/outbox'
import type { OutboxConfig, OutboxDeps } from '../../../sdk/outbox/outbox'
import { StorageError } from '../../../sdk/errors'
import type { ImError } from '../../../sdk/errors'
import type { Platform, PlatformStorage } from '../../../sdk/platform/types'
import { encodeClientPacket } from '../../../sdk/proto/codec'
import { PROTOCOL_VERSION, PacketType } from '../../../sdk/proto/packets'
import type { SendPacket, SendackPacket } from '../../../sdk/proto/packets'
import type { OutboxMessage } from '../../../sdk/types'
import { VirtualScheduler, drainMicrotasks } from '../../support/virtual-time'

/** Lets every pending promise chain run. */
export const flushPromises = drainMicrotasks

/** Map-backed storage that counts operations and can be made to refuse writes. */
export class CountingStorage implements PlatformStorage {
  data = new Map<string, string>()
  ops: string[] = []
  refuse: 'full' | 'failed' | undefined
  /** Keys whose reads fail (storage refuses them), each for this many more reads. */
  failReads = new Map<string, number>()
  async get(key: string): Promise<unknown> {
    const left = this.failReads.get(key) ?? 0
    if (left > 0) {
      this.failReads.set(key, left - 1)
      throw new StorageError('STORAGE_FAILED', 'getStorage:fail', { key })
    }
    const v = this.data.get(key)
    return v === undefined ? undefined : JSON.parse(v)
  }
  async set(key: string, value: unknown): Promise<void> {
    if (this.refuse === 'full') throw new StorageError('STORAGE_FULL', 'setStorage:fail exceed storage max size 10Mb', { key })
    if (this.refuse === 'failed') throw new StorageError('STORAGE_FAILED', 'setStorage:fail', { key })
    this.ops.push(`set ${key}`)
    this.data.set(key, JSON.stringify(value))
  }
  async remove(key: string): Promise<void> {
    if (this.refuse === 'failed') throw new StorageError('STORAGE_FAILED', 'removeStorage:fail', { key })
    this.ops.push(`remove ${key}`)
    this.data.delete(key)
  }
  async keys(): Promise<string[]> {
    return Array.from(this.data.keys())
  }
}

export interface Harness {
  outbox: Outbox
  time: VirtualScheduler
  storage: CountingStorage
  /** SENDs written, in order, with the connection they went out on. */
  wire: Array<SendPacket & { connectionId: number }>
  statuses: OutboxMessage[]
  errors: ImError[]
  /** PING round trips asked for, not answered yet: call one to deliver its PONG. */
  roundTrips: Array<() => void>
  rebuilds: string[]
  connect(): void
  disconnect(reason?: string): void
  ack(send: SendPacket, reasonCode: number, extra?: Partial<SendackPacket>): void
  readonly connectionId: number
}

export function makeOutbox(
  config: Partial<OutboxConfig> = {},
  shared?: { storage: CountingStorage; time: VirtualScheduler },
  extra: Pick<OutboxDeps, 'lookup' | 'unsafe' | 'media' | 'line'> = {},
): Harness {
  const time = shared?.time ?? new VirtualScheduler()
  const storage = shared?.storage ?? new CountingStorage()
  let counter = 0
  const platform = {
    name: 'test',
    now: () => time.now(),
    setTimeout: (fn: () => void, ms: number) => time.setTimeout(fn, ms),
    clearTimeout: (id: unknown) => time.clearTimeout(id),
    randomBytes: async (n: number) => {
      const b = new Uint8Array(n)
      counter++
      for (let i = 0; i < n; i++) b[i] = (counter * 31 + i * 7) & 0xff
      return b
    },
    storage,
  } as unknown as Platform
  let connectionId = 0
  let nextConnection = 1
  const h: Harness = {
    time,
    storage,
    wire: [],
    statuses: [],
    errors: [],
    roundTrips: [],
    rebuilds: [],
    get connectionId() {
      return connectionId
    },
    outbox: undefined as unknown as Outbox,
    connect() {
      connectionId = nextConnection++
      h.outbox.onConnected()
    },
    disconnect(reason = 'socket closed 1006') {
      connectionId = 0
      h.outbox.onDisconnected(reason)
    },
    ack(send, reasonCode, extra = {}) {
      h.outbox.handleSendack(
        { type: PacketType.SENDACK, flags: { dup: false, syncOnce: false, redDot: false, noPersist: false }, messageId: String(1000 + send.clientSeq), clientSeq: send.clientSeq, messageSeq: reasonCode === 1 ? send.clientSeq : 0, reasonCode, ...extra },
        (send as SendPacket & { connectionId: number }).connectionId,
      )
    },
  }
  h.outbox = new Outbox({
    platform,
    config: {
      uid: 'alice',
      keyPrefix: 'wkmp',
      deviceTag: () => 'dev1',
      window: 32,
      channelWindow: 0,
      maxMessages: 1000,
      sendackTimeoutMs: 10_000,
      expireAfterMs: 0,
      retryInitialMs: 1_000,
      retryMaxMs: 60_000,
      ...config,
    },
    diagnostics: { record() {}, trace() {} },
    transport: {
      connectionId: () => connectionId,
      write: (p) => {
        if (!connectionId) return false
        encodeClientPacket(p, PROTOCOL_VERSION) // throws like the connection's encoder does
        h.wire.push({ ...p, connectionId })
        return true
      },
      roundTrip: (answered) => {
        if (!connectionId) return false
        h.roundTrips.push(answered)
        return true
      },
      rebuild: (reason) => {
        h.rebuilds.push(reason)
        h.disconnect(reason)
        h.connect()
      },
    },
    random: async () => 0.5,
    emitStatus: (m) => h.statuses.push(m),
    emitError: (e) => h.errors.push(e),
    ...extra,
  })
  return h
}

export const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8')
