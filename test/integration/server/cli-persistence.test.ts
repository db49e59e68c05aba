/**
 * `npm run server` as a real process: the `ready` line with both real addresses, and with --data
 * everything stored survives killing the process and starting a new one.
 */
import { spawn, type ChildProcess } from 'child_process'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import { RawClient } from '../../support/server/raw-client'

const ROOT = path.resolve(__dirname, '../../..')

interface Running {
  proc: ChildProcess
  line: string
  wsUrl: string
  apiUrl: string
}

function startCli(args: string[]): Promise<Running> {
  const proc = spawn(process.execPath, ['scripts/run-ts.js', 'test/support/server/cli.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    proc.stderr!.on('data', (d) => (err += String(d)))
    proc.stdout!.on('data', (d) => {
      out += String(d)
      const line = out.split('\n').find((l) => l.includes('ready'))
      if (!line) return
      const ws = /ws=(ws:\/\/127\.0\.0\.1:\d+)/.exec(line)
      const api = /api=(http:\/\/127\.0\.0\.1:\d+)/.exec(line)
      if (ws && api) resolve({ proc, line, wsUrl: ws[1]!, apiUrl: api[1]! })
      else reject(new Error(`ready line without addresses: ${line}`))
    })
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)))
  })
}

function stop(r: Running): Promise<void> {
  return new Promise((resolve) => {
    if (r.proc.exitCode !== null || r.proc.signalCode !== null) return resolve()
    r.proc.once('exit', () => resolve())
    r.proc.kill('SIGKILL') // no graceful shutdown: what was acknowledged must already be on disk
  })
}

async function post(apiUrl: string, p: string, body: unknown): Promise<any> {
  const res = await fetch(apiUrl + p, { method: 'POST', body: JSON.stringify(body) })
  return res.json()
}

describe.each(['v2', 'v3'] as const)('npm run server (%s)', (mode) => {
  const running: Running[] = []
  const clients: RawClient[] = []
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wkmp-server-'))
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    for (const r of running.splice(0)) await stop(r)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('prints one ready line with the real ports; --data survives a killed process', async () => {
    const first = await startCli(['--ws-port', '0', '--api-port', '0', '--mode', mode, '--data', dir])
    running.push(first)
    expect(first.line).toContain(`mode=${mode}`)
    expect(first.wsUrl).not.toMatch(/:0$/)

    await post(first.apiUrl, '/user/token', { uid: 'alice', token: 'ta', device_flag: 1 })
    await post(first.apiUrl, '/channel', { channel_id: 'g', channel_type: 2, subscribers: ['alice'] })
    const alice = await RawClient.connect(first.wsUrl, { uid: 'alice', token: 'ta' })
    clients.push(alice)
    const a1 = await alice.sendAndAck({ channelId: 'g', channelType: 2, payload: 'survives', clientMsgNo: 'k1' })
    expect(a1.reasonCode).toBe(1)
    await stop(first)
    await alice.closed

    const second = await startCli(['--ws-port', '0', '--api-port', '0', '--mode', mode, '--data', dir])
    running.push(second)
    // The token and the group survived: alice connects and may still send to g.
    const again = await RawClient.connect(second.wsUrl, { uid: 'alice', token: 'ta' })
    clients.push(again)
    expect(again.connack?.reasonCode).toBe(1)
    const resend = await again.sendAndAck({ channelId: 'g', channelType: 2, payload: 'survives', clientMsgNo: 'k1' })
    // v3's idempotency index survived too; v2 stores the resend as seq 2.
    expect(resend.messageSeq).toBe(mode === 'v3' ? 1 : 2)
    if (mode === 'v3') expect(resend.messageId).toBe(a1.messageId)
    const sync = await post(second.apiUrl, '/channel/messagesync', { login_uid: 'alice', channel_id: 'g', channel_type: 2, start_message_seq: 1, pull_mode: 1, limit: 10 })
    expect(sync.messages[0]).toMatchObject({ message_idstr: a1.messageId, message_seq: 1, client_msg_no: 'k1' })
  }, 30_000)

  test('bad arguments exit with a usage message', async () => {
    await expect(startCli(['--mode', 'v9'])).rejects.toThrow(/--mode must be v2 or v3/)
  }, 30_000)
})
