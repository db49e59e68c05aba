/**
 * Media messages over real sockets and real HTTP: the real client, the wx adapter over the
 * simulated wx (its FileSystemManager and uploadFile, a real multipart POST), the local server's
 * upload endpoint with its faults, and a second client receiving. Kills are cold restarts of the
 * simulated mini-program (temp files gone, saved files and storage kept).
 */
import type { Client } from '../../../sdk/client'
import { mediaSupport } from '../../../sdk/media/media'
import type { ReceivedMessage } from '../../../sdk/types'
import type { ClientOptions } from '../../../sdk/options'
import { USER_DATA_PATH } from '../../support/sim-wx'
import { collect, waitFor } from '../../support/waiters'
import { World } from './setup'
import type { App } from './setup'

const PHOTO = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff)
const image = { type: 2 as const, width: 640, height: 480 }
/** Byte equality without jest's element-by-element diffing (seconds for 200 KB). */
const same = (a: Uint8Array | undefined, b: Uint8Array): boolean => !!a && Buffer.from(a).equals(Buffer.from(b))

// Real sockets, real timers and file copies: under a loaded CI machine a test can pass 5 s.
jest.setTimeout(20_000)

let world: World
afterEach(async () => {
  await world.stop()
  expect(world.internal).toEqual([])
})

describe.each(['v2', 'v3'] as const)('media messages (%s server)', (mode) => {
  beforeEach(async () => {
    world = await new World().start({ mode })
  })
  const media = (extra: Partial<ClientOptions> = {}): Partial<ClientOptions> => ({
    media: mediaSupport({ uploadUrl: `${world.server.apiUrl}/upload`, progressIntervalMs: 0 }),
    outbox: { retryInitialMs: 20, retryMaxMs: 100 },
    ...extra,
  })
  const bobInbox = async (): Promise<ReceivedMessage[]> => {
    const bob = world.app({ uid: 'bob', token: 'bob-token' }).client
    const got: ReceivedMessage[] = []
    bob.on('message', (m) => {
      got.push(m)
    })
    await bob.connect()
    return got
  }
  const storedObjects = () => [...world.server.uploads.objects.values()]
  const userFiles = (app: App) => app.sim.control.files.userPaths()
  const stored = () => world.server.core.messages({ channelId: 'bob', channelType: 1, loginUid: 'alice' })

  it('an image: saved before send() resolves, uploaded with progress, delivered pointing at the uploaded bytes; the saved file goes once acked', async () => {
    const got = await bobInbox()
    const alice = world.app(media())
    const progress = collect(alice.client, 'messageProgress')
    await alice.client.connect()
    const temp = alice.sim.control.files.addTemp(PHOTO, 'jpg')
    const m = await alice.client.send({ channelId: 'bob', channelType: 1, file: temp, content: image })
    expect(m.media?.file).toMatch(new RegExp(`^${USER_DATA_PATH}/wkmp-alice-${m.clientMsgNo}\\.jpg$`))
    expect(same(alice.sim.control.files.read(m.media!.file), PHOTO)).toBe(true)
    await waitFor(() => got.length === 1)
    const content = got[0]!.content
    expect(content).toMatchObject({ type: 2, width: 640, height: 480 })
    expect(same(world.server.uploads.byUrl((content as { url: string }).url)?.bytes, PHOTO)).toBe(true)
    expect(storedObjects()).toHaveLength(1)
    await waitFor(() => alice.client.pending().length === 0)
    await waitFor(() => userFiles(alice).length === 0)
    expect(alice.sim.control.files.has(temp)).toBe(true) // the app's temp file is left alone (copied, not moved)
    const fractions = progress.items.map((p) => p.progress)
    expect(fractions.length).toBeGreaterThan(2)
    expect(fractions[fractions.length - 1]).toBe(1)
    expect(fractions.every((f, i) => f > 0 && f <= 1 && (i === 0 || f >= fractions[i - 1]!))).toBe(true)
  })

  it("logout() deletes the saved copies of unsent media messages, not the app's own files", async () => {
    const alice = world.app(media())
    await alice.client.restored()
    alice.sim.control.setNetwork({ online: false })
    const sent = [
      await alice.client.send({ channelId: 'bob', channelType: 1, file: alice.sim.control.files.addTemp(PHOTO, 'jpg'), content: image }),
      await alice.client.send({ channelId: 'bob', channelType: 1, file: alice.sim.control.files.addTemp(PHOTO, 'png'), content: image }),
    ]
    const appsOwn = `${USER_DATA_PATH}/avatar.jpg`
    alice.sim.control.files.write(appsOwn, PHOTO)
    expect(userFiles(alice).sort()).toEqual([appsOwn, ...sent.map((m) => m.media!.file)].sort())
    const dropped = await alice.client.logout()
    expect(dropped.map((m) => m.clientMsgNo)).toEqual(sent.map((m) => m.clientMsgNo))
    expect(userFiles(alice)).toEqual([appsOwn])
  })

  it('progress events are throttled to progressIntervalMs per message', async () => {
    const alice = world.app({ ...media(), media: mediaSupport({ uploadUrl: `${world.server.apiUrl}/upload`, progressIntervalMs: 60_000 }) })
    const progress = collect(alice.client, 'messageProgress')
    await alice.client.connect()
    await alice.client.send({ channelId: 'bob', channelType: 1, file: alice.sim.control.files.addTemp(PHOTO, 'jpg'), content: image })
    await waitFor(() => alice.client.pending().length === 0)
    expect(alice.sim.control.uploadProgressEvents).toBeGreaterThan(5) // what wx reported
    expect(progress.items.map((p) => p.progress)).toEqual([expect.any(Number), 1]) // one in the interval, then done
  })

  it('upload failures (500 twice, then a body cut off mid-way) are retried; one delivery, one object', async () => {
    const got = await bobInbox()
    world.server.uploads.fail(2)
    world.server.uploads.abortMidBody(1)
    const alice = world.app(media())
    await alice.client.connect()
    await alice.client.send({ channelId: 'bob', channelType: 1, file: alice.sim.control.files.addTemp(PHOTO, 'png'), content: image })
    await waitFor(() => got.length === 1)
    expect(world.server.uploads.attempts).toBe(4)
    expect(storedObjects()).toHaveLength(1)
    expect(world.server.uploads.byUrl((got[0]!.content as { url: string }).url)).toBeDefined()
  })

  it('413 → failed (upload), a text behind it then goes; resend after the fix delivers it; discard removes the saved file', async () => {
    const got = await bobInbox()
    world.server.uploads.maxBytes = 1000
    const alice = world.app(media())
    await alice.client.connect()
    const big = await alice.client.send({ channelId: 'bob', channelType: 1, file: alice.sim.control.files.addTemp(PHOTO, 'jpg'), content: image })
    await waitFor(() => alice.client.pending()[0]?.status === 'failed')
    expect(alice.client.pending()[0]).toMatchObject({ clientMsgNo: big.clientMsgNo, failure: 'upload' })
    await alice.client.send({ channelId: 'bob', channelType: 1, content: { type: 1, text: 'behind the failed image' } })
    await waitFor(() => got.length === 1)
    world.server.uploads.maxBytes = Infinity
    await alice.client.resend(big.clientMsgNo)
    await waitFor(() => got.length === 2)
    expect(got.map((m) => m.content.type)).toEqual([1, 2])
    await waitFor(() => userFiles(alice).length === 0)
    // discard of a failed media message deletes its saved file
    world.server.uploads.maxBytes = 1000
    const other = await alice.client.send({ channelId: 'bob', channelType: 1, file: alice.sim.control.files.addTemp(PHOTO, 'jpg'), content: image })
    await waitFor(() => alice.client.pending()[0]?.status === 'failed')
    expect(userFiles(alice)).toEqual([other.media!.file])
    await alice.client.discard(other.clientMsgNo)
    await waitFor(() => userFiles(alice).length === 0)
  })

  it('a saved file that is gone (storage cleared) fails the message (upload) instead of retrying for ever; its channel goes on', async () => {
    const got = await bobInbox()
    const alice = world.app(media())
    await alice.client.restored()
    alice.sim.control.setNetwork({ online: false })
    const m = await alice.client.send({ channelId: 'bob', channelType: 1, file: alice.sim.control.files.addTemp(PHOTO, 'jpg'), content: image })
    await alice.client.send({ channelId: 'bob', channelType: 1, content: { type: 1, text: 'after the lost photo' } })
    alice.sim.control.files.delete(m.media!.file)
    alice.sim.control.setNetwork({ online: true })
    await alice.client.connect()
    await waitFor(() => alice.client.pending()[0]?.status === 'failed')
    expect(alice.client.pending()[0]).toMatchObject({ clientMsgNo: m.clientMsgNo, failure: 'upload' })
    await waitFor(() => got.length === 1)
    expect(got[0]?.content).toEqual({ type: 1, text: 'after the lost photo' })
  })

  it('at most 2 uploads at once; a text sent after an image in its channel waits for it (order kept)', async () => {
    const got = await bobInbox()
    world.server.uploads.slow(150)
    const alice = world.app(media())
    await alice.client.connect()
    for (let i = 0; i < 4; i++) await alice.client.send({ channelId: 'bob', channelType: 1, file: alice.sim.control.files.addTemp(PHOTO, 'jpg'), content: { ...image, width: i + 1 } })
    await alice.client.send({ channelId: 'bob', channelType: 1, content: { type: 1, text: 'after the images' } })
    await waitFor(() => got.length === 5, { timeoutMs: 15_000 })
    expect(world.server.uploads.maxActive).toBe(2)
    expect(got.map((m) => (m.content.type === 2 ? m.content.width : m.content.type === 1 ? m.content.text : '?'))).toEqual([1, 2, 3, 4, 'after the images'])
  }, 20_000)

  it('refused before anything is stored: no room for the file (STORAGE_FULL), a temp path gone, no media option', async () => {
    const alice = world.app(media())
    await alice.client.restored()
    alice.sim.control.files.budgetBytes = 100_000
    await expect(alice.client.send({ channelId: 'bob', channelType: 1, file: alice.sim.control.files.addTemp(PHOTO, 'jpg'), content: image })).rejects.toMatchObject({ code: 'STORAGE_FULL' })
    await expect(alice.client.send({ channelId: 'bob', channelType: 1, file: 'wxfile://tmp_gone.jpg', content: image })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', context: { field: 'file' } })
    await expect(alice.client.send({ channelId: 'bob', channelType: 1, file: 'x.jpg', content: { type: 1, text: 'no' } } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', context: { field: 'content.type' } })
    expect(alice.client.pending()).toEqual([])
    expect(userFiles(alice)).toEqual([])
    const plain = world.app({ uid: 'carol', token: 'carol-token' })
    await expect(plain.client.send({ channelId: 'bob', channelType: 1, file: plain.sim.control.files.addTemp(PHOTO), content: image })).rejects.toMatchObject({ code: 'PLATFORM_UNSUPPORTED' })
  })

  describe('killed at every step, relaunched: exactly one delivery pointing at one uploaded object, no saved file left', () => {
    /** Kills `app` (no close), relaunches over the same storage and files, connects, waits until all is delivered. */
    async function relaunch(app: App, got: ReceivedMessage[], extra: Partial<ClientOptions> = {}): Promise<Client> {
      const next = world.client(app.sim.control.coldRestart().control.platform(), media(extra))
      await next.connect()
      await waitFor(() => got.length >= 1 && next.pending().length === 0, { timeoutMs: 15_000 })
      await new Promise((r) => setTimeout(r, 100)) // a duplicate would arrive by now
      await waitFor(() => app.sim.control.files.userPaths().length === 0)
      return next
    }
    const expectOne = (got: ReceivedMessage[]) => {
      expect(got).toHaveLength(1)
      expect(stored()).toHaveLength(1)
      const url = (got[0]!.content as { url: string }).url
      expect(same(world.server.uploads.byUrl(url)?.bytes, PHOTO)).toBe(true)
      return url
    }

    it('after persist, before the upload started (offline)', async () => {
      const got = await bobInbox()
      const alice = world.app(media())
      await alice.client.restored()
      alice.sim.control.setNetwork({ online: false })
      await alice.client.send({ channelId: 'bob', channelType: 1, file: alice.sim.control.files.addTemp(PHOTO, 'jpg'), content: image })
      expect(alice.sim.control.files.userPaths()).toHaveLength(1)
      alice.sim.control.setNetwork({ online: true })
      await relaunch(alice, got)
      expectOne(got)
      expect(storedObjects()).toHaveLength(1)
    })

    it('mid-upload (the server got the body, its answer was not back yet): uploaded again, the message points at one object', async () => {
      const got = await bobInbox()
      world.server.uploads.slow(400)
      const alice = world.app(media())
      await alice.client.restored()
      await alice.client.send({ channelId: 'bob', channelType: 1, file: alice.sim.control.files.addTemp(PHOTO, 'jpg'), content: image })
      await waitFor(() => world.server.uploads.objects.size === 1)
      world.server.uploads.slow(0)
      await relaunch(alice, got)
      const url = expectOne(got)
      expect(storedObjects().length).toBe(2) // the first answer never reached the app: an orphan on the server, not in a message
      expect(storedObjects().filter((o) => url.endsWith(`/files/${o.id}`))).toHaveLength(1)
    })

    it('after the upload answered, before the message was sent: the URL was recorded, not uploaded again', async () => {
      const got = await bobInbox()
      const alice = world.app(media())
      await alice.client.restored() // never connects: the upload runs, the SEND cannot
      const m = await alice.client.send({ channelId: 'bob', channelType: 1, file: alice.sim.control.files.addTemp(PHOTO, 'jpg'), content: image })
      await waitFor(() => alice.client.pending()[0]?.media?.url)
      const record = world.storage.peek(`wkmp:alice:out:${m.clientMsgNo}`) as { media: { url: string } }
      expect(record.media.url).toMatch(/\/files\/f1$/)
      await relaunch(alice, got)
      expectOne(got)
      expect(world.server.uploads.attempts).toBe(1)
    })

    it('after the SEND, before its SENDACK: sent again with the same URL, stored once', async () => {
      const got = await bobInbox()
      const alice = world.app(media())
      await alice.client.connect()
      await waitFor(() => alice.client.state === 'connected')
      world.server.core.faults.dropSendacks(1)
      await alice.client.send({ channelId: 'bob', channelType: 1, file: alice.sim.control.files.addTemp(PHOTO, 'jpg'), content: image })
      await waitFor(() => stored().length === 1)
      expect(alice.client.pending()[0]?.status).toBe('sending')
      await relaunch(alice, got)
      expectOne(got)
      expect(world.server.uploads.attempts).toBe(1)
    })

    it('between the copy and the outbox record: the orphaned saved file is deleted at the next launch', async () => {
      const alice = world.app(media())
      await alice.client.restored()
      alice.sim.control.storage.failNext(1) // the record write fails as a kill would leave it
      await expect(alice.client.send({ channelId: 'bob', channelType: 1, file: alice.sim.control.files.addTemp(PHOTO, 'jpg'), content: image })).rejects.toMatchObject({ code: 'STORAGE_FAILED' })
      await waitFor(() => userFiles(alice).length === 0) // released on the failed write
      // A real kill leaves the file: put one there by hand, then relaunch.
      const orphan = `${USER_DATA_PATH}/wkmp-alice-${'a'.repeat(32)}_0badbeef.jpg`
      alice.sim.control.files.write(orphan, PHOTO)
      const foreign = `${USER_DATA_PATH}/app-own-file.jpg`
      alice.sim.control.files.write(foreign, PHOTO)
      const next = world.client(alice.sim.control.coldRestart().control.platform(), media())
      await next.restored()
      await waitFor(() => !alice.sim.control.files.has(orphan))
      expect(alice.sim.control.files.has(foreign)).toBe(true)
    })
  })
})
