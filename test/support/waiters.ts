/**
 * Waiting helpers for tests: wait for a condition or an event instead of sleeping a fixed time.
 *
 * Real-time tests (real sockets) poll with a short real timer. Virtual-time tests pass `tick`,
 * which is called between checks instead (e.g. `() => scheduler.advance(100)`), so the wait
 * drives virtual time and never sleeps.
 */
import type { ClientEvents } from '../../sdk/events'

export interface WaitOptions {
  /** Give up after this many ms of real time (default 10 000), or this many ticks when `tick` is given (default 10 000). */
  timeoutMs?: number
  /** Real ms between checks when polling (default 10). */
  intervalMs?: number
  /** Called between checks instead of sleeping (virtual time). */
  tick?: () => void | Promise<void>
  /** Added to the timeout error. */
  message?: string
}

type Falsy = undefined | null | false | 0 | ''

/** Resolves with the first truthy result of `check` (which may be async); rejects on timeout with the last error seen. */
export async function waitFor<T>(check: () => T | Falsy | Promise<T | Falsy>, options: WaitOptions = {}): Promise<T> {
  const limit = options.timeoutMs ?? 10_000
  const interval = options.intervalMs ?? 10
  const started = Date.now()
  let rounds = 0
  let lastError: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value as T
    } catch (error) {
      lastError = error
    }
    rounds++
    if (options.tick ? rounds > limit : Date.now() - started > limit) {
      const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : ''
      throw new Error(`waitFor timed out${options.message ? ` (${options.message})` : ''}${detail}`)
    }
    if (options.tick) await options.tick()
    else await new Promise((resolve) => setTimeout(resolve, interval))
  }
}

/** Anything with `on(event, handler) → unsubscribe` (the client, an Emitter). */
export interface Subscribable {
  on(event: never, handler: never): unknown
}

type On = (event: string, handler: (payload: unknown) => void) => () => void

/**
 * Resolves with the next payload of `event` that satisfies `predicate`. Subscribes at once, so
 * call it before the action that triggers the event.
 */
export function waitForEvent<Events = ClientEvents, K extends keyof Events & string = keyof Events & string>(
  source: Subscribable,
  event: K,
  predicate: (payload: Events[K]) => boolean = () => true,
  options: WaitOptions = {},
): Promise<Events[K]> {
  let found: { payload: Events[K] } | undefined
  const off = (source.on as unknown as On).call(source, event, (payload) => {
    if (!found && predicate(payload as Events[K])) found = { payload: payload as Events[K] }
  })
  return waitFor(() => found, { message: `event "${event}"`, ...options }).then(
    (hit) => {
      off()
      return hit.payload
    },
    (error: unknown) => {
      off()
      throw error
    },
  )
}

/** Records every payload of `event` until `stop()`. */
export function collect<Events = ClientEvents, K extends keyof Events & string = keyof Events & string>(source: Subscribable, event: K): { items: Array<Events[K]>; stop(): void } {
  const items: Array<Events[K]> = []
  const stop = (source.on as unknown as On).call(source, event, (payload) => {
    items.push(payload as Events[K])
  })
  return { items, stop }
}
