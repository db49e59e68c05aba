/**
 * What the pages show: times (dayjs), status and connection labels. Pure functions, so WXML only
 * binds precomputed strings (WXML cannot call functions).
 */
import dayjs from 'dayjs'
import type { ConnectionState, MessageStatus } from 'wukongim-mp'

/** 'HH:mm' today, 'MM-DD HH:mm' this year, else 'YYYY-MM-DD HH:mm'. */
export function formatTime(epochMs: number, nowMs: number): string {
  const t = dayjs(epochMs)
  const now = dayjs(nowMs)
  if (t.isSame(now, 'day')) return t.format('HH:mm')
  if (t.isSame(now, 'year')) return t.format('MM-DD HH:mm')
  return t.format('YYYY-MM-DD HH:mm')
}

/** A row's status: the outbox's four, or 'received' for someone else's message. */
export type ItemStatus = MessageStatus | 'received'

const STATUS_LABELS: Record<ItemStatus, string> = {
  queued: 'Queued',
  sending: 'Sending…',
  sent: 'Sent',
  failed: 'Failed',
  received: '',
}

export function statusLabel(status: ItemStatus, reasonCode?: number): string {
  if (status === 'failed' && reasonCode !== undefined && reasonCode !== 1) return `Failed (code ${reasonCode})`
  return STATUS_LABELS[status]
}

/** The offline/reconnecting banner: hidden (empty text) while connected or before connect(). */
export interface BannerView {
  visible: boolean
  kind: 'offline' | 'reconnecting' | 'stopped' | 'none'
  text: string
}

export function bannerFor(state: ConnectionState, reason = ''): BannerView {
  switch (state) {
    case 'offline':
      return { visible: true, kind: 'offline', text: 'No network. Messages wait in the outbox and go out when you are back online.' }
    case 'connecting':
    case 'waiting':
      return { visible: true, kind: 'reconnecting', text: reason ? `Reconnecting… (${reason})` : 'Reconnecting…' }
    case 'stopped':
      return { visible: true, kind: 'stopped', text: `Disconnected: ${reason || 'stopped'}. Sign in again.` }
    case 'closed':
      return { visible: true, kind: 'stopped', text: 'Signed out.' }
    default:
      return { visible: false, kind: 'none', text: '' }
  }
}
