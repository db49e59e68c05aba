// Real WuKongIM servers for the end-to-end suite (`npm run test:wukongim`, never `npm test`).
//
// ensureWukongim() provides the binary of this run's line (wukongimFlavor): v1 — the pinned
// release from the Go module proxy; v3 — built from the source tarball (../shared/wukongim-v3/ or
// WUKONGIM_V3_TARBALL) or WUKONGIM_V3_BIN. Binaries are cached in `.wukongim/bin/` (ignored by
// git); without `go` (or the tarball) it returns { skipped } instead. startWukongim() runs one
// node on 127.0.0.1 with free ports, a generated config and a temporary data dir, waits until it is
// ready, and stop()s it; startV3Cluster() does the same for 1 or 3 v3 nodes, with stop / kill /
// start per node.
//
// Nothing of the server is in this repo: v1 is `go mod download` of the pinned module followed by
// `go build` of its main package inside the read-only module cache directory (see
// docs/wukongim-real-server.md for why not `go install ...@version`).
import { spawn, spawnSync, ChildProcess } from 'child_process'
import { createHash } from 'crypto'
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
 * Make sure the server binary of this run's line exists (see wukongimFlavor): v1 the pinned proxy
 * version, v3 the tarball build. `WUKONGIM_BIN` points at an already built v1 binary instead
 * (used as is, version from `WUKONGIM_VERSION` or "custom").
 */
export async function ensureWukongim(): Promise<EnsureResult> {
  if (process.env.WUKONGIM_LINE === 'v3') return ensureV3()
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
  const b = goBuild(go, bin, ['.'], dir, process.env.WUKONGIM_BUILD_P || '1')
  if (b.status !== 0) throw new Error(`install failed: \`go build\` in ${dir} exited ${b.status}\n${b.stdout}${b.stderr}`)
  const seconds = Math.round((Date.now() - started) / 100) / 10
  fs.writeFileSync(`${bin}.json`, JSON.stringify({ module: WUKONGIM_MODULE, version, dir, seconds, go: run(go, ['version']).stdout.trim(), at: new Date().toISOString() }, null, 2))
  return { binary: bin, version, installedNow: true, seconds }
}

/** `go build -o bin <pkgs>` in `cwd` at nice 10, through a temp name so a half-written binary is never cached. */
function goBuild(go: string, bin: string, pkgs: string[], cwd: string, p: string, env?: NodeJS.ProcessEnv) {
  fs.mkdirSync(path.dirname(bin), { recursive: true })
  const tmpBin = `${bin}.tmp-${process.pid}`
  const args = ['build', '-p', p, '-trimpath', '-o', tmpBin, ...pkgs]
  const niceBin = fs.existsSync('/usr/bin/nice') ? '/usr/bin/nice' : undefined
  const r = niceBin ? run(niceBin, ['-n', '10', go, ...args], { cwd, env }) : run(go, args, { cwd, env })
  if (r.status === 0) fs.renameSync(tmpBin, bin)
  return r
}

/** Where the v3 source tarball is: WUKONGIM_V3_TARBALL, else the one in ../shared/wukongim-v3/. */
function v3Tarball(): string | undefined {
  if (process.env.WUKONGIM_V3_TARBALL) return path.resolve(process.env.WUKONGIM_V3_TARBALL)
  const dir = path.join(ROOT, '..', 'shared', 'wukongim-v3')
  const name = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => /^wukongim-.*-src\.tar\.gz$/.test(f)) : undefined
  return name && path.join(dir, name)
}

/**
 * The v3 server (the Go module proxy serves none): `WUKONGIM_V3_BIN` as is, else built from the
 * source tarball into `.wukongim/bin/wukongim-v3-<sha256 prefix>` (only the first run pays the
 * build). Anything missing, or a failed build, is a `skipped` reason (one line), never a throw.
 */
async function ensureV3(): Promise<EnsureResult> {
  const given = process.env.WUKONGIM_V3_BIN
  if (given) {
    if (!fs.existsSync(given)) return { skipped: `WUKONGIM_V3_BIN=${given} does not exist` }
    return { binary: path.resolve(given), version: process.env.WUKONGIM_VERSION || 'v3 (WUKONGIM_V3_BIN)', installedNow: false, seconds: 0 }
  }
  const tarball = v3Tarball()
  if (!tarball || !fs.existsSync(tarball)) return { skipped: 'v3: no source tarball (../shared/wukongim-v3/ or WUKONGIM_V3_TARBALL) and no WUKONGIM_V3_BIN binary' }
  const sha = createHash('sha256').update(fs.readFileSync(tarball)).digest('hex')
  const commit = /wukongim-([0-9a-f]+)-src/.exec(path.basename(tarball))?.[1] ?? sha.slice(0, 8)
  const version = `v3 ${commit}`
  const bin = path.join(INSTALL_DIR, 'bin', `wukongim-v3-${sha.slice(0, 16)}`)
  if (fs.existsSync(bin)) return { binary: bin, version, installedNow: false, seconds: 0 }
  const go = findGo()
  if (!go) return { skipped: 'v3: no `go` command on PATH (nor /usr/local/go/bin/go) to build the server from its tarball' }

  const started = Date.now()
  const src = path.join(INSTALL_DIR, `src-v3-${sha.slice(0, 16)}-${process.pid}`)
  const logFile = path.join(INSTALL_DIR, 'build-v3.log')
  fs.rmSync(src, { recursive: true, force: true })
  fs.mkdirSync(src, { recursive: true })
  try {
    const x = run('tar', ['-xzf', tarball, '-C', src])
    // go.mod says go 1.25; GOTOOLCHAIN=local builds with the installed Go rather than fetching that one.
    const b = x.status === 0 ? goBuild(go, bin, ['./cmd/wukongim'], src, process.env.WUKONGIM_BUILD_P || '2', { ...process.env, GOTOOLCHAIN: 'local' }) : x
    if (b.status !== 0) {
      fs.writeFileSync(logFile, `${b.stdout}${b.stderr}`)
      return { skipped: `v3: building ${path.basename(tarball)} failed (exit ${b.status}; log in ${path.relative(ROOT, logFile)})` }
    }
  } finally {
    fs.rmSync(src, { recursive: true, force: true })
  }
  const seconds = Math.round((Date.now() - started) / 100) / 10
  fs.writeFileSync(`${bin}.json`, JSON.stringify({ tarball: path.basename(tarball), sha256: sha, seconds, go: run(go, ['version']).stdout.trim(), at: new Date().toISOString() }, null, 2))
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

/** One node of a v3 cluster on loopback: its id and ports (fixed for its life, kept across restarts). */
interface V3NodePorts {
  id: number
  cluster: number
  http: number
  tcp: number
  ws: number
  manager: number
}

/**
 * Config for the v3 line: the keys and values of ../shared/wukongim-v3/config/{single,n1..n3}.toml
 * (themselves from upstream's cmd/wukongim/wukongim.toml.example), with our data folder and free
 * ports. One node → slot_replica_n 1 and one initial slot, as single.toml; three → 3 and 4, as n*.toml.
 * v3 has no config switch for CONNECT token auth (tokens are not checked) and no API manager token.
 */
function configV3(me: V3NodePorts, all: V3NodePorts[], dataDir: string, extraCluster?: string): string {
  const q = (s: string) => JSON.stringify(s)
  const addr = (p: number) => q(`127.0.0.1:${p}`)
  return [
    `# generated by test/wukongim/server.ts — node ${me.id} of ${all.length}, loopback only`,
    '[node]',
    `id = ${me.id}`,
    `data_dir = ${q(dataDir)}`,
    '[cluster]',
    `listen_addr = ${addr(me.cluster)}`,
    'id = "wkmp-test"',
    `nodes = [${all.map((n) => `{ id = ${n.id}, addr = ${addr(n.cluster)} }`).join(', ')}]`,
    'join_token = "wk3-test-only"',
    `initial_slot_count = ${all.length === 1 ? 1 : 4}`,
    'hash_slot_count = 16',
    `slot_replica_n = ${all.length}`,
    ...(extraCluster ? [extraCluster] : []),
    '[api]',
    `listen_addr = ${addr(me.http)}`,
    `external_tcp_addr = ${addr(me.tcp)}`,
    `external_ws_addr = ${q(`ws://127.0.0.1:${me.ws}`)}`,
    '[manager]',
    `listen_addr = ${addr(me.manager)}`,
    'auth_on = false',
    '[prometheus]',
    'enable = false',
    '[plugin]',
    'enable = false',
    '[log]',
    'level = "info"',
    `dir = ${q(path.join(dataDir, 'logs'))}`,
    'console = true',
    '[gateway]',
    `listeners = [{ name = "tcp-wkproto", network = "tcp", address = ${addr(me.tcp)}, transport = "gnet", protocol = "wkproto" }, { name = "ws-gateway", network = "websocket", address = ${addr(me.ws)}, transport = "gnet", protocol = "wsmux" }]`,
    '',
  ].join('\n')
}

/**
 * Which server line a run is for: `WUKONGIM_LINE=v1|v3` (set by scripts/test-wukongim.js), else
 * WUKONGIM_FLAVOR, else guessed from the version string ('v3' for a v0.0.0 pseudo-version or v3.x).
 */
export function wukongimFlavor(version: string = wukongimVersion()): 'v1' | 'v3' {
  for (const f of [process.env.WUKONGIM_LINE, process.env.WUKONGIM_FLAVOR]) if (f === 'v1' || f === 'v3') return f
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

// Whatever a test file leaves behind (a failed test: afterAll's close() normally) is killed and
// deleted on process exit. A jest killed by a signal does not get here (handlers registered in the
// test sandbox do not see it): its servers must then be killed by hand.
const running = new Set<ChildProcess>()
const dataDirs = new Set<string>()
process.once('exit', () => {
  for (const c of running) {
    try {
      c.kill('SIGKILL')
    } catch {
      /* gone */
    }
  }
  for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true })
})

type ApiRaw = (pathAndQuery: string, body?: unknown, method?: 'GET' | 'POST') => Promise<{ status: number; text: string }>
type Api = <T = unknown>(pathAndQuery: string, body?: unknown, method?: 'GET' | 'POST') => Promise<T>

export function httpApi(apiUrl: string, managerToken?: string): { api: Api; apiRaw: ApiRaw } {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (managerToken) headers.token = managerToken
  const apiRaw: ApiRaw = async (p, body, method) => {
    const m = method ?? (body === undefined ? 'GET' : 'POST')
    const res = await fetch(apiUrl + p, { method: m, headers, body: m === 'POST' ? JSON.stringify(body ?? {}) : undefined })
    return { status: res.status, text: await res.text() }
  }
  const api: Api = async <T,>(p: string, body?: unknown, method?: 'GET' | 'POST'): Promise<T> => {
    let r = await apiRaw(p, body, method)
    // v3 creates a new person channel's membership asynchronously: its messagesync answers 400
    // "valid channel membership required" for about a second after the first message.
    for (const until = Date.now() + 15_000; r.status === 400 && r.text.includes('membership required') && Date.now() < until; ) {
      await new Promise((res) => setTimeout(res, 100))
      r = await apiRaw(p, body, method)
    }
    if (r.status < 200 || r.status >= 300) throw new Error(`WuKongIM ${method ?? (body === undefined ? 'GET' : 'POST')} ${p} → HTTP ${r.status}: ${r.text}`)
    return (r.text ? JSON.parse(r.text) : undefined) as T
  }
  return { api, apiRaw }
}

/** One server process: spawned, its output kept (bounded), waited for, signalled. */
class ServerProcess {
  private text = ''
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined
  private readonly exit: Promise<void>
  readonly child: ChildProcess

  constructor(binary: string, args: string[], home: string) {
    // HOME points into the node's temp dir, so nothing is written under the real home directory.
    this.child = spawn(binary, args, { cwd: home, env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] })
    running.add(this.child)
    const onData = (b: Buffer) => {
      this.text += b.toString('utf8')
      if (this.text.length > 4 << 20) this.text = this.text.slice(-(2 << 20))
    }
    this.child.stdout!.on('data', onData)
    this.child.stderr!.on('data', onData)
    this.exit = new Promise<void>((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exited = { code, signal }
        running.delete(this.child)
        resolve()
      }),
    )
  }

  log(): string {
    return this.text
  }

  exitedWith(): string | undefined {
    return this.exited && `code ${this.exited.code}, signal ${this.exited.signal}`
  }

  /** Sends `signal` (SIGKILL after `graceMs` if it is still alive) and waits for the exit. */
  async end(signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
    if (this.exited) return
    this.child.kill(signal)
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    await this.exit
    clearTimeout(t)
  }

  /** Waits until `httpReady()` and the WS port accepts TCP; on exit or timeout ends the process and throws with its log. */
  async ready(what: string, httpReady: () => Promise<string | true>, wsPort: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    let lastErr = ''
    for (;;) {
      const gone = this.exitedWith()
      if (gone) {
        process.stderr.write(`${what} exited before it was ready (${gone})\n--- log\n${this.text.slice(-20_000)}\n`)
        throw new Error(`${what} exited before it was ready (${gone})`)
      }
      try {
        const r = await httpReady()
        if (r === true && (await tcpOpen(wsPort))) return
        lastErr = r === true ? `WS port ${wsPort} not accepting yet` : r
      } catch (e) {
        lastErr = String(e)
      }
      if (Date.now() > deadline) {
        process.stderr.write(`${what} not ready after ${timeoutMs} ms (${lastErr})\n--- log\n${this.text.slice(-20_000)}\n`)
        await this.end('SIGKILL')
        throw new Error(`${what} not ready: ${lastErr}`)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

async function ensured(): Promise<{ binary: string; version: string }> {
  const e = await ensureWukongim()
  if ('skipped' in e) throw new Error(`real WuKongIM unavailable: ${e.skipped}`)
  return e
}

export async function startWukongim(opts: StartOptions = {}): Promise<RunningWukongim> {
  const { binary, version } = await ensured()
  if (wukongimFlavor(version) === 'v3') {
    // v3 takes no token or manager-token settings (docs/wukongim-real-server.md); one node of the cluster harness.
    const c = await startV3Cluster({ nodes: 1, readyTimeoutMs: opts.readyTimeoutMs })
    const n = c.nodes[0]!
    return { wsUrl: n.wsUrl, apiUrl: n.apiUrl, tcpAddr: n.tcpAddr, version, flavor: 'v3', dataDir: n.dataDir, configFile: n.configFile, pid: n.pid(), api: n.api, apiRaw: n.apiRaw, log: n.log, stop: c.close }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wukongim-'))
  dataDirs.add(dir)
  const [http, tcp, ws, mon, demo] = (await freePorts(5)) as [number, number, number, number, number]
  const configFile = path.join(dir, 'wk.yaml')
  fs.writeFileSync(configFile, configV1({ dir, http, tcp, ws, mon, demo, tokenAuth: !!opts.tokenAuth, managerToken: opts.managerToken, extra: opts.extraConfig }))
  const proc = new ServerProcess(binary, ['--config', configFile], dir)
  const apiUrl = `http://127.0.0.1:${http}`
  const { api, apiRaw } = httpApi(apiUrl, opts.managerToken)
  const stop = async () => {
    await proc.end('SIGTERM', 5000)
    fs.rmSync(dir, { recursive: true, force: true })
    dataDirs.delete(dir)
  }
  // v1 has no health endpoint: GET /route answering with our WS port means the API is up.
  const routeNamesWs = async () => {
    const r = await apiRaw('/route?uid=readiness')
    return r.status === 200 && r.text.includes(`:${ws}`) ? true : `HTTP ${r.status} ${r.text}`
  }
  try {
    await proc.ready(`WuKongIM ${version}`, routeNamesWs, ws, opts.readyTimeoutMs ?? 30_000)
  } catch (e) {
    await stop()
    throw e
  }
  return { wsUrl: `ws://127.0.0.1:${ws}`, apiUrl, tcpAddr: `127.0.0.1:${tcp}`, version, flavor: 'v1', dataDir: path.join(dir, 'data'), configFile, pid: proc.child.pid!, api, apiRaw, log: () => proc.log(), stop }
}

// ---------------------------------------------------------------------------------------------
// v3: one node or a loopback cluster, with node-level stop / kill / start.

/** The failure-detection settings of ../shared/wukongim-v3/config/fast-failover.snippet.toml ([cluster] lines). */
export const V3_FAST_FAILOVER = ['node_health_report_interval = "500ms"', 'node_health_report_ttl = "5s"', 'channel_append_batch_max_wait = "1ms"', 'channel_store_append_batch_max_wait = "1ms"'].join('\n')

export interface V3Node {
  id: number
  wsUrl: string
  apiUrl: string
  /** The manager API (auth off), e.g. GET /manager/channel-runtime-meta for a channel's leader. */
  managerUrl: string
  tcpAddr: string
  dataDir: string
  configFile: string
  /** Whether the process is running (started and not yet stopped or killed). */
  up(): boolean
  pid(): number
  api: Api
  apiRaw: ApiRaw
  /** This node's output since it was last started. */
  log(): string
}

export interface V3Cluster {
  version: string
  nodes: V3Node[]
  node(id: number): V3Node
  /** SIGTERM and wait for the exit (SIGKILL after 10 s). */
  stop(id: number): Promise<void>
  /** SIGKILL and wait for the exit. */
  kill(id: number): Promise<void>
  /** Start a stopped node again on its data folder and ports; resolves when it is ready. */
  start(id: number): Promise<void>
  /** Kill every node and delete every data folder (~111 MB each). */
  close(): Promise<void>
}

export interface V3ClusterOptions {
  nodes: 1 | 3
  /** Extra [cluster] lines (e.g. V3_FAST_FAILOVER). */
  extraCluster?: string
  /** Per node start, ms (default 60 s: the machine is shared). */
  readyTimeoutMs?: number
}

export async function startV3Cluster(opts: V3ClusterOptions): Promise<V3Cluster> {
  const { binary, version } = await ensured()
  const ports = await freePorts(5 * opts.nodes)
  const all: V3NodePorts[] = Array.from({ length: opts.nodes }, (_, i) => {
    const [cluster, http, tcp, ws, manager] = ports.slice(5 * i, 5 * i + 5) as [number, number, number, number, number]
    return { id: i + 1, cluster, http, tcp, ws, manager }
  })
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wukongim-v3-'))
  dataDirs.add(root)
  const procs = new Map<number, ServerProcess>()
  const nodes: V3Node[] = all.map((p) => {
    const home = path.join(root, `n${p.id}`)
    const dataDir = path.join(home, 'data')
    fs.mkdirSync(dataDir, { recursive: true })
    const configFile = path.join(home, 'wukongim.toml')
    fs.writeFileSync(configFile, configV3(p, all, dataDir, opts.extraCluster))
    const apiUrl = `http://127.0.0.1:${p.http}`
    return {
      id: p.id,
      wsUrl: `ws://127.0.0.1:${p.ws}`,
      apiUrl,
      managerUrl: `http://127.0.0.1:${p.manager}`,
      tcpAddr: `127.0.0.1:${p.tcp}`,
      dataDir,
      configFile,
      up: () => !!procs.get(p.id) && !procs.get(p.id)!.exitedWith(),
      pid: () => procs.get(p.id)?.child.pid ?? 0,
      ...httpApi(apiUrl),
      log: () => procs.get(p.id)?.log() ?? '',
    }
  })
  const node = (id: number) => {
    const n = nodes.find((x) => x.id === id)
    if (!n) throw new Error(`no node ${id}`)
    return n
  }
  const start = async (id: number) => {
    const n = node(id)
    if (n.up()) throw new Error(`node ${id} is already running`)
    const proc = new ServerProcess(binary, ['-config', n.configFile], path.dirname(n.configFile))
    procs.set(id, proc)
    // v3's /route answers before the gateway listens: /readyz plus the WS port accepting.
    const readyz = async () => {
      const r = await n.apiRaw('/readyz')
      return r.status === 200 && r.text.includes('"ready":true') ? true : `HTTP ${r.status} ${r.text}`
    }
    const ws = all.find((p) => p.id === id)!.ws
    await proc.ready(`WuKongIM ${version} node ${id}`, readyz, ws, opts.readyTimeoutMs ?? 60_000)
  }
  const end = (signal: NodeJS.Signals) => async (id: number) => {
    node(id)
    await procs.get(id)?.end(signal)
  }
  const close = async () => {
    await Promise.all([...procs.values()].map((p) => p.end('SIGKILL')))
    fs.rmSync(root, { recursive: true, force: true })
    dataDirs.delete(root)
  }
  try {
    await Promise.all(nodes.map((n) => start(n.id)))
  } catch (e) {
    await close()
    throw e
  }
  return { version, nodes, node, stop: end('SIGTERM'), kill: end('SIGKILL'), start, close }
}
