/**
 * Minified + gzipped size of the SDK, bundled with the shipped build's esbuild options
 * (scripts/esbuild-options.js) plus `minify`, gzip -9: the full entry, createClient, the core
 * (createCoreClient with the wx platform: connect, send, receive, outbox) and what each part costs
 * (from esbuild's metafile: minified bytes each input contributes, summed per part; the gzip column
 * shares the bundle's gzipped size out in proportion, an estimate). The official
 * wukongimjssdk@1.0.4 entry is bundled and measured the same way. Budgets are enforced by
 * size-limit (.size-limit.cjs).
 */
import { build } from 'esbuild'
import type { Plugin } from 'esbuild'
import { gzipSync } from 'zlib'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { sdkOptions } = require('../scripts/esbuild-options') as { sdkOptions: Record<string, unknown> }
const root = process.cwd()

interface Measured {
  minified: number
  gzipped: number
  parts?: Record<string, number>
}

/** The parts of the SDK, by the inputs they hold (first match wins), and what each carries. */
const PARTS: Array<[name: string, input: RegExp, carries: string]> = [
  ['encryption', /^sdk\/proto\/(crypto|md5|base64)\.ts$|@stablelib|@noble/, 'X25519 key agreement, AES-CBC, MD5 msgKey: every WuKongIM server requires it'],
  ['codec', /^sdk\/proto\//, 'WKProto packets, frame decoder, UTF-8 without TextEncoder'],
  ['connection', /^sdk\/connection\//, 'state machine, heartbeat, backoff, lifecycle and network reactions, per-turn write batching'],
  ['outbox', /^sdk\/outbox\//, 'durable send queue in batch keys, windows, SENDACK classification, expiry, quarantine, stored-message lookup, media upload state'],
  ['content', /^sdk\/content\//, 'typed message content: the ten built-in types, mention/reply, the registry (every message event carries it)'],
  ['media', /^sdk\/media\//, 'mediaSupport only: saved files, upload queue and retries, the default wx.uploadFile uploader'],
  ['inbox', /^sdk\/inbox\//, 'dedup, order by seq, gap fill, catch-up, cursors written before the next message, RECVACK'],
  ['wx platform', /^sdk\/platform\//, 'the wx adapter: socket, storage, request, lifecycle, feature probes with WeChat error texts'],
  ['api part', /^sdk\/sync\/http\.ts$/, 'createClient only: /route lookup, HTTP catch-up and gap filling, v2/v3 line detection'],
  ['diagnostics part', /^sdk\/diagnostics\/(diagnostics|report|anomaly)\.ts$/, 'createClient only: log, traces, counters, realtime-log forwarding, diagnose()'],
  ['conversations part', /^sdk\/conversations\//, 'createClient only: the conversation list, its storage, unread/delete ops sent until confirmed'],
  ['history part', /^sdk\/history\//, 'createClient only: the message store per channel (chunks, budget eviction) and messages() paging from storage, then the server'],
  ['client + options', /^sdk\/(client|options)\.ts$/, 'the facade, the one validation pass of every option with typed errors'],
  ['shared', /^sdk\/|mitt/, 'errors, reason codes, emitter, deadlines, the diagnostics vocabulary'],
]

function partOf(input: string): string {
  return (PARTS.find(([, re]) => re.test(input)) ?? [input])[0]
}

/**
 * Replaces sdk/proto/crypto.ts by plaintext stand-ins (same exports): what the core would cost
 * with no encryption at all. Evidence for the 24 KB question only; no WuKongIM server takes it.
 */
const withoutEncryption: Plugin = {
  name: 'without-encryption',
  setup(b) {
    b.onLoad({ filter: /sdk\/proto\/crypto\.ts$/ }, () => ({
      loader: 'ts',
      contents: [
        'export const generateKeyPair = (seed: Uint8Array) => ({ publicKey: seed, secretKey: seed })',
        "export const encodePublicKey = () => ''",
        'export const deriveSession = () => null',
        'export const sealSend = (_: unknown, p: unknown) => p',
        'export const openRecv = (_: unknown, p: { payload: Uint8Array }) => p.payload',
      ].join('\n'),
    }))
  },
}

async function measure(contents: string, external: string[] = [], plugins: Plugin[] = []): Promise<Measured> {
  const out = await build({
    ...sdkOptions,
    plugins: [...(sdkOptions.plugins as Plugin[]), ...plugins],
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
  const core = await measure("export { createCoreClient, createWxPlatform } from './sdk/index'")
  const client = await measure("export { createClient, createWxPlatform } from './sdk/index'")
  const plainCore = await measure("export { createCoreClient, createWxPlatform } from './sdk/index'", [], [withoutEncryption])
  delete plainCore.parts
  const codec = await measure(["export * from './sdk/proto/codec'", "export * from './sdk/proto/crypto'", "export * from './sdk/proto/frame-decoder'"].join('\n'))
  // crypto-js probes require('crypto') inside a try; a mini-program has no such module.
  const official = await measure("export * from 'wukongimjssdk'", ['crypto'])
  delete codec.parts
  delete official.parts
  delete sdk.parts
  return {
    unit: 'bytes',
    sdk,
    client,
    core,
    plainCore,
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
  const client = r.client as Measured
  const share = (x: Measured, bytes: number) => kb((bytes / x.minified) * x.gzipped)
  const parts = Object.entries(client.parts ?? {}).sort((a, b) => b[1] - a[1])
  return [
    '| Bundle | minified | minified + gzip -9 |',
    '|---|---:|---:|',
    rowOf('wukongim-mp SDK (`sdk/index.ts`, everything)', r.sdk as Measured),
    rowOf('`createClient` + `createWxPlatform`', client),
    rowOf('core: `createCoreClient` + `createWxPlatform`', core),
    rowOf('core with encryption stubbed out (evidence only: no WuKongIM server takes it)', r.plainCore as Measured),
    rowOf('codec + crypto alone (client half of `sdk/proto`)', r.codec as Measured),
    rowOf('official wukongimjssdk@1.0.4', r.official as Measured),
    '',
    `SDK / official (gzipped): ${String(r.sdkOverOfficial)}. Core target ≤ 24 KB: ${core.gzipped <= 24576 ? 'met' : `**missed** (${kb(core.gzipped)})`}.`,
    '',
    'What each part costs: minified bytes from the metafile; gzip is the bundle\'s gzipped size shared out in proportion (an estimate). The core is every part but those marked createClient only.',
    '',
    '| Part | minified | ≈ gzip | carries |',
    '|---|---:|---:|---|',
    ...parts.map(([name, bytes]) => `| ${name} | ${kb(bytes)} | ${share(client, bytes)} | ${(PARTS.find(([n]) => n === name) ?? ['', '', ''])[2]} |`),
  ].join('\n')
}
