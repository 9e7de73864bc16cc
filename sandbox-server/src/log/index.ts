/**
 * One structured logger per instance (pino): JSON lines with `time`, `level`, `instance`, and
 * only the fields {@link LogFields} names, so a token, a cookie, an Authorization header or a
 * message body cannot reach the log by accident: nothing else is ever written. Every string is
 * cut at {@link MAX_FIELD_CHARS} (a refused 8 KB Origin costs ~200 bytes, not 8 KB).
 *
 * Refusals go through {@link SandboxLogger.refusal}, which samples: per key (code + client
 * address) the first {@link SamplerOptions.perKey} lines of a window are written, the rest are
 * counted and summed up in one `suppressed` line when the window ends. The sampler holds at most
 * {@link SamplerOptions.maxKeys} keys per window (beyond that, refusals share one overflow
 * count), so an attacker can flood neither the log nor the instance's memory.
 *
 * Entries that carry a `space` are also handed to {@link SandboxLogger.onSpaceEntry} listeners
 * (the observer streams them to that space's watchers as `log` trace events).
 *
 * @module
 */
import { pino, type Logger } from 'pino'
import type { LogLevel } from '../protocol/index.ts'
import { formatPretty } from './pretty.ts'

export type { LogLevel } from '../protocol/index.ts'

/** Longest string value kept in a log field. */
export const MAX_FIELD_CHARS = 200

/** The fields a log entry may carry: there is no way to log anything else. */
export interface LogFields {
  /** Client address (IP) as the TCP socket reports it. */
  address?: string
  /** Learner space code, when the entry is about one space (then streamed to its observers). */
  space?: string
  /** Learner-facing namespace, e.g. `/chat`. */
  namespace?: string
  /** Socket.IO event name. */
  event?: string
  /** Stable error code (protocol `ERROR_CODES`, or an Engine.IO refusal code). */
  code?: string
  /** Origin header of a refused request (truncated). */
  origin?: string
  /** HTTP method and path of a request. */
  method?: string
  path?: string
  /** A disconnect reason, a Redis state, a signal: a short word. */
  reason?: string
  /** A listening URL, a port. */
  url?: string
  /** How many lines the sampler suppressed. */
  suppressed?: number
  /** An unexpected error: only its name and message are kept (no stack of user data). */
  err?: unknown
}

/** One written entry, as space listeners receive it (already truncated and filtered). */
export interface LogEntry extends Omit<LogFields, 'err'> {
  level: LogLevel
  msg: string
  err?: string
}

export interface SamplerOptions {
  /** Lines written per key per window. @default 5 */
  perKey?: number
  /** Window length, ms. @default 10000 */
  windowMs?: number
  /** Keys tracked per window. @default 1000 */
  maxKeys?: number
}

export interface LoggerOptions {
  instanceId: string
  /** Where each line goes: a function receiving one serialized line, or stdout by default. */
  write?: (line: string) => void
  /** `pretty`: one readable line per entry (a terminal); `json` otherwise. @default 'json' */
  format?: 'json' | 'pretty'
  /** @default 'info' */
  level?: LogLevel | 'silent'
  sampler?: SamplerOptions
}

export interface SandboxLogger {
  debug(fields: LogFields, msg: string): void
  info(fields: LogFields, msg: string): void
  warn(fields: LogFields, msg: string): void
  error(fields: LogFields, msg: string): void
  /** A refused request or event (a `warn`), sampled per code and client address. */
  refusal(fields: LogFields & { code: string }, msg: string): void
  /** Calls `listener` with every entry that carries a `space`; returns the unsubscribe. */
  onSpaceEntry(listener: (space: string, entry: LogEntry) => void): () => void
  /** Writes pending sampler summaries and stops the window timer. */
  close(): void
}

const FIELD_NAMES = ['address', 'space', 'namespace', 'event', 'code', 'origin', 'method', 'path', 'reason', 'url', 'suppressed'] as const

/** Cuts a string to {@link MAX_FIELD_CHARS}, saying how long it was. */
export function truncate(value: string): string {
  return value.length <= MAX_FIELD_CHARS ? value : `${value.slice(0, MAX_FIELD_CHARS)}...(${value.length} chars)`
}

/** Keeps the allowed fields only, strings truncated; an error becomes `name: message`. */
function clean(fields: LogFields): Omit<LogEntry, 'level' | 'msg'> {
  const out: Record<string, string | number> = {}
  for (const name of FIELD_NAMES) {
    const value = fields[name]
    if (typeof value === 'string') out[name] = truncate(value)
    else if (typeof value === 'number' && Number.isFinite(value)) out[name] = value
  }
  if (fields.err !== undefined) {
    out.err = truncate(fields.err instanceof Error ? `${fields.err.name}: ${fields.err.message}` : String(fields.err))
  }
  return out
}

/**
 * First N lines per key (code + address) per window, then a count; at most `maxKeys` keys. The
 * instance logger samples its refusals with it; the launcher its refused fault requests.
 *
 * @example
 * const sampler = new RefusalSampler({ perKey: 1 }, (key, suppressed) => console.warn(key.code, suppressed))
 * sampler.admit({ code: 'FORBIDDEN_ORIGIN', address: '127.0.0.1' }) // => true
 * sampler.admit({ code: 'FORBIDDEN_ORIGIN', address: '127.0.0.1' }) // => false (counted)
 */
export class RefusalSampler {
  readonly #perKey: number
  readonly #maxKeys: number
  #seen = new Map<string, { count: number; fields: LogFields & { code: string } }>()
  #overflow = 0
  readonly #timer: NodeJS.Timeout
  readonly #flush: (key: LogFields & { code: string }, suppressed: number) => void

  constructor(options: SamplerOptions, flush: (key: LogFields & { code: string }, suppressed: number) => void) {
    this.#flush = flush
    this.#perKey = options.perKey ?? 5
    this.#maxKeys = options.maxKeys ?? 1_000
    this.#timer = setInterval(() => this.endWindow(), options.windowMs ?? 10_000)
    this.#timer.unref()
  }

  /** Whether this refusal is written (else it is counted). */
  admit(fields: LogFields & { code: string }): boolean {
    const key = `${fields.code}|${fields.address ?? ''}`
    const entry = this.#seen.get(key)
    if (entry) return ++entry.count <= this.#perKey
    if (this.#seen.size >= this.#maxKeys) {
      this.#overflow += 1
      return false
    }
    this.#seen.set(key, { count: 1, fields: { code: fields.code, address: fields.address } })
    return true
  }

  endWindow(): void {
    for (const { count, fields } of this.#seen.values()) {
      if (count > this.#perKey) this.#flush(fields, count - this.#perKey)
    }
    if (this.#overflow > 0) this.#flush({ code: 'MANY' }, this.#overflow)
    this.#seen = new Map()
    this.#overflow = 0
  }

  close(): void {
    clearInterval(this.#timer)
    this.endWindow()
  }
}

/**
 * Creates an instance's logger.
 *
 * @example
 * const lines: string[] = []
 * const logger = createLogger({ instanceId: 'i1', write: (line) => lines.push(line) })
 * logger.refusal({ code: 'FORBIDDEN_ORIGIN', address: '127.0.0.1', origin: 'http://evil.test' }, 'refused an Engine.IO request')
 * JSON.parse(lines[0]).code // => 'FORBIDDEN_ORIGIN'
 */
export function createLogger(options: LoggerOptions): SandboxLogger {
  const format = options.format ?? 'json'
  const sink = options.write ?? ((line: string) => void process.stdout.write(line))
  const write = format === 'pretty' ? (line: string) => sink(formatPretty(line)) : sink
  const base: Logger = pino(
    {
      level: options.level ?? 'info',
      base: { instance: options.instanceId },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write },
  )
  const listeners = new Set<(space: string, entry: LogEntry) => void>()
  const at =
    (level: LogLevel) =>
    (fields: LogFields, msg: string): void => {
      const cleaned = clean(fields)
      const text = truncate(msg)
      base[level](cleaned, text)
      if (cleaned.space && listeners.size > 0 && base.isLevelEnabled(level)) {
        for (const listener of listeners) listener(cleaned.space, { level, msg: text, ...cleaned })
      }
    }
  const warn = at('warn')
  const sampler = new RefusalSampler(options.sampler ?? {}, (fields, suppressed) =>
    warn({ ...fields, suppressed }, `suppressed ${suppressed} more refusals like this in the last window`),
  )
  return {
    debug: at('debug'),
    info: at('info'),
    warn,
    error: at('error'),
    refusal(fields, msg) {
      if (sampler.admit(fields)) warn(fields, msg)
    },
    onSpaceEntry(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close: () => sampler.close(),
  }
}

/**
 * A logger that writes nothing (tests, tools).
 *
 * @example
 * startSandboxServer({ port: 0, log: () => {} }) // same effect, through the `log` option
 */
export function silentLogger(instanceId = 'test'): SandboxLogger {
  return createLogger({ instanceId, level: 'silent', write: () => undefined })
}
