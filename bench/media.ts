/**
 * What a media message costs on the device (issue 19), against the local server over real
 * sockets and real multipart uploads (simulated wx, real scheduler): per message, the outbox
 * storage operations and bytes written to its own record (an image next to a text of the same
 * chat), the file operations (copy out of the temp area, delete once acked), and the upload
 * progress events: what wx.uploadFile reported and how many `messageProgress` events reached the
 * app with the default 250 ms throttle, over the measured upload time.
 */
import { createClient } from '../sdk/client'
import { mediaSupport } from '../sdk/media/media'
import type { PlatformFiles, PlatformStorage } from '../sdk/platform/types'
import { createSimWx, realConnector } from '../test/support/sim-wx'
import { startLocalServer } from '../test/support/server/ws-server'

const SAMPLE = 20
const FILE_BYTES = 512 * 1024

interface Counts {
  set: number
  remove: number
  bytes: number
  copy: number
  unlink: number
}

async function measure(kind: 'text' | 'image', apiUrl: string, wsUrl: string): Promise<Record<string, number>> {
  const sim = createSimWx({ scheduler: 'real', connect: realConnector() })
  const platform = sim.control.platform()
  const c: Counts = { set: 0, remove: 0, bytes: 0, copy: 0, unlink: 0 }
  const inner: PlatformStorage = platform.storage
  const own = (k: string): boolean => k.includes(':out:')
  platform.storage = {
    get: (k) => inner.get(k),
    set: (k, v) => {
      if (own(k)) {
        c.set++
        c.bytes += k.length + JSON.stringify(v).length
      }
      return inner.set(k, v)
    },
    remove: (k) => (own(k) && c.remove++, inner.remove(k)),
    keys: () => inner.keys(),
  }
  const files = platform.files as PlatformFiles
  platform.files = { ...files, copy: (a, b) => (c.copy++, files.copy(a, b)), remove: (p) => (c.unlink++, files.remove(p)) }
  const client = createClient({ uid: 'alice', token: 'alice-token', wsAddr: wsUrl, apiAddr: apiUrl, platform, media: mediaSupport({ uploadUrl: `${apiUrl}/upload` }) })
  let acked = 0
  let progress = 0
  client.on('messageStatus', (m) => void (m.status === 'sent' && acked++))
  client.on('messageProgress', () => void progress++)
  await client.connect()
  const wxEvents0 = sim.control.uploadProgressEvents
  const t0 = performance.now()
  for (let i = 0; i < SAMPLE; i++) {
    if (kind === 'text') await client.send({ channelId: 'bob', channelType: 1, content: { type: 1, text: `sample ${i}` } })
    else await client.send({ channelId: 'bob', channelType: 1, file: sim.control.files.addTemp(new Uint8Array(FILE_BYTES).fill(i), 'jpg'), content: { type: 2, width: 1280, height: 960 } })
  }
  while (acked < SAMPLE) await new Promise((r) => setTimeout(r, 5))
  const seconds = (performance.now() - t0) / 1000
  await new Promise((r) => setTimeout(r, 100))
  await client.close()
  const r3 = (x: number) => Math.round(x * 1000) / 1000
  return {
    setsPerMsg: r3(c.set / SAMPLE),
    removesPerMsg: r3(c.remove / SAMPLE),
    bytesPerMsg: Math.round(c.bytes / SAMPLE),
    fileCopiesPerMsg: r3(c.copy / SAMPLE),
    fileRemovesPerMsg: r3(c.unlink / SAMPLE),
    wxProgressEventsPerMsg: r3((sim.control.uploadProgressEvents - wxEvents0) / SAMPLE),
    appProgressEventsPerMsg: r3(progress / SAMPLE),
    appProgressEventsPerSecond: r3(progress / seconds),
    secondsForAll: r3(seconds),
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const server = await startLocalServer({ wsPort: 0, apiPort: 0, mode: 'v3', encrypt: true })
  server.core.registerToken('alice', 'alice-token')
  try {
    const text = await measure('text', server.apiUrl, server.wsUrl)
    const image = await measure('image', server.apiUrl, server.wsUrl)
    return { sample: SAMPLE, fileBytes: FILE_BYTES, text, image }
  } finally {
    await server.close()
  }
}

export function render(r: Record<string, unknown>): string {
  const t = r.text as Record<string, number> & { setsPerMsg: number; bytesPerMsg: number }
  const i = r.image as Record<string, number> & { setsPerMsg: number; bytesPerMsg: number }
  return [
    '| message | record sets/msg | record removes/msg | record bytes written/msg | file copies/msg | file deletes/msg | wx progress events/msg | messageProgress events/msg | messageProgress events/s |',
    '|---|---|---|---|---|---|---|---|---|',
    `| text | ${t.setsPerMsg} | ${t.removesPerMsg} | ${t.bytesPerMsg} | ${t.fileCopiesPerMsg} | ${t.fileRemovesPerMsg} | – | – | – |`,
    `| image (${Math.round((r.fileBytes as number) / 1024)} KB) | ${i.setsPerMsg} | ${i.removesPerMsg} | ${i.bytesPerMsg} | ${i.fileCopiesPerMsg} | ${i.fileRemovesPerMsg} | ${i.wxProgressEventsPerMsg} | ${i.appProgressEventsPerMsg} | ${i.appProgressEventsPerSecond} |`,
    '',
    `An image adds ${Math.round((i.setsPerMsg - t.setsPerMsg) * 1000) / 1000} record write(s) (the URL, recorded as soon as the upload answers) and ${i.bytesPerMsg - t.bytesPerMsg} bytes per message over a text, plus one file copy and one file delete. ${String(r.sample)} messages of each kind, sent back to back (2 uploads at once) to the local server over real sockets; ${i.secondsForAll} s for all images. The progress rate depends on upload speed; the 250 ms throttle bounds it at 4 per second per message.`,
  ].join('\n')
}
