#!/usr/bin/env node
// Makes sure the demo's miniprogram/lib/ holds a build of the current SDK: runs the real build
// (scripts/build.js, which also copies dist/ into the demo) when the copy is missing or older
// than any file under sdk/. Used by `npm start`, `npm run typecheck` and the demo's tests.
const fs = require('fs')
const path = require('path')
const { execFileSync } = require('child_process')

const root = path.resolve(__dirname, '..', '..')
const built = path.join(root, 'miniprogram', 'lib', 'wukongim-mp', 'index.js')

function newestMtime(dir) {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs)
  }
  return newest
}

function isFresh() {
  if (!fs.existsSync(built) || !fs.existsSync(path.join(root, 'miniprogram', 'lib', 'dayjs', 'index.js'))) return false
  return fs.statSync(built).mtimeMs >= newestMtime(path.join(root, 'sdk'))
}

function ensureBuild({ quiet = false } = {}) {
  if (isFresh()) return false
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { stdio: quiet ? 'pipe' : 'inherit', cwd: root })
  if (!fs.existsSync(built)) require('./copy-lib').copyLib() // a build.js without the copy step
  return true
}

module.exports = { ensureBuild }
if (require.main === module) ensureBuild()
