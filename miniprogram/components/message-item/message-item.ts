/**
 * One chat row: its content by kind (text, photo, voice note with play, the other built-in types
 * as a label, a placeholder for an unknown type), the upload progress of our media, time, and for
 * our own messages the outbox status. A failed message offers Retry and Discard, raised as
 * `retry` / `discard` events with `{ clientMsgNo }` for the page.
 */
import type { ChatItem } from '../../services/chat-store'

Component({
  properties: {
    /** A ChatItem from the app's chat store. */
    item: { type: Object, value: {} as ChatItem },
  },
  methods: {
    onRetry() {
      this.triggerEvent('retry', { clientMsgNo: (this.data.item as ChatItem).clientMsgNo })
    },
    onDiscard() {
      this.triggerEvent('discard', { clientMsgNo: (this.data.item as ChatItem).clientMsgNo })
    },
    onPlay() {
      const url = (this.data.item as ChatItem).url
      if (!url) return
      const audio = wx.createInnerAudioContext()
      audio.src = url
      audio.play()
    },
  },
})
