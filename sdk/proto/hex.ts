/** Lower-case hex of bytes: MD5 digests (msgKey), install ids and clientMsgNos. */
const CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0))
/** Characters per String.fromCharCode call (its arguments go on the stack). */
const CHUNK = 4096

export function hex(bytes: Uint8Array): string {
  // One flat string from char codes: concatenating two characters per byte built a rope of pieces.
  let s = ''
  for (let start = 0; start < bytes.length; start += CHUNK / 2) {
    const end = Math.min(bytes.length, start + CHUNK / 2)
    const codes = new Array<number>((end - start) * 2)
    for (let i = start, o = 0; i < end; i++) {
      codes[o++] = CODES[(bytes[i] as number) >> 4] as number
      codes[o++] = CODES[(bytes[i] as number) & 15] as number
    }
    s += String.fromCharCode.apply(null, codes)
  }
  return s
}
