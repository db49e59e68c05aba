/** A set of strings that forgets its oldest entries once it holds more than `capacity`. */
export class BoundedSet {
  private readonly items = new Set<string>()

  constructor(private readonly capacity: number) {}

  has(item: string): boolean {
    return this.items.has(item)
  }

  /** Adds (or refreshes) an item; evicts the oldest beyond capacity. */
  add(item: string): void {
    this.items.delete(item)
    this.items.add(item)
    while (this.items.size > this.capacity) {
      const oldest = this.items.values().next()
      if (oldest.done) break
      this.items.delete(oldest.value)
    }
  }

  /** Oldest first, so that adding them back in order restores the same eviction order. */
  toArray(): string[] {
    return Array.from(this.items)
  }

  clear(): void {
    this.items.clear()
  }
}
