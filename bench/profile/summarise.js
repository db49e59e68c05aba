#!/usr/bin/env node
// Self time of a .cpuprofile by source file and by function: `node bench/profile/summarise.js F [top]`,
// or require() it for summarise(profile, top). Bundled code (scripts/run-ts.js) is mapped back to
// its source files through esbuild's `// path/to/file.ts` module markers.
const fs = require('fs')

const markers = new Map()
function moduleOf(url, line) {
  if (!url.endsWith('.cjs')) return url.replace(/^.*node_modules\//, '').replace(/^node:internal.*/, 'node internals')
  if (!markers.has(url)) {
    const starts = []
    fs.readFileSync(url.replace(/^file:\/\//, ''), 'utf8')
      .split('\n')
      .forEach((l, i) => {
        const m = /^\/\/ (\S+\.(?:ts|js|mjs|cjs))$/.exec(l)
        if (m) starts.push([i, m[1]])
      })
    markers.set(url, starts)
  }
  let name = '?'
  for (const [i, f] of markers.get(url)) if (i <= line) name = f
  return name.replace(/^(\.\.\/)*(work\/[^/]+\/)?node_modules\//, '')
}

/** { busyMs, byFile: [[file, share]], byFunction: [[name, share]] }, shares of busy (non-idle) time. */
function summarise(prof, top = 25) {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]))
  const self = new Map()
  for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0))
  let busy = 0
  const byFile = new Map()
  const byFn = new Map()
  for (const [id, us] of self) {
    const cf = byId.get(id).callFrame
    if (cf.functionName === '(idle)' || cf.functionName === '(program)') continue
    busy += us
    const where = cf.url ? moduleOf(cf.url, cf.lineNumber) : cf.functionName === '(garbage collector)' ? '(garbage collector)' : '(native)'
    byFile.set(where, (byFile.get(where) ?? 0) + us)
    const k = `${cf.functionName || '(anonymous)'} [${where}]`
    byFn.set(k, (byFn.get(k) ?? 0) + us)
  }
  const rank = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => [k, Math.round((us / busy) * 1000) / 10])
  return { busyMs: Math.round(busy / 1000), byFile: rank(byFile), byFunction: rank(byFn) }
}

module.exports = { summarise }

if (require.main === module) {
  const [file, topArg] = process.argv.slice(2)
  const s = summarise(JSON.parse(fs.readFileSync(file, 'utf8')), Number(topArg ?? 25))
  console.log(`busy ${s.busyMs} ms (shares below are of busy time)\n\nby source file:`)
  for (const [k, p] of s.byFile) console.log(`${p.toFixed(1)}%`.padStart(6), k)
  console.log('\nby function:')
  for (const [k, p] of s.byFunction) console.log(`${p.toFixed(1)}%`.padStart(6), k)
}
