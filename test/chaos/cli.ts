/**
 * npm run chaos -- --runs N --seed S [--mode v2|v3|both] [--clients K] [--messages M] [--faults F]
 *                  [--aimed A] [--encrypt|--plain] [--trace] [--off P]... [--without G,G...]
 *
 * --off switches one protection off (OFF below); --without leaves fault groups out (scenario.ts
 * FAULT_GROUPS) or relaxes the v2 stored-copies check (`v2copies`).
 *
 * npm run chaos -- --detection --runs N --seed S [--mode ...] [--off P]...: for every --off switch
 * (all of them by default) on its own, the share of the N seeds that fail; a markdown table.
 * `plainrecv` is measured on encrypted runs only (the protection exists only there).
 *
 * Runs N scenarios with seeds S, S+1, ... S+N-1 (each its own plan, server and devices) in
 * virtual time, prints progress, then one summary line. For every failing seed it prints the
 * violations and a command that replays exactly that seed with a readable trace (--trace).
 * Exit code 1 when any run broke an invariant.
 */
import { violationCount } from './checker'
import { runScenario, type Protections, type RunResult } from './engine'
import { WITHOUT, type Without } from './scenario'

interface Args {
  runs: number
  seed: number
  modes: Array<'v2' | 'v3'>
  clients?: number
  messages?: number
  faults?: number
  aimed?: number
  encrypt?: boolean
  trace: boolean
  off: string[]
  without: Without[]
  detection: boolean
}

/** `--off` names: one protection each (the engine's two, and the client's `_unsafe` switches). */
export const OFF: Record<string, keyof Protections> = {
  dedup: 'disableDedup',
  persistence: 'disablePersistence',
  resend: 'disableResend',
  gapfill: 'disableGapFill',
  gapkeep: 'giveUpGapsOnSyncError',
  statekeep: 'unreadableStateIsEmpty',
  quarantine: 'strictOutboxLoad',
  restorevalidate: 'skipRestoreValidation',
  deadlines: 'noCallbackDeadlines',
  linedetect: 'stickyLineDetection',
  plainrecv: 'acceptPlainRecv',
  disconnect: 'stopOnAnyDisconnect',
  pagecursor: 'cursorAfterDelivery',
  lookup: 'resendWithoutLookup',
  mediapersist: 'uploadFromTempPath',
  batchdurable: 'resolveBeforeBatchWrite',
  ackflush: 'holdRecvacks',
  historystitch: 'historyStoreOnly',
  convops: 'volatileConversationOps',
  channelwindow: 'pipelineChannels',
}

function parse(argv: string[]): Args {
  const a: Args = { runs: 100, seed: 1, modes: ['v3'], trace: false, off: [], without: [], detection: false }
  const num = (i: number): number => {
    const n = Number(argv[i + 1])
    if (!Number.isInteger(n) || n < 0) usage(`${argv[i]} needs a whole number`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    if (flag === '--runs') a.runs = num(i++)
    else if (flag === '--seed') a.seed = num(i++)
    else if (flag === '--clients') a.clients = num(i++)
    else if (flag === '--messages') a.messages = num(i++)
    else if (flag === '--faults') a.faults = num(i++)
    else if (flag === '--aimed') a.aimed = num(i++)
    else if (flag === '--encrypt') a.encrypt = true
    else if (flag === '--plain') a.encrypt = false
    else if (flag === '--without') {
      for (const g of (argv[++i] ?? '').split(',')) {
        if (!WITHOUT.includes(g as Without)) usage(`--without takes a list of ${WITHOUT.join(', ')}`)
        a.without.push(g as Without)
      }
    }
    else if (flag === '--trace') a.trace = true
    else if (flag === '--detection') a.detection = true
    else if (flag === '--mode') {
      const m = argv[++i]
      if (m === 'both') a.modes = ['v2', 'v3']
      else if (m === 'v2' || m === 'v3') a.modes = [m]
      else usage('--mode is v2, v3 or both')
    } else if (flag === '--off') {
      const what = argv[++i] ?? ''
      if (!OFF[what]) usage(`--off is one of ${Object.keys(OFF).join(', ')}`)
      a.off.push(what)
    } else usage(`unknown argument ${String(flag)}`)
  }
  return a
}

function usage(message: string): never {
  console.error(`chaos: ${message}`)
  console.error(`usage: npm run chaos -- --runs N --seed S [--mode v2|v3|both] [--clients K] [--messages M] [--faults F] [--aimed A] [--encrypt|--plain] [--trace] [--off ${Object.keys(OFF).join('|')}]... [--without ${WITHOUT.join(',')}]`)
  process.exit(2)
}

function replayCommand(a: Args, r: RunResult): string {
  const parts = ['npm run chaos --', '--runs 1', `--seed ${r.seed}`, `--mode ${r.mode}`]
  if (a.clients !== undefined) parts.push(`--clients ${a.clients}`)
  if (a.messages !== undefined) parts.push(`--messages ${a.messages}`)
  if (a.faults !== undefined) parts.push(`--faults ${a.faults}`)
  if (a.aimed !== undefined) parts.push(`--aimed ${a.aimed}`)
  if (a.encrypt !== undefined) parts.push(a.encrypt ? '--encrypt' : '--plain')
  for (const o of a.off) parts.push(`--off ${o}`)
  if (a.without.length > 0) parts.push(`--without ${a.without.join(',')}`)
  parts.push('--trace')
  return parts.join(' ')
}

/** The closing summary's fault tally: issue 15's kinds by name, the rest as random and aimed. */
const FAULT_LABELS: Array<[keyof RunResult['faultsBy'], string]> = [
  ['random', 'random'],
  ['aimed', 'aimed kills/storage'],
  ['syncfaults', 'sync faults'],
  ['hangs', 'callback hangs'],
  ['storagefaults', 'storage read faults'],
  ['corruption', 'corruptions'],
  ['disconnect', 'soft disconnects'],
  ['forgery', 'forged recvs'],
  ['handlerkill', 'handler kills'],
  ['media', 'upload faults and media kills'],
  ['batches', 'batch bursts and write failures'],
  ['convops', 'conversation-op faults and kills'],
  ['pipeline', 'pipelined-send mix-ups (v3)'],
]

/** Protections that only exist on encrypted sessions: measured on encrypted runs. */
const ENCRYPTED_ONLY = new Set(['plainrecv'])

async function detection(a: Args): Promise<void> {
  const names = a.off.length > 0 ? a.off : Object.keys(OFF)
  const rows: string[] = []
  for (const name of names) {
    const cells: string[] = []
    for (const mode of a.modes) {
      let failing = 0
      const seeds: number[] = []
      for (let i = 0; i < a.runs; i++) {
        const encrypt = ENCRYPTED_ONLY.has(name) ? true : a.encrypt
        const r = await runScenario(a.seed + i, { mode, clients: a.clients, messages: a.messages, faults: a.faults, aimed: a.aimed, encrypt, without: a.without, protections: { [OFF[name] as string]: true } })
        if (violationCount(r) > 0) {
          failing++
          if (seeds.length < 3) seeds.push(r.seed)
        }
      }
      console.log(`detection: off ${name} ${mode} ${failing}/${a.runs} failing (first: ${seeds.join(', ') || '-'})`)
      cells.push(`${Math.round((failing / a.runs) * 100)} % (e.g. ${seeds.join(', ') || '-'})`)
    }
    rows.push(`| ${name}${ENCRYPTED_ONLY.has(name) ? ' (encrypted runs)' : ''} | ${cells.join(' | ')} |`)
  }
  console.log(`\n| switched off | ${a.modes.join(' | ')} |\n|---|${a.modes.map(() => '---|').join('')}\n${rows.join('\n')}`)
}

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2))
  if (a.detection) return detection(a)
  const protections: Protections = {}
  for (const o of a.off) protections[OFF[o] as keyof Protections] = true
  const total = a.runs * a.modes.length
  const sum = {
    runs: 0, encrypted: 0, messages: 0, faults: 0, lost: 0, duplicated: 0, misordered: 0, echoed: 0, stuck: 0, unacked: 0, internal: 0, forged: 0, wrongPayload: 0,
    excused: 0, reShown: 0, kills: 0, storedRows: 0, storedMessages: 0, corruptedTold: 0, media: 0, badMedia: 0,
    convOps: 0, convDurable: 0, convLost: 0, convListMismatch: 0, convLists: 0,
  }
  const byGroup = new Map<string, number>()
  const failed: Array<{ r: RunResult; cmd: string }> = []
  const started = Date.now()
  let lastProgress = started
  for (const mode of a.modes) {
    for (let i = 0; i < a.runs; i++) {
      const seed = a.seed + i
      const r = await runScenario(seed, { mode, clients: a.clients, messages: a.messages, faults: a.faults, aimed: a.aimed, encrypt: a.encrypt, without: a.without, trace: a.trace, protections })
      sum.runs++
      if (r.encrypt) sum.encrypted++
      sum.messages += r.messages
      sum.faults += r.faults
      for (const [g, n] of Object.entries(r.faultsBy)) byGroup.set(g, (byGroup.get(g) ?? 0) + (n ?? 0))
      sum.lost += r.lost
      sum.duplicated += r.duplicated
      sum.misordered += r.misordered
      sum.echoed += r.echoed
      sum.stuck += r.stuck
      sum.unacked += r.unacked
      sum.internal += r.internal
      sum.forged += r.forged
      sum.wrongPayload += r.wrongPayload
      sum.excused += r.excusedRedeliveries
      sum.reShown += r.reShown
      sum.kills += r.kills
      sum.storedRows += r.storedRows
      sum.storedMessages += r.storedMessages
      sum.corruptedTold += r.corruptedTold
      sum.media += r.mediaMessages
      sum.badMedia += r.badMedia
      sum.convOps += r.convOps
      sum.convDurable += r.convDurable
      sum.convLost += r.convLost
      sum.convListMismatch += r.convListMismatch
      sum.convLists += r.convLists
      if (a.trace) for (const line of r.trace) console.log(`[${mode} seed ${seed}] ${line}`)
      if (violationCount(r) > 0) {
        const cmd = replayCommand(a, r)
        failed.push({ r, cmd })
        console.log(`FAIL ${mode} seed ${seed}: ${r.failures.length} violation(s)`)
        for (const line of r.failures.slice(0, 10)) console.log(`  ${line}`)
        console.log(`  replay: ${cmd}`)
      }
      const now = Date.now()
      if (now - lastProgress >= 2_000 || sum.runs === total) {
        lastProgress = now
        const perMin = Math.round((sum.runs / Math.max(1, now - started)) * 60_000)
        process.stderr.write(`progress ${sum.runs}/${total} runs, ${failed.length} failing, ${perMin} runs/min\n`)
      }
    }
  }
  const secs = (Date.now() - started) / 1000
  const tally = FAULT_LABELS.map(([g, label]) => `${label} ${byGroup.get(g) ?? 0}`).join(', ')
  const copies = sum.storedMessages > 0 ? (sum.storedRows / sum.storedMessages).toFixed(2) : '-'
  console.log(
    `chaos: ${sum.runs} runs (${a.modes.join('+')}, seeds ${a.seed}..${a.seed + a.runs - 1}, ${sum.encrypted} encrypted), ${sum.messages} messages (${sum.media} media), ${sum.faults} faults injected (${tally}), ` +
      `lost ${sum.lost}, duplicated ${sum.duplicated}, misordered ${sum.misordered}, echoed ${sum.echoed}, stuck ${sum.stuck}, unacked ${sum.unacked}, internal ${sum.internal}, forged ${sum.forged}, wrong payloads ${sum.wrongPayload}, bad media ${sum.badMedia}, conversation ops lost ${sum.convLost}, conversation lists differing ${sum.convListMismatch}; ` +
      `conversation ops ${sum.convOps} (${sum.convDurable} durable), ${sum.convLists} final lists compared with the server's; ` +
      `stored copies per message ${copies}; re-shown after kill ${sum.reShown} (${sum.kills} kills; at most the message in the handler); ` +
      `${sum.excused} re-deliveries after storage refused the inbox state (allowed); ${sum.corruptedTold} corrupted outbox records reported failed (allowed); ` +
      `${failed.length} failing run(s); ${secs.toFixed(1)} s (${Math.round((sum.runs / Math.max(secs, 0.001)) * 60)} runs/min)`,
  )
  for (const f of failed.slice(0, 20)) console.log(`replay: ${f.cmd}`)
  process.exitCode = failed.length > 0 ? 1 : 0
}

void main()
