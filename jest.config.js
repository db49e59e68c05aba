// Two projects: SDK, server and integration tests run under node; the demo mini-program's
// pages and components run under jsdom with miniprogram-simulate.
const transform = { '^.+\\.(ts|js|mjs)$': '<rootDir>/test/support/esbuild-jest.js' }
// ESM-only packages that must be transformed to CommonJS for jest.
const transformIgnorePatterns = ['/node_modules/(?!(@stablelib|@noble|wukongimjssdk)/)']

module.exports = {
  projects: [
    {
      displayName: 'node',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/miniprogram/', '<rootDir>/test/wukongim/'],
      transform,
      transformIgnorePatterns,
    },
    {
      displayName: 'miniprogram',
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/test/miniprogram/**/*.test.ts'],
      // The pages require npm packages the way the mini-program runtime does: from miniprogram_npm/
      // as "Build npm" (scripts/demo/ensure-build.js) wrote it, not from node_modules.
      moduleNameMapper: {
        '^(wukongim-mp|dayjs)$': '<rootDir>/miniprogram/miniprogram_npm/$1/index.js',
      },
      transform,
      transformIgnorePatterns,
    },
  ],
}
