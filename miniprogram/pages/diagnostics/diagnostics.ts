/**
 * Renders the client's diagnose() report (summary lines, metrics, the JSON to copy into a bug
 * report), refreshed on demand and when the connection state changes.
 */
import { diagnosticsView } from '../../services/diagnostics-view'
import { hold, releaseAll } from '../../services/page-subscriptions'

Component({
  data: {
    available: false,
    summary: [] as string[],
    metrics: [] as Array<{ name: string; value: string }>,
    json: '',
    state: 'idle',
    reason: '',
  },
  lifetimes: {
    detached() {
      releaseAll(this)
    },
  },
  methods: {
    onLoad() {
      const { im } = getApp<IAppOption>()
      if (im) {
        this.setData({ state: im.state })
        hold(
          this,
          im.on('state', ({ to, reason }) => {
            this.setData({ state: to, reason })
            this.refresh()
          }),
        )
      }
      this.refresh()
    },
    onUnload() {
      releaseAll(this)
    },
    onRefresh() {
      this.refresh()
    },
    refresh() {
      void diagnosticsView(getApp<IAppOption>().im).then((view) => this.setData({ ...view }))
    },
    onCopy() {
      wx.setClipboardData({ data: this.data.json })
    },
  },
})
