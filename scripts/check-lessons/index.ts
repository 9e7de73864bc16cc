/**
 * Standalone lesson checker: validates every `lessons/NN-slug/` folder against the
 * schemas in site/src/lib/lesson-data/schema.ts (the same ones the Astro collections use)
 * and returns one Problem per issue, each naming the file, the field and how to fix it.
 *
 * Parses YAML with js-yaml, the parser Astro's content layer uses for data files, so
 * "passes the checker" and "passes astro build" agree.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import yaml from 'js-yaml'
import type { ZodType } from 'astro/zod'
import { formatPath, lessonFolderPattern, lessonMetaSchema, quizSchema, workbookSchema } from '../../site/src/lib/lesson-data/schema.ts'

/** One thing wrong with the lessons. */
export interface Problem {
  /** File path relative to the repo root (or to rootDir's parent), e.g. `lessons/02-x/quiz.yaml`. */
  file: string
  /** Field path inside the file, e.g. `questions[2].answer`; `(file)` for file-level problems. */
  field: string
  /** What is wrong and how to fix it. */
  message: string
}

/** `lessons/02-x/quiz.yaml: questions[2].answer: message` */
export function formatProblem(p: Problem): string {
  return `${p.file}: ${p.field}: ${p.message}`
}

function validate(schema: ZodType, data: unknown, file: string, prefix: ReadonlyArray<string | number> = []): Problem[] {
  const result = schema.safeParse(data)
  if (result.success) return []
  return result.error.issues.map((issue) => ({
    file,
    field: formatPath([...prefix, ...issue.path]),
    message: issue.message,
  }))
}

function parseYaml(absFile: string, file: string, problems: Problem[]): unknown {
  try {
    return yaml.load(readFileSync(absFile, 'utf8'), { filename: file })
  } catch (err) {
    const reason = err instanceof yaml.YAMLException ? err.message : String(err)
    problems.push({ file, field: '(file)', message: `is not valid YAML: ${reason}` })
    return undefined
  }
}

/** Extracts the YAML frontmatter of an MDX file (between the first two `---` lines). */
function frontmatterOf(source: string): string | undefined {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\s*(?:\r?\n|$)/.exec(source)
  return match?.[1]
}

/** Shows an absolute path relative to the display base, with `/` separators. */
type Rel = (abs: string) => string

/** What the lessons checked so far have claimed: lesson number -> the index.mdx that has it. */
type Numbers = Map<number, string>

/** The `lesson.number` of a valid lesson meta: unique across lessons, and the folder's NN prefix. */
function checkLessonNumber(n: number, folder: string, file: string, numbers: Numbers): Problem[] {
  const problems: Problem[] = []
  const other = numbers.get(n)
  if (other) {
    problems.push({ file, field: 'lesson.number', message: `${n} is already used by ${other}. Fix: give each lesson its own number.` })
  } else {
    numbers.set(n, file)
  }
  if (Number(folder.slice(0, 2)) !== n) {
    problems.push({
      file,
      field: 'lesson.number',
      message: `is ${n} but the folder is numbered ${folder.slice(0, 2)}. Fix: make them match.`,
    })
  }
  return problems
}

/** The parsed frontmatter of `file`: a title, and a `lesson` meta that the schema accepts and whose number fits. */
function checkFrontmatterData(data: unknown, folder: string, file: string, numbers: Numbers): Problem[] {
  const problems: Problem[] = []
  const obj = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>
  if (typeof obj['title'] !== 'string' || obj['title'].trim() === '') {
    problems.push({ file, field: 'title', message: 'is required. Fix: add title: "..." to the frontmatter.' })
  }
  if (obj['lesson'] === undefined) {
    problems.push({
      file,
      field: 'lesson',
      message: 'is required for lessons. Fix: add lesson: { number: N, status: ready, objectives: [...] }.',
    })
    return problems
  }
  const metaProblems = validate(lessonMetaSchema, obj['lesson'], file, ['lesson'])
  if (metaProblems.length > 0) return [...problems, ...metaProblems]
  const n = (obj['lesson'] as { number: number }).number
  return [...problems, ...checkLessonNumber(n, folder, file, numbers)]
}

/** A lesson folder's index.mdx: present, with YAML frontmatter that passes {@link checkFrontmatterData}. */
function checkIndex(dir: string, folder: string, rel: Rel, numbers: Numbers): Problem[] {
  const index = path.join(dir, 'index.mdx')
  const file = rel(index)
  if (!existsSync(index)) return [{ file, field: '(file)', message: 'is missing. Fix: every lesson folder needs an index.mdx.' }]
  const fm = frontmatterOf(readFileSync(index, 'utf8'))
  if (fm === undefined) {
    return [
      {
        file,
        field: '(frontmatter)',
        message: 'has no YAML frontmatter. Fix: start the file with --- title: ... lesson: {...} ---.',
      },
    ]
  }
  let data: unknown
  try {
    data = yaml.load(fm, { filename: file })
  } catch (err) {
    return [{ file, field: '(frontmatter)', message: `is not valid YAML: ${String(err)}` }]
  }
  return data === undefined ? [] : checkFrontmatterData(data, folder, file, numbers)
}

/** A lesson folder's quiz.yaml and workbook.yaml (both optional) against their schemas, and the `.yml` names that would be ignored. */
function checkDataFiles(dir: string, rel: Rel): Problem[] {
  const problems: Problem[] = []
  for (const [name, schema] of [
    ['quiz.yaml', quizSchema],
    ['workbook.yaml', workbookSchema],
  ] as const) {
    const file = path.join(dir, name)
    if (!existsSync(file)) continue
    const data = parseYaml(file, rel(file), problems)
    if (data === undefined) continue
    problems.push(...validate(schema, data, rel(file)))
  }
  for (const stray of ['quiz.yml', 'workbook.yml']) {
    if (existsSync(path.join(dir, stray))) {
      problems.push({
        file: rel(path.join(dir, stray)),
        field: '(file)',
        message: `is ignored. Fix: rename it to ${stray.replace('.yml', '.yaml')}.`,
      })
    }
  }
  return problems
}

/**
 * Checks every lesson under `rootDir` (the `lessons/` folder).
 * Paths in problems are shown relative to `displayBase` (default: rootDir's parent, i.e. the repo root).
 *
 * @example
 * checkLessons('lessons').map(formatProblem) // => [] when every lesson is valid
 */
export function checkLessons(rootDir: string, displayBase: string = path.dirname(path.resolve(rootDir))): Problem[] {
  const rel: Rel = (abs) => path.relative(displayBase, abs).split(path.sep).join('/')
  if (!existsSync(rootDir)) {
    return [{ file: rel(rootDir), field: '(folder)', message: 'does not exist. Fix: create lessons/NN-slug/index.mdx.' }]
  }
  const problems: Problem[] = []
  const numbers: Numbers = new Map()
  const folders = readdirSync(rootDir)
    .filter((name) => !name.startsWith('.') && statSync(path.join(rootDir, name)).isDirectory())
    .sort()
  for (const folder of folders) {
    const dir = path.join(rootDir, folder)
    if (!lessonFolderPattern.test(folder)) {
      problems.push({
        file: rel(dir),
        field: '(folder)',
        message: 'lesson folders must be named NN-slug (two digits, dash, lowercase slug). Fix: rename, e.g. "03-rooms-and-namespaces".',
      })
      continue
    }
    problems.push(...checkIndex(dir, folder, rel, numbers), ...checkDataFiles(dir, rel))
  }
  return problems
}
