/**
 * The outbox's list of entries in enqueue order. Acks come mostly in order, so the head is removed
 * most: that costs O(1) here, where Array.shift() copies the whole array once it is large (V8 stops
 * trimming it in place; ~2 µs per shift at 10,000 entries).
 */
export class Queue<T> {
  private items: Array<T | undefined> = []
  private head = 0

  get length(): number {
    return this.items.length - this.head
  }

  /** The item at position `i` (0 ≤ i < length). */
  at(i: number): T {
    return this.items[this.head + i] as T
  }

  /** Inserts at position `i` (0 ≤ i ≤ length). */
  insertAt(i: number, item: T): void {
    if (i === this.length) this.items.push(item)
    else this.items.splice(this.head + i, 0, item)
  }

  /** Position of `item`, or -1. */
  indexOf(item: T): number {
    const i = this.items.indexOf(item, this.head)
    return i < 0 ? -1 : i - this.head
  }

  removeAt(i: number): void {
    if (i !== 0) {
      this.items.splice(this.head + i, 1)
      return
    }
    this.items[this.head++] = undefined
    // Compacted once the dead head is at least half the array: amortised O(1) per removal.
    if (this.head === this.items.length || (this.head >= 64 && this.head * 2 >= this.items.length)) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
  }

  /** The items, in order (a copy). */
  toArray(): T[] {
    return this.items.slice(this.head) as T[]
  }
}
