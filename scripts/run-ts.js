#!/usr/bin/env node
// Runs a TypeScript entry under Node: esbuild bundles it (with the ESM-only dependencies such as
// @stablelib/x25519 and wukongimjssdk, whose imports have no file extensions) into one CommonJS
// file under .cache/run/, which is then required with the remaining arguments in process.argv.
const path = require('path')
const { buildSync } = require('esbuild')

const entry = process.argv[2]
if (!entry) {
  console.error('usage: node scripts/run-ts.js <entry.ts> [args...]')
  process.exit(2)
}
const root = path.resolve(__dirname, '..')
const outfile = path.join(root, '.cache', 'run', entry.replace(/[\\/]/g, '_').replace(/\.ts$/, '.cjs'))
buildSync({
  entryPoints: [path.resolve(entry)],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile,
  sourcemap: 'inline',
  external: ['bufferutil', 'utf-8-validate', 'esbuild', 'jsdom', 'miniprogram-simulate'],
  logLevel: 'warning',
})
process.argv.splice(1, 2, outfile)
require(outfile)
