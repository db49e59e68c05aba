/**
 * Content interop with the official `wukongimjssdk@1.0.4`, both ways, through its own content
 * classes (lib/model.js) and its registry (WKSDK.shared().getMessageContent):
 * - what we encode, its decoders read: text, cmd and stream through its typed classes; every other
 *   built-in type through its base decoder (it ships no classes for 2–8: companion apps add them),
 *   which must see the same fields; mention and reply through its base class.
 * - what it encodes (text with mention and reply, cmd, stream, unknown, an app-defined type), ours reads.
 *   (Its UnknownContent re-encodes as `{type: 0}`: a reply quoting a type it has no class for loses
 *   the quoted content on its side; ours keeps it, see codec.test.ts.)
 */
import WKSDK from 'wukongimjssdk/lib/index'
import { CMDContent, Mention, MessageContent, MessageStream, MessageText, Reply, UnknownContent } from 'wukongimjssdk/lib/model'
import { decodeContent, encodeContent } from '../../../sdk/content/codec'
import type { Content } from '../../../sdk/content/types'
import { decodeUtf8 } from '../../../sdk/proto/utf8'
import { BUILT_INS } from '../../support/contents'

// Its registry is set up by WKSDK.shared(), which also starts the receipt manager's interval.
const sdk = WKSDK.shared()
// 1.0.4 has a MessageStream class but does not register it: an app using streams registers it so.
sdk.register(98, () => new MessageStream(new ArrayBuffer(0)))
afterAll(() => clearInterval((sdk.receiptManager as unknown as { timer: ReturnType<typeof setInterval> }).timer))

/** The official SDK's decoder for a payload (what its ChatManager does with a RECV's payload). */
function officialDecode(payload: Uint8Array): MessageContent {
  const type = (JSON.parse(decodeUtf8(payload)) as { type: number }).type
  const content = sdk.getMessageContent(type)
  content.decode(payload)
  return content
}

describe('ours → official', () => {
  it('text: MessageText reads the text; its base class reads mention and reply with the same values', () => {
    const ours: Content = {
      type: 1,
      text: '周末见 🎉',
      mention: { all: true, uids: ['bob'] },
      reply: { messageId: '9007199254740993', messageSeq: 4, fromUid: 'bob', fromName: 'Bob', rootMessageId: '3', content: { type: 1, text: 'quoted' } },
    }
    const theirs = officialDecode(encodeContent(ours))
    expect(theirs).toBeInstanceOf(MessageText)
    expect((theirs as MessageText).text).toBe('周末见 🎉')
    expect(theirs.contentType).toBe(1)
    expect(theirs.mention).toEqual(Object.assign(new Mention(), { all: true, uids: ['bob'] }))
    const reply = theirs.reply as Reply
    expect([reply.messageID, reply.messageSeq, reply.fromUID, reply.fromName, reply.rootMessageID]).toEqual(['9007199254740993', 4, 'bob', 'Bob', '3'])
    expect((reply.content as MessageText).text).toBe('quoted')
  })

  it('cmd: CMDContent reads cmd and param', () => {
    const theirs = officialDecode(encodeContent({ type: 99, cmd: 'syncConversation', param: { version: 3 } })) as CMDContent
    expect(theirs).toBeInstanceOf(CMDContent)
    expect([theirs.cmd, theirs.param]).toEqual(['syncConversation', { version: 3 }])
  })

  it('stream: MessageStream reads the same bytes', () => {
    const theirs = officialDecode(encodeContent({ type: 98, data: new Uint8Array([0, 1, 254, 255]) })) as MessageStream
    expect(theirs).toBeInstanceOf(MessageStream)
    expect(Array.from(new Uint8Array(theirs.data))).toEqual([0, 1, 254, 255])
  })

  it.each(BUILT_INS.filter(([c]) => c.type >= 2 && c.type <= 8).map(([c, json]) => [c.type, c, json] as const))(
    'type %i: its base decoder sees the companion apps’ field names and values',
    (type, ours, json) => {
      const theirs = officialDecode(encodeContent(ours)) as UnknownContent
      expect(theirs.realContentType).toBe(type)
      expect(theirs.contentObj).toEqual(json)
    },
  )
})

describe('official → ours', () => {
  it('MessageText with mention and reply (quoting a text)', () => {
    const text = new MessageText('看这张 @bob')
    text.mention = Object.assign(new Mention(), { all: false, uids: ['bob'] })
    const quoted = new MessageText('the quoted one')
    text.reply = Object.assign(new Reply(), { messageID: '1234567890123456789', messageSeq: 9, fromUID: 'carol', fromName: 'Carol', content: quoted })
    expect(decodeContent(text.encode())).toEqual({
      type: 1,
      text: '看这张 @bob',
      mention: { all: false, uids: ['bob'] },
      reply: { messageId: '1234567890123456789', messageSeq: 9, fromUid: 'carol', fromName: 'Carol', content: { type: 1, text: 'the quoted one' } },
    })
  })

  it('mention.all as it writes it (1)', () => {
    const text = new MessageText('all hands')
    text.mention = Object.assign(new Mention(), { all: true })
    expect(decodeContent(text.encode())).toEqual({ type: 1, text: 'all hands', mention: { all: true, uids: [] } })
  })

  it('cmd: CMDContent writes no fields of its own in 1.0.4; an app subclass that writes cmd/param is read', () => {
    // 1.0.4's CMDContent has a decoder but no encodeJSON: its own encode carries only the type.
    expect(decodeContent(new CMDContent().encode())).toMatchObject({ type: 0, wireType: 99, reason: 'malformed' })
    class AppCmd extends CMDContent {
      override encodeJSON(): Record<string, unknown> {
        return { cmd: this.cmd, param: this.param }
      }
    }
    const cmd = Object.assign(new AppCmd(), { cmd: 'messageRevoke', param: { message_id: '42' } })
    expect(decodeContent(cmd.encode())).toEqual({ type: 99, cmd: 'messageRevoke', param: { message_id: '42' } })
  })

  it('stream: MessageStream bytes', () => {
    expect(decodeContent(new MessageStream(new Uint8Array([9, 8, 7]).buffer).encode())).toEqual({ type: 98, data: new Uint8Array([9, 8, 7]) })
  })

  it('unknown: its UnknownContent (type 0) and an app-defined type we have no codec for keep their bytes', () => {
    const unknownPayload = new UnknownContent().encode()
    expect(decodeContent(unknownPayload)).toEqual({ type: 0, wireType: 0, reason: 'unregistered type', payload: unknownPayload })
    class Poll extends MessageContent {
      override get contentType(): number {
        return 4242
      }
      override encodeJSON(): Record<string, unknown> {
        return { question: 'lunch?' }
      }
    }
    const payload = new Poll().encode()
    const ours = decodeContent(payload)
    expect(ours).toEqual({ type: 0, wireType: 4242, reason: 'unregistered type', payload })
    // Forwarded as is: the official SDK reads back what it wrote.
    expect(officialDecode(encodeContent(ours)).contentObj).toEqual({ type: 4242, question: 'lunch?' })
  })
})
