/**
 * The simulated file system (WeChat's FileSystemManager, docs/platform.md §files) and the data
 * behind it, which outlives a cold restart the way the phone's disk does:
 * - user files live under USER_DATA_PATH (`wxfile://usr`) and share a 200 MB budget; a copy that
 *   would exceed it fails `<api>:fail the maximum size of the file storage limit is exceeded`;
 * - temp files (what chooseMedia / the recorder hand out, `wxfile://tmp_<n>.<ext>`) are valid only
 *   for the run that made them: a cold restart removes them;
 * - a missing file fails `<api>:fail no such file or directory <path>`.
 * Error texts follow the FileSystemManager reference (error table: 1300002 "no such file or
 * directory ${path}", 1300202 "the maximum size of the file storage limit is exceeded"), written
 * `<api>:fail <text>` as every wx callback API writes its errMsg.
 */

export const USER_DATA_PATH = 'wxfile://usr'
export const FILES_BUDGET_BYTES = 200 * 1024 * 1024
export const noSuchFile = (api: string, path: string): string => `${api}:fail no such file or directory ${path}`
export const filesFull = (api: string): string => `${api}:fail the maximum size of the file storage limit is exceeded`

export class SimFileData {
  private readonly map = new Map<string, Uint8Array>()
  private nextTemp = 1
  /** Budget of the user files, bytes (default 200 MB). */
  budgetBytes = FILES_BUDGET_BYTES

  /** A temp file, as wx.chooseMedia would return it. */
  addTemp(bytes: Uint8Array, ext = 'jpg'): string {
    const path = `wxfile://tmp_${this.nextTemp++}.${ext}`
    this.map.set(path, bytes.slice())
    return path
  }

  read(path: string): Uint8Array | undefined {
    return this.map.get(path)
  }

  has(path: string): boolean {
    return this.map.has(path)
  }

  /** Every path, temp and user. */
  paths(): string[] {
    return [...this.map.keys()]
  }

  /** Paths under USER_DATA_PATH. */
  userPaths(): string[] {
    return this.paths().filter((p) => p.startsWith(`${USER_DATA_PATH}/`))
  }

  userBytes(): number {
    return this.userPaths().reduce((n, p) => n + (this.map.get(p) as Uint8Array).length, 0)
  }

  /** Writes `bytes` at `path`; the error text's tail when refused. */
  write(path: string, bytes: Uint8Array): 'full' | 'no-dir' | undefined {
    if (path.startsWith(`${USER_DATA_PATH}/`)) {
      if (path.slice(USER_DATA_PATH.length + 1).includes('/')) return 'no-dir' // no mkdir modelled: flat user dir
      const old = this.map.get(path)?.length ?? 0
      if (this.userBytes() - old + bytes.length > this.budgetBytes) return 'full'
    } else return 'no-dir' // only the user dir is writable
    this.map.set(path, bytes.slice())
    return undefined
  }

  delete(path: string): boolean {
    return this.map.delete(path)
  }

  /** A cold restart: temp files are gone. */
  dropTemp(): void {
    for (const p of this.paths()) if (!p.startsWith(`${USER_DATA_PATH}/`)) this.map.delete(p)
  }
}

type Done = { success?: (res: any) => void; fail?: (res: { errMsg: string }) => void; complete?: (res: any) => void }

/**
 * wx.getFileSystemManager() over `data`: the callback methods the SDK uses. `respond(o, ok, res)`
 * delivers a callback the way the rest of the simulated wx does (async, held while suspended).
 */
export function fileSystemManager(data: SimFileData, respond: (o: Done, ok: boolean, res: Record<string, unknown>) => void) {
  const fail = (o: Done, errMsg: string): void => respond(o, false, { errMsg })
  return {
    copyFile(o: Done & { srcPath: string; destPath: string }) {
      const bytes = data.read(o.srcPath)
      if (!bytes) return fail(o, noSuchFile('copyFile', o.srcPath))
      const refused = data.write(o.destPath, bytes)
      if (refused === 'full') return fail(o, filesFull('copyFile'))
      if (refused === 'no-dir') return fail(o, noSuchFile('copyFile', o.destPath))
      respond(o, true, { errMsg: 'copyFile:ok' })
    },
    saveFile(o: Done & { tempFilePath: string; filePath?: string }) {
      const bytes = data.read(o.tempFilePath)
      if (!bytes) return fail(o, noSuchFile('saveFile', o.tempFilePath))
      const dest = o.filePath ?? `${USER_DATA_PATH}/saved_${o.tempFilePath.replace(/^.*\//, '')}`
      const refused = data.write(dest, bytes)
      if (refused === 'full') return fail(o, filesFull('saveFile'))
      if (refused === 'no-dir') return fail(o, noSuchFile('saveFile', dest))
      data.delete(o.tempFilePath) // saveFile moves the temp file
      respond(o, true, { savedFilePath: dest, errMsg: 'saveFile:ok' })
    },
    unlink(o: Done & { filePath: string }) {
      if (!data.delete(o.filePath)) return fail(o, noSuchFile('unlink', o.filePath))
      respond(o, true, { errMsg: 'unlink:ok' })
    },
    access(o: Done & { path: string }) {
      if (!data.has(o.path) && o.path !== USER_DATA_PATH) return fail(o, noSuchFile('access', o.path))
      respond(o, true, { errMsg: 'access:ok' })
    },
    stat(o: Done & { path: string }) {
      const bytes = data.read(o.path)
      if (!bytes) return fail(o, noSuchFile('stat', o.path))
      respond(o, true, { stats: { size: bytes.length, mode: 0o100644, lastAccessedTime: 0, lastModifiedTime: 0, isFile: () => true, isDirectory: () => false }, errMsg: 'stat:ok' })
    },
    readdir(o: Done & { dirPath: string }) {
      if (o.dirPath !== USER_DATA_PATH) return fail(o, noSuchFile('readdir', o.dirPath))
      respond(o, true, { files: data.userPaths().map((p) => p.slice(USER_DATA_PATH.length + 1)), errMsg: 'readdir:ok' })
    },
  }
}
