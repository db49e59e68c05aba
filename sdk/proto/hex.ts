/** Lower-case hex of bytes: MD5 digests (msgKey), install ids and clientMsgNos. */
const DIGITS = '0123456789abcdef'

export function hex(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += DIGITS[(bytes[i] as number) >> 4]! + DIGITS[(bytes[i] as number) & 15]!
  return s
}
