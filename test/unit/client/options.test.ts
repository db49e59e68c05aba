/**
 * Issue 15.10: every option is checked at createClient, with a typed INVALID_ARGUMENT naming it;
 * a `random` that misbehaves at run time is replaced, not obeyed.
 */
import { createClient } from '../../../sdk/client'
import type { Client } from '../../../sdk/client'
import { isInvalidArgumentError } from '../../../sdk/errors'
import type { ClientOptions } from '../../../sdk/options'
import { resolveOptions } from '../../../sdk/options'
import { makeDevice, makeWorld } from './harness'

const BASE: ClientOptions = { uid: 'alice', wsAddr: 'wss://im.example.com', apiAddr: 'https://im.example.com' }

/** [option path, the options given (merged over BASE)]: each must be refused naming the path. */
const BAD: Array<[string, Record<string, unknown>]> = [
  ['options', {}],
  ['uid', { uid: '' }],
  ['uid', { uid: 42 }],
  ['uid', { uid: 'a:b' }],
  ['uid', { uid: undefined }],
  ['wsAddr', { wsAddr: 123 }],
  ['wsAddr', { wsAddr: 'im.example.com' }],
  ['wsAddr', { wsAddr: undefined, apiAddr: undefined }],
  ['routeAddr', { routeAddr: 'wss' }],
  ['apiAddr', { apiAddr: 123 }],
  ['apiAddr', { apiAddr: 'ftp://x' }],
  ['apiHeaders', { apiHeaders: 'Bearer t' }],
  ['apiHeaders', { apiHeaders: { Authorization: 5 } }],
  ['conversations.throttleMs', { conversations: { throttleMs: -1 } }],
  ['conversations.retryMaxMs', { conversations: { retryMaxMs: 0 } }],
  ['history.perChannel', { history: { perChannel: 0 } }],
  ['history.budgetBytes', { history: { budgetBytes: 1.5 } }],
  ['history.writeDelayMs', { history: { writeDelayMs: -1 } }],
  ['token', { token: 5 }],
  ['tokenProvider', { tokenProvider: 'secret' }],
  ['deviceFlag', { deviceFlag: 1.5 }],
  ['deviceFlag', { deviceFlag: 256 }],
  ['deviceId', { deviceId: 123 }],
  ['deviceId', { deviceId: '' }],
  ['heartbeat', { heartbeat: 25_000 }],
  ['heartbeat.intervalMs', { heartbeat: { intervalMs: 0 } }],
  ['heartbeat.deadAfterMs', { heartbeat: { deadAfterMs: Number.NaN } }],
  ['heartbeat.probeTimeoutMs', { heartbeat: { probeTimeoutMs: '3000' } }],
  ['heartbeat.intervalMS', { heartbeat: { intervalMS: 1000 } }],
  ['backoff.initialMs', { backoff: { initialMs: -1 } }],
  ['backoff.maxMs', { backoff: { maxMs: Infinity } }],
  ['connectTimeoutMs', { connectTimeoutMs: '10s' }],
  ['callbackTimeoutMs', { callbackTimeoutMs: 0 }],
  ['rebuildAfterHiddenMs', { rebuildAfterHiddenMs: -5 }],
  ['coalesceFrames', { coalesceFrames: 'yes' }],
  ['outbox', { outbox: [] }],
  ['outbox.window', { outbox: { window: 2.5 } }],
  ['outbox.channelWindow', { outbox: { channelWindow: -1 } }],
  ['outbox.maxMessages', { outbox: { maxMessages: 0 } }],
  ['outbox.sendackTimeoutMs', { outbox: { sendackTimeoutMs: null } }],
  ['outbox.expireAfterMs', { outbox: { expireAfterMs: -1 } }],
  ['outbox.retryInitialMs', { outbox: { retryInitialMs: 0 } }],
  ['outbox.retryMaxMs', { outbox: { retryMaxMs: 'x' } }],
  ['storage.prefix', { storage: { prefix: 5 } }],
  ['storage.prefix', { storage: { prefix: 'a:b' } }],
  ['storage.encrypt', { storage: { encrypt: 'yes' } }],
  ['storage.encrypted', { storage: { encrypted: true } }],
  ['platform', { platform: {} }],
  ['diagnostics', { diagnostics: { record: () => undefined } }],
  ['diagnostics.capacity', { diagnostics: { capacity: 0 } }],
  ['diagnostics.traceCapacity', { diagnostics: { traceCapacity: 1.5 } }],
  ['diagnostics.includeBodies', { diagnostics: { includeBodies: 1 } }],
  ['diagnostics.realtimeLog', { diagnostics: { realtimeLog: 'on' } }],
  ['sync', { sync: { syncMessages: () => undefined } }],
  ['media', { media: { uploadUrl: 'https://x/upload' } }],
  ['serverLine', { serverLine: 'v4' }],
  ['inbox.continuityCheckMs', { inbox: { continuityCheckMs: -1 } }],
  ['inbox.maxHeldPerChannel', { inbox: { maxHeldPerChannel: 0 } }],
  ['inbox.syncPageLimit', { inbox: { syncPageLimit: -5 } }],
  ['inbox.gapRetries', { inbox: { gapRetries: 1.5 } }],
  ['inbox.gapRetryDelayMs', { inbox: { gapRetryDelayMs: '1s' } }],
  ['inbox.gapRetryMaxDelayMs', { inbox: { gapRetryMaxDelayMs: -1 } }],
  ['inbox.syncDeadlineMs', { inbox: { syncDeadlineMs: 0 } }],
  ['inbox.dedupCapacity', { inbox: { dedupCapacity: 0 } }],
  ['inbox.maxChannels', { inbox: { maxChannels: 0 } }],
  ['inbox.newChannelBacklog', { inbox: { newChannelBacklog: -1 } }],
  ['inbox.gapRetry', { inbox: { gapRetry: 3 } }],
  ['random', { random: 0.5 }],
  ['_unsafe.disableDedup', { _unsafe: { disableDedup: 'yes' } }],
  ['_unsafe.noSuchSwitch', { _unsafe: { noSuchSwitch: true } }],
  ['wsAdrr', { wsAdrr: 'wss://typo.example.com' }],
]

describe('createClient options', () => {
  it.each(BAD)('refuses %s: %p', (option, given) => {
    const options = (option === 'options' ? 'not an object' : { ...BASE, ...given }) as unknown as ClientOptions
    let thrown: unknown
    try {
      createClient(options)
    } catch (error) {
      thrown = error
    }
    expect(isInvalidArgumentError(thrown)).toBe(true)
    expect(thrown).toMatchObject({ code: 'INVALID_ARGUMENT', name: 'InvalidOptionError', context: { option: option === 'options' ? '' : option } })
    expect((thrown as Error).message).toContain(option)
  })

  it('names every option of ClientOptions in the table above (a new option gets a bad value here too)', () => {
    const top = new Set(BAD.map(([option]) => option.split('.')[0]))
    // A Record over keyof ClientOptions: a new option that is not listed here does not compile.
    const all: Record<keyof ClientOptions, true> = {
      uid: true, wsAddr: true, routeAddr: true, apiAddr: true, apiHeaders: true, conversations: true, history: true, token: true, tokenProvider: true, deviceFlag: true, deviceId: true,
      heartbeat: true, backoff: true, connectTimeoutMs: true, callbackTimeoutMs: true, rebuildAfterHiddenMs: true, coalesceFrames: true, outbox: true,
      storage: true, platform: true, diagnostics: true, sync: true, media: true, serverLine: true, inbox: true, random: true, _unsafe: true,
    }
    expect(Object.keys(all).filter((o) => !top.has(o))).toEqual([])
  })

  it('accepts a full set of good options and fills the defaults', () => {
    const r = resolveOptions({
      ...BASE,
      apiAddr: 'https://im.example.com/',
      routeAddr: 'ws_addr',
      tokenProvider: () => 't',
      deviceFlag: 0,
      deviceId: 'dev',
      heartbeat: { intervalMs: 1_000 },
      outbox: { window: 4, channelWindow: 1 },
      storage: { prefix: 'app', encrypt: true },
      diagnostics: { capacity: 10, realtimeLog: true },
      serverLine: 'v3',
      inbox: { gapRetries: 0 },
      random: () => 0.5,
      _unsafe: {},
    })
    expect(r).toMatchObject({ apiAddr: 'https://im.example.com', routeAddr: 'ws_addr', serverLine: 'v3' })
    expect(r.connection).toMatchObject({ deviceFlag: 0, callbackTimeoutMs: 10_000, heartbeat: { intervalMs: 1_000, deadAfterMs: 7_000, probeTimeoutMs: 3_000 } })
    expect(r.outbox).toMatchObject({ window: 4, channelWindow: 1, maxMessages: 1_000 })
    expect(r.inbox).toMatchObject({ gapRetries: 0, syncPageLimit: 100, syncDeadlineMs: 15_000 })
    expect(r.diagnostics).toEqual({ settings: { capacity: 10, realtimeLog: true } })
    expect(r.storage).toEqual({ prefix: 'app', encrypt: true })
    // A diagnostics sink is a different shape from the settings, and is accepted as such.
    const sink = { record: () => undefined, trace: () => undefined }
    expect(resolveOptions({ ...BASE, diagnostics: sink }).diagnostics).toEqual({ settings: {}, sink })
  })
})

describe('a `random` option that misbehaves at run time', () => {
  const clients: Client[] = []
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close()
  })

  it.each([
    ['returns NaN', () => Number.NaN],
    ['returns 1.5', () => 1.5],
    ['throws', (): number => {
      throw new Error('no entropy')
    }],
  ])('%s: the backoff falls back to platform randomness (no reconnect storm, no stuck wait) and says so once', async (_, random) => {
    const world = makeWorld()
    const device = makeDevice(world)
    let asked = 0
    const logged: string[] = []
    const diagnostics = { record: (_c: string, event: string) => void logged.push(event), trace: () => undefined }
    // Every dial fails before the socket, so the client lives on its backoff.
    const c = createClient({ uid: 'alice', wsAddr: 'ws://core', platform: device.platform, random, diagnostics, tokenProvider: () => {
      asked++
      throw new Error('token server down')
    } })
    clients.push(c)
    await c.connect()
    for (let i = 0; i < 120; i++) await world.time.advance(1_000)
    // 500 ms → 30 s full-jitter backoff over two minutes: a handful of dials, neither 1 nor hundreds.
    expect(asked).toBeGreaterThanOrEqual(3)
    expect(asked).toBeLessThanOrEqual(30)
    expect(logged.filter((e) => e === 'random-invalid')).toHaveLength(1)
    expect(['waiting', 'connecting']).toContain(c.state)
  })
})
