/**
 * A thin wrapper over mitt (docs/style.md habit 3): `on()` returns its own undo, handlers run over a
 * copy of the list (mitt does that), and a throwing or rejecting handler is isolated: it is
 * reported through `onHandlerError` and never breaks the emitter's caller or the other handlers.
 */
import mitt from 'mitt'
import type { Unsubscribe } from './platform/types'

/** A handler may return a promise; only emitAndWait() waits for it. */
export type Listener<T> = (event: T) => void | Promise<void>

export class Emitter<Events extends Record<string, unknown>> {
  private readonly bus = mitt<Events>()

  constructor(private readonly onHandlerError: (error: unknown, event: keyof Events) => void) {}

  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): Unsubscribe {
    // mitt stores the function we give it; keep the wrapped one so off() removes exactly it.
    const wrapped = (event: Events[K]): void => {
      this.call(type, listener, event)
    }
    // emitAndWait needs the promise; mitt drops return values, so stash the original.
    ;(wrapped as WrappedListener<Events[K]>).original = listener
    this.bus.on(type, wrapped)
    let active = true
    return () => {
      if (!active) return
      active = false
      this.bus.off(type, wrapped)
    }
  }

  /** Calls every listener now; results and errors of one listener never reach the caller. */
  emit<K extends keyof Events>(type: K, event: Events[K]): void {
    this.bus.emit(type, event)
  }

  /**
   * Calls every listener and resolves once all their returned promises settled. Rejections are
   * reported like throws. Never rejects.
   */
  emitAndWait<K extends keyof Events>(type: K, event: Events[K]): Promise<void> {
    const list = (this.bus.all.get(type) ?? []).slice() as unknown as Array<WrappedListener<Events[K]>>
    const pending: Array<Promise<void>> = []
    for (const wrapped of list) {
      const p = this.call(type, wrapped.original, event)
      if (p) pending.push(p)
    }
    return Promise.all(pending).then(() => undefined)
  }

  listenerCount(type: keyof Events): number {
    return this.bus.all.get(type)?.length ?? 0
  }

  clear(): void {
    this.bus.all.clear()
  }

  private call<K extends keyof Events>(type: K, listener: Listener<Events[K]>, event: Events[K]): Promise<void> | undefined {
    try {
      const result = listener(event)
      if (result && typeof (result as Promise<void>).then === 'function') {
        return (result as Promise<void>).then(undefined, (error: unknown) => this.report(error, type))
      }
    } catch (error) {
      this.report(error, type)
    }
    return undefined
  }

  private report(error: unknown, type: keyof Events): void {
    try {
      this.onHandlerError(error, type)
    } catch {
      // The error reporter itself failed (e.g. a throwing `error` handler): nothing safe is left to do.
    }
  }
}

type WrappedListener<T> = ((event: T) => void) & { original: Listener<T> }
