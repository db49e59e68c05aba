/**
 * The wx adapter's files and uploads (Platform.files) over the simulated wx: FileSystemManager
 * copy/unlink/stat/readdir with WeChat's error texts and the 200 MB budget, temp files gone after a
 * cold restart, wx.uploadFile with UploadTask progress, abort, offline, HTTP statuses, the cap
 * shared with wx.request. Virtual time.
 */
import { isStorageError } from '../../../sdk/errors'
import type { PlatformFiles } from '../../../sdk/platform/types'
import { createSimWx, FILES_BUDGET_BYTES, OFFLINE_UPLOAD_TEXT, SimFileData, UPLOAD_ABORT_TEXT, USER_DATA_PATH } from '../../support/sim-wx'
import type { SimUploadRequest, SimWx } from '../../support/sim-wx'
import { VirtualScheduler } from '../../support/virtual-time'

let scheduler: VirtualScheduler
let sim: SimWx
let files: PlatformFiles
const uploads: SimUploadRequest[] = []
let answer: { statusCode: number; data: string } = { statusCode: 200, data: '{"url":"https://cdn/x"}' }

beforeEach(() => {
  scheduler = new VirtualScheduler()
  uploads.length = 0
  answer = { statusCode: 200, data: '{"url":"https://cdn/x"}' }
  sim = createSimWx({ scheduler, upload: async (req) => (uploads.push(req), answer) })
  files = sim.control.platform().files as PlatformFiles
})

/** Settles a platform promise while virtual time runs. */
async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let out: { ok: true; value: T } | { ok: false; error: unknown } | undefined
  p.then((value) => (out = { ok: true, value }), (error: unknown) => (out = { ok: false, error }))
  for (let i = 0; i < 200 && !out; i++) await scheduler.advance(5)
  if (!out) throw new Error('never settled')
  return out
}

describe('files', () => {
  it('copy, size, list, remove; the user dir is wx.env.USER_DATA_PATH', async () => {
    expect(files.userDir).toBe(USER_DATA_PATH)
    const temp = sim.control.files.addTemp(new Uint8Array([1, 2, 3]), 'jpg')
    const saved = `${USER_DATA_PATH}/a.jpg`
    expect(await settle(files.copy(temp, saved))).toEqual({ ok: true, value: undefined })
    expect(await settle(files.size(saved))).toEqual({ ok: true, value: 3 })
    expect(await settle(files.list(USER_DATA_PATH))).toEqual({ ok: true, value: ['a.jpg'] })
    expect(await settle(files.remove(saved))).toEqual({ ok: true, value: undefined })
    expect(await settle(files.size(saved))).toEqual({ ok: true, value: undefined })
    // removing what is already gone is fine (a retried release after a kill)
    expect(await settle(files.remove(saved))).toEqual({ ok: true, value: undefined })
  })

  it('a missing source: STORAGE_FAILED with the wx text and context.missing', async () => {
    const r = await settle(files.copy('wxfile://tmp_404.jpg', `${USER_DATA_PATH}/b.jpg`))
    expect(r.ok).toBe(false)
    const error = (r as { error: unknown }).error
    expect(isStorageError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'STORAGE_FAILED', message: 'copyFile:fail no such file or directory wxfile://tmp_404.jpg', context: { missing: true } })
  })

  it('the 200 MB budget of the user dir: a copy that does not fit is STORAGE_FULL with the wx text', async () => {
    expect(sim.control.files.budgetBytes).toBe(FILES_BUDGET_BYTES)
    sim.control.files.budgetBytes = 10
    const temp = sim.control.files.addTemp(new Uint8Array(8))
    expect(await settle(files.copy(temp, `${USER_DATA_PATH}/1.jpg`))).toMatchObject({ ok: true })
    const r = await settle(files.copy(temp, `${USER_DATA_PATH}/2.jpg`))
    expect((r as { error: unknown }).error).toMatchObject({ code: 'STORAGE_FULL', message: 'copyFile:fail the maximum size of the file storage limit is exceeded' })
    expect(sim.control.files.userBytes()).toBe(8)
  })

  it('a cold restart drops temp files and keeps saved ones', async () => {
    const temp = sim.control.files.addTemp(new Uint8Array([9]))
    await settle(files.copy(temp, `${USER_DATA_PATH}/kept.jpg`))
    const next = sim.control.coldRestart()
    expect(next.control.files.has(temp)).toBe(false)
    expect(next.control.files.has(`${USER_DATA_PATH}/kept.jpg`)).toBe(true)
  })

  it('saveFile moves the temp file; access and stat answer like the FileSystemManager', async () => {
    const data = new SimFileData()
    const temp = data.addTemp(new Uint8Array([1]), 'png')
    const s2 = createSimWx({ scheduler, files: data })
    const fs = (s2.wx as unknown as { getFileSystemManager(): Record<string, (o: object) => void> }).getFileSystemManager()
    const call = (api: string, o: object) =>
      settle(new Promise<Record<string, unknown>>((resolve, reject) => fs[api]!({ ...o, success: resolve, fail: reject })))
    const saved = await call('saveFile', { tempFilePath: temp })
    expect(saved).toMatchObject({ ok: true, value: { savedFilePath: `${USER_DATA_PATH}/saved_tmp_1.png` } })
    expect(data.has(temp)).toBe(false)
    expect(await call('access', { path: temp })).toEqual({ ok: false, error: { errMsg: `access:fail no such file or directory ${temp}` } })
    expect(await call('stat', { path: `${USER_DATA_PATH}/saved_tmp_1.png` })).toMatchObject({ ok: true, value: { stats: { size: 1 } } })
    expect(await call('unlink', { filePath: temp })).toEqual({ ok: false, error: { errMsg: `unlink:fail no such file or directory ${temp}` } })
  })
})

describe('uploads', () => {
  it('multipart fields reach the handler; progress in steps; the status and body come back', async () => {
    const temp = sim.control.files.addTemp(new Uint8Array(100), 'jpg')
    const seen: number[] = []
    const task = files.upload({ url: 'https://up/x', filePath: temp, name: 'media', formData: { k: 'v' }, headers: { a: 'b' }, onProgress: (f) => seen.push(f) })
    expect(await settle(task.done)).toEqual({ ok: true, value: { status: 200, data: '{"url":"https://cdn/x"}' } })
    expect(uploads).toEqual([{ url: 'https://up/x', name: 'media', fileName: 'tmp_1.jpg', bytes: new Uint8Array(100), formData: { k: 'v' }, header: { a: 'b' } }])
    expect(seen).toEqual([0.25, 0.5, 0.75, 1])
    answer = { statusCode: 413, data: 'too big' }
    expect(await settle(files.upload({ url: 'https://up/x', filePath: temp, name: 'file' }).done)).toEqual({ ok: true, value: { status: 413, data: 'too big' } })
  })

  it('abort, offline and a missing file reject with NetworkError and the wx text', async () => {
    const temp = sim.control.files.addTemp(new Uint8Array(10))
    const task = files.upload({ url: 'https://up/x', filePath: temp, name: 'file' })
    task.abort()
    expect(await settle(task.done)).toMatchObject({ ok: false, error: { code: 'NETWORK', message: UPLOAD_ABORT_TEXT } })
    sim.control.setNetwork({ online: false })
    expect(await settle(files.upload({ url: 'https://up/x', filePath: temp, name: 'file' }).done)).toMatchObject({ ok: false, error: { message: OFFLINE_UPLOAD_TEXT } })
    sim.control.setNetwork({ online: true })
    expect(await settle(files.upload({ url: 'https://up/x', filePath: 'wxfile://tmp_9.jpg', name: 'file' }).done)).toMatchObject({ ok: false, error: { message: 'uploadFile:fail no such file or directory wxfile://tmp_9.jpg' } })
  })

  it('shares the cap of 10 with wx.request', async () => {
    const temp = sim.control.files.addTemp(new Uint8Array(10))
    const tasks = Array.from({ length: 11 }, () => files.upload({ url: 'https://up/x', filePath: temp, name: 'file' }))
    const results = await Promise.all(tasks.map((t) => settle(t.done)))
    expect(results.filter((r) => r.ok)).toHaveLength(10)
    expect(results[10]).toMatchObject({ ok: false, error: { message: 'uploadFile:fail exceed max task count' } })
  })
})
