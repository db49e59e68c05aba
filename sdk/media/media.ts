/**
 * Media messages (README "Media messages", docs/design.md §3): the file a send() names is copied
 * out of the temp area before send() resolves, uploaded (at most `concurrency` at a time), and the
 * outbox is told the URL, which it records before anything else. A separate entry point
 * (`mediaSupport`), so an app that never sends files does not ship this code.
 *
 * - Upload failures are retried with the outbox's backoff; HTTP 4xx other than 408/429, an answer
 *   without a URL, and a saved file that is gone fail the message ('upload'); resend() retries.
 * - The saved file is deleted once the message is sent or discarded; at load, saved files of this
 *   uid that no outbox record points at (a kill between the copy and the record) are deleted.
 * - `messageProgress` events are throttled per message (progressIntervalMs), plus the final 1.
 */
import { backoffDelay } from '../connection/backoff'
import { decodeContent } from '../content/codec'
import type { Content } from '../content/types'
import type { DiagnosticsSink } from '../diagnostics/types'
import { InvalidArgumentError, NetworkError, StorageError, isImError } from '../errors'
import type { OutboxMedia } from '../outbox/outbox'
import type { PlatformFiles, Platform, TimerId } from '../platform/types'
import type { MessageProgress, OutboxMessage } from '../types'

/** What an uploader is given for one media message. */
export interface UploadRequest {
  clientMsgNo: string
  /** Local path of the saved file. */
  file: string
  /** The message's content as it will be sent (its `url` still empty). */
  content: Content
  /** Report progress, 0..1 (throttled into `messageProgress` events). */
  onProgress(fraction: number): void
  /** Set when the SDK no longer wants the result (discarded, client closed); call `onAbort` to stop early. */
  readonly signal: { readonly aborted: boolean; onAbort(fn: () => void): void }
}

/** The uploaded object: its URL, and content fields to set with it (size, width, duration, cover...). */
export interface UploadResult {
  url: string
  fields?: Record<string, unknown>
}

/**
 * Uploads one file. Reject with an error whose `status` (or `context.status`) is the HTTP status
 * when the server refused it: 4xx other than 408/429 fails the message, anything else is retried.
 */
export type Uploader = (req: UploadRequest) => Promise<UploadResult>

export interface MediaOptions {
  /** Where the default uploader POSTs the file (wx.uploadFile, multipart/form-data). Required unless `uploader` is given. */
  uploadUrl?: string
  /** Form field of the file part. Default 'file'. */
  fieldName?: string
  /** Request headers, or a function asked before each upload (e.g. a fresh auth token). */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>)
  /** Extra form fields. */
  formData?: Record<string, string>
  /** Reads the upload's answer (the body text). Default: JSON with a string `url` (or `data.url`). */
  parseResponse?(body: string): UploadResult
  /** Milliseconds one upload may take. Default 60 000. */
  timeoutMs?: number
  /** Your own upload (COS/OSS direct upload, ...) instead of the default one. */
  uploader?: Uploader
  /** Uploads at once. Default 2 (wx.uploadFile's cap of 10 concurrent requests is shared with the app). */
  concurrency?: number
  /** Milliseconds between two `messageProgress` events of one message. Default 250. */
  progressIntervalMs?: number
}

/** What the client gives the media side (internal). */
export interface MediaContext {
  platform: Platform
  uid: string
  keyPrefix: string
  diagnostics: DiagnosticsSink
  retry: { initialMs: number; maxMs: number }
  random(): Promise<number>
  progress(event: MessageProgress): void
  uploaded(clientMsgNo: string, url: string, fields?: Record<string, unknown>): Promise<void>
  failed(clientMsgNo: string, reason: string): void
  /** @internal Test-only switch (chaos simulator). */
  unsafe?: { uploadFromTempPath?: boolean }
}

/** Made by mediaSupport(); passed as createClient({ media }). */
export interface MediaSupport {
  /** @internal */
  attach(ctx: MediaContext): OutboxMedia
}

/** Media messages for createClient: `createClient({ ..., media: mediaSupport({ uploadUrl }) })`. */
export function mediaSupport(options: MediaOptions): MediaSupport {
  if (!options || (typeof options.uploadUrl !== 'string' && typeof options.uploader !== 'function')) {
    throw new InvalidArgumentError('mediaSupport needs uploadUrl or uploader', { option: 'media' })
  }
  const concurrency = options.concurrency ?? 2
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InvalidArgumentError('media concurrency is a positive integer', { option: 'media.concurrency' })
  return { attach: (ctx) => new MediaQueue(ctx, options, concurrency) }
}

/** A saved file's name: `<prefix>-<uid>-<clientMsgNo>.<ext>`; the clientMsgNo part is what sweep() recognises. */
const SAVED = /^[0-9a-f]{32}_[0-9a-f]*(\.[A-Za-z0-9]{1,10})?$/

class MediaQueue implements OutboxMedia {
  private readonly files: PlatformFiles | undefined
  private readonly uploader: Uploader | undefined
  private readonly waiting: OutboxMessage[] = []
  private readonly active = new Map<string, () => void>()
  private readonly retryAt = new Map<string, TimerId>()
  private readonly retries = new Map<string, number>()
  private closed = false

  constructor(
    private readonly ctx: MediaContext,
    private readonly options: MediaOptions,
    private readonly concurrency: number,
  ) {
    this.files = ctx.platform.files
    this.uploader = options.uploader ?? (this.files ? defaultUploader(this.files, options) : undefined)
  }

  async persist(file: string, clientMsgNo: string): Promise<string> {
    const files = this.files
    if (!files) throw new StorageError('STORAGE_FAILED', 'this platform has no file system (media messages need one)', { file })
    if (this.ctx.unsafe?.uploadFromTempPath) return file
    const ext = /\.([A-Za-z0-9]{1,10})$/.exec(file)?.[1]
    const saved = `${files.userDir}/${this.prefix()}${clientMsgNo}${ext ? `.${ext}` : ''}`
    try {
      await files.copy(file, saved)
    } catch (error) {
      if (isImError(error) && error.context.missing) throw new InvalidArgumentError('the file does not exist (a temp path is valid only in the run that made it)', { field: 'file', file })
      throw error
    }
    return saved
  }

  upload(message: OutboxMessage): void {
    const no = message.clientMsgNo
    if (this.closed || this.active.has(no) || this.retryAt.has(no) || this.waiting.some((m) => m.clientMsgNo === no)) return
    this.waiting.push(message)
    this.pump()
  }

  release(message: OutboxMessage): void {
    const no = message.clientMsgNo
    this.stop(no)
    this.retries.delete(no)
    if (message.media) this.removeSaved(message.media.file)
  }

  removeSaved(file: string): void {
    // Only our own copies: a file outside this uid's saved names is the app's (the unsafe switch).
    if (!this.files || !file.startsWith(`${this.files.userDir}/${this.prefix()}`)) return
    this.files.remove(file).catch((e: unknown) => this.ctx.diagnostics.record('storage', 'media-file-not-removed', { file, error: String(e) }))
  }

  async sweep(keep: ReadonlySet<string>): Promise<void> {
    const files = this.files
    if (!files) return
    const prefix = this.prefix()
    let names: string[]
    try {
      names = await files.list(files.userDir)
    } catch (e) {
      return this.ctx.diagnostics.record('storage', 'media-files-not-listed', { error: String(e) })
    }
    for (const name of names) {
      const path = `${files.userDir}/${name}`
      if (!name.startsWith(prefix) || !SAVED.test(name.slice(prefix.length)) || keep.has(path)) continue
      this.ctx.diagnostics.record('storage', 'media-orphan-removed', { file: name })
      await files.remove(path).catch(() => undefined)
    }
  }

  close(): void {
    this.closed = true
    for (const no of [...this.active.keys(), ...this.retryAt.keys()]) this.stop(no)
    this.waiting.length = 0
  }

  // ---- internals ------------------------------------------------------------------------------

  private prefix(): string {
    return `${this.ctx.keyPrefix}-${this.ctx.uid}-`
  }

  private stop(no: string): void {
    this.active.get(no)?.()
    this.active.delete(no)
    const timer = this.retryAt.get(no)
    if (timer !== undefined) this.ctx.platform.clearTimeout(timer)
    this.retryAt.delete(no)
    const i = this.waiting.findIndex((m) => m.clientMsgNo === no)
    if (i >= 0) this.waiting.splice(i, 1)
    this.pump()
  }

  private pump(): void {
    while (!this.closed && this.active.size < this.concurrency) {
      const next = this.waiting.shift()
      if (!next) return
      this.start(next)
    }
  }

  private start(message: OutboxMessage): void {
    const no = message.clientMsgNo
    const file = message.media?.file as string
    let aborted = false
    const onAbort: Array<() => void> = []
    this.active.set(no, () => {
      aborted = true
      for (const fn of onAbort.splice(0)) fn()
    })
    const { platform, diagnostics } = this.ctx
    const interval = this.options.progressIntervalMs ?? 250
    let lastAt = -Infinity
    const onProgress = (fraction: number): void => {
      const now = platform.now()
      if (aborted || !(fraction >= 0) || fraction >= 1 || now - lastAt < interval) return
      lastAt = now
      this.ctx.progress({ clientMsgNo: no, progress: fraction })
    }
    diagnostics.trace(no, 'upload', { attempt: (this.retries.get(no) ?? 0) + 1 })
    const run = async (): Promise<UploadResult> => {
      if (!this.uploader) throw new StorageError('STORAGE_FAILED', 'this platform cannot upload files; pass media.uploader')
      return this.uploader({ clientMsgNo: no, file, content: decodeContent(message.payload), onProgress, signal: { get aborted() { return aborted }, onAbort: (fn) => void onAbort.push(fn) } })
    }
    run().then(
      (result) => {
        if (aborted) return
        this.active.delete(no)
        this.retries.delete(no)
        if (!result || typeof result.url !== 'string' || result.url === '') {
          this.ctx.failed(no, 'the upload answered without a URL')
        } else {
          this.ctx.progress({ clientMsgNo: no, progress: 1 })
          void this.ctx.uploaded(no, result.url, result.fields)
        }
        this.pump()
      },
      (error: unknown) => {
        if (aborted) return
        this.active.delete(no)
        const reason = error instanceof Error ? error.message : String(error)
        if (permanent(error)) {
          diagnostics.trace(no, 'upload-failed', { reason })
          this.ctx.failed(no, `upload refused: ${reason}`)
        } else this.retry(message, reason)
        this.pump()
      },
    )
  }

  private retry(message: OutboxMessage, reason: string): void {
    const no = message.clientMsgNo
    const attempt = this.retries.get(no) ?? 0
    this.retries.set(no, attempt + 1)
    this.retryAt.set(no, undefined) // holds its place while the backoff is drawn
    void this.ctx.random().then((r) => {
      if (this.closed || !this.retryAt.has(no)) return
      const delay = backoffDelay(attempt, this.ctx.retry, r)
      this.ctx.diagnostics.trace(no, 'upload-retry', { reason, delayMs: delay })
      this.retryAt.set(
        no,
        this.ctx.platform.setTimeout(() => {
          this.retryAt.delete(no)
          this.upload(message)
        }, delay),
      )
    })
  }
}

/** 4xx except 408/429, and a file that is gone, are final; anything else may pass next time. */
function permanent(error: unknown): boolean {
  const e = error as { status?: unknown; context?: { status?: unknown; missing?: unknown } } | undefined
  const status = typeof e?.status === 'number' ? e.status : e?.context?.status
  if (typeof status === 'number') return status >= 400 && status < 500 && status !== 408 && status !== 429
  return e?.context?.missing === true || (isImError(error) && error.code === 'INVALID_ARGUMENT')
}

/** wx.uploadFile to `uploadUrl`; the answer is parsed by parseResponse (JSON `{ url }` by default). */
function defaultUploader(files: PlatformFiles, o: MediaOptions): Uploader | undefined {
  const url = o.uploadUrl
  if (url === undefined) return undefined
  return async (req) => {
    const headers = typeof o.headers === 'function' ? await o.headers() : o.headers
    const task = files.upload({ url, filePath: req.file, name: o.fieldName ?? 'file', headers, formData: o.formData, timeoutMs: o.timeoutMs, onProgress: req.onProgress })
    req.signal.onAbort(() => task.abort())
    const { status, data } = await task.done
    if (status < 200 || status >= 300) throw new NetworkError(`the upload answered HTTP ${status}`, { status, url })
    const parse = o.parseResponse ?? parseUrl
    try {
      return parse(data)
    } catch (error) {
      throw new InvalidArgumentError(`the upload's answer could not be read: ${error instanceof Error ? error.message : String(error)}`, { body: data.slice(0, 200) })
    }
  }
}

function parseUrl(body: string): UploadResult {
  const json = JSON.parse(body) as { url?: unknown; data?: { url?: unknown } }
  const url = typeof json.url === 'string' ? json.url : json.data?.url
  if (typeof url !== 'string' || url === '') throw new Error('no url in the answer')
  return { url }
}
