// esbuild options shared by the shipped build (scripts/build.js) and the size budget
// (.size-limit.cjs), so the bytes that are budgeted are the bytes that ship.
const path = require('path')

/**
 * @stablelib/x25519 imports @stablelib/random for generateKeyPair(), which the SDK never calls
 * (keys come from generateKeyPairFromSeed with wx.getRandomValues bytes). random.js builds a
 * SystemRandomSource at load time, a top-level call esbuild must keep unless told the module has
 * no side effects; without this the unused random source (and its global crypto probing) ships.
 */
const sideEffectFree = {
  name: 'side-effect-free',
  setup(build) {
    build.onResolve({ filter: /^@stablelib\/random$/ }, async (args) => {
      if (args.pluginData === 'side-effect-free') return undefined
      const resolved = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'side-effect-free' })
      return { ...resolved, sideEffects: false }
    })
  },
}

const sdkOptions = {
  bundle: true,
  platform: 'neutral',
  mainFields: ['main', 'module'],
  target: 'es2017',
  plugins: [sideEffectFree],
}

module.exports = { sdkOptions, root: path.resolve(__dirname, '..') }
