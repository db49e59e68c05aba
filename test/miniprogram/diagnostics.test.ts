/**
 * The diagnostics page renders the signed-in client's diagnose() report (summary lines, metric
 * rows, JSON) through the real app and the SDK build, refreshes on state changes and on demand,
 * and says so plainly when there is no report to show.
 */
import { waitFor } from '../support/waiters'
import { diagnosticsView } from '../../miniprogram/services/diagnostics-view'
import { byClass, startDemo, textOf, textsOf } from './harness'
import type { Demo } from './harness'

let demo: Demo
beforeEach(() => {
  demo = startDemo()
})
afterEach(async () => {
  await demo.close()
})

it('not signed in: says there is no report, shows no metrics', async () => {
  const page = demo.mount('pages/diagnostics/diagnostics')
  page.instance.onLoad({})
  await demo.simulate.sleep(0)
  expect(textOf(page, 'summary-line')).toMatch(/^Sign in to see a diagnostics report/)
  expect(byClass(page, 'metric')).toEqual([])
  expect(byClass(page, 'copy')).toEqual([])
})

it("renders what the real client's diagnose() reports, and follows state changes", async () => {
  demo.app.signIn(demo.session('alice'))
  const im = demo.app.im!
  await waitFor(() => im.state === 'connected')
  await demo.app.chats!.sendText('bob', 1, 'for the report')
  await waitFor(() => im.pending().length === 0)
  // The report the page renders once must be the one compared below: let the first catch-up end.
  await waitFor(async () => {
    const r = await im.diagnose()
    return r.gapFilling.lastCatchUp !== undefined && r.gapFilling.held === 0
  })
  const page = demo.mount('pages/diagnostics/diagnostics')
  page.instance.onLoad({})
  await waitFor(() => page.data.available === true)
  const expected = await diagnosticsView(im)
  expect(textsOf(page, 'summary-line')).toEqual(expected.summary)
  expect(textsOf(page, 'summary-line').some((l) => l.startsWith('(3) state connected'))).toBe(true)
  expect(textsOf(page, 'metric-name').map((name, i) => [name, textsOf(page, 'metric-value')[i]])).toEqual(expected.metrics.map((m) => [m.name, m.value]))
  expect(JSON.parse(page.data.json as string)).toMatchObject({ uid: 'alice', delivery: { outboxDepth: 0, ackLatencyMs: { count: 1 } } })
  expect(byClass(page, 'copy')).toHaveLength(1)
  // a state change re-renders (banner and report)
  demo.sim.control.setNetwork({ online: false })
  await waitFor(() => textOf(page, 'banner').startsWith('No network'))
  await waitFor(async () => (page.data.summary as string[]).some((l) => l.startsWith('(3) state offline')))
})
