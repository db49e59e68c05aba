#!/usr/bin/env node
// `npm run test:wukongim`: the end-to-end suite in test/wukongim/ against real WuKongIM servers, one
// line after the other (WUKONGIM_LINES, default all three):
//   v1          the pinned v1.2.6 from the Go module proxy (client-e2e, smoke)
//   v3          the v3 server built from its source tarball, one node (the same files)
//   v3-cluster  the same binary as a 3-node loopback cluster (cluster.test.ts)
// Each line first makes sure its server binary is there (cached in .wukongim/); a line that cannot
// get one prints one "skipped" line and does not fail the run. Extra arguments go to every jest run;
// `--outputFile=F` gets one F.<line>.json per line plus F with the summed counts.
const fs = require('fs')
const path = require('path')
const { spawnSync } = require('child_process')

const root = path.resolve(__dirname, '..')
const LINES = ['v1', 'v3', 'v3-cluster']
const lines = (process.env.WUKONGIM_LINES || LINES.join(',')).split(',').filter(Boolean)
const unknown = lines.filter((l) => !LINES.includes(l))
if (unknown.length) {
  console.error(`wukongim: unknown line(s) ${unknown.join(', ')} in WUKONGIM_LINES (known: ${LINES.join(', ')})`)
  process.exit(1)
}

let outputFile
const args = []
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]
  if (a.startsWith('--outputFile=')) outputFile = a.slice('--outputFile='.length)
  else if (a === '--outputFile') outputFile = process.argv[++i]
  else args.push(a)
}

let failed = false
const summary = { numPassedTests: 0, numFailedTests: 0, numRuntimeErrorTestSuites: 0, numTotalTests: 0, lines: {} }
for (const line of lines) {
  const env = { ...process.env, WUKONGIM_LINE: line === 'v1' ? 'v1' : 'v3', WUKONGIM_SUITE: line }
  const started = Date.now()
  const ensure = spawnSync(process.execPath, [path.join(root, 'scripts', 'run-ts.js'), 'test/wukongim/ensure-cli.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  })
  let result
  try {
    result = JSON.parse(ensure.stdout.trim().split('\n').pop())
  } catch {
    result = undefined
  }
  if (ensure.status !== 0 || !result) {
    process.stdout.write(ensure.stdout || '')
    console.error(`wukongim ${line}: installing the real WuKongIM server failed (see above)`)
    failed = true
    summary.numRuntimeErrorTestSuites++
    continue
  }
  if (result.skipped) {
    console.log(`wukongim ${line}: real-server suite skipped: ${result.skipped}`)
    summary.lines[line] = { skipped: result.skipped }
    continue
  }
  console.log(`wukongim ${line}: real server ${result.version} at ${path.relative(root, result.binary)}` + (result.installedNow ? ` (built now in ${result.seconds}s)` : ' (cached)'))
  const out = outputFile && `${outputFile.replace(/\.json$/, '')}.${line}.json`
  const jest = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', 'test/wukongim/jest.config.js', '--runInBand', ...args, ...(out ? ['--outputFile', out] : [])], {
    cwd: root,
    stdio: 'inherit',
    env,
  })
  if (jest.status !== 0) failed = true
  const seconds = Math.round((Date.now() - started) / 1000)
  console.log(`wukongim ${line}: ${jest.status === 0 ? 'passed' : 'FAILED'} in ${seconds}s`)
  summary.lines[line] = { seconds, status: jest.status }
  if (out) {
    try {
      const r = JSON.parse(fs.readFileSync(out, 'utf8'))
      for (const k of ['numPassedTests', 'numFailedTests', 'numRuntimeErrorTestSuites', 'numTotalTests']) summary[k] += r[k]
    } catch {
      summary.numRuntimeErrorTestSuites++
    }
  }
}
if (outputFile) fs.writeFileSync(outputFile, JSON.stringify(summary, null, 2))
process.exit(failed ? 1 : 0)
