#!/usr/bin/env node
// Builds what the package ships (package.json "files"):
//   dist/miniprogram/index.js  the SDK: one CommonJS ES2017 file, dependencies inlined. It is the
//                              package's "main" and its "miniprogram" folder, which DevTools' Build
//                              npm (and miniprogram-ci's packNpmManually) copies verbatim into
//                              miniprogram_npm/wukongim-mp/ — so that folder holds nothing else.
//   dist/esm/index.mjs         the same SDK as one ES module, for app bundlers (the "module"
//                              condition of package.json "exports"): they can leave out what the
//                              app does not import, such as the parts createCoreClient is not given.
//   dist/testing.js            wukongim-mp/testing (the in-memory platform, for node tests); it
//                              takes the error classes from the SDK file so both share them.
//   dist/types/                declarations of both entries.
// Fails if the SDK file reaches for Node built-ins, eval or BigInt.
const fs = require('fs')
const path = require('path')
const { execFileSync } = require('child_process')
const { build } = require('esbuild')
const { sdkOptions, root } = require('./esbuild-options')

async function main() {
  const dist = path.join(root, 'dist')
  fs.rmSync(dist, { recursive: true, force: true })

  const sdk = await build({
    ...sdkOptions,
    entryPoints: [path.join(root, 'sdk/index.ts')],
    format: 'cjs',
    outfile: path.join(dist, 'miniprogram', 'index.js'),
    metafile: true,
    logLevel: 'warning',
  })

  await build({
    ...sdkOptions,
    entryPoints: [path.join(root, 'sdk/index.ts')],
    format: 'esm',
    outfile: path.join(dist, 'esm', 'index.mjs'),
    logLevel: 'warning',
  })

  const errorsFromSdk = {
    name: 'errors-from-sdk',
    setup(build) {
      build.onResolve({ filter: /\/errors$/ }, () => ({ path: './miniprogram/index.js', external: true }))
    },
  }
  await build({
    ...sdkOptions,
    plugins: [...sdkOptions.plugins, errorsFromSdk],
    entryPoints: [path.join(root, 'sdk/testing.ts')],
    format: 'cjs',
    outfile: path.join(dist, 'testing.js'),
    logLevel: 'warning',
  })

  const code = fs.readFileSync(path.join(dist, 'miniprogram', 'index.js'), 'utf8')
  const builtin = /^(node:)?(fs|net|path|os|crypto|buffer|events|child_process|http|https|stream)$/
  const problems = []
  for (const input of Object.keys(sdk.metafile.inputs)) if (builtin.test(input)) problems.push(`Node built-in ${input}`)
  for (const m of code.matchAll(/\brequire\(["']([^"']+)["']\)/g)) problems.push(`require('${m[1]}')`)
  if (/\beval\(|new Function\(/.test(code)) problems.push('eval or new Function')
  if (/\bBigInt\s*\(/.test(code)) problems.push('BigInt')
  if (problems.length) {
    console.error('build: the bundle is not mini-program safe:\n  ' + problems.join('\n  '))
    process.exitCode = 1
    return
  }

  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json'), '--emitDeclarationOnly'], { stdio: 'inherit' })
  console.log(`build: dist/miniprogram/index.js ${code.length} bytes, dist/esm/index.mjs, dist/testing.js, dist/types/`)
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
