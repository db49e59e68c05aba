/**
 * An app can end up with two bundled copies of the SDK (its own and a plugin's, or the SDK file
 * next to wukongim-mp/testing). The guards must recognise errors made by the other copy.
 */
import { buildSync } from 'esbuild'
import * as path from 'path'

type Errors = typeof import('../../sdk/errors')

function loadCopy(): Errors {
  const [out] = buildSync({ entryPoints: [path.resolve(__dirname, '../../sdk/errors.ts')], bundle: true, format: 'cjs', target: 'es2017', write: false }).outputFiles
  const mod = { exports: {} }
  new Function('module', 'exports', out!.text)(mod, mod.exports)
  return mod.exports as Errors
}

test('guards of one copy recognise errors from another copy', () => {
  const a = loadCopy()
  const b = loadCopy()
  const full = new a.StorageError('STORAGE_FULL', 'quota exceeded', { key: 'k' })
  expect(full instanceof b.ImError).toBe(false) // two classes: instanceof alone cannot work
  expect(b.isImError(full)).toBe(true)
  expect(b.isStorageError(full)).toBe(true)
  expect(b.isProtocolError(full)).toBe(false)
  expect(b.isInvalidArgumentError(new a.InvalidArgumentError('empty channel'))).toBe(true)
  expect(b.isProtocolError(new a.ProtocolError('bad frame'))).toBe(true)
})

test('look-alikes are not ImErrors', () => {
  const { isImError, isStorageError } = loadCopy()
  const fake = Object.assign(new Error('quota'), { name: 'StorageError', code: 'STORAGE_FULL' })
  expect(isImError(fake)).toBe(false)
  expect(isStorageError({ code: 'STORAGE_FULL' })).toBe(false)
  expect(isImError(null)).toBe(false)
})
