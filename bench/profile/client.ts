/**
 * Our client's CPU profile (bench/RESULTS.md, "where the CPU goes"): the local server runs in a
 * child process as in `-- e2e`, so this process is the client alone; PROFILE_N (default 10,000)
 * sends awaited one by one, as e2e does, profiled from connect to the last SENDACK of a second
 * run (the first warms the JIT up).
 *
 *   node scripts/run-ts.js bench/profile/client.ts [out.cpuprofile]
 *   node bench/profile/summarise.js out.cpuprofile
 */
import { writeFileSync } from 'fs'
import { Session } from 'inspector'
import { childServer, ours } from '../e2e'

const N = Number(process.env.PROFILE_N ?? 10_000)

function post<T>(session: Session, method: string): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, (err, res) => (err ? reject(err) : resolve(res as T))))
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? '.cache/client.cpuprofile'
  const server = await childServer()
  const session = new Session()
  session.connect()
  try {
    // A first, unprofiled run warms the JIT up (the first run costs twice as much CPU per message).
    await ours(server, 'alice-warm', undefined, N)
    await post(session, 'Profiler.enable')
    await post(session, 'Profiler.start')
    console.log(JSON.stringify(await ours(server, 'alice-prof', undefined, N)))
    const { profile } = await post<{ profile: unknown }>(session, 'Profiler.stop')
    writeFileSync(out, JSON.stringify(profile))
    console.log(`wrote ${out}`)
  } finally {
    session.disconnect()
    await server.close()
  }
}

void main()
