/**
 * One contract for every Platform implementation (docs/style.md habit 8): storage, sockets, network and
 * lifecycle behaviour the SDK core relies on. `makePlatform` builds a fresh platform wired to an
 * echo server and returns the handles the suite needs to drive it.
 */
import type { Platform } from '../../sdk/platform/types'
import { isStorageError, type ImError } from '../../sdk/errors'
import type { AcceptFn } from '../support/sim-wx/connectors'

export interface ContractHarness {
  platform: Platform
  /** Runs virtual time forward (timers, socket latency, storage callbacks). */
  advance(ms: number): Promise<void>
  setOnline(online: boolean): void
  show(): void
  hide(): void
  /** A new platform over the same storage (a cold restart). */
  restart(): ContractHarness
  /** What the echo server saw. */
  server: { accepted: number; closed: number; received: Uint8Array[] }
}

/** `accept` is the echo server to connect sockets to; `stats` must be what harness.server reports. */
export type MakePlatform = (accept: AcceptFn, stats: ContractHarness['server']) => ContractHarness

export function echoAccept(): { accept: AcceptFn; stats: ContractHarness['server'] } {
  const stats = { accepted: 0, closed: 0, received: [] as Uint8Array[] }
  const accept: AcceptFn = (sink) => {
    stats.accepted++
    return {
      onData(d) {
        stats.received.push(d)
        if (d[0] === 0xff) sink.close({ code: 4001, reason: 'asked to close', withCloseFrame: true })
        else sink.send(d)
      },
      onClose: () => void stats.closed++,
    }
  }
  return { accept, stats }
}

export function describePlatformContract(name: string, makePlatform: MakePlatform): void {
  describe(`Platform contract: ${name}`, () => {
    let h: ContractHarness
    beforeEach(() => {
      const { accept, stats } = echoAccept()
      h = makePlatform(accept, stats)
    })
    /** Settles a promise while virtual time runs. */
    const settle = async <T>(p: Promise<T>): Promise<T> => {
      let done = false
      void p.then(() => (done = true), () => (done = true))
      for (let i = 0; i < 100 && !done; i++) await h.advance(1)
      return p
    }

    describe('storage', () => {
      it('round-trips JSON values as copies and reports absent keys as undefined', async () => {
        const s = h.platform.storage
        const value = { n: 1, list: ['a'], nested: { ok: true } }
        await settle(s.set('k', value))
        value.list.push('mutated')
        expect(await settle(s.get('k'))).toEqual({ n: 1, list: ['a'], nested: { ok: true } })
        expect(await settle(s.get('absent'))).toBeUndefined()
      })

      it('keeps writes to one key in call order even when issued together', async () => {
        const s = h.platform.storage
        const writes = Array.from({ length: 6 }, (_, i) => s.set('k', i))
        await settle(Promise.all(writes))
        expect(await settle(s.get('k'))).toBe(5)
        await settle(Promise.all([s.set('k', 'x'), s.remove('k')]))
        expect(await settle(s.get('k'))).toBeUndefined()
      })

      it('lists keys and removes them', async () => {
        const s = h.platform.storage
        await settle(Promise.all([s.set('a', 1), s.set('b', 2)]))
        expect((await settle(s.keys())).sort()).toEqual(['a', 'b'])
        await settle(s.remove('a'))
        await settle(s.remove('never-there'))
        expect(await settle(s.keys())).toEqual(['b'])
      })

      it('refuses a value over the per-key limit with STORAGE_FULL and keeps the old value', async () => {
        const s = h.platform.storage
        await settle(s.set('big', 'small'))
        const err = await settle(s.set('big', 'x'.repeat(1024 * 1024))).catch((e: unknown) => e)
        expect(isStorageError(err)).toBe(true)
        expect((err as ImError).code).toBe('STORAGE_FULL')
        expect(await settle(s.get('big'))).toBe('small')
      })

      it('survives a restart over the same storage', async () => {
        await settle(h.platform.storage.set('kept', { v: 1 }))
        const next = h.restart()
        let done = false
        const p = next.platform.storage.get('kept').finally(() => (done = true))
        for (let i = 0; i < 100 && !done; i++) await next.advance(1)
        expect(await p).toEqual({ v: 1 })
      })
    })

    describe('sockets', () => {
      const record = () => {
        const log: string[] = []
        const messages: Uint8Array[] = []
        const handlers = {
          onOpen: () => log.push('open'),
          onMessage: (d: Uint8Array) => {
            log.push('message')
            messages.push(d)
          },
          onError: (e: ImError) => log.push(`error:${e.code}`),
          onClose: (code: number) => log.push(`close:${code}`),
        }
        return { log, messages, handlers }
      }

      it('opens, sends binary (a subarray view is sent as exactly its bytes) and receives binary', async () => {
        const r = record()
        const socket = h.platform.openSocket('wss://im.example.com', r.handlers)
        await h.advance(50)
        expect(r.log).toEqual(['open'])
        const backing = new Uint8Array([9, 1, 2, 3, 9])
        socket.send(backing.subarray(1, 4))
        await h.advance(50)
        expect(h.server.received).toEqual([new Uint8Array([1, 2, 3])])
        expect(r.messages).toEqual([new Uint8Array([1, 2, 3])])
        expect(r.messages[0]).toBeInstanceOf(Uint8Array)
      })

      it('reports a server close once, with its code', async () => {
        const r = record()
        const socket = h.platform.openSocket('wss://im.example.com', r.handlers)
        await h.advance(50)
        socket.send(new Uint8Array([0xff]))
        await h.advance(200)
        expect(r.log).toEqual(['open', 'close:4001'])
      })

      it('after close() no handler fires, the server sees the close, and a second close() does not throw', async () => {
        const r = record()
        const socket = h.platform.openSocket('wss://im.example.com', r.handlers)
        await h.advance(50)
        socket.close(1000, 'bye '.repeat(100))
        socket.send(new Uint8Array([1]))
        expect(() => socket.close()).not.toThrow()
        await h.advance(200)
        expect(r.log).toEqual(['open'])
        expect(h.server.closed).toBe(1)
        expect(h.server.received).toEqual([])
      })

      it('a close() before open still ends the connection', async () => {
        const r = record()
        const socket = h.platform.openSocket('wss://im.example.com', r.handlers)
        socket.close()
        await h.advance(200)
        expect(r.log).toEqual([])
        expect(h.server.accepted - h.server.closed).toBe(0)
      })

      it('a dial while offline fails: onError (NETWORK) then onClose, never onOpen', async () => {
        h.setOnline(false)
        const r = record()
        h.platform.openSocket('wss://im.example.com', r.handlers)
        await h.advance(200)
        expect(r.log[0]).toBe('error:NETWORK')
        expect(r.log[r.log.length - 1]).toMatch(/^close:/)
        expect(r.log).not.toContain('open')
      })
    })

    describe('network', () => {
      it('reports status and changes; an unsubscribed listener hears nothing more', async () => {
        expect(await settle(h.platform.network.getStatus())).toMatchObject({ online: true })
        const heard: boolean[] = []
        const off = h.platform.network.onChange((s) => heard.push(s.online))
        h.setOnline(false)
        await h.advance(10)
        expect(await settle(h.platform.network.getStatus())).toEqual({ online: false, type: 'none' })
        off()
        h.setOnline(true)
        await h.advance(10)
        expect(heard).toEqual([false])
      })

      it('a request while offline rejects with NetworkError', async () => {
        h.setOnline(false)
        const err = await settle(h.platform.request({ url: 'https://api.example.com/x', method: 'GET' })).catch((e: unknown) => e)
        expect((err as ImError).code).toBe('NETWORK')
      })
    })

    describe('lifecycle', () => {
      it('delivers show and hide to listeners until they unsubscribe', async () => {
        const seen: string[] = []
        const offShow = h.platform.lifecycle.onShow(() => seen.push('show'))
        const offHide = h.platform.lifecycle.onHide(() => seen.push('hide'))
        h.hide()
        await h.advance(10)
        h.show()
        await h.advance(10)
        offShow()
        offHide()
        h.hide()
        h.show()
        await h.advance(10)
        expect(seen).toEqual(['hide', 'show'])
      })
    })

    describe('time and randomness', () => {
      it('timers fire after their delay on the platform clock; cleared ones never', async () => {
        const t0 = h.platform.now()
        const fired: number[] = []
        h.platform.setTimeout(() => fired.push(h.platform.now() - t0), 100)
        const id = h.platform.setTimeout(() => fired.push(-1), 50)
        h.platform.clearTimeout(id)
        await h.advance(99)
        expect(fired).toEqual([])
        await h.advance(1)
        expect(fired).toEqual([100])
      })

      it('randomBytes gives the requested length, different each time', async () => {
        const a = await settle(h.platform.randomBytes(32))
        const b = await settle(h.platform.randomBytes(32))
        expect(a).toHaveLength(32)
        expect(b).toHaveLength(32)
        expect(a).not.toEqual(b)
      })
    })
  })
}
