/**
 * The conversation list: the SDK's list (rendered from storage at a cold start, before the socket
 * is up; then kept by the `conversations` event, which the SDK throttles), a box to open a chat
 * with any uid, and links to diagnostics and sign-out. Opening a conversation marks it read.
 */
import type { Conversation } from 'wukongim-mp'
import { conversationRows, type ConversationRow } from '../../services/conversation-rows'
import { hold, releaseAll } from '../../services/page-subscriptions'

Component({
  data: {
    uid: '',
    peer: '',
    conversations: [] as ConversationRow[],
  },
  lifetimes: {
    detached() {
      releaseAll(this)
    },
  },
  methods: {
    onLoad() {
      const { im } = getApp<IAppOption>()
      if (!im) {
        wx.redirectTo({ url: '/pages/login/login' })
        return
      }
      this.setData({ uid: im.uid })
      hold(this, im.on('conversations', (list) => this.render(list)))
      this.render(im.conversations())
    },
    onUnload() {
      releaseAll(this)
    },
    onShow() {
      // Times read "today" / a date relative to now; a chat page may have cleared unread meanwhile.
      const { im } = getApp<IAppOption>()
      if (im && this.data.uid) this.render(im.conversations())
    },
    render(list: Conversation[]) {
      const { im } = getApp<IAppOption>()
      if (im) this.setData({ conversations: conversationRows(list, im.uid, Date.now()) })
    },
    onPeerInput(e: WechatMiniprogram.Input) {
      this.setData({ peer: e.detail.value })
    },
    onOpenPeer() {
      const peer = this.data.peer.trim()
      if (peer) this.open(peer, 1)
    },
    onOpen(e: WechatMiniprogram.BaseEvent) {
      const { id, type, unread } = e.currentTarget.dataset as { id: string; type: number; unread: number }
      const channel = { channelId: id, channelType: Number(type) }
      const { im } = getApp<IAppOption>()
      // Durable at once, sent to the server until it confirms (the badge clears with the next event).
      if (im && Number(unread) > 0) im.clearUnread(channel).catch((error: unknown) => console.error('[demo] clearUnread failed', error))
      this.open(channel.channelId, channel.channelType)
    },
    open(channelId: string, channelType: number) {
      wx.navigateTo({ url: `/pages/chat/chat?channelId=${encodeURIComponent(channelId)}&channelType=${channelType}` })
    },
    onDiagnostics() {
      wx.navigateTo({ url: '/pages/diagnostics/diagnostics' })
    },
    async onSignOut() {
      releaseAll(this)
      await getApp<IAppOption>().signOut()
      wx.reLaunch({ url: '/pages/login/login' })
    },
  },
})
