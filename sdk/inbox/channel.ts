/** The per-channel state the inbox's parts share (see the notes at the top of inbox.ts). */
import type { InboundMessage } from '../types'
import type { TimerId } from '../platform/types'
import { PacketType } from '../proto/packets'
import type { RecvPacket, RecvackPacket } from '../proto/packets'

export interface Held {
  msg: InboundMessage
  /** RECVACKs owed once the message is delivered (pushes only). */
  acks: RecvackPacket[]
  /** A placeholder for this device's own message (noteSent): stepped over, never shown. */
  own?: true
}

export interface Gap {
  from: number
  to: number
  /** Part of it was reported unfillable, so no 'filled' is reported for it. */
  lost: boolean
}

/** A gap the sync API could not fill yet (it failed, timed out or proved nothing): kept open, retried. */
export interface Stall {
  fromSeq: number
  since: number
  /** Fill rounds that ended without an answer proving anything. */
  rounds: number
  lastError: string
  retry: TimerId | undefined
}

export interface Channel {
  key: string
  channelId: string
  channelType: number
  /** undefined until the channel's starting point is known (see the first-contact policy). */
  cursor: number | undefined
  held: Map<number, Held>
  /** Highest seq the server is known to have (conversation sync, evicted pushes). */
  wantUpTo: number
  /** Highest seq seen pushed, for gap detection. */
  topPushed: number
  gaps: Gap[]
  stall: Stall | undefined
  draining: Promise<void> | null
  /** Asked to drain again while draining: the drain makes one more pass. */
  drainAgain: boolean
}

export const keyOf = (channelType: number, channelId: string): string => `${channelType}:${channelId}`

export function newChannel(channelId: string, channelType: number): Channel {
  return {
    key: keyOf(channelType, channelId),
    channelId,
    channelType,
    cursor: undefined,
    held: new Map(),
    wantUpTo: 0,
    topPushed: 0,
    gaps: [],
    stall: undefined,
    draining: null,
    drainAgain: false,
  }
}

/** The lowest seq waiting in `held`, or undefined when nothing waits. */
export function lowestHeld(ch: Channel): number | undefined {
  let low: number | undefined
  for (const seq of ch.held.keys()) if (low === undefined || seq < low) low = seq
  return low
}

/** The last seq of the unbroken run of held messages starting at `from` (from - 1 when `from` is not held). */
export function runEnd(ch: Channel, from: number): number {
  let to = from - 1
  while (ch.held.has(to + 1)) to++
  return to
}

export function recvackFor(p: RecvPacket): RecvackPacket {
  return {
    type: PacketType.RECVACK,
    flags: { dup: false, noPersist: p.flags.noPersist, syncOnce: p.flags.syncOnce, redDot: p.flags.redDot },
    messageId: p.messageId,
    messageSeq: p.messageSeq,
  }
}

