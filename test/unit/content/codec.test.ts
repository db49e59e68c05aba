/**
 * Typed content ⇄ payload bytes (docs/content.md): every built-in type round-trips, the wire
 * spelling is the ecosystem's, decoding never throws, custom types register and unregister.
 */
import { decodeContent, encodeContent, registerContent } from '../../../sdk/content/codec'
import type { Content, ContentCommon, JsonObject } from '../../../sdk/content/types'
import { isInvalidArgumentError } from '../../../sdk/errors'
import { encodeUtf8, decodeUtf8 } from '../../../sdk/proto/utf8'
import { BUILT_INS } from '../../support/contents'

declare module '../../../sdk/content/types' {
  interface ContentTypeMap {
    1001: PollContent
  }
}
interface PollContent extends ContentCommon {
  type: 1001
  question: string
  options: string[]
}

const wire = (c: Content): JsonObject => JSON.parse(decodeUtf8(encodeContent(c))) as JsonObject
const bytes = (json: unknown): Uint8Array => encodeUtf8(JSON.stringify(json))

describe('built-in content types', () => {
  it.each(BUILT_INS.map(([c, j]) => [c.type, c, j] as const))('type %i: encodes to the ecosystem JSON and decodes back', (_type, content, json) => {
    expect(wire(content)).toEqual(json)
    expect(decodeContent(bytes(json))).toEqual(content)
  })

  it('optional fields may be absent on the wire and in the content', () => {
    expect(decodeContent(bytes({ type: 4, url: 'u', timeTrad: 3 }))).toEqual({ type: 4, url: 'u', duration: 3 })
    expect(wire({ type: 7, uid: 'carol', name: 'Carol' })).toEqual({ type: 7, uid: 'carol', name: 'Carol' })
    expect(decodeContent(bytes({ type: 99, cmd: 'x', param: null }))).toEqual({ type: 99, cmd: 'x' })
  })

  it('mention and reply: written as the official SDK writes them, read back', () => {
    const content: Content = {
      type: 1,
      text: '@all see this',
      mention: { all: true, uids: ['bob', 'carol'] },
      reply: { messageId: '9007199254740993', messageSeq: 12, fromUid: 'bob', fromName: 'Bob', rootMessageId: '77', content: { type: 2, url: 'u', width: 1, height: 2 } },
    }
    expect(wire(content)).toEqual({
      type: 1,
      content: '@all see this',
      mention: { all: 1, uids: ['bob', 'carol'] },
      reply: { message_id: '9007199254740993', message_seq: 12, from_uid: 'bob', from_name: 'Bob', root_message_id: '77', payload: { type: 2, url: 'u', width: 1, height: 2 } },
    })
    expect(decodeContent(encodeContent(content))).toEqual(content)
    // mention.all false and no uids: an empty mention object, as the official SDK writes it
    expect(wire({ type: 1, text: 't', mention: { all: false, uids: [] } })).toEqual({ type: 1, content: 't', mention: {} })
    expect(decodeContent(bytes({ type: 1, content: 't', mention: { all: true, uids: ['a', 5] } }))).toEqual({ type: 1, text: 't', mention: { all: true, uids: ['a'] } })
  })
})

describe('decoding never throws', () => {
  it.each([
    ['not JSON', new Uint8Array([0x7b, 0x7b]), 'not UTF-8 JSON', undefined],
    ['invalid UTF-8', new Uint8Array([0xff, 0xfe]), 'not UTF-8 JSON', undefined],
    ['a JSON array', bytes([1, 2]), 'no numeric type', undefined],
    ['no type', bytes({ content: 'x' }), 'no numeric type', undefined],
    ['a string type', bytes({ type: '1', content: 'x' }), 'no numeric type', undefined],
    ['an unregistered type', bytes({ type: 4242, x: 1 }), 'unregistered type', 4242],
    ['text without content', bytes({ type: 1 }), 'malformed', 1],
    ['image with a string width', bytes({ type: 2, url: 'u', width: '640', height: 1 }), 'malformed', 2],
    ['stream with bad base64', bytes({ type: 98, data: '@@@' }), 'malformed', 98],
    ['empty payload', new Uint8Array(0), 'not UTF-8 JSON', undefined],
  ])('%s → unknown, bytes kept', (_name, payload, reason, wireType) => {
    const content = decodeContent(payload)
    expect(content).toEqual(wireType === undefined ? { type: 0, payload, reason } : { type: 0, payload, reason, wireType })
  })

  it('an unknown content is sent back as its bytes unchanged', () => {
    const payload = bytes({ type: 4242, x: 1 })
    const content = decodeContent(payload)
    expect(encodeContent(content)).toEqual(payload)
  })

  it('a reply quoting an unknown content keeps it', () => {
    const json = { type: 1, content: 'quoting', reply: { message_id: 5, message_seq: 1, from_uid: 'bob', payload: { type: 4242, x: 1 } } }
    const content = decodeContent(bytes(json))
    expect(content).toMatchObject({ type: 1, reply: { messageId: '5', content: { type: 0, wireType: 4242 } } })
    expect(wire(content)).toEqual({ ...json, reply: { ...json.reply, message_id: '5', from_name: '' } })
  })
})

describe('encoding refuses what cannot be written', () => {
  it.each([
    ['a missing required field', { type: 2, url: 'u', width: 1 }, 'content.height'],
    ['a wrong kind', { type: 1, text: 42 }, 'content.text'],
    ['a NaN number', { type: 6, lng: NaN, lat: 0, title: '', address: '' }, 'content.lng'],
    ['an unregistered type', { type: 4242 }, 'content.type'],
    ['a mention with bad uids', { type: 1, text: 't', mention: { all: false, uids: [1] } }, 'content.mention'],
    ['a reply without messageId', { type: 1, text: 't', reply: { messageSeq: 1, fromUid: 'b' } }, 'content.reply'],
    ['not an object', 'hello', 'content'],
  ])('%s → InvalidArgumentError naming the field', (_name, content, field) => {
    let error: unknown
    try {
      encodeContent(content as unknown as Content)
    } catch (e) {
      error = e
    }
    expect(isInvalidArgumentError(error)).toBe(true)
    expect((error as { context: { field: string } }).context.field).toBe(field)
  })
})

describe('registerContent', () => {
  it('a custom type joins the union: encodes, decodes, keeps mention; the undo removes it', () => {
    const undo = registerContent(1001, {
      encode: (c) => ({ q: c.question, o: c.options }),
      decode: (j) => (typeof j.q === 'string' && Array.isArray(j.o) ? { question: j.q, options: j.o as string[] } : undefined),
    })
    const poll: Content = { type: 1001, question: 'lunch?', options: ['noodles', 'rice'], mention: { all: true, uids: [] } }
    expect(wire(poll)).toEqual({ type: 1001, q: 'lunch?', o: ['noodles', 'rice'], mention: { all: 1 } })
    const back = decodeContent(encodeContent(poll))
    expect(back).toEqual(poll)
    if (back.type === 1001) expect(back.options).toHaveLength(2) // narrowed by the discriminant
    expect(decodeContent(bytes({ type: 1001, q: 1 }))).toMatchObject({ type: 0, reason: 'malformed', wireType: 1001 })
    undo()
    expect(decodeContent(encodeUtf8(JSON.stringify({ type: 1001, q: 'x', o: [] })))).toMatchObject({ type: 0, reason: 'unregistered type' })
  })

  it('replacing a built-in codec and undoing it puts the built-in back; a throwing decoder gives unknown', () => {
    const undo = registerContent(1, {
      encode: (c) => ({ content: c.text.toUpperCase() }),
      decode: () => {
        throw new Error('app bug')
      },
    })
    expect(wire({ type: 1, text: 'hi' })).toEqual({ type: 1, content: 'HI' })
    expect(decodeContent(bytes({ type: 1, content: 'hi' }))).toMatchObject({ type: 0, reason: 'malformed' })
    undo()
    expect(decodeContent(bytes({ type: 1, content: 'hi' }))).toEqual({ type: 1, text: 'hi' })
  })

  it('refuses type 0, non-integers and a codec without encode/decode', () => {
    expect(() => registerContent(0 as never, { encode: () => ({}), decode: () => ({}) })).toThrow(/positive integer/)
    expect(() => registerContent(1.5 as never, { encode: () => ({}), decode: () => ({}) })).toThrow(/positive integer/)
    expect(() => registerContent(1001, {} as never)).toThrow(/encode, decode/)
  })
})
