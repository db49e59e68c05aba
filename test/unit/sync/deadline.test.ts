import { withDeadlines } from '../../../sdk/sync/deadline'
import type { SyncProvider } from '../../../sdk/sync/types'
import { VirtualScheduler } from '../../support/virtual-time'

describe('withDeadlines (issue 15.7)', () => {
  const never = () => new Promise<never>(() => {})

  it('rejects a call that does not settle within the deadline with TIMEOUT, and clears the timer of one that does', async () => {
    const t = new VirtualScheduler(0)
    const sync = withDeadlines({ syncMessages: never, syncConversations: async () => [] }, t, 500)
    const late = sync.syncMessages({ channelId: 'a', channelType: 1, startSeq: 1, endSeq: 0, limit: 1 })
    const caught = late.catch((e) => e)
    expect(await sync.syncConversations([])).toEqual([])
    expect(t.pending()).toBe(1)
    await t.advance(500)
    expect(await caught).toMatchObject({ code: 'TIMEOUT', context: { callback: 'sync provider: syncMessages', timeoutMs: 500 } })
    expect(t.pending()).toBe(0)
  })

  it('a provider that throws synchronously fails like one that rejects; findByClientMsgNo keeps its `this`', async () => {
    const t = new VirtualScheduler(0)
    const provider: SyncProvider & { tag: string } = {
      tag: 'mine',
      syncMessages: () => {
        throw new Error('boom')
      },
      syncConversations: never,
      async findByClientMsgNo() {
        return this.tag === 'mine' ? undefined : Promise.reject(new Error('lost this'))
      },
    }
    const sync = withDeadlines(provider, t, 500)
    await expect(sync.syncMessages({ channelId: 'a', channelType: 1, startSeq: 1, endSeq: 0, limit: 1 })).rejects.toThrow('boom')
    await expect(sync.findByClientMsgNo!({ channelId: 'a', channelType: 1, clientMsgNo: 'x' })).resolves.toBeUndefined()
    expect(t.pending()).toBe(0)
  })
})
