/** Person-channel canonicalisation (docs/protocol.md §7.6): CRC-32 (IEEE) order, larger hash first. */
import { channelView, crc32, personChannelId } from '../../support/server/channels'

test('crc32 is IEEE CRC-32 over UTF-8', () => {
  expect(crc32('123456789')).toBe(0xcbf43926)
  expect(crc32('')).toBe(0)
})

test('the canonical person channel puts the uid with the larger CRC-32 first, from either side', () => {
  const [a, b] = ['alice', 'bob']
  const first = crc32(a) > crc32(b) ? a : b
  const second = first === a ? b : a
  expect(personChannelId(a, b)).toBe(`${first}@${second}`)
  expect(personChannelId(b, a)).toBe(`${first}@${second}`)
  expect(channelView(1, personChannelId(a, b), a)).toBe(b)
  expect(channelView(1, personChannelId(a, b), b)).toBe(a)
  expect(channelView(2, 'group', a)).toBe('group')
})
