/**
 * The checker is not vacuous: with one protection switched off at a time, the simulator reports
 * violations within a bounded number of seeds (and the kind of violation that protection
 * prevents). The switches: the client's @internal `_unsafe` option (de-duplication, resend after
 * reconnect), a storage that drops outbox writes (persistence), a sync provider that answers
 * nothing (gap filling).
 */
import type { Violations } from './checker'
import { violationCount } from './checker'
import { runScenario, type Protections } from './engine'

const MAX_SEEDS = 50

async function firstFailure(mode: 'v2' | 'v3', protections: Protections): Promise<{ seed: number; v: Violations } | undefined> {
  for (let seed = 1; seed <= MAX_SEEDS; seed++) {
    const r = await runScenario(seed, { mode, protections })
    if (violationCount(r) > 0) return { seed, v: r }
  }
  return undefined
}

describe('chaos with one protection off', () => {
  it(`receive de-duplication off (v2, which stores re-sends twice): duplicates or own echoes within ${MAX_SEEDS} seeds`, async () => {
    const found = await firstFailure('v2', { disableDedup: true })
    // The sender's own copies coming back (echoes) are caught by the same de-duplication.
    expect((found?.v.duplicated ?? 0) + (found?.v.echoed ?? 0)).toBeGreaterThan(0)
  }, 60_000)

  it.each(['v2', 'v3'] as const)(`outbox persistence off (%s): lost messages within ${MAX_SEEDS} seeds`, async (mode) => {
    const found = await firstFailure(mode, { disablePersistence: true })
    expect(found?.v.lost).toBeGreaterThan(0)
  }, 60_000)

  it.each(['v2', 'v3'] as const)(`resend after reconnect off (%s): stuck and lost messages within ${MAX_SEEDS} seeds`, async (mode) => {
    const found = await firstFailure(mode, { disableResend: true })
    expect(found?.v.stuck).toBeGreaterThan(0)
    expect(found?.v.lost).toBeGreaterThan(0)
  }, 60_000)

  it.each(['v2', 'v3'] as const)(`gap filling off (%s): lost messages within ${MAX_SEEDS} seeds`, async (mode) => {
    const found = await firstFailure(mode, { disableGapFill: true })
    expect(found?.v.lost).toBeGreaterThan(0)
  }, 60_000)
})
