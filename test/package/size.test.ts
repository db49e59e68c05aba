/**
 * The size budgets of .size-limit.cjs hold (size-limit bundles with the shipped build's options),
 * and the core bundle leaves out the optional parts (ClientParts) that only createClient imports.
 */
import { execFileSync } from 'child_process'
import { build } from 'esbuild'
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
  expect(checks.map((c) => c.name)).toEqual(['core: createCoreClient + createWxPlatform', 'createClient + createWxPlatform', 'with media: createClient + createWxPlatform + mediaSupport', 'full SDK (wukongim-mp)', 'wukongim-mp/testing'])
  expect(checks.filter((c) => !c.passed)).toEqual([])
}, 60_000)

test('the core bundle holds no optional part; the createClient bundle holds them all', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { sdkOptions } = require(path.join(ROOT, 'scripts/esbuild-options')) as { sdkOptions: Record<string, unknown> }
  const inputs = async (names: string) => {
    const out = await build({ ...sdkOptions, stdin: { contents: `export { ${names} } from './sdk/index'`, resolveDir: ROOT, loader: 'ts' }, format: 'cjs', write: false, metafile: true, logLevel: 'silent' })
    // The inputs that put bytes in the bundle (metafile.inputs also lists the ones tree-shaken out).
    const used = Object.values(out.metafile.outputs)[0]!.inputs
    return Object.keys(used).filter((input) => input.startsWith('sdk/') && used[input]!.bytesInOutput > 0)
  }
  const parts = ['sdk/sync/http.ts', 'sdk/diagnostics/diagnostics.ts', 'sdk/diagnostics/report.ts', 'sdk/conversations/conversations.ts', 'sdk/conversations/store.ts', 'sdk/history/history.ts', 'sdk/history/store.ts']
  const core = await inputs('createCoreClient, createWxPlatform')
  expect(core).toContain('sdk/client.ts')
  expect(core.filter((input) => parts.includes(input))).toEqual([])
  expect((await inputs('createClient, createWxPlatform')).filter((input) => parts.includes(input)).sort()).toEqual(parts.slice().sort())
})
