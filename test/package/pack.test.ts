/**
 * The path an app takes: `npm pack` (prepack builds), install the tarball into a scratch
 * mini-program project made of the README's consumer snippets, DevTools' "Build npm" (miniprogram-ci packNpmManually, offline), type-check
 * the app with `tsc --strict` against the package name (oldest supported TypeScript and the current
 * major), and run the packed SDK file in a bare JS context that has a fake `wx` and nothing of Node.
 */
import { execFileSync } from 'child_process'
import { build } from 'esbuild'
import { createRequire } from 'module'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import * as vm from 'vm'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { withBuildLock } = require('../../scripts/demo/ensure-build.js') as { withBuildLock<T>(fn: () => T): T }

const ROOT = path.resolve(__dirname, '../..')
const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

let dir: string
let app: string
let packed: string[]

const APP_FILES: Record<string, string> = {
  'project.config.json': JSON.stringify({
    compileType: 'miniprogram', appid: 'touristappid', miniprogramRoot: './',
    setting: { useCompilerPlugins: ['typescript'], packNpmManually: true, packNpmRelationList: [{ packageJsonPath: './package.json', miniprogramNpmDistDir: './' }] },
  }),
  'app.json': JSON.stringify({ pages: ['pages/chat/chat'] }),
  'pages/chat/chat.json': '{}',
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'ES2017', module: 'esnext', moduleResolution: 'bundler', lib: ['ES2017'],
      types: ['miniprogram-api-typings'], skipLibCheck: false,
    },
    include: ['**/*.ts'],
    exclude: ['node_modules', 'miniprogram_npm'],
  }),
}

/** The README's consumer snippets: ```ts blocks whose first line is `// <path>`. */
function readmeFiles(): Record<string, string> {
  const files: Record<string, string> = {}
  for (const [, file, body] of fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').matchAll(/```ts\n\/\/ (\S+)\n([\s\S]*?)```/g)) files[file!] = body!
  return files
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wkmp-pack-'))
  // prepack rebuilds dist/, which the demo build (other test files) packs too: take turns.
  const out = withBuildLock(() => npm(['pack', '--json', '--pack-destination', dir], ROOT))
  const [info] = JSON.parse(out.slice(out.search(/^\[/m))) as Array<{ filename: string; files: Array<{ path: string }> }>
  packed = info!.files.map((f) => f.path).sort()
  app = path.join(dir, 'app')
  for (const [file, text] of Object.entries({ ...APP_FILES, ...readmeFiles() })) {
    fs.mkdirSync(path.dirname(path.join(app, file)), { recursive: true })
    fs.writeFileSync(path.join(app, file), text)
  }
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true }))
  // The peer dependency (miniprogram-api-typings) comes along as npm installs peers.
  npm(['install', path.join(dir, info!.filename)], app)
}, 120_000)

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

test('the README has the consumer files the scratch app is made of', () => {
  expect(Object.keys(readmeFiles()).sort()).toEqual(['app.ts', 'pages/chat/chat.ts', 'typings/index.d.ts'])
})

test('the tarball holds the build, its declarations and nothing test-only', () => {
  expect(packed).toEqual(expect.arrayContaining(['package.json', 'README.md', 'CHANGELOG.md', 'dist/miniprogram/index.js', 'dist/testing.js', 'dist/types/index.d.ts', 'dist/types/testing.d.ts']))
  expect(packed.filter((f) => !/^dist\/(miniprogram\/index\.js|esm\/index\.mjs|testing\.js|types\/.+\.d\.ts)$/.test(f))).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json'].filter((f) => packed.includes(f)))
  expect(packed.filter((f) => /server-|sim-wx|test\//.test(f))).toEqual([])
})

test('Build npm copies exactly the SDK file into miniprogram_npm', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ci = require('miniprogram-ci') as { packNpmManually(o: { packageJsonPath: string; miniprogramNpmDistDir: string }): Promise<{ miniProgramPackNum: number; warnList: unknown[] }> }
  const result = await ci.packNpmManually({ packageJsonPath: path.join(app, 'package.json'), miniprogramNpmDistDir: app })
  expect(result).toMatchObject({ miniProgramPackNum: 1, warnList: [] })
  expect(fs.readdirSync(path.join(app, 'miniprogram_npm'))).toEqual(['wukongim-mp'])
  expect(fs.readdirSync(path.join(app, 'miniprogram_npm', 'wukongim-mp'))).toEqual(['index.js'])
}, 60_000)

test.each(['typescript-5.0', 'typescript-7'])('the app type-checks with tsc --strict (%s) against the package name', (ts) => {
  const tsc = path.join(ROOT, 'node_modules', ts, 'bin', 'tsc')
  let errors = ''
  try {
    execFileSync(process.execPath, [tsc, '-p', app], { encoding: 'utf8', stdio: 'pipe' })
  } catch (e) {
    errors = String((e as { stdout?: string }).stdout) || String(e)
  }
  expect(errors).toBe('')
}, 60_000)

test('the packed SDK runs in a bare context with only a fake wx', async () => {
  const code = fs.readFileSync(path.join(app, 'miniprogram_npm', 'wukongim-mp', 'index.js'), 'utf8')
  const storage = new Map<string, unknown>()
  type Cb = { success?: (r: unknown) => void; fail?: (e: { errMsg: string }) => void }
  const ok = (o: Cb, r: unknown): void => void Promise.resolve().then(() => o.success?.(r))
  const wx = {
    connectSocket: () => ({ onOpen() {}, onMessage() {}, onError() {}, onClose() {}, send() {}, close() {} }),
    setStorage: (o: Cb & { key: string; data: unknown }) => (storage.set(o.key, o.data), ok(o, {})),
    getStorage: (o: Cb & { key: string }) =>
      storage.has(o.key) ? ok(o, { data: storage.get(o.key) }) : void Promise.resolve().then(() => o.fail?.({ errMsg: 'getStorage:fail data not found' })),
    removeStorage: (o: Cb & { key: string }) => (storage.delete(o.key), ok(o, {})),
    getStorageInfo: (o: Cb) => ok(o, { keys: [...storage.keys()] }),
    getNetworkType: (o: Cb) => ok(o, { networkType: 'wifi' }),
    onNetworkStatusChange() {},
    request: (o: Cb) => ok(o, { statusCode: 200, data: {} }),
    getRandomValues: (o: Cb & { length: number }) => ok(o, { randomValues: new Uint8Array(o.length).map((_, i) => i).buffer }),
  }
  // What a mini-program's JS engine has: the language, its timers and console, and wx.
  const sandbox = vm.createContext({ wx, setTimeout, clearTimeout, setInterval, clearInterval, console })
  const mod = { exports: {} as Record<string, unknown> }
  vm.runInContext(`(function (module, exports) {${code}\n})`, sandbox)(mod, mod.exports)
  expect(vm.runInContext('typeof require + typeof process + typeof Buffer', sandbox)).toBe('undefinedundefinedundefined')

  const sdk = mod.exports as { createClient(o: unknown): { send(m: unknown): Promise<{ status: string }>; close(): Promise<void> } }
  const client = sdk.createClient({ uid: 'alice', token: 't', wsAddr: 'wss://im.example.com:5210' })
  const sent = await client.send({ channelId: 'bob', channelType: 1, payload: 'hi' })
  expect(sent.status).toBe('queued')
  expect([...storage.keys()].some((k) => k.startsWith('wkmp'))).toBe(true) // the outbox wrote through wx storage
  await client.close()
}, 30_000)

test('an app bundler given the package leaves out the parts createCoreClient is not given', async () => {
  // esbuild, like webpack and rollup, takes the "module" condition of exports: the ES module build.
  const bundle = async (names: string) => {
    const out = await build({ stdin: { contents: `export { ${names} } from 'wukongim-mp'`, resolveDir: app }, bundle: true, format: 'cjs', platform: 'browser', minify: true, write: false, metafile: true, logLevel: 'silent' })
    return { inputs: Object.keys(out.metafile.inputs), code: out.outputFiles[0]!.text }
  }
  const core = await bundle('createCoreClient, createWxPlatform')
  const full = await bundle('createClient, createWxPlatform')
  expect(core.inputs.map((input) => input.replace(/^.*node_modules\//, ''))).toEqual(['wukongim-mp/dist/esm/index.mjs', '<stdin>'])
  // The route lookup (api part), the realtime-log line (diagnostics part) and the conversation
  // list's storage key (conversations part) are in createClient's bundle only.
  for (const text of ['route lookup gave no WebSocket address', '[wkmp] ', ':conversation-ops']) {
    expect(core.code).not.toContain(text)
    expect(full.code).toContain(text)
  }
  expect(core.code.length).toBeLessThan(full.code.length * 0.9)
})

test('wukongim-mp/testing resolves through exports and drives a client under node', async () => {
  const load = createRequire(path.join(app, 'package.json'))
  const { createMemoryPlatform } = load('wukongim-mp/testing') as typeof import('../../sdk/testing')
  const { createClient } = load('wukongim-mp') as typeof import('../../sdk')
  const platform = createMemoryPlatform()
  const client = createClient({ uid: 'alice', token: 't', wsAddr: 'wss://im.example.com:5210', platform })
  expect((await client.send({ channelId: 'bob', channelType: 1, payload: 'hi' })).status).toBe('queued')
  await client.close()
})
