#!/usr/bin/env node
// Builds the shippable SDK into dist/: one CommonJS ES2017 bundle (dependencies inlined, so the
// mini-program "Build npm" step copies it verbatim through the package.json "miniprogram" field)
// plus TypeScript declarations. Fails if the bundle reaches for Node built-ins, eval or BigInt.
const fs = require('fs')
const path = require('path')
const { execFileSync } = require('child_process')
const { buildSync } = require('esbuild')

const root = path.resolve(__dirname, '..')
const dist = path.join(root, 'dist')
fs.rmSync(dist, { recursive: true, force: true })

const result = buildSync({
  entryPoints: [path.join(root, 'sdk/index.ts')],
  bundle: true,
  platform: 'neutral',
  mainFields: ['main', 'module'],
  format: 'cjs',
  target: 'es2017',
  outfile: path.join(dist, 'index.js'),
  metafile: true,
  logLevel: 'warning',
})

const code = fs.readFileSync(path.join(dist, 'index.js'), 'utf8')
const problems = []
for (const input of Object.keys(result.metafile.inputs)) {
  if (/^(node:)?(fs|net|path|os|crypto|buffer|events|child_process|http|https|stream)$/.test(input)) problems.push(`Node built-in ${input}`)
}
if (/\brequire\(["'](node:)?(fs|net|path|os|crypto|buffer|events|child_process|http|https|stream)["']\)/.test(code)) problems.push('require of a Node built-in')
if (/\beval\(|new Function\(/.test(code)) problems.push('eval or new Function')
if (/\bBigInt\s*\(/.test(code)) problems.push('BigInt')
if (problems.length) {
  console.error('build: the bundle is not mini-program safe:\n  ' + problems.join('\n  '))
  process.exit(1)
}

execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json'), '--emitDeclarationOnly'], { stdio: 'inherit' })
console.log(`build: dist/index.js ${code.length} bytes + declarations`)

// The demo mini-program (miniprogram/) imports this same build from its git-ignored lib/ folder.
require('./demo/copy-lib').copyLib()
