#!/usr/bin/env node
// The repo must type-check with the oldest TypeScript the package supports (5.0, the first with
// `export type *`) and with the current major (7): both are pinned as aliased dev dependencies.
const path = require('path')
const { execFileSync } = require('child_process')

const root = path.resolve(__dirname, '..')
for (const ts of ['typescript-5.0', 'typescript-7']) {
  const tsc = path.join(root, 'node_modules', ts, 'bin', 'tsc')
  for (const project of ['tsconfig.json', 'tsconfig.test.json', 'miniprogram/tsconfig.json']) {
    execFileSync(process.execPath, [tsc, '-p', path.join(root, project), '--noEmit'], { stdio: 'inherit' })
  }
  console.log(`typecheck: ${require(path.join(root, 'node_modules', ts, 'package.json')).version} ok`)
}
