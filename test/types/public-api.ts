/**
 * Type tests of the public API, checked by `npm run typecheck` (tsconfig.test.json; also with
 * TypeScript 5.0.4 and 7 by scripts/typecheck-versions.js). Each @ts-expect-error line must be a
 * compile error: if a change makes one compile, tsc fails with "Unused '@ts-expect-error'".
 * Nothing here runs.
 */
import { conversationsPart, createClient, createCoreClient, decodeContent, diagnosticsPart, historyPart, httpApiPart, isImError, isStorageError, registerContent } from '../../sdk'
import type { Content, ContentCommon } from '../../sdk'
import type { Client, ClientOptions, Conversation, CoreClient, HistoryMessage, HistoryPage, ImError, InboundMessage, OutboxMessage, StateChange, WxApi } from '../../sdk'
import { createMemoryPlatform } from '../../sdk/testing'

declare const im: Client

// Events: names are checked, handlers get the payload of their event.
im.on('message', (m: InboundMessage) => void m.channelId)
im.on('messageStatus', (m) => void (m.status satisfies OutboxMessage['status']))
im.on('state', ({ from, to }: StateChange) => void [from, to])
im.on('error', (e: ImError) => void e.code)
// @ts-expect-error misspelled event name
im.on('mesage', () => undefined)
// @ts-expect-error an event that does not exist
im.on('connected', () => undefined)
// @ts-expect-error wrong handler shape: 'message' carries an InboundMessage, not a string
im.on('message', (m: string) => void m)
// @ts-expect-error wrong handler shape: a state change is not an OutboxMessage
im.on('state', (m: OutboxMessage) => void m)
im.on('serverEvent', (e) => void (e.eventType satisfies string))
// @ts-expect-error the old name of 'serverEvent'
im.on('event', () => undefined)
void im.restored()
// @ts-expect-error the old name of restored()
void im.ready()

// Diagnostics: event names are a closed vocabulary per category, so a rename breaks the build.
declare const sink: import('../../sdk').DiagnosticsSink
sink.record('receive', 'gap-detected', { fromSeq: 2 })
// @ts-expect-error the old spelling of an event name
sink.record('receive', 'gap detected')
// @ts-expect-error an event of another category
sink.record('storage', 'gap-detected')
// @ts-expect-error a trace step that does not exist
sink.trace('m1', 'acked')

// Options: known names with their types.
createClient({ uid: 'alice', token: 't', wsAddr: 'wss://x', heartbeat: { intervalMs: 25_000 }, outbox: { window: 8 } })
createClient({ uid: 'alice', tokenProvider: async () => 't', apiAddr: 'https://x', platform: createMemoryPlatform() })
// @ts-expect-error unknown option (a misspelling of wsAddr)
createClient({ uid: 'alice', token: 't', wsAdress: 'wss://x' })
// @ts-expect-error wrong option type: uid is a string
createClient({ uid: 42, token: 't', wsAddr: 'wss://x' })
// @ts-expect-error wrong option type: times are numbers of milliseconds
createClient({ uid: 'alice', token: 't', wsAddr: 'wss://x', heartbeat: { intervalMs: '25s' } })
// @ts-expect-error unknown nested option
createClient({ uid: 'alice', token: 't', wsAddr: 'wss://x', outbox: { windowSize: 8 } })
const options: ClientOptions = { uid: 'alice', token: 't', wsAddr: 'wss://x' }
createClient(options)

// send(): the input is checked too.
void im.send({ channelId: 'bob', channelType: 1, payload: 'hi' })
// @ts-expect-error channelType is a number (ChannelType)
void im.send({ channelId: 'bob', channelType: 'person', payload: 'hi' })

// Guards narrow unknown errors.
declare const caught: unknown
if (isImError(caught)) void (caught.code satisfies ImError['code'])
if (isStorageError(caught)) void caught.context

// The real wx satisfies the adapter's WxApi (miniprogram-api-typings' global `wx`).
const api: WxApi = wx
void api

// A guard's false branch keeps the other errors (the subclasses differ by their `code`).
declare const err: ImError
if (isStorageError(err)) void (err.code satisfies 'STORAGE_FULL' | 'STORAGE_FAILED' | 'STORAGE_CORRUPT')
else void err.message

// Typed content (docs/content.md): send() takes content or payload, never both; the `message`
// event's content is a union narrowed by `type`; custom types join it by augmenting ContentTypeMap.
void im.send({ channelId: 'bob', channelType: 1, content: { type: 1, text: 'hi', mention: { all: false, uids: ['bob'] } } })
void im.send({ channelId: 'bob', channelType: 1, content: { type: 2, url: 'https://x/a.jpg', width: 1, height: 1 } })
// @ts-expect-error an image needs its dimensions
void im.send({ channelId: 'bob', channelType: 1, content: { type: 2, url: 'https://x/a.jpg' } })
// @ts-expect-error a text's field is `text`
void im.send({ channelId: 'bob', channelType: 1, content: { type: 1, content: 'hi' } })
// @ts-expect-error content and payload together
void im.send({ channelId: 'bob', channelType: 1, content: { type: 1, text: 'hi' }, payload: 'hi' })
// @ts-expect-error no such content type (until registered and declared)
void im.send({ channelId: 'bob', channelType: 1, content: { type: 4242 } })
im.on('message', (m) => {
  const c = m.content
  switch (c.type) {
    case 1:
      return void (c.text satisfies string)
    case 4:
      return void (c.duration satisfies number)
    case 0:
      return void (c.payload satisfies Uint8Array)
    case 2:
      // @ts-expect-error an image has no text
      return void c.text
  }
  return undefined
})
declare module '../../sdk/content/types' {
  interface ContentTypeMap {
    2001: { type: 2001; stars: number } & ContentCommon
  }
}
registerContent(2001, { encode: (c) => ({ stars: c.stars }), decode: (j) => (typeof j.stars === 'number' ? { stars: j.stars } : undefined) })
// @ts-expect-error the codec's encode gets the declared shape
registerContent(2001, { encode: (c) => ({ s: c.star }), decode: () => undefined })
void im.send({ channelId: 'bob', channelType: 1, content: { type: 2001, stars: 5 } })
const decoded: Content = decodeContent(new Uint8Array(0))
if (decoded.type === 2001) void (decoded.stars satisfies number)

// Media messages: a file goes with an image / GIF / voice / video / file content whose url the upload fills in.
void im.send({ channelId: 'bob', channelType: 1, file: 'wxfile://tmp_1.jpg', content: { type: 2, width: 640, height: 480 } })
void im.send({ channelId: 'bob', channelType: 1, file: 'wxfile://tmp_2.mp3', content: { type: 4, duration: 3 } })
// @ts-expect-error a text has no file
void im.send({ channelId: 'bob', channelType: 1, file: 'wxfile://tmp_1.jpg', content: { type: 1, text: 'hi' } })
// @ts-expect-error a file and a raw payload
void im.send({ channelId: 'bob', channelType: 1, file: 'wxfile://tmp_1.jpg', payload: 'x' })
im.on('messageProgress', ({ clientMsgNo, progress }) => void [clientMsgNo.length, progress.toFixed(2)])
im.on('messageStatus', (m) => void (m.media?.url satisfies string | undefined))

// The core client: diagnose() exists in the type only when the diagnostics part is given.
const core: CoreClient = createCoreClient({ uid: 'alice', token: 't', wsAddr: 'wss://x' })
core.on('message', (m: InboundMessage) => void m.payload)
// @ts-expect-error the core without the diagnostics part has no diagnose()
void core.diagnose()
void createCoreClient({ uid: 'alice', token: 't', wsAddr: 'wss://x' }, { api: httpApiPart }).sync()
// @ts-expect-error only the api part given: still no diagnose()
void createCoreClient({ uid: 'alice', token: 't', wsAddr: 'wss://x' }, { api: httpApiPart }).diagnose()
void createCoreClient({ uid: 'alice', token: 't', apiAddr: 'https://x' }, { api: httpApiPart, diagnostics: diagnosticsPart }).diagnose({ lookup: false })
// @ts-expect-error without the conversations part: no conversation list
void createCoreClient({ uid: 'alice', token: 't', wsAddr: 'wss://x' }, { diagnostics: diagnosticsPart }).conversations()
const listed = createCoreClient({ uid: 'alice', token: 't', wsAddr: 'wss://x' }, { conversations: conversationsPart })
void listed.clearUnread({ channelId: 'bob', channelType: 1 })
// @ts-expect-error the conversations part alone: no diagnose()
void listed.diagnose()
// @ts-expect-error without the history part: no messages() (and so not a Client)
const partial: Client = createCoreClient({ uid: 'alice', token: 't', apiAddr: 'https://x' }, { api: httpApiPart, diagnostics: diagnosticsPart, conversations: conversationsPart })
void partial
const full: Client = createCoreClient({ uid: 'alice', token: 't', apiAddr: 'https://x' }, { api: httpApiPart, diagnostics: diagnosticsPart, conversations: conversationsPart, history: historyPart })
void full.diagnose({ lookup: false })
void full.messages({ channelId: 'bob', channelType: 1 }, { before: 40, limit: 20 }).then((page: HistoryPage) => page.messages.map((m: HistoryMessage) => [m.messageSeq, m.status, m.content.type, page.more, page.gaps[0]?.from, page.from]))
const paged = createCoreClient({ uid: 'alice', token: 't', wsAddr: 'wss://x' }, { history: historyPart })
void paged.messages({ channelId: 'bob', channelType: 1 })
// @ts-expect-error the history part alone: no conversation list
paged.conversations()
full.on('conversations', (list: Conversation[]) => void list.map((c) => [c.unread, c.lastMessage?.content.type, c.lastMessage?.status]))
// @ts-expect-error an unknown part
createCoreClient({ uid: 'alice', token: 't', wsAddr: 'wss://x' }, { content: {} })
// @ts-expect-error a part of the wrong kind
createCoreClient({ uid: 'alice', token: 't', wsAddr: 'wss://x' }, { diagnostics: httpApiPart })
