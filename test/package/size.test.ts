/** The size budgets of .size-limit.cjs hold (size-limit bundles with the shipped build's options). */
import { execFileSync } from 'child_process'
import * as path from 'path'

const ROOT = path.resolve(__dirname, '../..')

test('every entry is within its size-limit budget', () => {
  let out: string
  try {
    out = execFileSync(process.execPath, [path.join(ROOT, 'node_modules/size-limit/bin.js'), '--json'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' })
  } catch (e) {
    out = String((e as { stdout?: string }).stdout)
  }
  const checks = JSON.parse(out) as Array<{ name: string; passed: boolean; size: number }>
  expect(checks.map((c) => c.name)).toEqual(['core: createClient + createWxPlatform', 'with media: createClient + createWxPlatform + mediaSupport', 'full SDK (wukongim-mp)', 'wukongim-mp/testing'])
  expect(checks.filter((c) => !c.passed)).toEqual([])
}, 60_000)
