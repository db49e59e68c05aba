import { Emitter } from '../../../sdk/emitter'

type Events = { ping: number; error: string }

describe('Emitter', () => {
  it('on() returns its own undo, idempotent', () => {
    const errors: unknown[] = []
    const e = new Emitter<Events>((err) => errors.push(err))
    const seen: number[] = []
    const off = e.on('ping', (n) => {
      seen.push(n)
    })
    e.emit('ping', 1)
    off()
    off()
    e.emit('ping', 2)
    expect(seen).toEqual([1])
    expect(e.listenerCount('ping')).toBe(0)
  })

  it('isolates a throwing handler: the others still run and the error is reported with the event name', () => {
    const reported: Array<[unknown, string]> = []
    const e = new Emitter<Events>((err, name) => reported.push([err, String(name)]))
    const seen: string[] = []
    e.on('ping', () => {
      throw new Error('boom')
    })
    e.on('ping', () => {
      seen.push('second')
    })
    expect(() => e.emit('ping', 1)).not.toThrow()
    expect(seen).toEqual(['second'])
    expect(reported).toEqual([[new Error('boom'), 'ping']])
  })

  it('emits over a copy: a handler that unsubscribes another during emit does not skip anyone this round', () => {
    const e = new Emitter<Events>(() => undefined)
    const seen: string[] = []
    let offB = () => {}
    e.on('ping', () => {
      seen.push('a')
      offB()
    })
    offB = e.on('ping', () => {
      seen.push('b')
    })
    e.emit('ping', 1)
    e.emit('ping', 2)
    expect(seen).toEqual(['a', 'b', 'a'])
  })

  it('emitAndWait resolves after every returned promise settled, rejections reported, never rejects', async () => {
    const reported: unknown[] = []
    const e = new Emitter<Events>((err) => reported.push(err))
    const order: string[] = []
    let release = () => {}
    e.on('ping', () => new Promise<void>((r) => (release = () => (order.push('slow done'), r()))))
    e.on('ping', async () => {
      throw new Error('async boom')
    })
    e.on('ping', () => {
      order.push('sync')
    })
    let settled = false
    const done = e.emitAndWait('ping', 1).then(() => (settled = true))
    await new Promise((r) => setImmediate(r))
    expect(settled).toBe(false)
    release()
    await done
    expect(order).toEqual(['sync', 'slow done'])
    expect(reported).toEqual([new Error('async boom')])
  })
})
