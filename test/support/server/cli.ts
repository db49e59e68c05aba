/**
 * `npm run server -- --ws-port <p> --api-port <q> [--mode v2|v3] [--data <dir>] [--no-encrypt]`
 * Starts the local WuKongIM-compatible server on 127.0.0.1 and prints one line containing `ready`
 * with the real addresses (port 0 picks free ports). A test and development tool: production is a
 * real WuKongIM cluster.
 */
import { startLocalServer, type LocalServerOptions } from './ws-server'

function parseArgs(argv: string[]): LocalServerOptions {
  const opts: LocalServerOptions = {}
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1]
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`)
    return v
  }
  const port = (i: number, flag: string): number => {
    const n = Number(value(i, flag))
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag} must be a port number (0 = any free port)`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    switch (arg) {
      case '--ws-port':
        opts.wsPort = port(i++, arg)
        break
      case '--api-port':
        opts.apiPort = port(i++, arg)
        break
      case '--mode': {
        const mode = value(i++, arg)
        if (mode !== 'v2' && mode !== 'v3') throw new Error('--mode must be v2 or v3')
        opts.mode = mode
        break
      }
      case '--data':
        opts.dataDir = value(i++, arg)
        break
      case '--no-encrypt':
        opts.encrypt = false
        break
      case '--no-token-auth':
        opts.tokenAuth = false
        break
      default:
        throw new Error(`unknown argument ${arg}`)
    }
  }
  return opts
}

async function main(): Promise<void> {
  let opts: LocalServerOptions
  try {
    opts = parseArgs(process.argv.slice(2))
  } catch (e) {
    console.error(`${(e as Error).message}\nusage: npm run server -- --ws-port <p> --api-port <q> [--mode v2|v3] [--data <dir>] [--no-encrypt] [--no-token-auth]`)
    process.exit(2)
  }
  const server = await startLocalServer(opts)
  const mode = opts.mode ?? 'v2'
  console.log(
    `wukongim-mp local server ready ws=${server.wsUrl} api=${server.apiUrl} mode=${mode} encrypt=${opts.encrypt !== false}` +
      `${opts.dataDir ? ` data=${opts.dataDir}` : ''} (test/dev tool; production is a real WuKongIM cluster)`,
  )
  const stop = (): void => void server.close().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

// run-ts.js requires a bundle of this file, so there is no require.main check: importing it starts the server.
void main()
