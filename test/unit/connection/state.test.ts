import { CONNECTION_TRANSITIONS, canTransition } from '../../../sdk/connection/state'
import { backoffDelay, floatFromBytes } from '../../../sdk/connection/backoff'
import type { ConnectionState } from '../../../sdk/types'

const ALL: ConnectionState[] = ['idle', 'connecting', 'connected', 'waiting', 'offline', 'stopped', 'closed']

describe('connection transition table', () => {
  it('lists every state and only known targets', () => {
    expect(Object.keys(CONNECTION_TRANSITIONS).sort()).toEqual([...ALL].sort())
    for (const from of ALL) for (const to of CONNECTION_TRANSITIONS[from]) expect(ALL).toContain(to)
  })

  it('makes closed final and reachable from everywhere else', () => {
    expect(CONNECTION_TRANSITIONS.closed).toEqual([])
    for (const from of ALL.filter((s) => s !== 'closed')) expect(canTransition(from, 'closed')).toBe(true)
  })

  it('only reaches connected through connecting (CONNECT, then CONNACK)', () => {
    for (const from of ALL) expect(canTransition(from, 'connected')).toBe(from === 'connecting')
  })

  it('leaves stopped only through connect() or close()', () => {
    expect([...CONNECTION_TRANSITIONS.stopped].sort()).toEqual(['closed', 'connecting'])
    expect(canTransition('waiting', 'stopped')).toBe(false)
    expect(canTransition('offline', 'waiting')).toBe(false)
  })
})

describe('backoff (full jitter, capped)', () => {
  const policy = { initialMs: 500, maxMs: 30_000 }

  it('grows the ceiling exponentially up to the cap', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 7, 10, 50, 5000].map((a) => backoffDelay(a, policy, 0.999999))
    expect(ceilings.slice(0, 7)).toEqual([499, 999, 1999, 3999, 7999, 15999, 29999])
    for (const c of ceilings.slice(6)) expect(c).toBe(29999)
  })

  it('spreads delays uniformly below the ceiling', () => {
    expect(backoffDelay(3, policy, 0)).toBe(0)
    expect(backoffDelay(3, policy, 0.5)).toBe(2000)
    expect(backoffDelay(100, policy, 0.25)).toBe(7500)
  })

  it('derives floats in [0, 1) from random bytes', () => {
    expect(floatFromBytes(new Uint8Array([0, 0, 0, 0]))).toBe(0)
    expect(floatFromBytes(new Uint8Array([0x80, 0, 0, 0]))).toBe(0.5)
    expect(floatFromBytes(new Uint8Array([255, 255, 255, 255]))).toBeLessThan(1)
  })
})
