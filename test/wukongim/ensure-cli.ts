// Used by scripts/test-wukongim.js: installs the pinned server if needed and prints one JSON line.
import { ensureWukongim } from './server'

ensureWukongim().then(
  (r) => {
    console.log(JSON.stringify(r))
  },
  (e) => {
    console.error(String(e && e.message ? e.message : e))
    process.exit(1)
  },
)
