#!/usr/bin/env node
// Builds the demo mini-program's npm dependencies the way an app gets them:
//   1. scripts/build.js writes dist/;
//   2. `npm install --install-links` in miniprogram/ packs the repo root like `npm pack` (only
//      the package's "files") and installs that copy, plus dayjs, into miniprogram/node_modules;
//   3. miniprogram-ci's packNpmManually — DevTools' "Build npm" without DevTools — turns them
//      into miniprogram/miniprogram_npm/, where the pages' require('wukongim-mp') resolves.
// Skipped when miniprogram_npm is newer than every input and the installed copy is the built
// dist/ (npm keeps an installed file: copy whose version did not change, so it is removed before
// every install). Used by `npm start`, `npm run
// typecheck`, `npm run demo` and the demo's tests; parallel callers take turns through a lock.
const fs = require('fs')
const path = require('path')
const { execFileSync } = require('child_process')

const root = path.resolve(__dirname, '..', '..')
const demo = path.join(root, 'miniprogram')
const built = path.join(demo, 'miniprogram_npm', 'wukongim-mp', 'index.js')
const installedCopy = path.join(demo, 'node_modules', 'wukongim-mp')
const sameFile = (a, b) => fs.existsSync(a) && fs.existsSync(b) && fs.readFileSync(a).equals(fs.readFileSync(b))
const inputs = [path.join(root, 'sdk'), path.join(root, 'package.json'), path.join(demo, 'package.json'), __filename]

function newestMtime(p) {
  const stat = fs.statSync(p)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = 0
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)))
  return newest
}

function isFresh() {
  if (!fs.existsSync(built) || !fs.existsSync(path.join(demo, 'miniprogram_npm', 'dayjs', 'index.js'))) return false
  const at = fs.statSync(built).mtimeMs
  if (!inputs.every((p) => newestMtime(p) <= at)) return false
  const entry = path.join('dist', 'miniprogram', 'index.js')
  return sameFile(path.join(root, entry), path.join(installedCopy, entry))
}

async function packMiniprogramNpm() {
  const ci = require('miniprogram-ci')
  fs.rmSync(path.join(demo, 'miniprogram_npm'), { recursive: true, force: true })
  const result = await ci.packNpmManually({ packageJsonPath: path.join(demo, 'package.json'), miniprogramNpmDistDir: demo })
  if (result.warnList.length) throw new Error(`packNpmManually: ${JSON.stringify(result.warnList)}`)
  return result
}

function build({ quiet }) {
  const stdio = quiet ? 'pipe' : 'inherit'
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { stdio, cwd: root })
  fs.rmSync(installedCopy, { recursive: true, force: true })
  const npm = process.env.npm_execpath
  const args = ['install', '--install-links', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts']
  if (npm && npm.endsWith('.js')) execFileSync(process.execPath, [npm, ...args], { stdio, cwd: demo })
  else execFileSync('npm', args, { stdio, cwd: demo })
  // packNpmManually is async; a child process keeps ensureBuild synchronous for jest's module scope.
  execFileSync(process.execPath, [__filename, '--pack'], { stdio, cwd: root })
}

const lockDir = path.join(root, '.cache', 'demo-build.lock')
const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * Runs fn while holding the lock on dist/ and the demo's npm folders: anything that rebuilds dist/
 * (this build, `npm pack`'s prepack in the package test) takes turns with the others.
 */
function withBuildLock(fn) {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true })
  const started = Date.now()
  for (;;) {
    try {
      fs.mkdirSync(lockDir)
      break
    } catch (e) {
      if (e.code !== 'EEXIST') throw e
      // A lock older than five minutes belongs to a build that died: take it over.
      if (Date.now() - fs.statSync(lockDir).mtimeMs > 300_000) fs.rmSync(lockDir, { recursive: true, force: true })
      if (Date.now() - started > 360_000) throw new Error(`ensure-build: ${lockDir} held for too long`)
      sleepSync(100)
    }
  }
  try {
    return fn()
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true })
  }
}

/** Builds when stale; returns whether it built. */
function ensureBuild({ quiet = false } = {}) {
  if (isFresh()) return false
  return withBuildLock(() => {
    if (isFresh()) return false // another caller built it while we waited
    build({ quiet })
    return true
  })
}

module.exports = { ensureBuild, withBuildLock }
if (require.main === module) {
  if (process.argv[2] === '--pack') {
    packMiniprogramNpm().then(
      (r) => console.log(`packNpmManually: ${r.miniProgramPackNum} mini-program package(s), ${r.otherNpmPackNum} other(s)`),
      (e) => {
        console.error(e)
        process.exitCode = 1
      },
    )
  } else ensureBuild()
}
