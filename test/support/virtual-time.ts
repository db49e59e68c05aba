/**
 * Virtual time for tests and the chaos simulator: one scheduler shared by the simulated wx
 * (timers, sockets, storage, requests) and the in-process server, so whole scenarios run in an
 * instant and replay exactly. Nothing here reads the real clock.
 *
 * Ordering: due timers fire in time order, equal times in the order they were set (FIFO). Between
 * two timers every pending promise chain runs to completion (one real `setImmediate` turn), so
 * async code interleaves the same way on every run.
 */
import type { Clock, TimerId, Timers } from '../../sdk/platform/types'

export const DEFAULT_START = 1_700_000_000_000

interface Entry {
  id: number
  at: number
  fn: () => void
  /** Fires before any other due timer (see nextTask). */
  first?: boolean
}

/** Lets every pending promise chain run (one real macrotask turn). */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

export class VirtualScheduler implements Clock, Timers {
  private time: number
  private seq = 0
  private readonly queue = new Map<number, Entry>()

  constructor(start = DEFAULT_START) {
    this.time = start
  }

  now(): number {
    return this.time
  }

  setTimeout(fn: () => void, ms: number): TimerId {
    const id = ++this.seq
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0
    this.queue.set(id, { id, at: this.time + delay, fn })
    return id
  }

  /**
   * Runs `fn` as the very next task, before timers already due now (a setTimeout(fn, 0) would
   * queue behind them): the chaos engine ends a process there, so no later task of it runs.
   */
  nextTask(fn: () => void): TimerId {
    const id = ++this.seq
    this.queue.set(id, { id, at: this.time, fn, first: true })
    return id
  }

  clearTimeout(id: TimerId): void {
    if (typeof id === 'number') this.queue.delete(id)
  }

  /** Timers set and not yet fired or cleared. */
  pending(): number {
    return this.queue.size
  }

  /** Virtual time of the next due timer, or undefined when none is pending. */
  nextAt(): number | undefined {
    return this.next()?.at
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way (a timer set by a timer fires
   * too when it falls inside the window). A throwing timer callback rejects the advance.
   */
  async advance(ms: number): Promise<void> {
    const end = this.time + Math.max(0, ms)
    await drainMicrotasks()
    for (;;) {
      const e = this.next()
      if (!e || e.at > end) break
      this.fire(e)
      await drainMicrotasks()
    }
    this.time = end
    await drainMicrotasks()
  }

  /** Same as advance(ms). */
  runFor(ms: number): Promise<void> {
    return this.advance(ms)
  }

  /**
   * Fires timers one at a time until `predicate()` holds; resolves with the virtual ms it took.
   * Rejects when it still does not hold after `maxMs` (default 60 000) of virtual time.
   */
  async runUntil(predicate: () => boolean, maxMs = 60_000): Promise<number> {
    const start = this.time
    const end = start + maxMs
    await drainMicrotasks()
    for (;;) {
      if (predicate()) return this.time - start
      const e = this.next()
      if (!e || e.at > end) break
      this.fire(e)
      await drainMicrotasks()
    }
    if (predicate()) return this.time - start
    this.time = end
    throw new Error(`runUntil: condition not met within ${maxMs} ms of virtual time`)
  }

  private next(): Entry | undefined {
    let best: Entry | undefined
    // Map iterates in insertion order = id order, so `<` keeps FIFO among equal times.
    for (const e of this.queue.values()) {
      if (e.first) return e
      if (!best || e.at < best.at) best = e
    }
    return best
  }

  private fire(e: Entry): void {
    this.queue.delete(e.id)
    if (e.at > this.time) this.time = e.at
    e.fn()
  }
}

export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number
  /** Integer in [0, n). */
  int(n: number): number
  bytes(n: number): Uint8Array
}

/** A deterministic PRNG (sfc32 seeded through splitmix32): same seed, same sequence. */
export function createSeededRandom(seed: number): SeededRandom {
  let s = seed >>> 0
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = split()
  let b = split()
  let c = split()
  let d = split()
  const u32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = ((c << 21) | (c >>> 11)) >>> 0
    c = (c + t) >>> 0
    return t
  }
  for (let i = 0; i < 12; i++) u32()
  const next = (): number => u32() / 4294967296
  return {
    next,
    int: (n) => Math.floor(next() * n),
    bytes(n) {
      const out = new Uint8Array(n)
      for (let i = 0; i < n; i++) out[i] = u32() & 0xff
      return out
    },
  }
}
