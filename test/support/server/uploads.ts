/**
 * The local server's upload endpoint (an app server or object store stand-in for media messages):
 * `POST /upload` with multipart/form-data, the file in any part that has a filename; it stores the
 * bytes and answers `{ "url": "<apiUrl>/files/<id>" }`; `GET /files/<id>` serves them back.
 *
 * Faults (each taken by the next uploads, in order): `fail(n, status)` answers `status` (default
 * 500) without storing; `abortMidBody(n)` destroys the connection after half the body arrived;
 * `slow(ms)` holds every answer back; `maxBytes` answers 413 to a larger body before reading it.
 */
import type * as http from 'http'

export interface StoredUpload {
  id: string
  name: string
  fileName: string
  bytes: Uint8Array
  formData: Record<string, string>
}

export class UploadStore {
  readonly objects = new Map<string, StoredUpload>()
  /** Every POST /upload received (also the refused and cut ones). */
  attempts = 0
  /** Uploads being received or answered right now, and the most there ever were at once. */
  active = 0
  maxActive = 0
  maxBytes = Infinity
  private failures: number[] = []
  private aborts = 0
  private slowMs = 0
  private nextId = 1

  fail(n: number, status = 500): void {
    for (let i = 0; i < n; i++) this.failures.push(status)
  }

  abortMidBody(n: number): void {
    this.aborts += n
  }

  slow(ms: number): void {
    this.slowMs = ms
  }

  clearFaults(): void {
    this.failures = []
    this.aborts = 0
    this.slowMs = 0
    this.maxBytes = Infinity
  }

  /** The stored object a URL this server handed out points at. */
  byUrl(url: string): StoredUpload | undefined {
    return this.objects.get(url.replace(/^.*\/files\//, ''))
  }

  /** Serves /upload and /files/<id>; false when the request is not one of them. */
  serve(req: http.IncomingMessage, res: http.ServerResponse, baseUrl: string): boolean {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (req.method === 'GET' && path.startsWith('/files/')) {
      const object = this.objects.get(path.slice('/files/'.length))
      if (!object) res.writeHead(404).end()
      else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from(object.bytes))
      return true
    }
    if (req.method !== 'POST' || path !== '/upload') return false
    void this.receive(req, res, baseUrl)
    return true
  }

  private async receive(req: http.IncomingMessage, res: http.ServerResponse, baseUrl: string): Promise<void> {
    this.attempts++
    this.active++
    this.maxActive = Math.max(this.maxActive, this.active)
    let counted = true
    const over = (): void => {
      if (counted) this.active--
      counted = false
    }
    res.once('close', over)
    const answer = (status: number, body: unknown): void => {
      const send = (): void => {
        if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body))
      }
      if (this.slowMs > 0) setTimeout(send, this.slowMs).unref()
      else send()
    }
    const length = Number(req.headers['content-length'] ?? 0)
    if (length > this.maxBytes) {
      answer(413, { msg: 'request entity too large', status: 413 })
      req.resume()
      return
    }
    const abort = this.aborts > 0
    if (abort) this.aborts--
    const chunks: Buffer[] = []
    let got = 0
    try {
      for await (const chunk of req) {
        chunks.push(chunk as Buffer)
        got += (chunk as Buffer).length
        if (abort && got >= length / 2) {
          req.socket.destroy()
          return
        }
      }
    } catch {
      return // the client went away mid-body
    }
    const status = this.failures.shift()
    if (status !== undefined) return answer(status, { msg: 'injected upload failure', status })
    const parsed = parseMultipart(Buffer.concat(chunks), String(req.headers['content-type'] ?? ''))
    if (!parsed) return answer(400, { msg: 'not multipart/form-data with a file part', status: 400 })
    const id = `f${this.nextId++}`
    this.objects.set(id, { id, ...parsed })
    answer(200, { url: `${baseUrl}/files/${id}` })
  }
}

function parseMultipart(body: Buffer, contentType: string): Omit<StoredUpload, 'id'> | undefined {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1]
  if (!boundary) return undefined
  const formData: Record<string, string> = {}
  let file: Omit<StoredUpload, 'id' | 'formData'> | undefined
  const sep = Buffer.from(`--${boundary}`)
  let at = body.indexOf(sep)
  while (at >= 0) {
    const start = at + sep.length + 2 // past the boundary and its CRLF
    const next = body.indexOf(sep, start)
    if (next < 0) break
    const part = body.subarray(start, next - 2) // without the CRLF before the next boundary
    const headEnd = part.indexOf('\r\n\r\n')
    const head = part.subarray(0, headEnd).toString('utf8')
    const name = /name="([^"]*)"/.exec(head)?.[1] ?? ''
    const fileName = /filename="([^"]*)"/.exec(head)?.[1]
    const content = part.subarray(headEnd + 4)
    if (fileName !== undefined) file = { name, fileName, bytes: new Uint8Array(content) }
    else formData[name] = content.toString('utf8')
    at = next
  }
  return file && { ...file, formData }
}
