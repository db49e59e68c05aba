/**
 * One content of each built-in type and the JSON the WuKongIM ecosystem writes for it (field names
 * per docs/content.md), for the codec and interop tests.
 */
import type { Content, JsonObject } from '../../sdk/content/types'

/** Each built-in type: a content, and the JSON the ecosystem puts on the wire for it. */
export const BUILT_INS: Array<[Content, JsonObject]> = [
  [{ type: 1, text: '你好 👋' }, { type: 1, content: '你好 👋' }],
  [{ type: 2, url: 'https://cdn/a.jpg', width: 640, height: 480 }, { type: 2, url: 'https://cdn/a.jpg', width: 640, height: 480 }],
  [{ type: 3, url: 'https://cdn/a.gif', width: 120, height: 90 }, { type: 3, url: 'https://cdn/a.gif', width: 120, height: 90 }],
  [{ type: 4, url: 'https://cdn/v.mp3', duration: 7, waveform: 'AQID' }, { type: 4, url: 'https://cdn/v.mp3', timeTrad: 7, waveform: 'AQID' }],
  [
    { type: 5, url: 'https://cdn/v.mp4', cover: 'https://cdn/v.jpg', size: 1024, width: 720, height: 1280, duration: 15 },
    { type: 5, url: 'https://cdn/v.mp4', cover: 'https://cdn/v.jpg', size: 1024, width: 720, height: 1280, second: 15 },
  ],
  [
    { type: 6, lng: 121.47, lat: 31.23, title: 'The Bund', address: 'Zhongshan Rd', img: 'https://cdn/map.png' },
    { type: 6, lng: 121.47, lat: 31.23, title: 'The Bund', address: 'Zhongshan Rd', img: 'https://cdn/map.png' },
  ],
  [{ type: 7, uid: 'carol', name: 'Carol', vercode: 'v1', avatar: 'https://cdn/c.png' }, { type: 7, uid: 'carol', name: 'Carol', vercode: 'v1', avatar: 'https://cdn/c.png' }],
  [{ type: 8, url: 'https://cdn/r.pdf', name: 'report.pdf', size: 2048, ext: 'pdf' }, { type: 8, url: 'https://cdn/r.pdf', name: 'report.pdf', size: 2048, ext: 'pdf' }],
  [{ type: 98, data: new Uint8Array([1, 2, 3, 250]) }, { type: 98, data: 'AQID+g==' }],
  [{ type: 99, cmd: 'typing', param: { channel_id: 'bob' } }, { type: 99, cmd: 'typing', param: { channel_id: 'bob' } }],
]

