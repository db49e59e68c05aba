/**
 * Minified + gzipped size of the SDK, bundled with the shipped build's esbuild options
 * (scripts/esbuild-options.js) plus `minify`, gzip -9: the full entry, the core (createClient with
 * the wx platform: connect, send, receive, outbox) and what each part of it costs (from esbuild's
 * metafile: minified bytes each input contributes). The official wukongimjssdk@1.0.4 entry is
 * bundled and measured the same way. Budgets are enforced by size-limit (.size-limit.cjs).
 */
import { build } from 'esbuild'
import { gzipSync } from 'zlib'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { sdkOptions } = require('../scripts/esbuild-options') as { sdkOptions: Record<string, unknown> }
const root = process.cwd()

interface Measured {
  minified: number
  gzipped: number
  parts?: Record<string, number>
}

/** Which part of the SDK an input belongs to (dependencies by package). */
function partOf(input: string): string {
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)
  if (dep) return dep[1]!
  const m = /^sdk\/([^/]+)\//.exec(input)
  return m ? `sdk/${m[1]}/` : input
}

async function measure(contents: string, external: string[] = []): Promise<Measured> {
  const out = await build({
    ...sdkOptions,
    stdin: { contents, resolveDir: root, loader: 'ts' },
    format: 'cjs',
    minify: true,
    write: false,
    metafile: true,
    external,
    logLevel: 'silent',
  })
  const code = out.outputFiles[0]!.contents
  const parts: Record<string, number> = {}
  for (const [input, { bytesInOutput }] of Object.entries(Object.values(out.metafile.outputs)[0]!.inputs)) {
    parts[partOf(input)] = (parts[partOf(input)] ?? 0) + bytesInOutput
  }
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length, parts }
}

export async function run(): Promise<Record<string, unknown>> {
  const sdk = await measure("export * from './sdk/index'")
  const core = await measure("export { createClient, createWxPlatform } from './sdk/index'")
  const codec = await measure(["export * from './sdk/proto/codec'", "export * from './sdk/proto/crypto'", "export * from './sdk/proto/frame-decoder'"].join('\n'))
  // crypto-js probes require('crypto') inside a try; a mini-program has no such module.
  const official = await measure("export * from 'wukongimjssdk'", ['crypto'])
  delete codec.parts
  delete official.parts
  return {
    unit: 'bytes',
    sdk,
    core,
    codec,
    official,
    sdkOverOfficial: Math.round((sdk.gzipped / official.gzipped) * 1000) / 1000,
    targets: { coreGzipped: '<= 24576', sdkOverOfficial: '< 0.5' },
  }
}

export function render(r: Record<string, unknown>): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`
  const rowOf = (name: string, x: Measured) => `| ${name} | ${kb(x.minified)} | ${kb(x.gzipped)} (${x.gzipped} B) |`
  const core = r.core as Measured
  const parts = Object.entries(core.parts ?? {}).sort((a, b) => b[1] - a[1])
  return [
    '| Bundle | minified | minified + gzip -9 |',
    '|---|---:|---:|',
    rowOf('wukongim-mp SDK (`sdk/index.ts`, everything)', r.sdk as Measured),
    rowOf('core: `createClient` + `createWxPlatform`', core),
    rowOf('codec + crypto alone (client half of `sdk/proto`)', r.codec as Measured),
    rowOf('official wukongimjssdk@1.0.4', r.official as Measured),
    '',
    `SDK / official (gzipped): ${String(r.sdkOverOfficial)}.`,
    '',
    'What the core costs, minified bytes per part (before gzip):',
    '',
    '| Part | minified |',
    '|---|---:|',
    ...parts.map(([name, bytes]) => `| ${name} | ${kb(bytes)} |`),
  ].join('\n')
}
