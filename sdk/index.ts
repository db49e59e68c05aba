/**
 * wukongim-mp public entry, curated by hand (STYLE.md habit 10).
 */
export * from './errors'
export { ReasonCode, ChannelType, DeviceFlag, classifySendack } from './codes'
export type { SendackClass } from './codes'
export type * from './types'
export type * from './platform/types'
