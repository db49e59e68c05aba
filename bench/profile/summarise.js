#!/usr/bin/env node
// Self time of a .cpuprofile by source file and by function: `node bench/profile/summarise.js F [top]`.
// Bundled code (scripts/run-ts.js) is mapped back to its source files through esbuild's
// `// path/to/file.ts` module markers.
const fs = require('fs')
const [file, topArg] = process.argv.slice(2)
const top = Number(topArg ?? 25)
const prof = JSON.parse(fs.readFileSync(file, 'utf8'))
const byId = new Map(prof.nodes.map((n) => [n.id, n]))
const self = new Map()
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0))

const markers = new Map()
function moduleOf(url, line) {
  if (!url.endsWith('.cjs')) return url.replace(/^.*node_modules\//, '').replace(/^node:internal.*/, 'node internals')
  if (!markers.has(url)) {
    const lines = fs.readFileSync(url.replace(/^file:\/\//, ''), 'utf8').split('\n')
    const starts = []
    lines.forEach((l, i) => {
      const m = /^\/\/ (\S+\.(?:ts|js|mjs|cjs))$/.exec(l)
      if (m) starts.push([i, m[1]])
    })
    markers.set(url, starts)
  }
  let name = '?'
  for (const [i, f] of markers.get(url)) if (i <= line) name = f
  return name.replace(/^node_modules\//, '')
}

const total = [...self.values()].reduce((a, b) => a + b, 0)
const idle = new Set(['(idle)', '(program)'])
let busy = 0
const byFile = new Map()
const byFn = new Map()
for (const [id, us] of self) {
  const cf = byId.get(id).callFrame
  if (idle.has(cf.functionName)) continue
  busy += us
  const where = cf.url ? moduleOf(cf.url, cf.lineNumber) : cf.functionName === '(garbage collector)' ? '(garbage collector)' : '(native)'
  byFile.set(where, (byFile.get(where) ?? 0) + us)
  const k = `${cf.functionName || '(anonymous)'} [${where}]`
  byFn.set(k, (byFn.get(k) ?? 0) + us)
}
const pct = (us) => `${((us / busy) * 100).toFixed(1)}%`.padStart(6)
console.log(`sampled ${(total / 1000).toFixed(0)} ms, busy ${(busy / 1000).toFixed(0)} ms (shares below are of busy time)`)
console.log('\nby source file:')
for (const [k, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(pct(us), k)
console.log('\nby function:')
for (const [k, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(pct(us), k)
