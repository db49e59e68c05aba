// Real WuKongIM server for the end-to-end suite (`npm run test:wukongim`, never `npm test`).
//
// ensureWukongim() installs a pinned WuKongIM release from the Go module proxy into
// `.wukongim/bin/` (ignored by git) unless it is already there; with no `go` on the machine it
// returns { skipped } instead. startWukongim() runs it single-node on 127.0.0.1 with free ports,
// a generated config and a temporary data dir, waits until its HTTP API answers, and stop()s it.
//
// Nothing of the server is in this repo: the install is `go mod download` of the pinned module
// followed by `go build` of its main package inside the read-only module cache directory
// (see docs/wukongim-real-server.md for why not `go install ...@version`).
import { spawn, spawnSync, ChildProcess } from 'child_process'
import * as fs from 'fs'
import * as net from 'net'
import * as os from 'os'
import * as path from 'path'

export const WUKONGIM_MODULE = 'github.com/WuKongIM/WuKongIM'
/** The pinned version the proxy here serves (the only one found; see docs/wukongim-real-server.md). */
export const WUKONGIM_DEFAULT_VERSION = 'v1.2.6'

function findRoot(): string {
  // Works from test/wukongim/ (jest) and from .cache/run/ (scripts/run-ts.js bundles).
  for (let d = __dirname; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json')) && fs.existsSync(path.join(d, 'test', 'wukongim'))) return d
    if (path.dirname(d) === d) return process.cwd()
  }
}
const ROOT = findRoot()
const INSTALL_DIR = path.join(ROOT, '.wukongim')

export type EnsureResult = { binary: string; version: string; installedNow: boolean; seconds: number } | { skipped: string }

export interface StartOptions {
  /** CONNECT must carry the token set with POST /user/token (default false). */
  tokenAuth?: boolean
  /** When set, every HTTP API call must send the header `token: <managerToken>`. Default: none. */
  managerToken?: string
  /** Extra top-level config lines (YAML), appended verbatim. */
  extraConfig?: string
  /** Readiness timeout, ms (default 30 s). */
  readyTimeoutMs?: number
}

export interface RunningWukongim {
  wsUrl: string
  apiUrl: string
  tcpAddr: string
  version: string
  flavor: 'v1' | 'v3'
  dataDir: string
  configFile: string
  pid: number
  /** POST (or GET when body is undefined and method is GET) JSON to the HTTP API; throws on non-2xx. */
  api<T = unknown>(pathAndQuery: string, body?: unknown, method?: 'GET' | 'POST'): Promise<T>
  /** Raw HTTP call: returns status and text, never throws on status. */
  apiRaw(pathAndQuery: string, body?: unknown, method?: 'GET' | 'POST'): Promise<{ status: number; text: string }>
  /** The server's combined stdout/stderr so far. */
  log(): string
  stop(): Promise<void>
}

function findGo(): string | undefined {
  // GO=/path/to/go picks the toolchain explicitly (and only that one; a missing path means "no Go").
  if (process.env.GO !== undefined) return process.env.GO && fs.existsSync(process.env.GO) ? process.env.GO : undefined
  const candidates = [...(process.env.PATH || '').split(path.delimiter).map((d) => path.join(d, 'go')), '/usr/local/go/bin/go']
  for (const c of candidates) {
    if (!c) continue
    try {
      fs.accessSync(c, fs.constants.X_OK)
      if (fs.statSync(c).isFile()) return c
    } catch {
      /* next */
    }
  }
  return undefined
}

export function wukongimVersion(): string {
  return process.env.WUKONGIM_VERSION || WUKONGIM_DEFAULT_VERSION
}

function binaryPath(version: string): string {
  return path.join(INSTALL_DIR, 'bin', `wukongim-${version.replace(/[^A-Za-z0-9._-]/g, '_')}`)
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 << 20 })
  return { status: r.status, stdout: r.stdout || '', stderr: (r.stderr || '') + (r.error ? String(r.error) : '') }
}

/**
 * Make sure the pinned server binary exists. `WUKONGIM_BIN` points at an already built binary
 * instead (used as is, version from `WUKONGIM_VERSION` or "custom").
 */
export async function ensureWukongim(): Promise<EnsureResult> {
  if (process.env.WUKONGIM_BIN) {
    const bin = path.resolve(process.env.WUKONGIM_BIN)
    if (!fs.existsSync(bin)) throw new Error(`WUKONGIM_BIN=${bin} does not exist`)
    return { binary: bin, version: process.env.WUKONGIM_VERSION || 'custom', installedNow: false, seconds: 0 }
  }
  const version = wukongimVersion()
  const bin = binaryPath(version)
  if (fs.existsSync(bin)) return { binary: bin, version, installedNow: false, seconds: 0 }

  const go = findGo()
  if (!go) return { skipped: 'no `go` command on PATH (nor /usr/local/go/bin/go); the real WuKongIM server is built from the Go module proxy' }

  const started = Date.now()
  const modArg = `${WUKONGIM_MODULE}@${version}`
  // 1. fetch the module (and verify it against the checksum database) into the module cache.
  const dl = run(go, ['mod', 'download', '-json', modArg], { cwd: os.tmpdir() })
  let dir = ''
  try {
    dir = JSON.parse(dl.stdout).Dir || ''
  } catch {
    /* reported below */
  }
  if (dl.status !== 0 || !dir) {
    throw new Error(`install failed: \`go mod download -json ${modArg}\` exited ${dl.status}\n${dl.stdout}${dl.stderr}`)
  }
  // 2. build its main package there; the module's own go.mod/go.sum decide every dependency.
  fs.mkdirSync(path.dirname(bin), { recursive: true })
  const tmpBin = `${bin}.tmp-${process.pid}`
  const p = process.env.WUKONGIM_BUILD_P || '1'
  const niceBin = fs.existsSync('/usr/bin/nice') ? '/usr/bin/nice' : undefined
  const buildArgs = ['build', '-p', p, '-trimpath', '-o', tmpBin, '.']
  const b = niceBin ? run(niceBin, ['-n', '10', go, ...buildArgs], { cwd: dir }) : run(go, buildArgs, { cwd: dir })
  if (b.status !== 0) {
    throw new Error(`install failed: \`go build ${buildArgs.join(' ')}\` in ${dir} exited ${b.status}\n${b.stdout}${b.stderr}`)
  }
  fs.renameSync(tmpBin, bin)
  const seconds = Math.round((Date.now() - started) / 100) / 10
  fs.writeFileSync(`${bin}.json`, JSON.stringify({ module: WUKONGIM_MODULE, version, dir, seconds, go: run(go, ['version']).stdout.trim(), at: new Date().toISOString() }, null, 2))
  return { binary: bin, version, installedNow: true, seconds }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address() as net.AddressInfo
      srv.close(() => resolve(a.port))
    })
  })
}

async function freePorts(n: number): Promise<number[]> {
  const out: number[] = []
  while (out.length < n) {
    const p = await freePort()
    if (!out.includes(p)) out.push(p)
  }
  return out
}

/** Config for the v1 line (keys read from the module's internal/server/options.go). */
function configV1(o: { dir: string; http: number; tcp: number; ws: number; mon: number; demo: number; tokenAuth: boolean; managerToken?: string; extra?: string }): string {
  const q = (s: string) => JSON.stringify(s)
  return [
    '# generated by test/wukongim/server.ts — single node, loopback only',
    'mode: release',
    `rootDir: ${q(o.dir)}`,
    `dataDir: ${q(path.join(o.dir, 'data'))}`,
    `httpAddr: ${q(`127.0.0.1:${o.http}`)}`,
    `addr: ${q(`tcp://127.0.0.1:${o.tcp}`)}`,
    `wsAddr: ${q(`ws://127.0.0.1:${o.ws}`)}`,
    `tokenAuthOn: ${o.tokenAuth}`,
    ...(o.managerToken ? [`managerToken: ${q(o.managerToken)}`] : []),
    'external:',
    '  ip: "127.0.0.1"',
    'monitor:',
    '  on: false',
    `  addr: ${q(`127.0.0.1:${o.mon}`)}`,
    'demo:',
    '  on: false',
    `  addr: ${q(`127.0.0.1:${o.demo}`)}`,
    'pprofOn: false',
    'logger:',
    `  dir: ${q(path.join(o.dir, 'logs'))}`,
    'conversation:',
    '  on: true',
    ...(o.extra ? [o.extra] : []),
    '',
  ].join('\n')
}

/**
 * Config for the v3 line (TOML; keys from its cmd/wukongim/wukongim.toml.example). Used only with
 * WUKONGIM_BIN pointing at a v3 binary built elsewhere: the proxy here serves no v3 version.
 * v3 has no config switch for CONNECT token auth (tokens are not checked) and no API manager token.
 */
function configV3(o: { dir: string; http: number; tcp: number; ws: number; mon: number; demo: number; cluster: number; extra?: string }): string {
  const q = (s: string) => JSON.stringify(s)
  const data = path.join(o.dir, 'data')
  return [
    '# generated by test/wukongim/server.ts — single node, loopback only',
    '[node]',
    'id = 1',
    `data_dir = ${q(data)}`,
    '[cluster]',
    `listen_addr = ${q(`127.0.0.1:${o.cluster}`)}`,
    'id = "wukongim-e2e"',
    `nodes = [{ id = 1, addr = ${q(`127.0.0.1:${o.cluster}`)} }]`,
    'join_token = "e2e-only"',
    'initial_slot_count = 1',
    'hash_slot_count = 16',
    'slot_replica_n = 1',
    '[api]',
    `listen_addr = ${q(`127.0.0.1:${o.http}`)}`,
    `external_tcp_addr = ${q(`127.0.0.1:${o.tcp}`)}`,
    `external_ws_addr = ${q(`ws://127.0.0.1:${o.ws}`)}`,
    '[manager]',
    `listen_addr = ${q(`127.0.0.1:${o.mon}`)}`,
    'auth_on = false',
    '[prometheus]',
    'enable = false',
    '[plugin]',
    'enable = false',
    '[log]',
    'level = "info"',
    `dir = ${q(path.join(data, 'logs'))}`,
    'console = true',
    '[gateway]',
    `listeners = [{ name = "tcp-wkproto", network = "tcp", address = ${q(`127.0.0.1:${o.tcp}`)}, transport = "gnet", protocol = "wkproto" }, { name = "ws-gateway", network = "websocket", address = ${q(`127.0.0.1:${o.ws}`)}, transport = "gnet", protocol = "wsmux" }]`,
    ...(o.extra ? [o.extra] : []),
    '',
  ].join('\n')
}

/** 'v3' for the v3 beta line (WUKONGIM_FLAVOR=v3, or a v0.0.0 pseudo-version / v3 version string), else 'v1'. */
export function wukongimFlavor(version: string): 'v1' | 'v3' {
  const f = process.env.WUKONGIM_FLAVOR
  if (f === 'v1' || f === 'v3') return f
  return /^v0\.0\.0-|^v3\./.test(version) ? 'v3' : 'v1'
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port }, () => {
      sock.destroy()
      resolve(true)
    })
    sock.on('error', () => resolve(false))
  })
}

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of running) {
    try {
      c.kill('SIGKILL')
    } catch {
      /* gone */
    }
  }
})

export async function startWukongim(opts: StartOptions = {}): Promise<RunningWukongim> {
  const ensured = await ensureWukongim()
  if ('skipped' in ensured) throw new Error(`real WuKongIM unavailable: ${ensured.skipped}`)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wukongim-'))
  const [http, tcp, ws, mon, demo, cluster] = (await freePorts(6)) as [number, number, number, number, number, number]
  const flavor = wukongimFlavor(ensured.version)
  const configFile = path.join(dir, flavor === 'v3' ? 'wukongim.toml' : 'wk.yaml')
  fs.writeFileSync(
    configFile,
    flavor === 'v3'
      ? configV3({ dir, http, tcp, ws, mon, demo, cluster, extra: opts.extraConfig })
      : configV1({ dir, http, tcp, ws, mon, demo, tokenAuth: !!opts.tokenAuth, managerToken: opts.managerToken, extra: opts.extraConfig }),
  )

  let logText = ''
  const child = spawn(ensured.binary, [flavor === 'v3' ? '-config' : '--config', configFile], {
    cwd: dir,
    // HOME points into the temp dir too, so nothing is written under the real home directory.
    env: { ...process.env, HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  const onData = (b: Buffer) => {
    logText += b.toString('utf8')
    if (logText.length > 4 << 20) logText = logText.slice(-(2 << 20))
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal }
      running.delete(child)
      resolve()
    }),
  )

  const apiUrl = `http://127.0.0.1:${http}`
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (opts.managerToken) headers.token = opts.managerToken
  const apiRaw = async (p: string, body?: unknown, method?: 'GET' | 'POST') => {
    const m = method ?? (body === undefined ? 'GET' : 'POST')
    const res = await fetch(apiUrl + p, { method: m, headers, body: m === 'POST' ? JSON.stringify(body ?? {}) : undefined })
    return { status: res.status, text: await res.text() }
  }
  const api = async <T,>(p: string, body?: unknown, method?: 'GET' | 'POST'): Promise<T> => {
    const r = await apiRaw(p, body, method)
    if (r.status < 200 || r.status >= 300) throw new Error(`WuKongIM ${method ?? (body === undefined ? 'GET' : 'POST')} ${p} → HTTP ${r.status}: ${r.text}`)
    return (r.text ? JSON.parse(r.text) : undefined) as T
  }

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exitPromise
      clearTimeout(t)
    }
    fs.rmSync(dir, { recursive: true, force: true })
  }

  // Readiness: v1 — the HTTP API answers GET /route naming our WS port; v3 — GET /readyz says
  // {"ready":true} (its /route answers before the gateway listens). Both: the WS port accepts TCP.
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30000)
  let lastErr = ''
  for (;;) {
    if (exited) {
      const msg = `WuKongIM ${ensured.version} exited before it was ready (code ${exited.code}, signal ${exited.signal})`
      process.stderr.write(`${msg}\n--- config ${configFile}\n${fs.readFileSync(configFile, 'utf8')}--- log\n${logText}\n`)
      await stop()
      throw new Error(msg)
    }
    try {
      const r = flavor === 'v3' ? await apiRaw('/readyz') : await apiRaw('/route?uid=readiness')
      const httpReady = r.status === 200 && (flavor === 'v3' ? r.text.includes('"ready":true') : r.text.includes(`:${ws}`))
      if (httpReady && (await tcpOpen(ws))) break
      lastErr = httpReady ? `WS port ${ws} not accepting yet` : `HTTP ${r.status} ${r.text}`
    } catch (e) {
      lastErr = String(e)
    }
    if (Date.now() > deadline) {
      process.stderr.write(`WuKongIM ${ensured.version} not ready after ${opts.readyTimeoutMs ?? 30000} ms (${lastErr})\n--- log\n${logText}\n`)
      await stop()
      throw new Error(`WuKongIM not ready: ${lastErr}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }

  return {
    wsUrl: `ws://127.0.0.1:${ws}`,
    apiUrl,
    tcpAddr: `127.0.0.1:${tcp}`,
    version: ensured.version,
    flavor,
    dataDir: path.join(dir, 'data'),
    configFile,
    pid: child.pid!,
    api,
    apiRaw,
    log: () => logText,
    stop,
  }
}
