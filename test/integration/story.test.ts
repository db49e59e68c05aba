/**
 * The `npm start` story engine in CI: the demo app's code for two users under the simulated wx
 * against the local server, every fault of the story, shortened (scale 0.5), both server lines,
 * fixed seeds. Nothing may be lost, duplicated or reordered; the table reports what happened.
 */
import type { StoryResult } from '../../scripts/demo/story'

// The demo imports wukongim-mp as installed in miniprogram/: build and install it first when missing or stale.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../../scripts/demo/ensure-build.js').ensureBuild({ quiet: true })
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runStory, formatTable, isClean } = require('../../scripts/demo/story') as typeof import('../../scripts/demo/story')

jest.setTimeout(60_000)

describe.each([
  ['v2', 11],
  ['v3', 12],
] as const)('demo story (%s server, seed %i)', (mode, seed) => {
  let result: StoryResult
  const lines: string[] = []
  beforeAll(async () => {
    result = await runStory({ mode, seed, scale: 0.5, log: (line) => lines.push(line) })
  })

  it('plays every phase and sends through every fault', () => {
    expect(lines.filter((l) => / \[\d\/8\] /.test(l))).toHaveLength(8)
    expect(lines.filter((l) => l.includes('✗'))).toEqual([])
    expect(result.sent).toBeGreaterThan(30)
    expect(result.coldStarts).toBe(1)
    expect(result.reconnects).toBeGreaterThanOrEqual(4) // offline, background, cold start, flaps, restart
  })

  it('loses, duplicates and reorders nothing', () => {
    expect({ lost: result.lost, duplicated: result.duplicated, outOfOrder: result.outOfOrder, unknown: result.unknown, collisions: result.clientMsgNoCollisions }).toEqual({
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
      unknown: 0,
      collisions: 0,
    })
    expect([result.rowsShownTwice, result.rowsOutOfOrder]).toEqual([0, 0]) // what the chat page renders
    expect(result.delivered).toBe(result.sent)
    expect(result.storedDistinct).toBe(result.sent)
    // v3 de-duplicates a re-send itself; on v2 the outbox asks the server before re-sending (issue 15.13).
    expect(result.stored).toBe(result.sent)
    expect(result.ok).toBe(true)
  })

  it('reports ack latency and renders the table', () => {
    expect(result.ackP50).toBeGreaterThanOrEqual(0)
    expect(result.ackP99).toBeGreaterThanOrEqual(result.ackP50)
    const table = formatTable(result)
    for (const label of ['messages sent', 'stored', 'delivered', 'lost', 'duplicated', 'out of order', 'ack latency p50 / p99', 'reconnects']) expect(table).toContain(label)
    expect(table).toContain('PASS')
  })
})

it('the verdict fails on any loss, duplicate, reorder, unknown delivery, own echo, collision or row shown twice', () => {
  const clean: StoryResult = { mode: 'v2', seed: 1, sent: 10, stored: 12, storedDistinct: 10, delivered: 10, lost: 0, duplicated: 0, outOfOrder: 0, ackP50: 1, ackP99: 2, reconnects: 3, ownEchoes: 0, unknown: 0, clientMsgNoCollisions: 0, rowsShownTwice: 0, rowsOutOfOrder: 0, coldStarts: 1, durationMs: 1, ok: true }
  expect(isClean(clean)).toBe(true)
  for (const bad of ['lost', 'duplicated', 'outOfOrder', 'unknown', 'ownEchoes', 'clientMsgNoCollisions', 'rowsShownTwice', 'rowsOutOfOrder'] as const) {
    expect(isClean({ ...clean, [bad]: 1 })).toBe(false)
  }
  expect(isClean({ ...clean, sent: 0, delivered: 0, storedDistinct: 0, stored: 0 })).toBe(false)
  expect(formatTable({ ...clean, lost: 1, ok: false })).toContain('FAIL')
})

describe('npm start command line', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawnSync } = require('child_process') as typeof import('child_process')
  const run = (...args: string[]) => spawnSync(process.execPath, ['scripts/run-ts.js', 'scripts/start.ts', ...args], { cwd: `${__dirname}/../..`, encoding: 'utf8' })

  it('refuses unknown modes and arguments with exit code 2 and a usage line', () => {
    for (const args of [['--mode', 'v9'], ['--seed', 'x'], ['--bogus']]) {
      const r = run(...args)
      expect(r.status).toBe(2)
      expect(r.stderr).toContain('usage: npm start -- [--mode v2|v3] [--seed N] [--scale X]')
    }
  })
})
