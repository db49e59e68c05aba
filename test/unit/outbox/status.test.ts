import { STATUS_TRANSITIONS, canMoveTo } from '../../../sdk/outbox/status'
import { validateSend, sendFrameBound } from '../../../sdk/outbox/validate'
import { isInvalidArgumentError } from '../../../sdk/errors'
import { MAX_REMAINING_LENGTH } from '../../../sdk/proto/packets'

describe('outbox status table', () => {
  it('is the documented machine', () => {
    expect(STATUS_TRANSITIONS).toEqual({
      queued: ['sending', 'failed', 'sent'],
      sending: ['queued', 'sent', 'failed'],
      failed: ['queued'],
      sent: [],
    })
    expect(canMoveTo('queued', 'sent')).toBe(true) // found stored by the v2 lookup before a re-send
    expect(canMoveTo('sent', 'queued')).toBe(false)
  })
})

describe('send() validation', () => {
  const ok = { channelId: 'bob', channelType: 1, payload: 'hi' }
  const refused = (input: unknown, field: string) => {
    let error: unknown
    try {
      validateSend(input as never)
    } catch (e) {
      error = e
    }
    expect(isInvalidArgumentError(error)).toBe(true)
    expect((error as { context: { field?: string } }).context.field).toBe(field)
  }

  it('fills defaults and encodes strings as UTF-8', () => {
    const v = validateSend({ ...ok, payload: '你好' })
    expect(Array.from(v.payload)).toEqual([0xe4, 0xbd, 0xa0, 0xe5, 0xa5, 0xbd])
    expect(v.flags).toEqual({ redDot: true, syncOnce: false, noPersist: false })
    expect(v.expire).toBe(0)
  })

  it('refuses bad channels, types, payloads and flags', () => {
    refused({ ...ok, channelId: '' }, 'channelId')
    refused({ ...ok, channelId: 'x'.repeat(256) }, 'channelId')
    refused({ ...ok, channelType: 0 }, 'channelType')
    refused({ ...ok, channelType: 77 }, 'channelType')
    refused({ ...ok, payload: 42 }, 'payload')
    refused({ ...ok, payload: '' }, 'payload')
    refused({ ...ok, expire: -1 }, 'expire')
    refused({ ...ok, flags: { redDot: 'yes' } }, 'flags.redDot')
  })

  it('refuses a payload whose encrypted SEND would exceed the frame limit, accepts one just below', () => {
    let n = 700_000
    while (sendFrameBound(n + 1, 3, 0) <= MAX_REMAINING_LENGTH) n++
    expect(validateSend({ ...ok, payload: new Uint8Array(n) }).payload.length).toBe(n)
    refused({ ...ok, payload: new Uint8Array(n + 1) }, 'payload')
  })
})
