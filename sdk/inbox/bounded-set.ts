/**
 * A set of strings that forgets its oldest entries once it holds more than `capacity`. Insertion
 * order is a queue of (item, stamp) pairs; a refreshed item's older pair is stale and skipped.
 * (Evicting through a Set's `values().next()` after many deletes made every add slow: a Set
 * iterator walks past the deleted slots.)
 */
export class BoundedSet {
  /** Item → stamp of its newest pair in `order`. */
  private readonly stamps = new Map<string, number>()
  /** item, stamp, item, stamp, ... oldest first from `head`. */
  private order: Array<string | number> = []
  private head = 0
  private stamp = 0

  constructor(private readonly capacity: number) {}

  has(item: string): boolean {
    return this.stamps.has(item)
  }

  /** Adds (or refreshes) an item; evicts the oldest beyond capacity. */
  add(item: string): void {
    const stamp = ++this.stamp
    this.stamps.set(item, stamp)
    this.order.push(item, stamp)
    while (this.stamps.size > this.capacity) {
      const oldest = this.order[this.head] as string
      if (this.stamps.get(oldest) === this.order[this.head + 1]) this.stamps.delete(oldest)
      this.head += 2
    }
    // Drop the consumed front once it is most of the array (amortised O(1) per add).
    if (this.head > 64 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head)
      this.head = 0
    }
  }

  /** Oldest first, so that adding them back in order restores the same eviction order. */
  toArray(): string[] {
    const out: string[] = []
    for (let i = this.head; i < this.order.length; i += 2) {
      const item = this.order[i] as string
      if (this.stamps.get(item) === this.order[i + 1]) out.push(item)
    }
    return out
  }

  clear(): void {
    this.stamps.clear()
    this.order = []
    this.head = 0
  }
}
