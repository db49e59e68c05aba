/**
 * The checker is not vacuous: with one protection switched off at a time, the simulator's default
 * schedule fails at least DETECTION_BOUND of SEEDS seeds (per server line), and the summary shows
 * the kind of violation that protection prevents. It runs `npm run chaos -- --detection` in a
 * child process (see ci.test.ts for why); the README's detection table is the same command with
 * 100 seeds.
 *
 * Two protections exist only on the v2 line (lookup before a re-send: v3 de-duplicates; line
 * detection: a v3 client never switches lines), and plain-RECV rejection only on encrypted
 * sessions (measured on encrypted runs). Writing the RECVACKs held during a drain when it ends
 * (`ackflush`) is held to the bound on v3 only: a v2 server re-sends an un-acked RECV, and the ack
 * of that duplicate pays the held ones, so on v2 the defect mostly costs a redelivery. One SEND per
 * channel on the wire (`channelwindow`) guards against the v3 send executor's mix-ups, injected on
 * v3 runs only. The others are held to the bound on both lines.
 */
import { execFile } from 'child_process'
import * as path from 'path'

const SEEDS = 10
const DETECTION_BOUND = 4
const V2_ONLY = new Set(['lookup', 'linedetect'])
const V3_ONLY = new Set(['ackflush', 'channelwindow'])
const root = path.resolve(__dirname, '../..')

function detection(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(root, 'scripts/run-ts.js'), 'test/chaos/cli.ts', '--detection', '--runs', String(SEEDS), '--seed', '777', '--mode', 'both'], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${String(error)}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

describe('chaos with one protection off', () => {
  it(`every switch fails at least ${DETECTION_BOUND} of ${SEEDS} seeds on each line it applies to`, async () => {
    const out = await detection()
    const rates = new Map<string, number>()
    for (const m of out.matchAll(/^detection: off (\w+) (v2|v3) (\d+)\/(\d+) failing/gm)) rates.set(`${m[1]} ${m[2]}`, Number(m[3]))
    const names = ['dedup', 'persistence', 'resend', 'gapfill', 'gapkeep', 'statekeep', 'quarantine', 'restorevalidate', 'deadlines', 'linedetect', 'plainrecv', 'disconnect', 'pagecursor', 'lookup', 'mediapersist', 'batchdurable', 'ackflush', 'historystitch', 'convops', 'channelwindow']
    expect([...rates.keys()].sort()).toEqual(names.flatMap((n) => [`${n} v2`, `${n} v3`]).sort())
    const exempt = (key: string): boolean => (key.endsWith('v3') && V2_ONLY.has(key.split(' ')[0] as string)) || (key.endsWith('v2') && V3_ONLY.has(key.split(' ')[0] as string))
    const below = [...rates].filter(([key, n]) => n < DETECTION_BOUND && !exempt(key))
    expect(below).toEqual([])
  }, 240_000)
})
