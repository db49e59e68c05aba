/**
 * How a chat row shows a message's content (the `content` the SDK decodes, docs/content.md): one
 * kind per built-in type, a short text for the conversation list, and a placeholder for anything
 * the app has no view for (an unknown type: the payload is kept by the SDK, never dropped).
 */
import type { Content } from 'wukongim-mp'

export type ContentKind = 'text' | 'image' | 'gif' | 'voice' | 'video' | 'location' | 'card' | 'file' | 'stream' | 'cmd' | 'unknown'

export interface ContentView {
  kind: ContentKind
  /** The text of a text message, else a short label ('[Photo]', '[Voice 3″]'...). */
  text: string
  /** Remote URL of image / GIF / voice / video / file, when uploaded. */
  url?: string
  width?: number
  height?: number
}

export function contentView(c: Content): ContentView {
  switch (c.type) {
    case 1:
      return { kind: 'text', text: c.text }
    case 2:
      return { kind: 'image', text: '[Photo]', url: c.url, width: c.width, height: c.height }
    case 3:
      return { kind: 'gif', text: '[GIF]', url: c.url, width: c.width, height: c.height }
    case 4:
      return { kind: 'voice', text: `[Voice ${Math.max(1, Math.round(c.duration))}″]`, url: c.url }
    case 5:
      return { kind: 'video', text: `[Video ${Math.round(c.duration)}″]`, url: c.url, width: c.width, height: c.height }
    case 6:
      return { kind: 'location', text: `[Location] ${c.title}` }
    case 7:
      return { kind: 'card', text: `[Contact] ${c.name}` }
    case 8:
      return { kind: 'file', text: `[File] ${c.name}`, url: c.url }
    case 98:
      return { kind: 'stream', text: '[Streaming…]' }
    case 99:
      return { kind: 'cmd', text: `[Command ${c.cmd}]` }
    default:
      return { kind: 'unknown', text: '[Message this version cannot show]' }
  }
}
