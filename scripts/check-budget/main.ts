/**
 * CLI: `tsx scripts/check-budget/main.ts [distDir]` — prints JS/CSS gzip per lesson page and
 * exits 1 when a lesson page is over budget (JS <= 39 KB, CSS <= 20 KB, gzip, KB = 1000 bytes).
 * `--files` also lists every file counted.
 */
import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BUDGET, measurePageAssets } from './index.ts'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const args = process.argv.slice(2)
const showFiles = args.includes('--files')
const distDir = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(repoRoot, 'site/dist'))
const lessonsDir = path.join(distDir, 'lessons')
if (!existsSync(lessonsDir)) {
  console.error(`check-budget: ${lessonsDir} not found. Build the site first (npm run build).`)
  process.exit(1)
}
const pages = [
  'index.html',
  ...readdirSync(lessonsDir)
    .filter((d) => existsSync(path.join(lessonsDir, d, 'index.html')))
    .sort()
    .map((d) => `lessons/${d}/index.html`),
]
const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`
let failed = false
const cols = ['JS all', 'JS w/o on-demand', 'CSS', 'SVG <style>']
console.log(`${'page'.padEnd(42)}${cols.map((c) => c.padStart(14)).join('')}  files`)
for (const page of pages) {
  const r = measurePageAssets(distDir, page)
  const isLesson = page.startsWith('lessons/')
  const jsNoSearch = r.jsGzipBytes - r.jsOnDemandGzipBytes
  const overAll = r.jsGzipBytes > BUDGET.jsBytes
  const over = isLesson && (jsNoSearch > BUDGET.jsBytes || r.cssGzipBytes > BUDGET.cssBytes)
  failed ||= over
  const values = [r.jsGzipBytes, jsNoSearch, r.cssGzipBytes, r.svgStyleGzipBytes].map((n) => kb(n).padStart(14)).join('')
  const note = over ? '  OVER BUDGET' : isLesson && overAll ? '  (over only with on-demand chunks)' : ''
  console.log(`${page.padEnd(42)}${values}  ${r.files.length}${note}`)
  if (showFiles) {
    for (const f of r.files)
      console.log(
        `    ${f.kind.padEnd(3)} ${f.via.padEnd(7)} ${kb(f.gzipBytes).padStart(9)}  ${f.path}${f.onDemand ? '  [on demand]' : ''}`,
      )
  }
}
console.log(
  `budget per lesson page (gzip, KB = 1000 B): JS <= ${kb(BUDGET.jsBytes)} incl. lazy chunks (enforced without on-demand chunks: the search dialog and on-demand-* experiment runners; "JS all" includes them), CSS <= ${kb(BUDGET.cssBytes)} (stylesheets + inline <style>; styles inside diagram SVGs shown apart)`,
)
process.exit(failed ? 1 : 0)
