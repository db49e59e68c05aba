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
  },
  lifetimes: {
    detached() {
      releaseAll(this)
    },
  },
  methods: {
    onLoad() {
      const { im } = getApp<IAppOption>()
      // The banner follows the state itself; the report is rebuilt on every change.
      if (im) hold(this, im.on('state', () => this.refresh()))
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
