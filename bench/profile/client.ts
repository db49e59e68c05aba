/**
 * Our client's CPU profile: the local server runs in a child process as in `-- e2e`, so this
 * process is the client alone; `n` sends awaited one by one (as e2e does), profiled from connect to
 * the last SENDACK of a second run (the first, unprofiled, warms the JIT up). Used by bench/cpu.ts.
 */
import { Session } from 'inspector'
import { childServer, ours } from '../e2e'

function post<T>(session: Session, method: string): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, (err, res) => (err ? reject(err) : resolve(res as T))))
}

/** The profile and the e2e figures of the profiled run. */
export async function profileClient(n: number): Promise<{ profile: unknown; figures: Record<string, number> }> {
  const server = await childServer()
  const session = new Session()
  session.connect()
  try {
    await ours(server, 'alice-warm', undefined, n)
    await post(session, 'Profiler.enable')
    await post(session, 'Profiler.start')
    const figures = await ours(server, 'alice-prof', undefined, n)
    const { profile } = await post<{ profile: unknown }>(session, 'Profiler.stop')
    return { profile, figures }
  } finally {
    session.disconnect()
    await server.close()
  }
}
