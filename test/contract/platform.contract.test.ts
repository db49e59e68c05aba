import { createMemoryPlatform } from '../../sdk/platform/memory'
import { createSimWx, SimStorageData, virtualConnector, type SimWx } from '../support/sim-wx'
import { VirtualScheduler } from '../support/virtual-time'
import { describePlatformContract, type ContractHarness } from './platform.contract'

describePlatformContract('memory', (accept, server) => {
  const scheduler = new VirtualScheduler()
  const data = new Map<string, string>()
  const make = (): ContractHarness => {
    const platform = createMemoryPlatform({ clock: scheduler, timers: scheduler, data, connect: virtualConnector(accept, { latencyMs: 5 }) })
    return {
      platform,
      advance: (ms) => scheduler.advance(ms),
      setOnline: (online) => platform.control.setOnline(online),
      show: () => platform.control.show(),
      hide: () => platform.control.hide(),
      restart: make,
      server,
    }
  }
  return make()
})

describePlatformContract('wx adapter over the simulated wx', (accept, server) => {
  const scheduler = new VirtualScheduler()
  const storage = new SimStorageData()
  const wrap = (sim: SimWx): ContractHarness => {
    const platform = sim.control.platform()
    return {
      platform,
      advance: (ms) => scheduler.advance(ms),
      setOnline: (online) => sim.control.setNetwork({ online }),
      show: () => sim.control.show(),
      hide: () => sim.control.hide(),
      restart: () => wrap(sim.control.coldRestart()),
      server,
    }
  }
  return wrap(createSimWx({ scheduler, storage, connect: virtualConnector(accept, { latencyMs: 5 }), http: async () => ({ statusCode: 200, data: {} }) }))
})
