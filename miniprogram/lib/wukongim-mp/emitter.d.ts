import type { Unsubscribe } from './platform/types';
/** A handler may return a promise; only emitAndWait() waits for it. */
export type Listener<T> = (event: T) => void | Promise<void>;
export declare class Emitter<Events extends Record<string, unknown>> {
    private readonly onHandlerError;
    private readonly bus;
    constructor(onHandlerError: (error: unknown, event: keyof Events) => void);
    on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): Unsubscribe;
    /** Calls every listener now; results and errors of one listener never reach the caller. */
    emit<K extends keyof Events>(type: K, event: Events[K]): void;
    /**
     * Calls every listener and resolves once all their returned promises settled. Rejections are
     * reported like throws. Never rejects.
     */
    emitAndWait<K extends keyof Events>(type: K, event: Events[K]): Promise<void>;
    listenerCount(type: keyof Events): number;
    clear(): void;
    private call;
    private report;
}
