// The session's AES-128-CBC (our block function, key schedule expanded once) against @noble/ciphers' cbc() and node's
// crypto, byte for byte, for every length across several blocks, and reused for many calls.
import { createCipheriv, createDecipheriv, randomBytes } from 'crypto'
import { cbc } from '@noble/ciphers/aes'
import { AesCbc } from '../../../sdk/proto/aes-cbc'

const key = new Uint8Array(Buffer.from('0123456789abcdef', 'ascii'))
const iv = new Uint8Array(Buffer.from('fedcba9876543210', 'ascii'))
const node = (plain: Uint8Array) => {
  const c = createCipheriv('aes-128-cbc', key, iv)
  return new Uint8Array(Buffer.concat([c.update(plain), c.final()]))
}

describe('AesCbc', () => {
  const aes = new AesCbc(key, iv)

  it('encrypts like noble cbc() and node crypto, and decrypts back, for lengths 0..100 on one instance', () => {
    for (let n = 0; n <= 100; n++) {
      const plain = new Uint8Array(randomBytes(n))
      const sealed = aes.encrypt(plain)
      expect(Buffer.from(sealed).toString('hex')).toBe(Buffer.from(cbc(key, iv).encrypt(plain)).toString('hex'))
      expect(Buffer.from(sealed).toString('hex')).toBe(Buffer.from(node(plain)).toString('hex'))
      expect(Buffer.from(aes.decrypt(sealed)).toString('hex')).toBe(Buffer.from(plain).toString('hex'))
    }
  })

  it('decrypts what node encrypted, from an unaligned view', () => {
    const plain = new Uint8Array(randomBytes(77))
    const wire = node(plain)
    const shifted = new Uint8Array(wire.length + 1)
    shifted.set(wire, 1)
    expect(Buffer.from(aes.decrypt(shifted.subarray(1))).equals(Buffer.from(plain))).toBe(true)
    const d = createDecipheriv('aes-128-cbc', key, iv)
    expect(Buffer.concat([d.update(aes.encrypt(plain)), d.final()]).equals(Buffer.from(plain))).toBe(true)
  })

  it('gives the FIPS-197 answer for AES-128 (appendix C.1) as the first CBC block under a zero IV', () => {
    const k = new Uint8Array(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'))
    const p = new Uint8Array(Buffer.from('00112233445566778899aabbccddeeff', 'hex'))
    expect(Buffer.from(new AesCbc(k, new Uint8Array(16)).encrypt(p).subarray(0, 16)).toString('hex')).toBe('69c4e0d86a7b0430d8cdb78070b4c55a')
  })

  it('matches node crypto both ways under 200 random keys and IVs', () => {
    for (let n = 0; n < 200; n++) {
      const k = new Uint8Array(randomBytes(16))
      const v = new Uint8Array(randomBytes(16))
      const plain = new Uint8Array(randomBytes(n % 70))
      const c = createCipheriv('aes-128-cbc', k, v)
      const wire = new Uint8Array(Buffer.concat([c.update(plain), c.final()]))
      const mine = new AesCbc(k, v)
      expect(Buffer.from(mine.encrypt(plain)).equals(Buffer.from(wire))).toBe(true)
      expect(Buffer.from(mine.decrypt(wire)).equals(Buffer.from(plain))).toBe(true)
    }
  })

  it('refuses a bad length or bad padding', () => {
    expect(() => aes.decrypt(new Uint8Array(0))).toThrow(/length/)
    expect(() => aes.decrypt(new Uint8Array(17))).toThrow(/length/)
    const wire = aes.encrypt(new Uint8Array([1, 2, 3]))
    const tampered = wire.slice()
    tampered[15] = tampered[15]! ^ 0x55 // the last (only) block decrypts to garbage padding
    expect(() => aes.decrypt(tampered)).toThrow(/padding/)
  })

  it('refuses a key or IV that is not 16 bytes', () => {
    expect(() => new AesCbc(new Uint8Array(15), iv)).toThrow(/16 bytes/)
    expect(() => new AesCbc(key, new Uint8Array(17))).toThrow(/16 bytes/)
  })
})
