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

/**
 * Checks every lesson under `rootDir` (the `lessons/` folder).
 * Paths in problems are shown relative to `displayBase` (default: rootDir's parent, i.e. the repo root).
 */
export function checkLessons(rootDir: string, displayBase: string = path.dirname(path.resolve(rootDir))): Problem[] {
  const problems: Problem[] = []
  const rel = (abs: string) => path.relative(displayBase, abs).split(path.sep).join('/')
  if (!existsSync(rootDir)) {
    return [{ file: rel(rootDir), field: '(folder)', message: 'does not exist. Fix: create lessons/NN-slug/index.mdx.' }]
  }
  const numbers = new Map<number, string>()
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
    const index = path.join(dir, 'index.mdx')
    if (!existsSync(index)) {
      problems.push({ file: rel(index), field: '(file)', message: 'is missing. Fix: every lesson folder needs an index.mdx.' })
    } else {
      const fm = frontmatterOf(readFileSync(index, 'utf8'))
      if (fm === undefined) {
        problems.push({
          file: rel(index),
          field: '(frontmatter)',
          message: 'has no YAML frontmatter. Fix: start the file with --- title: ... lesson: {...} ---.',
        })
      } else {
        let data: unknown
        try {
          data = yaml.load(fm, { filename: rel(index) })
        } catch (err) {
          problems.push({ file: rel(index), field: '(frontmatter)', message: `is not valid YAML: ${String(err)}` })
        }
        if (data !== undefined) {
          const obj = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>
          if (typeof obj['title'] !== 'string' || obj['title'].trim() === '') {
            problems.push({ file: rel(index), field: 'title', message: 'is required. Fix: add title: "..." to the frontmatter.' })
          }
          if (obj['lesson'] === undefined) {
            problems.push({
              file: rel(index),
              field: 'lesson',
              message: 'is required for lessons. Fix: add lesson: { number: N, status: ready, objectives: [...] }.',
            })
          } else {
            const before = problems.length
            problems.push(...validate(lessonMetaSchema, obj['lesson'], rel(index), ['lesson']))
            if (problems.length === before) {
              const n = (obj['lesson'] as { number: number }).number
              const other = numbers.get(n)
              if (other) {
                problems.push({
                  file: rel(index),
                  field: 'lesson.number',
                  message: `${n} is already used by ${other}. Fix: give each lesson its own number.`,
                })
              } else {
                numbers.set(n, rel(index))
              }
              const prefix = Number(folder.slice(0, 2))
              if (prefix !== n) {
                problems.push({
                  file: rel(index),
                  field: 'lesson.number',
                  message: `is ${n} but the folder is numbered ${folder.slice(0, 2)}. Fix: make them match.`,
                })
              }
            }
          }
        }
      }
    }
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
  }
  return problems
}
