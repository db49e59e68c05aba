/**
 * Message bodies of the demo: WuKongIM's text message JSON (`{"type":1,"content":"..."}`) as UTF-8.
 * Decoding is done here because mini-program JS engines may lack TextDecoder.
 */

/** The payload string the demo sends for a text message (the SDK encodes it as UTF-8). */
export function textPayload(content: string): string {
  return JSON.stringify({ type: 1, content })
}

/** The text to show for a payload: the `content` of a text message, else the raw UTF-8. */
export function payloadText(payload: Uint8Array): string {
  const raw = decodeUtf8(payload)
  try {
    const body = JSON.parse(raw) as { content?: unknown }
    if (body && typeof body.content === 'string') return body.content
  } catch {
    // not JSON: show the text as is
  }
  return raw
}

/** Lenient UTF-8 decoding (invalid sequences become U+FFFD). */
export function decodeUtf8(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i] as number
    let cp = 0xfffd
    let len = 1
    if (b < 0x80) cp = b
    else if (b >= 0xc2 && b < 0xe0) len = 2
    else if (b >= 0xe0 && b < 0xf0) len = 3
    else if (b >= 0xf0 && b < 0xf5) len = 4
    if (len > 1) {
      let v = b & (0xff >> (len + 1))
      let ok = i + len <= bytes.length
      for (let k = 1; ok && k < len; k++) {
        const c = bytes[i + k] as number
        if ((c & 0xc0) !== 0x80) ok = false
        else v = (v << 6) | (c & 0x3f)
      }
      if (ok && v >= [0, 0, 0x80, 0x800, 0x10000][len]! && v <= 0x10ffff && (v < 0xd800 || v > 0xdfff)) cp = v
      else len = 1
    }
    out += cp > 0xffff ? String.fromCharCode(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff)) : String.fromCharCode(cp)
    i += len
  }
  return out
}
