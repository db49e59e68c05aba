/**
 * Channel identity on the server side (docs/protocol.md §7.6): person chats are stored under one
 * canonical id `A@B` shared by both directions, and every RECV / HTTP view rewrites it to the
 * other party as the viewer sees it.
 */

export const PERSON = 1
export const GROUP = 2

let crcTable: Uint32Array | undefined

/** CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) of the UTF-8 bytes of `s`. */
export function crc32(s: string): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      crcTable[n] = c >>> 0
    }
  }
  let crc = 0xffffffff
  for (const byte of Buffer.from(s, 'utf8')) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** The canonical person channel: the uid with the larger CRC-32 first; ties ordered by string (as v3 does). */
export function personChannelId(a: string, b: string): string {
  const ha = crc32(a)
  const hb = crc32(b)
  if (ha > hb || (ha === hb && a >= b)) return `${a}@${b}`
  return `${b}@${a}`
}

/** The two uids of a canonical person channel id. */
export function personParties(canonical: string): [string, string] {
  const at = canonical.indexOf('@')
  return [canonical.slice(0, at), canonical.slice(at + 1)]
}

/** How `viewer` sees a stored channel: the other party for person chats, the id itself otherwise. */
export function channelView(channelType: number, canonical: string, viewer: string): string {
  if (channelType !== PERSON || !canonical.includes('@')) return canonical
  const [a, b] = personParties(canonical)
  return viewer === a ? b : a
}

/** A channel as a caller names it: for person chats either the canonical id, or the peer plus loginUid. */
export interface ChannelRef {
  channelId: string
  channelType: number
  /** With a person channel: the uid whose view channelId is (channelId is then the peer). */
  loginUid?: string
}

/** The canonical stored id of a channel reference. */
export function canonicalChannel(ref: ChannelRef): string {
  if (ref.channelType === PERSON && ref.loginUid !== undefined && !ref.channelId.includes('@')) {
    return personChannelId(ref.loginUid, ref.channelId)
  }
  return ref.channelId
}

/** Map key of a stored channel. */
export const channelKey = (channelType: number, canonical: string): string => `${channelType}:${canonical}`
