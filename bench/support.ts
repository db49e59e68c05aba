/** Helpers shared by the benchmarks: polling waits, and the official SDK set up to run in Node. */
import { WebSocket } from 'ws'

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Polls `cond` every 2 ms; rejects naming `what` after `timeoutMs`. */
/** A bench's channel window: a number (0: SENDs pipelined, as the official SDK does), or the SDK's own default (1 on v3). */
export type Window = number | 'sdk default'

/** The `outbox.channelWindow` option for `window` (undefined leaves the SDK's default). */
export const channelWindowOf = (window: Window): number | undefined => (window === 'sdk default' ? undefined : window)

export async function until(cond: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const start = performance.now()
  while (!cond()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await sleep(2)
  }
}

export interface OfficialSdk {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  sdk: any
  /** Puts back the global WebSocket and console.log. */
  restore(): void
}

/**
 * wukongimjssdk@1.0.4's shared instance pointed at `addr` as `uid`: `ws` as its global WebSocket,
 * its console chatter muted, its receipt timer stopped. `shared()` is a singleton, so use a fresh
 * uid per run and call restore() (after disconnect) when done.
 */
export function officialSdk(addr: string, uid: string, token: string): OfficialSdk {
  const g = globalThis as { WebSocket?: unknown }
  const saved = g.WebSocket
  const log = console.log
  g.WebSocket = WebSocket
  console.log = () => undefined
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('wukongimjssdk').default.shared()
  clearInterval(sdk.receiptManager.timer)
  sdk.config.addr = addr
  sdk.config.uid = uid
  sdk.config.token = token
  return {
    sdk,
    restore() {
      console.log = log
      g.WebSocket = saved
    },
  }
}
