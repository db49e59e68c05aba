#!/usr/bin/env node
// Puts the built SDK (dist/, exactly what the package ships through its "miniprogram" field) and
// dayjs into the demo's miniprogram/lib/ (git-ignored), where its pages import them from. WeChat
// DevTools only compiles files under miniprogramRoot, so the demo needs a copy of the build, never
// of the source. Run by scripts/build.js after the bundle and declarations are written.
const fs = require('fs')
const path = require('path')

const root = path.resolve(__dirname, '..', '..')
const lib = path.join(root, 'miniprogram', 'lib')

function copyDir(from, to) {
  fs.rmSync(to, { recursive: true, force: true })
  fs.cpSync(from, to, { recursive: true })
}

function copyLib() {
  const dist = path.join(root, 'dist')
  if (!fs.existsSync(path.join(dist, 'index.js'))) throw new Error('copy-lib: dist/index.js missing; run npm run build')
  copyDir(dist, path.join(lib, 'wukongim-mp'))
  // dayjs ships a dependency-free UMD build; the mini-program requires it as a plain CommonJS file.
  const dayjsDir = path.dirname(require.resolve('dayjs/package.json'))
  const to = path.join(lib, 'dayjs')
  fs.rmSync(to, { recursive: true, force: true })
  fs.mkdirSync(to, { recursive: true })
  fs.copyFileSync(path.join(dayjsDir, 'dayjs.min.js'), path.join(to, 'index.js'))
  fs.copyFileSync(path.join(dayjsDir, 'index.d.ts'), path.join(to, 'index.d.ts'))
  fs.mkdirSync(path.join(to, 'locale'))
  for (const f of ['index.d.ts', 'types.d.ts']) fs.copyFileSync(path.join(dayjsDir, 'locale', f), path.join(to, 'locale', f))
  return lib
}

module.exports = { copyLib }
if (require.main === module) console.log(`copy-lib: ${path.relative(root, copyLib())}`)
