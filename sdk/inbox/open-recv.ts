export { openRecv } from '../proto/crypto'
export type { SessionCrypto } from '../proto/crypto'
