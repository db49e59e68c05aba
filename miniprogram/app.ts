/**
 * The demo App: it owns the one client (docs/design.md §1). A saved session signs in again at launch,
 * so a cold start picks up its outbox where the killed instance left it.
 */
import { isSession, startIm, stopIm } from './services/im'

const SESSION_KEY = 'demo:session'

App<IAppOption>({
  globalData: {},
  im: undefined,
  chats: undefined,

  onLaunch() {
    const saved: unknown = wx.getStorageSync(SESSION_KEY)
    if (isSession(saved)) this.signIn(saved)
  },

  signIn(session) {
    if (this.im && this.chats) {
      if (this.im.uid === session.uid) return
      void stopIm({ client: this.im, chats: this.chats })
    }
    const { client, chats } = startIm(session)
    this.im = client
    this.chats = chats
    this.globalData.session = session
    wx.setStorageSync(SESSION_KEY, session)
  },

  async signOut() {
    const { im, chats } = this
    this.im = undefined
    this.chats = undefined
    this.globalData.session = undefined
    wx.removeStorageSync(SESSION_KEY)
    if (im && chats) await stopIm({ client: im, chats })
  },
})
