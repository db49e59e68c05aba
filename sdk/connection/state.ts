/**
 * The connection's transition table (docs/design.md §5, docs/style.md habit 2). The connection's one
 * setter refuses anything not listed here, so an impossible transition is a bug that shows up
 * in tests instead of a silent second socket.
 */
import type { ConnectionState } from '../types'

export const CONNECTION_TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  // connect() was called; or close() before it, or offline before the first dial.
  idle: ['connecting', 'offline', 'closed'],
  // CONNACK 1 → connected; failure → waiting (backoff); network lost → offline;
  // auth failure → stopped; close().
  connecting: ['connected', 'waiting', 'offline', 'stopped', 'closed'],
  // link lost → waiting; rebuilt at once (app show after a long hide) → connecting;
  // network lost → offline; kicked → stopped; close().
  connected: ['waiting', 'connecting', 'offline', 'stopped', 'closed'],
  // backoff timer fired / network came back / app shown → connecting.
  waiting: ['connecting', 'offline', 'closed'],
  // network came back → connecting.
  offline: ['connecting', 'closed'],
  // connect() called again after a kick or an auth failure.
  stopped: ['connecting', 'closed'],
  // final.
  closed: [],
}

export function canTransition(from: ConnectionState, to: ConnectionState): boolean {
  return CONNECTION_TRANSITIONS[from].indexOf(to) >= 0
}
