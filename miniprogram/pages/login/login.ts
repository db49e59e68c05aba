/**
 * Sign-in: server address, optional WebSocket address, uid and token. The App creates the client
 * (and saves the session for the next cold start); this page only collects and checks the fields.
 */
import { checkSession } from '../../services/im'
import type { Session } from '../../services/im'

type Field = 'apiAddr' | 'wsAddr' | 'uid' | 'token'

Component({
  data: {
    apiAddr: 'http://127.0.0.1:5001',
    wsAddr: 'ws://127.0.0.1:5200',
    uid: '',
    token: '',
    error: '',
  },
  methods: {
    onLoad() {
      const { session } = getApp<IAppOption>().globalData
      if (session) this.setData({ ...session })
    },
    onInput(e: WechatMiniprogram.Input) {
      const field = (e.currentTarget.dataset as { field: Field }).field
      this.setData({ [field]: e.detail.value, error: '' })
    },
    onSignIn() {
      const session: Session = { apiAddr: this.data.apiAddr, wsAddr: this.data.wsAddr, uid: this.data.uid, token: this.data.token }
      const problem = checkSession(session)
      if (problem) {
        this.setData({ error: problem })
        return
      }
      try {
        getApp<IAppOption>().signIn(session)
      } catch (error) {
        this.setData({ error: (error as Error).message })
        return
      }
      wx.redirectTo({ url: '/pages/conversations/conversations' })
    },
  },
})
