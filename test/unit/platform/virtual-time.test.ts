import { createSeededRandom, DEFAULT_START, VirtualScheduler } from '../../support/virtual-time'

describe('VirtualScheduler', () => {
  it('fires due timers in time order, FIFO for equal times, and moves the clock to each', async () => {
    const s = new VirtualScheduler()
    const seen: string[] = []
    s.setTimeout(() => seen.push(`b@${s.now() - DEFAULT_START}`), 20)
    s.setTimeout(() => seen.push(`a1@${s.now() - DEFAULT_START}`), 10)
    s.setTimeout(() => seen.push(`a2@${s.now() - DEFAULT_START}`), 10)
    const late = s.setTimeout(() => seen.push('cleared'), 15)
    s.clearTimeout(late)
    await s.advance(15)
    expect(seen).toEqual(['a1@10', 'a2@10'])
    expect(s.now()).toBe(DEFAULT_START + 15)
    expect(s.pending()).toBe(1)
    await s.advance(100)
    expect(seen).toEqual(['a1@10', 'a2@10', 'b@20'])
    expect(s.pending()).toBe(0)
  })

  it('lets promise chains run between timers, so async code interleaves deterministically', async () => {
    const s = new VirtualScheduler(0)
    const seen: string[] = []
    s.setTimeout(async () => {
      await Promise.resolve()
      await Promise.resolve()
      seen.push('async tail of t1')
      s.setTimeout(() => seen.push('t3 set by t1'), 0)
    }, 1)
    s.setTimeout(() => seen.push('t2'), 1)
    await s.advance(1)
    expect(seen).toEqual(['async tail of t1', 't2', 't3 set by t1'])
  })

  it('nextTask runs before timers already due, once the current task ended', async () => {
    const s = new VirtualScheduler(0)
    const seen: string[] = []
    s.setTimeout(async () => {
      s.nextTask(() => seen.push('next task'))
      await Promise.resolve()
      seen.push('rest of t1')
    }, 1)
    s.setTimeout(() => seen.push('t2, due with t1'), 1)
    await s.advance(1)
    expect(seen).toEqual(['rest of t1', 'next task', 't2, due with t1'])
  })

  it('runUntil stops when the condition holds and rejects when it never does', async () => {
    const s = new VirtualScheduler(0)
    let n = 0
    const tick = (): void => {
      n++
      s.setTimeout(tick, 100)
    }
    s.setTimeout(tick, 100)
    await expect(s.runUntil(() => n >= 3, 10_000)).resolves.toBe(300)
    await expect(s.runUntil(() => n >= 1000, 1000)).rejects.toThrow(/within 1000 ms/)
    expect(s.now()).toBe(1300)
  })
})

describe('createSeededRandom', () => {
  it('replays the same sequence from the same seed and differs across seeds', () => {
    const a = createSeededRandom(42)
    const b = createSeededRandom(42)
    const c = createSeededRandom(43)
    const xs = Array.from({ length: 5 }, () => a.next())
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs)
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs)
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true)
    expect(a.bytes(8)).toEqual(b.bytes(8))
    expect(a.int(10)).toBe(b.int(10))
  })
})
