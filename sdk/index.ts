/**
 * wukongim-mp public entry, curated by hand (docs/style.md habit 10).
 */
export { createClient, createCoreClient, httpApiPart } from './client'
export type { Client, CoreClient, ClientParts, ApiPart, WithDiagnose, WithConversations } from './client'
export type { ClientOptions } from './options'
export { diagnosticsPart } from './diagnostics/report'
export type { DiagnosticReport, MessageDiagnosis, DiagnosticsPart, ReportInput } from './diagnostics/report'
export { conversationsPart } from './conversations/conversations'
export type { ConversationsOptions, ConversationsPart } from './conversations/conversations'
export type { Conversation, ConversationPreview, ChannelRef } from './conversations/types'
export type { LogEntry, TraceStep, DiagnosticCounters } from './diagnostics/diagnostics'
export type { DiagnosticsSink, DiagnosticsSettings, DiagCategory, DiagEvents, DiagEventName, TraceStepName } from './diagnostics/types'
export type { ClientEvents, ClientEventName, ServerEvent, SyncedEvent } from './events'
export type { Listener } from './emitter'
export {
  ImError, ProtocolError, InvalidArgumentError, InvalidOptionError, StorageError, PlatformError, NetworkError, ClientError,
  isImError, isProtocolError, isStorageError, isInvalidArgumentError,
} from './errors'
export type { ImErrorCode } from './errors'
export { ReasonCode, ChannelType, DeviceFlag, classifySendack } from './codes'
export type { SendackClass } from './codes'
export type * from './types'
export { registerContent, encodeContent, decodeContent } from './content/codec'
export type * from './content/types'
export { mediaSupport } from './media/media'
export type { MediaOptions, MediaSupport, Uploader, UploadRequest, UploadResult } from './media/media'
export type * from './platform/types'
export { createWxPlatform } from './platform/wx'
export type { WxApi, WxPlatformOptions } from './platform/wx'
export { createHttpSyncProvider } from './sync/http'
export type { ApiHeaders, HttpSyncOptions } from './sync/http'
export type * from './sync/types'
