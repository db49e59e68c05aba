/**
 * The offline / reconnecting banner. The page feeds it the client's connection state (from the
 * client's `state` events); it is hidden while connected.
 */
import { bannerFor } from '../../services/format'
import type { ConnectionState } from 'wukongim-mp'

Component({
  properties: {
    /** ConnectionState of the app's client. */
    state: { type: String, value: 'idle' },
    /** The reason of the last state change. */
    reason: { type: String, value: '' },
  },
  data: { visible: false, kind: 'none', text: '' },
  observers: {
    'state, reason'(state: string, reason: string) {
      this.setData(bannerFor(state as ConnectionState, reason))
    },
  },
})
