// The outbox's entry list against a plain array under random inserts and removals (head-heavy, as
// acks are), across its compactions.
import fc from 'fast-check'
import { Queue } from '../../../sdk/outbox/queue'

describe('Queue', () => {
  it('behaves like an array for insertAt / removeAt / indexOf / at / length / toArray', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.nat()), { maxLength: 600 }), (ops) => {
        const q = new Queue<{ n: number }>()
        const ref: Array<{ n: number }> = []
        let next = 0
        for (const [kind, r] of ops) {
          if (kind < 5 || ref.length === 0) {
            // mostly appends, sometimes in the middle (concurrent send() calls finishing out of order)
            const i = kind < 4 ? ref.length : r % (ref.length + 1)
            const item = { n: next++ }
            q.insertAt(i, item)
            ref.splice(i, 0, item)
          } else {
            // mostly the head (acks in order), sometimes anywhere
            const i = kind < 9 ? 0 : r % ref.length
            expect(q.indexOf(ref[i]!)).toBe(i)
            q.removeAt(i)
            ref.splice(i, 1)
          }
          expect(q.length).toBe(ref.length)
        }
        expect(q.toArray()).toEqual(ref)
        for (let i = 0; i < ref.length; i++) expect(q.at(i)).toBe(ref[i])
        expect(q.indexOf({ n: -1 })).toBe(-1)
      }),
      { numRuns: 300 },
    )
  })
})
