/**
 * The one-door rule (docs/style.md habit 1) as a lint: outside sdk/platform/wx.ts no SDK file names
 * `wx`; outside the platform adapters (wx.ts, memory.ts) none reads the global timers, clock,
 * randomness or Node built-ins. Comments and string literals are ignored.
 */
import * as fs from 'fs'
import * as path from 'path'

const SDK = path.join(__dirname, '../../../sdk')
const ADAPTERS = ['platform/wx.ts', 'platform/memory.ts']

function sdkFiles(dir = SDK): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? sdkFiles(p) : e.name.endsWith('.ts') ? [p] : []
  })
}

/** Source with comments, string and template literals blanked (regexes are rare enough to ignore). */
export function codeOnly(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|[^:])\/\/.*$/gm, '$1')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''")
}

const RULES: Array<{ what: string; re: RegExp; allowed: string[] }> = [
  { what: 'wx', re: /(?<![.\w$])wx(?![\w$])/, allowed: ['platform/wx.ts'] },
  { what: 'setTimeout/setInterval', re: /(?<![.\w$])(setTimeout|setInterval|clearTimeout|clearInterval|setImmediate|queueMicrotask)\s*\(/, allowed: [...ADAPTERS, 'platform/types.ts'] },
  { what: 'Date.now/new Date', re: /(?<![.\w$])(Date\.now\s*\(|new\s+Date\b)/, allowed: ['platform/wx.ts'] },
  { what: 'Math.random', re: /Math\.random/, allowed: [] },
  {
    what: 'Node/DOM globals',
    re: /(?<![.\w$])(Buffer|TextEncoder|TextDecoder|window|document|localStorage|WebSocket|XMLHttpRequest|fetch|require)(?![\w$]|\s*\??:)|(?<![.\w$])(process|global|globalThis)\s*\./,
    allowed: [],
  },
]

function violations(): string[] {
  const found: string[] = []
  for (const file of sdkFiles()) {
    const rel = path.relative(SDK, file).split(path.sep).join('/')
    const raw = fs.readFileSync(file, 'utf8')
    const code = codeOnly(raw)
    for (const rule of RULES) {
      if (rule.allowed.includes(rel)) continue
      code.split('\n').forEach((line, i) => {
        if (rule.re.test(line)) found.push(`${rel}:${i + 1} uses ${rule.what}: ${line.trim()}`)
      })
    }
    // Imports by module name: only relative paths and the declared dependencies.
    for (const m of raw.matchAll(/from\s+['"]([^'"]+)['"]/g)) {
      const spec = m[1] as string
      if (!spec.startsWith('.') && !/^(@noble\/|@stablelib\/|mitt$)/.test(spec)) found.push(`${rel} imports '${spec}'`)
    }
  }
  return found
}

describe('one door to the platform', () => {
  it('no SDK file outside the adapters names wx, global timers, the clock, Math.random or Node/DOM globals', () => {
    expect(violations()).toEqual([])
  })

  it('the lint catches what it is meant to catch and ignores comments and strings', () => {
    const rule = (what: string) => RULES.find((r) => r.what === what)!.re
    expect(rule('wx').test(codeOnly('const a = wx.getStorageSync(k)'))).toBe(true)
    expect(rule('wx').test(codeOnly('// wx.getStorageSync'))).toBe(false)
    expect(rule('wx').test(codeOnly("log('wx is missing')"))).toBe(false)
    expect(rule('wx').test(codeOnly('const wxApi = opts.wx'))).toBe(false)
    expect(rule('setTimeout/setInterval').test(codeOnly('setTimeout(fn, 1)'))).toBe(true)
    expect(rule('setTimeout/setInterval').test(codeOnly('this.platform.setTimeout(fn, 1)'))).toBe(false)
    expect(rule('Date.now/new Date').test(codeOnly('const t = Date.now()'))).toBe(true)
    expect(rule('Node/DOM globals').test(codeOnly('Buffer.from(x)'))).toBe(true)
    expect(rule('Node/DOM globals').test(codeOnly('const { fetchMore } = x'))).toBe(false)
    expect(rule('Node/DOM globals').test(codeOnly('if (process.env.X) run()'))).toBe(true)
    expect(rule('Node/DOM globals').test(codeOnly('const w = window.innerWidth'))).toBe(true)
    expect(rule('Node/DOM globals').test(codeOnly('{ window: 32, window?: number }'))).toBe(false)
    expect(rule('Node/DOM globals').test(codeOnly('private async process(ch: Channel) {'))).toBe(false)
  })
})
