// Real-server end-to-end suite: run by `npm run test:wukongim` (scripts/test-wukongim.js), never by
// `npm test` (the main jest config ignores test/wukongim/). One server per test file, files run in
// band: the machine has two cores and each file starts its own WuKongIM process.
const path = require('path')

module.exports = {
  rootDir: path.resolve(__dirname, '..', '..'),
  displayName: 'wukongim',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/wukongim/**/*.test.ts'],
  transform: { '^.+\\.(ts|js|mjs)$': '<rootDir>/test/support/esbuild-jest.js' },
  transformIgnorePatterns: ['/node_modules/(?!(@stablelib|@noble|wukongimjssdk)/)'],
  testTimeout: 60000,
  maxWorkers: 1,
}
