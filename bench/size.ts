/**
 * Minified + gzipped size of the SDK bundle (everything sdk/index.ts pulls in), measured the way
 * scripts/build.js bundles it (esbuild, neutral platform, CommonJS ES2017) plus `minify`, gzip -9.
 * The official wukongimjssdk@1.0.4 entry is bundled and measured the same way. Also reported: the
 * client-side codec + crypto alone (sdk/proto), which the client pulls in once it is wired.
 */
import { buildSync } from 'esbuild'
import { gzipSync } from 'zlib'

const root = process.cwd()

function measure(contents: string, external: string[] = []): { minified: number; gzipped: number } {
  const out = buildSync({
    stdin: { contents, resolveDir: root, loader: 'ts' },
    bundle: true,
    platform: 'neutral',
    mainFields: ['main', 'module'],
    format: 'cjs',
    target: 'es2017',
    minify: true,
    write: false,
    external,
    logLevel: 'silent',
  })
  const code = out.outputFiles[0]!.contents
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length }
}

export async function run(): Promise<Record<string, unknown>> {
  const sdk = measure("export * from './sdk/index'")
  const codec = measure(["export * from './sdk/proto/codec'", "export * from './sdk/proto/crypto'", "export * from './sdk/proto/frame-decoder'"].join('\n'))
  // crypto-js probes require('crypto') inside a try; a mini-program has no such module.
  const official = measure("export * from 'wukongimjssdk'", ['crypto'])
  return {
    unit: 'bytes',
    sdk,
    codec,
    official,
    sdkOverOfficial: Math.round((sdk.gzipped / official.gzipped) * 1000) / 1000,
    targets: { sdkGzipped: '<= 20480', sdkOverOfficial: '< 0.333' },
  }
}

export function render(r: Record<string, unknown>): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`
  const rowOf = (name: string, x: { minified: number; gzipped: number }) => `| ${name} | ${kb(x.minified)} | ${kb(x.gzipped)} (${x.gzipped} B) |`
  return [
    '| Bundle | minified | minified + gzip -9 |',
    '|---|---:|---:|',
    rowOf('wukongim-mp SDK (`sdk/index.ts`)', r.sdk as never),
    rowOf('codec + crypto alone (client half of `sdk/proto`)', r.codec as never),
    rowOf('official wukongimjssdk@1.0.4', r.official as never),
    '',
    `SDK / official (gzipped): ${String(r.sdkOverOfficial)}. Targets: SDK at most 20 KB gzipped and under a third of the official bundle.`,
  ].join('\n')
}
