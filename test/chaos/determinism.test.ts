/** A seed replays exactly: the same seed gives the same trace twice; another seed differs. */
import { runScenario } from './engine'

describe.each(['v2', 'v3'] as const)('chaos determinism (%s)', (mode) => {
  it('the same seed gives the same trace (and result) twice', async () => {
    const first = await runScenario(17, { mode, trace: true })
    const second = await runScenario(17, { mode, trace: true })
    expect(first.trace.length).toBeGreaterThan(50)
    expect(second.trace).toEqual(first.trace)
    expect({ ...second, trace: [] }).toEqual({ ...first, trace: [] })
    const other = await runScenario(18, { mode, trace: true })
    expect(other.trace).not.toEqual(first.trace)
  }, 60_000)

  it('tracing does not change the run', async () => {
    const traced = await runScenario(23, { mode, trace: true })
    const quiet = await runScenario(23, { mode })
    expect(quiet.trace).toEqual([])
    expect({ ...quiet, trace: [] }).toEqual({ ...traced, trace: [] })
  }, 60_000)
})
