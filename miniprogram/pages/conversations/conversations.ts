/**
 * The conversation list: one row per chat in the app's chat store (last message, unread count,
 * unsent count), a box to open a chat with any uid, and links to diagnostics and sign-out.
 */
import { hold, releaseAll } from '../../services/page-subscriptions'

Component({
  data: {
    uid: '',
    peer: '',
    conversations: [] as unknown[],
  },
  lifetimes: {
    detached() {
      releaseAll(this)
    },
  },
  methods: {
    onLoad() {
      const { im, chats } = getApp<IAppOption>()
      if (!im || !chats) {
        wx.redirectTo({ url: '/pages/login/login' })
        return
      }
      this.setData({ uid: im.uid })
      hold(this, chats.on(() => this.render()))
      this.render()
    },
    onUnload() {
      releaseAll(this)
    },
    onShow() {
      this.render() // unread counts changed while a chat was open
    },
    render() {
      const { chats } = getApp<IAppOption>()
      if (chats) this.setData({ conversations: chats.conversations() })
    },
    onPeerInput(e: WechatMiniprogram.Input) {
      this.setData({ peer: e.detail.value })
    },
    onOpenPeer() {
      const peer = this.data.peer.trim()
      if (peer) this.open(peer, 1)
    },
    onOpen(e: WechatMiniprogram.BaseEvent) {
      const { id, type } = e.currentTarget.dataset as { id: string; type: number }
      this.open(id, Number(type))
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
