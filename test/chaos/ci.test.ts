/**
 * The chaos simulator in CI: 300 seeds per server line with the default (widened) fault set —
 * 10 random faults, 4 aimed episodes and issue 15's kinds per run, one run in 8 encrypted — zero
 * violations, one stored copy per message on both lines. It runs the CLI (`npm run chaos`) in a child
 * process: the same command a developer runs, and ~10× faster than inside jest's module sandbox.
 * A failure shows the CLI's output, which names each failing seed with its replay command.
 */
import { execFile } from 'child_process'
import * as path from 'path'

const SEEDS_PER_MODE = 300
const root = path.resolve(__dirname, '../..')

function chaos(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'scripts/run-ts.js'), 'test/chaos/cli.ts', ...args], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

describe('chaos simulator in CI', () => {
  it(`${SEEDS_PER_MODE} seeds per server line (v2 and v3): no loss, no duplicates, no disorder, every outbox drains`, async () => {
    const { code, stdout, stderr } = await chaos(['--runs', String(SEEDS_PER_MODE), '--seed', '1', '--mode', 'both'])
    const summary = stdout.split('\n').find((l) => l.startsWith('chaos: ')) ?? ''
    if (code !== 0) throw new Error(`chaos failed (exit ${code}):\n${stdout.slice(-20_000)}\n${stderr.slice(-2_000)}`)
    expect(summary).toContain(`chaos: ${2 * SEEDS_PER_MODE} runs (v2+v3`)
    expect(summary).toMatch(/lost 0, duplicated 0, misordered 0, echoed 0, stuck 0, unacked 0, internal 0, forged 0, wrong payloads 0, bad media 0, conversation ops lost 0, conversation lists differing 0;/)
    // Conversation ops were made durable, and every device's final list was compared with the server's.
    expect(Number(/\((\d+) durable\)/.exec(summary)?.[1])).toBeGreaterThan(SEEDS_PER_MODE * 2 * 4)
    expect(Number(/(\d+) final lists compared/.exec(summary)?.[1])).toBe(SEEDS_PER_MODE * 2 * 3)
    expect(summary).toContain('stored copies per message 1.00;')
    expect(summary).toContain(' 0 failing run(s)')
    // Not vacuous: the runs sent messages, injected every kind of fault, killed and encrypted some.
    expect(Number(/(\d+) messages/.exec(summary)?.[1])).toBeGreaterThan(SEEDS_PER_MODE * 2 * 20)
    expect(Number(/(\d+) faults injected/.exec(summary)?.[1])).toBeGreaterThan(SEEDS_PER_MODE * 2 * 25)
    expect(Number(/\((\d+) media\)/.exec(summary)?.[1])).toBeGreaterThan(SEEDS_PER_MODE * 2)
    for (const kind of ['random', 'aimed kills/storage', 'sync faults', 'callback hangs', 'storage read faults', 'corruptions', 'soft disconnects', 'forged recvs', 'handler kills', 'upload faults and media kills', 'conversation-op faults and kills', 'pipelined-send mix-ups \\(v3\\)']) {
      expect(Number(new RegExp(`${kind} (\\d+)`).exec(summary)?.[1])).toBeGreaterThan(0)
    }
    expect(Number(/(\d+) encrypted/.exec(summary)?.[1])).toBeGreaterThan(0)
    expect(Number(/\((\d+) kills;/.exec(summary)?.[1])).toBeGreaterThan(SEEDS_PER_MODE * 2 * 4)
    // Progress went to stderr while it ran.
    expect(stderr).toContain(`progress ${2 * SEEDS_PER_MODE}/${2 * SEEDS_PER_MODE} runs`)
  }, 240_000)

  it('a failing run prints its seed and a one-line replay command, and exits 1', async () => {
    const { code, stdout } = await chaos(['--runs', '3', '--seed', '1', '--mode', 'v3', '--off', 'gapfill'])
    expect(code).toBe(1)
    expect(stdout).toMatch(/^FAIL v3 seed \d+: \d+ violation\(s\)$/m)
    expect(stdout).toMatch(/^ {2}replay: npm run chaos -- --runs 1 --seed \d+ --mode v3 --off gapfill --trace$/m)
  }, 60_000)
})
