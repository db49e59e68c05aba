/**
 * `npm start`: the demo story, headless. Starts the local server, boots the demo app for two
 * users under the simulated wx, plays the story (chat, page switches, offline, background until
 * the socket dies, kill + cold start, network flaps, dropped acks, server restart), prints live
 * progress and a closing table. Exits 0 only when nothing was lost, duplicated or reordered.
 *
 *   npm start -- [--mode v2|v3] [--seed N] [--scale X]
 */
import { formatTable, runStory } from './demo/story'

function parseArgs(argv: string[]): { mode: 'v2' | 'v3'; seed: number; scale: number } {
  const out = { mode: 'v2' as 'v2' | 'v3', seed: 1, scale: 1 }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    const [flag, inline] = arg.includes('=') ? arg.split('=', 2) as [string, string] : [arg, undefined]
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined) throw new Error(`${flag} needs a value`)
      return v
    }
    if (flag === '--mode') {
      const v = value()
      if (v !== 'v2' && v !== 'v3') throw new Error('--mode must be v2 or v3')
      out.mode = v
    } else if (flag === '--seed') {
      out.seed = Number(value())
      if (!Number.isInteger(out.seed)) throw new Error('--seed must be an integer')
    } else if (flag === '--scale') {
      out.scale = Number(value())
      if (!(out.scale > 0 && out.scale <= 10)) throw new Error('--scale must be in (0, 10]')
    } else if (flag === '--help' || flag === '-h') {
      console.log('usage: npm start -- [--mode v2|v3] [--seed N] [--scale X]')
      process.exit(0)
    } else throw new Error(`unknown argument ${arg}`)
  }
  return out
}

async function main(): Promise<void> {
  let args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (e) {
    console.error(`npm start: ${(e as Error).message}\nusage: npm start -- [--mode v2|v3] [--seed N] [--scale X]`)
    process.exit(2)
  }
  console.log(`wukongim-mp demo story: two users, the demo app's code under simulated wx, mode=${args.mode} seed=${args.seed}`)
  const result = await runStory({ ...args, log: (line) => console.log(line) })
  console.log(formatTable(result))
  process.exit(result.ok ? 0 : 1)
}

main().catch((e: unknown) => {
  console.error('npm start failed:', e)
  process.exit(1)
})
