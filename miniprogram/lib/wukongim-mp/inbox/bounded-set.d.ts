/** A set of strings that forgets its oldest entries once it holds more than `capacity`. */
export declare class BoundedSet {
    private readonly capacity;
    private readonly items;
    constructor(capacity: number);
    has(item: string): boolean;
    /** Adds (or refreshes) an item; evicts the oldest beyond capacity. */
    add(item: string): void;
    /** Oldest first, so that adding them back in order restores the same eviction order. */
    toArray(): string[];
    clear(): void;
}
