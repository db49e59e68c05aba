// Size budgets, min+gzip, bundled with the shipped build's esbuild options. Run by `npm run size`
// and by test/package/size.test.ts. What each part costs, and why the core is not at the 24 KB
// target of issue 18: bench/RESULTS.md ("size"), produced by `npm run bench -- size`.
//
// The core is createCoreClient without parts (connect, send, receive, outbox, encryption, the wx
// adapter); createClient adds the WuKongIM HTTP API part (route lookup, catch-up and gap filling,
// the stored-message lookup) and the diagnostics part (log, traces, counters, diagnose()).
// Budgets are the measured sizes plus about 0.5 KB.
const { sdkOptions } = require('./scripts/esbuild-options')

const withSdkOptions = (config) => ({ ...config, ...sdkOptions, format: 'cjs' })

module.exports = [
  { name: 'core: createCoreClient + createWxPlatform', path: 'sdk/index.ts', import: '{ createCoreClient, createWxPlatform }', limit: '33.5 KB', gzip: true, modifyEsbuildConfig: withSdkOptions },
  { name: 'createClient + createWxPlatform', path: 'sdk/index.ts', import: '{ createClient, createWxPlatform }', limit: '38.7 KB', gzip: true, modifyEsbuildConfig: withSdkOptions },
  { name: 'full SDK (wukongim-mp)', path: 'sdk/index.ts', import: '*', limit: '38.9 KB', gzip: true, modifyEsbuildConfig: withSdkOptions },
  { name: 'wukongim-mp/testing', path: 'sdk/testing.ts', import: '*', limit: '2.5 KB', gzip: true, modifyEsbuildConfig: withSdkOptions },
]
