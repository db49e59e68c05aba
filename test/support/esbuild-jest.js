// Jest transformer: TypeScript and ESM-only dependencies (e.g. @stablelib/x25519, wukongimjssdk)
// become CommonJS through esbuild. Types are not checked here; `npm run typecheck` does that.
const { transformSync } = require('esbuild')
const crypto = require('crypto')

module.exports = {
  process(src, filename) {
    const loader = filename.endsWith('.ts') ? 'ts' : 'js'
    const out = transformSync(src, {
      loader,
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      sourcefile: filename,
    })
    return { code: out.code }
  },
  getCacheKey(src, filename) {
    return crypto.createHash('sha1').update(src).update(filename).update('esbuild-jest-1').digest('hex')
  },
}
