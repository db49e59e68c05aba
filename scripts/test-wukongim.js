#!/usr/bin/env node
// `npm run test:wukongim`: make sure the pinned real WuKongIM server is installed (from the Go
// module proxy, cached in .wukongim/), then run the end-to-end suite in test/wukongim/ with its own
// jest config. Without Go it prints one line saying the suite was skipped and exits 0.
// Extra arguments are passed to jest (e.g. `-- --json --outputFile=...`).
const path = require('path')
const { spawnSync } = require('child_process')

const root = path.resolve(__dirname, '..')
const ensure = spawnSync(process.execPath, [path.join(root, 'scripts', 'run-ts.js'), 'test/wukongim/ensure-cli.ts'], {
  cwd: root,
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
  console.error('wukongim: installing the real WuKongIM server failed (see above)')
  process.exit(1)
}
if (result.skipped) {
  console.log(`wukongim: real-server suite skipped: ${result.skipped}`)
  process.exit(0)
}
console.log(`wukongim: real server ${result.version} at ${path.relative(root, result.binary)}` + (result.installedNow ? ` (installed now in ${result.seconds}s)` : ' (cached)'))
const jest = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', 'test/wukongim/jest.config.js', '--runInBand', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, WUKONGIM_BIN_RESOLVED: result.binary },
})
process.exit(jest.status === null ? 1 : jest.status)
