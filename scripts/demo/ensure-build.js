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

const lockDir = path.join(root, '.cache', 'demo-build.lock')
const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** Builds when stale. Parallel callers (jest workers) take turns through a lock directory. */
function ensureBuild({ quiet = false } = {}) {
  if (isFresh()) return false
  fs.mkdirSync(path.dirname(lockDir), { recursive: true })
  const started = Date.now()
  for (;;) {
    try {
      fs.mkdirSync(lockDir)
      break
    } catch (e) {
      if (e.code !== 'EEXIST') throw e
      // A lock older than two minutes belongs to a build that died: take it over.
      if (Date.now() - fs.statSync(lockDir).mtimeMs > 120_000) fs.rmSync(lockDir, { recursive: true, force: true })
      if (Date.now() - started > 180_000) throw new Error(`ensure-build: ${lockDir} held for too long`)
      sleepSync(100)
    }
  }
  try {
    if (isFresh()) return false // another caller built it while we waited
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { stdio: quiet ? 'pipe' : 'inherit', cwd: root })
    if (!fs.existsSync(built)) require('./copy-lib').copyLib() // a build.js without the copy step
    return true
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true })
  }
}

module.exports = { ensureBuild }
if (require.main === module) ensureBuild()
