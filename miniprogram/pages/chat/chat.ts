/**
 * A conversation: rows from the app's chat store (the SDK's stored history first, older pages
 * pulled when the list is scrolled to the top, then local echo with status and received messages),
 * the offline/reconnecting banner (status-banner follows the client itself), a composer (text, a
 * photo from wx.chooseMedia, a voice note held to record), and Retry / Discard on failed messages,
 * which act on the client's outbox. Everything it subscribes to is released on unload. Written with
 * Component() (the simulator has no Page()).
 */
import { hold, releaseAll } from '../../services/page-subscriptions'

interface ChatQuery {
  channelId?: string
  channelType?: string | number
}

Component({
  properties: {
    /** Page query: the peer uid (person chat) or group id. */
    channelId: { type: String, value: '' },
    /** Page query: 1 person, 2 group. */
    channelType: { type: Number, value: 1 },
  },
  data: {
    title: '',
    items: [] as unknown[],
    draft: '',
    error: '',
    recording: false,
    /** Older messages can be pulled (scroll to the top). */
    more: false,
    loadingOlder: false,
  },
  lifetimes: {
    detached() {
      releaseAll(this)
    },
  },
  methods: {
    onLoad(query: ChatQuery = {}) {
      const channelId = decodeURIComponent(query.channelId ?? this.data.channelId)
      const channelType = Number(query.channelType ?? this.data.channelType) || 1
      const app = getApp<IAppOption>()
      const { im, chats } = app
      if (!im || !chats) {
        this.setData({ error: 'Not signed in.' })
        return
      }
      this.setData({ channelId, channelType, title: channelType === 2 ? `Group ${channelId}` : channelId })
      // The recorder is one per app: only the page that started the recording sends it.
      wx.getRecorderManager().onStop((res) => {
        if (!this.data.recording) return
        this.setData({ recording: false })
        const { chats } = getApp<IAppOption>()
        if (chats) void this.act(() => chats.sendVoice(this.data.channelId, this.data.channelType, res.tempFilePath, res.duration))
      })
      hold(
        this,
        chats.on(({ key }) => {
          if (key === `${channelType}:${channelId}`) this.render()
        }),
      )
      this.render()
      void this.act(async () => {
        await chats.load(channelType, channelId)
        this.setData({ more: chats.hasOlder(channelType, channelId) })
      })
    },
    /** The list reached its top: the page of older messages (from storage, else the server). */
    async onOlder() {
      const { chats } = getApp<IAppOption>()
      if (!chats || this.data.loadingOlder || !chats.hasOlder(this.data.channelType, this.data.channelId)) return
      this.setData({ loadingOlder: true })
      await this.act(() => chats.loadOlder(this.data.channelType, this.data.channelId))
      this.setData({ loadingOlder: false, more: chats.hasOlder(this.data.channelType, this.data.channelId) })
    },
    onUnload() {
      releaseAll(this)
    },
    render() {
      const { chats } = getApp<IAppOption>()
      if (!chats) return
      chats.markRead(this.data.channelType, this.data.channelId)
      this.setData({ items: chats.messages(this.data.channelType, this.data.channelId) })
    },
    onInput(e: WechatMiniprogram.Input) {
      this.setData({ draft: e.detail.value })
    },
    async onSend() {
      const text = this.data.draft.trim()
      const { chats } = getApp<IAppOption>()
      if (!text || !chats) return
      this.setData({ draft: '', error: '' })
      try {
        await chats.sendText(this.data.channelId, this.data.channelType, text)
      } catch (error) {
        // refused at send(): nothing was queued; give the text back
        this.setData({ draft: text, error: (error as Error).message })
      }
    },
    /** A photo from the album or camera: shown at once from the saved copy, with its upload progress. */
    async onPhoto() {
      const { chats } = getApp<IAppOption>()
      if (!chats) return
      let picked: WechatMiniprogram.MediaFile | undefined
      try {
        picked = (await new Promise<WechatMiniprogram.ChooseMediaSuccessCallbackResult>((success, fail) => wx.chooseMedia({ count: 1, mediaType: ['image'], success, fail }))).tempFiles[0]
      } catch {
        return // the user cancelled
      }
      if (!picked) return
      const { tempFilePath, width, height } = picked
      await this.act(() => chats.sendImage(this.data.channelId, this.data.channelType, tempFilePath, width, height))
    },
    /** Hold to record a voice note, release to send it. */
    onVoiceStart() {
      this.setData({ recording: true })
      wx.getRecorderManager().start({ format: 'mp3' })
    },
    onVoiceEnd() {
      if (this.data.recording) wx.getRecorderManager().stop()
    },
    async onRetry(e: WechatMiniprogram.CustomEvent<{ clientMsgNo: string }>) {
      await this.act(() => getApp<IAppOption>().im?.resend(e.detail.clientMsgNo))
    },
    async onDiscard(e: WechatMiniprogram.CustomEvent<{ clientMsgNo: string }>) {
      await this.act(() => getApp<IAppOption>().im?.discard(e.detail.clientMsgNo))
    },
    async act(fn: () => Promise<unknown> | undefined) {
      try {
        this.setData({ error: '' })
        await fn()
      } catch (error) {
        this.setData({ error: (error as Error).message })
      }
    },
  },
})
