// The shipped SDK must load and work in an engine without BigInt, TextEncoder, Buffer or crypto
// (older WeChat phone engines). Bundle sdk/index.ts plus the codec exactly as scripts/build.js does,
// then run a full handshake, SEND encode and RECV verify/decrypt inside a bare vm context.
import { buildSync } from 'esbuild'
import { readFileSync } from 'fs'
import { join } from 'path'
import vm from 'vm'

const root = join(__dirname, '../../..')
const vector = (name: string) => JSON.parse(readFileSync(join(root, 'test/fixtures/vectors', name), 'utf8'))

function bundle(): string {
  const out = buildSync({
    stdin: {
      contents: ["export * from './sdk/index'", "export * from './sdk/proto/codec'", "export * from './sdk/proto/crypto'", "export * from './sdk/proto/frame-decoder'"].join('\n'),
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'neutral',
    mainFields: ['main', 'module'],
    format: 'cjs',
    target: 'es2017',
    write: false,
    logLevel: 'silent',
  })
  return out.outputFiles[0]!.text
}

describe('bundle in an engine without BigInt', () => {
  const code = bundle()

  it('contains no BigInt call or literal', () => {
    expect(code).not.toMatch(/\bBigInt\b/)
    expect(code).not.toMatch(/\b\d+n\b/)
  })

  it('loads and runs the handshake, SEND encode and RECV open of the vectors', () => {
    const hs = vector('handshake.json').session
    const send = vector('c2s_send_ascii_v2.json')
    const recv = vector('s2c_recv_person_v2.json')
    const context = vm.createContext({ module: { exports: {} }, hs, send, recv, result: null })
    vm.runInContext('delete globalThis.BigInt', context)
    expect(vm.runInContext('[typeof BigInt, typeof TextEncoder, typeof Buffer, typeof crypto, typeof require]', context)).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined'])
    vm.runInContext(`(function (module, exports) {${code}\n})(module, module.exports)`, context)
    vm.runInContext(
      `
      const sdk = module.exports
      const hex = (b) => Array.from(b, (x) => (x < 16 ? '0' : '') + x.toString(16)).join('')
      const fromHex = (h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)))
      const ascii = (s) => new Uint8Array(Array.from(s, (c) => c.charCodeAt(0)))
      const kp = sdk.generateKeyPair(ascii(hs.clientSeedAscii))
      const session = sdk.deriveSession(kp.secretKey, hs.serverPublicKeyBase64, hs.salt)
      const packet = sdk.sealSend(session, { type: 3, flags: { dup: false, syncOnce: false, redDot: true, noPersist: false }, setting: 0, clientSeq: 1,
        clientMsgNo: send.input.clientMsgNo, channelId: 'u_bob', channelType: 1, expire: 0, msgKey: '', payload: fromHex(send.input.plaintextPayloadHex) })
      const decoder = new sdk.FrameDecoder()
      decoder.push(fromHex(recv.hex))
      const r = sdk.decodeServerPacket(decoder.next(), 2)
      let mismatch = null
      try { sdk.openRecv(session, Object.assign({}, r, { timestamp: r.timestamp + 1 })) } catch (e) { mismatch = e.code }
      result = { publicKey: sdk.encodePublicKey(kp.publicKey), send: hex(sdk.encodeClientPacket(packet, 2)), messageId: r.messageId,
        plain: String.fromCharCode.apply(null, sdk.openRecv(session, r)), mismatch }
      `,
      context,
    )
    expect(context.result).toEqual({ publicKey: hs.clientPublicKeyBase64, send: send.hex, messageId: recv.input.messageID, plain: recv.input.plaintext, mismatch: 'PROTOCOL' })
  })
})
