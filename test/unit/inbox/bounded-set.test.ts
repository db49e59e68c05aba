// BoundedSet against the plain reference (a Set re-inserted on refresh, oldest evicted first).
import fc from 'fast-check'
import { BoundedSet } from '../../../sdk/inbox/bounded-set'

function reference(capacity: number, adds: string[]): string[] {
  const items = new Set<string>()
  for (const a of adds) {
    items.delete(a)
    items.add(a)
    while (items.size > capacity) items.delete(items.values().next().value as string)
  }
  return Array.from(items)
}

it('keeps the newest `capacity` distinct items, refreshed on re-add, in the reference order', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'), { maxLength: 400 }), (capacity, adds) => {
      const set = new BoundedSet(capacity)
      for (const a of adds) set.add(a)
      const expected = reference(capacity, adds)
      expect(set.toArray()).toEqual(expected)
      for (const x of 'abcdefghijk') expect(set.has(x)).toBe(expected.includes(x))
    }),
    { numRuns: 2000 },
  )
})

it('stays bounded in memory under a long run of adds, and clear() empties it', () => {
  const set = new BoundedSet(3)
  for (let i = 0; i < 100_000; i++) set.add(String(i % 5))
  expect(set.toArray()).toEqual(['2', '3', '4'])
  expect((set as unknown as { order: unknown[] }).order.length).toBeLessThan(300)
  set.clear()
  expect(set.toArray()).toEqual([])
  expect(set.has('4')).toBe(false)
})
