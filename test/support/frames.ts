/** Test helper: a complete buffer (one WebSocket message, a golden vector) split into frames. */
import { ProtocolError } from '../../sdk/errors'
import { FrameDecoder } from '../../sdk/proto/frame-decoder'
import { MAX_REMAINING_LENGTH, type Frame } from '../../sdk/proto/packets'

/** Splits `bytes` into frames; throws ProtocolError if bytes are left over. */
export function splitFrames(bytes: Uint8Array, maxRemainingLength = MAX_REMAINING_LENGTH): Frame[] {
  const d = new FrameDecoder(maxRemainingLength)
  d.push(bytes)
  const frames: Frame[] = []
  for (let f = d.next(); f; f = d.next()) frames.push(f)
  if (d.buffered > 0) throw new ProtocolError('incomplete frame at the end of the buffer', { left: d.buffered })
  return frames
}
