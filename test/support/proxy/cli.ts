/**
 * `npm run proxy -- --upstream <url> [--port <p>] --user <uid>:<token>... [--group <id>=<uid>,<uid>...] [--register]`
 * Starts the reference proxy (proxy.ts) on 127.0.0.1 in front of a WuKongIM HTTP API (the local
 * server or a real one) and prints one line containing `ready` with its address. `--user` gives
 * the tokens it accepts (an app's server knows them from its own sign-in); `--register` also
 * registers them upstream with `POST /user/token`, so the same tokens open the WebSocket; `--group`
 * lists who may read a group's messages. A test and development tool.
 */
import { startProxy } from './proxy'

interface Args {
  upstream: string
  port: number
  users: Map<string, string>
  groups: Map<string, string[]>
  register: boolean
}

const USAGE = 'usage: npm run proxy -- --upstream <url> [--port <p>] --user <uid>:<token>... [--group <id>=<uid>,<uid>...] [--register]'

function parseArgs(argv: string[]): Args {
  const out: Args = { upstream: '', port: 0, users: new Map(), groups: new Map(), register: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined || v.startsWith('--')) throw new Error(`${arg} needs a value`)
      return v
    }
    if (arg === '--upstream') {
      out.upstream = value()
      if (!/^https?:\/\//.test(out.upstream)) throw new Error('--upstream must be an http:// or https:// URL')
    } else if (arg === '--port') {
      out.port = Number(value())
      if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) throw new Error('--port must be a port number (0 = any free port)')
    } else if (arg === '--user') {
      const m = /^([^:]+):(.+)$/.exec(value())
      if (!m) throw new Error('--user must be <uid>:<token>')
      out.users.set(m[2] as string, m[1] as string)
    } else if (arg === '--group') {
      const m = /^([^=]+)=(.+)$/.exec(value())
      if (!m) throw new Error('--group must be <id>=<uid>,<uid>...')
      out.groups.set(m[1] as string, (m[2] as string).split(','))
    } else if (arg === '--register') out.register = true
    else throw new Error(`unknown argument ${arg}`)
  }
  if (!out.upstream) throw new Error('--upstream is required')
  if (out.users.size === 0) throw new Error('give at least one --user')
  return out
}

async function main(): Promise<void> {
  let args: Args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`)
    process.exit(2)
  }
  if (args.register) {
    for (const [token, uid] of args.users) {
      const res = await fetch(`${args.upstream.replace(/\/+$/, '')}/user/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uid, token, device_flag: 1, device_level: 0 }),
      })
      if (!res.ok) throw new Error(`registering ${uid}'s token upstream answered HTTP ${res.status}`)
    }
  }
  const proxy = await startProxy({
    upstream: args.upstream,
    port: args.port,
    verify: (token) => args.users.get(token),
    mayReadGroup: (uid, channelId) => args.groups.get(channelId)?.includes(uid) ?? false,
  })
  console.log(`wukongim-mp reference proxy ready url=${proxy.url} upstream=${args.upstream} users=${args.users.size} (test/dev tool)`)
  const stop = (): void => void proxy.close().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

// run-ts.js requires a bundle of this file, so there is no require.main check: importing it starts the proxy.
void main().catch((e: unknown) => {
  console.error('npm run proxy failed:', e)
  process.exit(1)
})
