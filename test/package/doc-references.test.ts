/**
 * Every `*.md` a tracked file mentions (code comments, tests, scripts, bench, docs, README) must be
 * a file in the repository — relative to the repo root or to the mentioning file — and every
 * "name.md §N.N" must name a numbered section that exists in that document.
 */
import { execFileSync } from 'child_process'
import * as fs from 'fs'
import * as path from 'path'

const ROOT = path.resolve(__dirname, '../..')
// This file is left out: its comments show the pattern, not references.
const SKIP = new Set(['package-lock.json', path.relative(ROOT, __filename)])
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter((f) => f && !SKIP.has(f) && fs.existsSync(path.join(ROOT, f)))

// "docs/protocol.md §4.1", "design.md §1–§2", "docs/platform.md §2, §1.5"
const REFERENCE = /([\w./-]*\.md)\b((?:\s?[,–-]?\s?§\s?\d+(?:\.\d+)*)*)/g

function resolve(from: string, name: string): string | undefined {
  return [path.join(ROOT, name), path.join(ROOT, path.dirname(from), name)].find((p) => fs.existsSync(p) && fs.statSync(p).isFile())
}

function sections(doc: string): Set<string> {
  const numbers = new Set<string>()
  for (const m of fs.readFileSync(doc, 'utf8').matchAll(/^#{2,4} (\d+(?:\.\d+)*)[.\s]/gm)) numbers.add(m[1]!)
  return numbers
}

test('no reference to a document outside the repository, and no missing section', () => {
  const problems: string[] = []
  for (const file of tracked) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8')
    if (text.includes('\0')) continue // binary
    const withoutUrls = text.replace(/[a-z]+:\/\/\S+/g, '')
    for (const m of withoutUrls.matchAll(REFERENCE)) {
      const [, name, cited] = m
      const doc = resolve(file, name!)
      if (!doc) {
        problems.push(`${file}: ${name} is not in the repository`)
        continue
      }
      const known = cited ? sections(doc) : new Set<string>()
      for (const [, n] of (cited ?? '').matchAll(/§\s?(\d+(?:\.\d+)*)/g)) {
        if (!known.has(n!)) problems.push(`${file}: ${name} has no section ${n}`)
      }
    }
  }
  expect(problems).toEqual([])
})
