/**
 * The connection's transition table (DESIGN.md §5, STYLE.md habit 2). The connection's one
 * setter refuses anything not listed here, so an impossible transition is a bug that shows up
 * in tests instead of a silent second socket.
 */
import type { ConnectionState } from '../types';
export declare const CONNECTION_TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>>;
export declare function canTransition(from: ConnectionState, to: ConnectionState): boolean;
