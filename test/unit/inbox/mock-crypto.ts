jest.mock(
  '../../../sdk/inbox/open-recv',
  () => ({
    // Stand-in for the real verifier: msgKey 'bad' fails, anything else opens to the payload as-is.
    openRecv: (_session: unknown, recv: { msgKey: string; payload: Uint8Array }) => {
      const { ProtocolError } = jest.requireActual('../../../sdk/errors')
      if (recv.msgKey === 'bad') throw new ProtocolError('msgKey mismatch')
      return recv.payload
    },
  }),
)

