/**
 * The chaos simulator in CI: 500 seeds per server line, default scenario size (3 clients, 20
 * sends, 10 faults each), zero violations. A failure names the seed and the replay command.
 */
import { violationCount } from './checker'
import { runScenario } from './engine'

const SEEDS_PER_MODE = 500
const CHUNK = 100

describe.each(['v2', 'v3'] as const)('chaos, %s server', (mode) => {
  for (let first = 1; first <= SEEDS_PER_MODE; first += CHUNK) {
    const last = first + CHUNK - 1
    it(`seeds ${first}..${last}: no loss, no duplicates, no disorder, every outbox drains`, async () => {
      const failures: string[] = []
      let messages = 0
      let faults = 0
      for (let seed = first; seed <= last; seed++) {
        const r = await runScenario(seed, { mode })
        messages += r.messages
        faults += r.faults
        if (violationCount(r) > 0) failures.push(`seed ${seed}: ${r.failures.join('; ')} — replay: npm run chaos -- --runs 1 --seed ${seed} --mode ${mode} --trace`)
      }
      expect(failures).toEqual([])
      // Not vacuous: the runs did send and did break things.
      expect(messages).toBeGreaterThan(CHUNK * 10)
      expect(faults).toBe(CHUNK * 10)
    }, 120_000)
  }
})
