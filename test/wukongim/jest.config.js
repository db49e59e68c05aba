// Real-server end-to-end suite: run by `npm run test:wukongim` (scripts/test-wukongim.js), never by
// `npm test` (the main jest config ignores test/wukongim/). One server per test file, files run in
// band: the machine has two cores and each file starts its own WuKongIM process(es).
// WUKONGIM_SUITE=v3-cluster (set by the script) selects the 3-node files; else the one-node files.
const path = require('path')

const cluster = process.env.WUKONGIM_SUITE === 'v3-cluster'

module.exports = {
  rootDir: path.resolve(__dirname, '..', '..'),
  displayName: 'wukongim',
  testEnvironment: 'node',
  testMatch: cluster ? ['<rootDir>/test/wukongim/**/*.cluster.test.ts'] : ['<rootDir>/test/wukongim/**/*.test.ts'],
  testPathIgnorePatterns: cluster ? ['/node_modules/'] : ['/node_modules/', '\\.cluster\\.test\\.ts$'],
  transform: { '^.+\\.(ts|js|mjs)$': '<rootDir>/test/support/esbuild-jest.js' },
  transformIgnorePatterns: ['/node_modules/(?!(@stablelib|@noble|wukongimjssdk)/)'],
  testTimeout: 60000,
  maxWorkers: 1,
}
