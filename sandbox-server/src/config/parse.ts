/**
 * Validation at the edge, shared by the instance and the launcher: environment variables are
 * read in one way ({@link readEnv}) and every problem is reported in one format
 * ({@link ConfigError}): the variable (or option) first, then what was received and what is
 * expected, all problems at once.
 *
 * @module
 */
import type { z } from 'zod'

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>

/** A configuration that could not be used; `problems` name each variable or option and what is wrong. */
export class ConfigError extends Error {
  readonly problems: string[]

  constructor(source: string, problems: string[], hint?: string) {
    super(`Invalid ${source}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}${hint ? `\n${hint}` : ''}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

/** Turns an issue's path into what the person has to change (an option name or a variable). */
export type PathLabel = (path: ReadonlyArray<string | number>) => string

/** Option names as paths: `allowedOrigins`, `instance.maxStreams`. */
export const optionLabel: PathLabel = (path) => path.join('.') || '(options)'

/**
 * Parses `input` with `schema`; on failure throws one {@link ConfigError} listing every problem,
 * each prefixed with `label(path)`.
 *
 * @example
 * parseConfig(z.object({ port: portSchema }), { port: 'x' }, { source: 'options', label: optionLabel })
 * // throws: Invalid options:\n  - port: "x" is not a port (expected a whole number from 0 to 65535)
 */
export function parseConfig<S extends z.ZodTypeAny>(
  schema: S,
  input: unknown,
  options: { source: string; label: PathLabel; hint?: string },
): z.output<S> {
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map((issue) => `${options.label(issue.path)}: ${issue.message}`)
  throw new ConfigError(options.source, [...new Set(problems)], options.hint)
}

/**
 * The variables named in `names` that are set, keyed by option; a variable set to an empty
 * string counts as unset (so `FOO= npm start` means the default).
 *
 * @example
 * readEnv({ PORT: '4002', HOST: '' }, { port: 'PORT', host: 'HOST' }) // => { port: '4002' }
 */
export function readEnv<K extends string>(env: Env, names: Readonly<Record<K, string>>): Partial<Record<K, string>> {
  const options: Partial<Record<K, string>> = {}
  for (const key of Object.keys(names) as K[]) {
    const raw = env[names[key]]?.trim()
    if (raw) options[key] = raw
  }
  return options
}

/**
 * A label for configuration read from the environment: the variable of the option at the head
 * of the path (`SANDBOX_ORIGINS`), or the path itself for anything else.
 *
 * @example
 * envLabel({ port: 'PORT' })(['port']) // => 'PORT'
 */
export function envLabel(names: Readonly<Record<string, string>>): PathLabel {
  return (path) => {
    const head = path[0]
    return typeof head === 'string' && head in names ? (names[head] ?? head) : optionLabel(path)
  }
}
