/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests and tools:
 * every line must be a `# HELP`, a `# TYPE`, another comment, a blank line or a sample; a
 * sample's family must have been typed before it; a series may appear once. What Prometheus
 * would refuse, this throws on, naming the line.
 *
 * @module
 */

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Exposition {
  /** Family name -> type (`counter`, `gauge`, `histogram`, `summary`, `untyped`). */
  types: Map<string, string>
  samples: Sample[]
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`)
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created']

/**
 * Parses a sample value as Prometheus does (Go's `ParseFloat`): a float, or `Inf`, `+Inf`, `-Inf`,
 * `NaN` in any case (prom-client writes `Nan` for a gauge with no data yet).
 */
function parseValue(text: string): number | null {
  const word = text.toLowerCase()
  if (word === 'inf' || word === '+inf') return Infinity
  if (word === '-inf') return -Infinity
  if (word === 'nan') return Number.NaN
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : null
}

/** `a="x",b="y"` -> `{ a: 'x', b: 'y' }`, or `null` when malformed. */
function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {}
  let rest = text
  while (rest.length > 0) {
    const match = LABEL.exec(rest)
    if (!match) return null
    const [whole, name = '', value = ''] = match
    if (name in labels) return null
    labels[name] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    rest = rest.slice(whole.length)
  }
  return labels
}

/** The family a sample name belongs to, among the typed ones. */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name
  const suffix = SUFFIXES.find((s) => name.endsWith(s))
  return suffix && types.has(name.slice(0, -suffix.length)) ? name.slice(0, -suffix.length) : undefined
}

/**
 * Parses exposition text, or throws `line N: why`.
 *
 * @example
 * parseExposition('# TYPE up gauge\nup 1\n').samples // => [{ name: 'up', labels: {}, value: 1 }]
 */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>()
  const samples: Sample[] = []
  const series = new Set<string>()
  text.split('\n').forEach((line, index) => {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1}: ${why}: ${line.slice(0, 120)}`)
    }
    if (line === '') return
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line)
      if (!meta) return
      const [, keyword, name = '', rest = ''] = meta
      if (!new RegExp(`^${NAME}$`).test(name)) fail('bad metric name')
      if (keyword === 'TYPE') {
        if (!TYPES.has(rest)) fail('unknown type')
        if (types.has(name)) fail('second TYPE for one family')
        types.set(name, rest)
      }
      return
    }
    const match = SAMPLE.exec(line) ?? fail('not a sample')
    const [, name = '', labelText = '', valueText = ''] = match
    const labels = parseLabels(labelText) ?? fail('bad labels')
    const value = parseValue(valueText) ?? fail('bad value')
    if (!familyOf(name, types)) fail('sample before its TYPE')
    const key = `${name}{${Object.entries(labels)
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}}`
    if (series.has(key)) fail('duplicate series')
    series.add(key)
    samples.push({ name, labels, value })
  })
  return { types, samples }
}
