/**
 * Runs the demo mini-program's real code under miniprogram-simulate (jsdom): the real app.ts and
 * pages over the package as "Build npm" put it in miniprogram/miniprogram_npm/ (built first by
 * scripts/demo/ensure-build.js when missing or stale), `wx` = the simulated wx (stateful storage, sockets, network and lifecycle events) talking to an in-process
 * local server core in real time. Every load starts from fresh modules (jest.resetModules), as a
 * fresh mini-program would, and as miniprogram-simulate needs to register components again.
 */
import * as path from 'path'
import { randomBytes } from 'crypto'
import * as nodeTimers from 'timers'
import { ServerCore } from '../support/server/core'
import type { ServerMode } from '../support/server/core'
import { createSimWx, serverHttpHandler, virtualConnector, SimStorageData } from '../support/sim-wx'
import type { SimUploadRequest, SimWx } from '../support/sim-wx'
import type { Client } from '../../sdk/client'
import type { ChatStore } from '../../miniprogram/services/chat-store'
import type { Session } from '../../miniprogram/services/im'
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureBuild } = require('../../scripts/demo/ensure-build.js') as { ensureBuild(o?: { quiet?: boolean }): boolean }

export const MP_ROOT = path.resolve(__dirname, '../../miniprogram')

ensureBuild({ quiet: true })

// The simulated wx in real-time mode unref()s its timers (Node's Timeout); jsdom's setTimeout
// returns a number. The demo's timers are Node's here (unref'd: a killed instance's leftovers never
// keep jest alive), as they are in the `npm start` story.
Object.assign(globalThis, {
  setTimeout: (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => nodeTimers.setTimeout(fn, ms, ...args).unref(),
  clearTimeout: nodeTimers.clearTimeout,
})

/** The App object as app.ts defines it. */
export interface DemoApp {
  globalData: { session?: Session }
  im?: Client
  chats?: ChatStore
  onLaunch(): void
  signIn(session: Session): void
  signOut(): Promise<void>
}

/** The parts of miniprogram-simulate the tests use (it ships no types). */
export interface RenderedComponent {
  dom: HTMLElement
  data: Record<string, any>
  instance: Record<string, any>
  attach(parent: Element): void
  detach(): void
  querySelector(selector: string): RenderedComponent | undefined
  querySelectorAll(selector: string): RenderedComponent[]
  dispatchEvent(name: string, options?: Record<string, unknown>): void
  addEventListener(name: string, handler: (e: { detail: any }) => void): void
  setData(data: Record<string, unknown>): void
}
interface Simulate {
  load(path: string, tagName?: string | Record<string, unknown>, options?: Record<string, unknown>): string
  render(id: string, props?: Record<string, unknown>): RenderedComponent
  sleep(ms: number): Promise<void>
}

export interface Demo {
  core: ServerCore
  sim: SimWx
  /** What the demo's upload endpoint stored, by URL. */
  uploads: Map<string, Uint8Array>
  storage: SimStorageData
  app: DemoApp
  simulate: Simulate
  /** Every navigation call (navigateTo / redirectTo / reLaunch) as [api, url]. */
  navigations: Array<[string, string]>
  session(uid: string): Session
  /** Loads and attaches a page or component by its path under miniprogram/ ('pages/chat/chat'). */
  mount(file: string, props?: Record<string, unknown>): RenderedComponent
  close(): Promise<void>
}

const realTimers = {
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms).unref(),
  clearTimeout: (id: unknown) => clearTimeout(id as NodeJS.Timeout),
}

export function startDemo(options: { mode?: ServerMode; storage?: SimStorageData; core?: ServerCore; launch?: boolean } = {}): Demo {
  jest.resetModules()
  const core =
    options.core ??
    new ServerCore({ mode: options.mode ?? 'v3', encrypt: true, clock: { now: () => Date.now() }, timers: realTimers, random: (n) => new Uint8Array(randomBytes(n)) })
  for (const uid of ['alice', 'bob']) core.registerToken(uid, `${uid}-token`)
  const storage = options.storage ?? new SimStorageData()
  // The upload endpoint of the demo's server (README "Media messages"): stores the file, answers { url }.
  const uploads = new Map<string, Uint8Array>()
  const upload = async (req: SimUploadRequest) => {
    const url = `http://127.0.0.1:5001/files/f${uploads.size + 1}`
    uploads.set(url, req.bytes)
    return { statusCode: 200, data: JSON.stringify({ url }) }
  }
  const sim = createSimWx({ scheduler: 'real', connect: virtualConnector((sink) => core.accept(sink), { latencyMs: 1 }), http: serverHttpHandler(core), storage, upload })
  const navigations: Array<[string, string]> = []
  const nav = (api: string) => (o: { url: string; success?: () => void }) => {
    navigations.push([api, o.url])
    o.success?.()
  }
  const g = globalThis as Record<string, unknown>
  // Set before miniprogram-simulate loads: its mock wx keeps our (stateful) functions.
  g.wx = Object.assign(sim.wx, {
    navigateTo: nav('navigateTo'),
    redirectTo: nav('redirectTo'),
    reLaunch: nav('reLaunch'),
    removeStorageSync: (key: string) => void storage.delete(key),
    setClipboardData: () => undefined,
  })
  const simulate = require('miniprogram-simulate') as Simulate
  let app: DemoApp | undefined
  g.App = (definition: DemoApp) => {
    app = definition
  }
  g.getApp = () => app
  require(path.join(MP_ROOT, 'app'))
  if (!app) throw new Error('app.ts did not call App()')
  if (options.launch !== false) app.onLaunch()
  const mounted: RenderedComponent[] = []
  // Loading a file twice in one module registry breaks the simulator (docs/platform.md §7.2): load once, render many.
  const loaded = new Map<string, string>()
  const demo: Demo = {
    core,
    sim,
    uploads,
    storage,
    app,
    simulate,
    navigations,
    session: (uid) => ({ apiAddr: 'http://127.0.0.1:5001', wsAddr: 'ws://127.0.0.1:5200', uid, token: `${uid}-token` }),
    mount(file, props) {
      let id = loaded.get(file)
      if (id === undefined) {
        id = simulate.load(path.join(MP_ROOT, file), { compiler: 'simulate', rootPath: MP_ROOT })
        loaded.set(file, id)
      }
      const comp = simulate.render(id, props)
      comp.attach(document.createElement('parent-wrapper'))
      mounted.push(comp)
      return comp
    },
    async close() {
      for (const c of mounted.splice(0)) c.detach()
      await demo.app.signOut()
    },
  }
  return demo
}

/**
 * Elements with class `name` in the rendered DOM. The simulator prefixes every class with its
 * component's tag (`main--title`, `message-item--status`), so match the token's suffix.
 */
export function byClass(comp: RenderedComponent, name: string): Element[] {
  const cls = name.replace(/^\./, '')
  return Array.from(comp.dom.querySelectorAll('*')).filter((e) => Array.from(e.classList).some((c) => c === cls || c.endsWith(`--${cls}`)))
}

/** Text of the first element with class `name` ('' when there is none). */
export function textOf(comp: RenderedComponent, name: string): string {
  return byClass(comp, name)[0]?.textContent?.trim() ?? ''
}

/** Texts of every element with class `name`, in document order. */
export function textsOf(comp: RenderedComponent, name: string): string[] {
  return byClass(comp, name).map((e) => e.textContent?.trim() ?? '')
}
