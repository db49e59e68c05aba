/**
 * The offline / reconnecting banner. It follows the app client's connection state itself (its
 * `state` events, from attach to detach), so a page only places `<status-banner />`; hidden while
 * connected, and while nobody is signed in.
 */
import { bannerFor } from '../../services/format'
import { hold, releaseAll } from '../../services/page-subscriptions'

Component({
  data: { visible: false, kind: 'none', text: '' },
  lifetimes: {
    attached() {
      const { im } = getApp<IAppOption>()
      if (!im) return
      this.setData(bannerFor(im.state))
      hold(this, im.on('state', ({ to, reason }) => this.setData(bannerFor(to, reason))))
    },
    detached() {
      releaseAll(this)
    },
  },
})
