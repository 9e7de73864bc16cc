/**
 * CLI: `tsx scripts/check-lessons/main.ts [lessonsDir]` — prints every problem, exits 1 if any.
 * Run by `npm run build` in site/ before `astro build`, and by `npm run check` at the root.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkLessons, formatProblem } from './index.ts'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const lessonsDir = path.resolve(process.argv[2] ?? path.join(repoRoot, 'lessons'))
const problems = checkLessons(lessonsDir, repoRoot)
if (problems.length > 0) {
  console.error(`check-lessons: ${problems.length} problem(s) in ${path.relative(repoRoot, lessonsDir) || '.'}:`)
  for (const p of problems) console.error(`  ${formatProblem(p)}`)
  process.exit(1)
}
console.log(`check-lessons: ${path.relative(repoRoot, lessonsDir)} OK`)
