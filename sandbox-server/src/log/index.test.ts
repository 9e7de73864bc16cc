import { afterEach, describe, expect, it } from 'vitest'
import { createLogger, MAX_FIELD_CHARS, type LogEntry, type LoggerOptions, type SandboxLogger } from './index.ts'
import { formatPretty } from './pretty.ts'

const open: SandboxLogger[] = []
afterEach(() => {
  for (const logger of open.splice(0)) logger.close()
})

/** A logger writing to an array of parsed entries. */
function capture(options: Partial<LoggerOptions> = {}): { logger: SandboxLogger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const logger = createLogger({ instanceId: 'i1', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>), ...options })
  open.push(logger)
  return { logger, lines }
}

describe('createLogger', () => {
  it('writes JSON with time, level, instance and the allowed fields only', () => {
    const { logger, lines } = capture()
    const leaky = {
      code: 'INVALID_PAYLOAD',
      address: '10.0.0.7',
      event: 'send',
      token: 'eyJhbGciOi',
      cookie: 'sid=1',
      authorization: 'Bearer x',
      text: 'secret message',
    }
    logger.warn(leaky, 'refused')
    expect(lines).toHaveLength(1)
    const [line] = lines
    expect(line).toMatchObject({
      level: 'warn',
      instance: 'i1',
      code: 'INVALID_PAYLOAD',
      address: '10.0.0.7',
      event: 'send',
      msg: 'refused',
    })
    expect(typeof line?.time).toBe('string')
    expect(JSON.stringify(lines)).not.toMatch(/eyJhbGciOi|sid=1|Bearer|secret message/)
  })

  it('truncates long values: an 8 KB Origin costs a few hundred bytes', () => {
    const { logger, lines } = capture()
    logger.refusal({ code: 'FORBIDDEN_ORIGIN', origin: `http://${'a'.repeat(8_192)}.test` }, 'refused')
    const origin = String(lines[0]?.origin)
    expect(origin.length).toBeLessThan(MAX_FIELD_CHARS + 30)
    expect(origin).toMatch(/\(8204 chars\)$/)
    expect(JSON.stringify(lines[0]).length).toBeLessThan(500)
  })

  it('samples repeated refusals per code and address, then writes one summary line', () => {
    const { logger, lines } = capture({ sampler: { perKey: 3, windowMs: 60_000 } })
    for (let i = 0; i < 100; i++) logger.refusal({ code: 'RATE_LIMITED', address: '10.0.0.7' }, 'too many events')
    logger.refusal({ code: 'RATE_LIMITED', address: '10.0.0.8' }, 'too many events')
    expect(lines).toHaveLength(4)
    logger.close()
    expect(lines.at(-1)).toMatchObject({ code: 'RATE_LIMITED', address: '10.0.0.7', suppressed: 97 })
    expect(lines).toHaveLength(5)
  })

  it('keeps at most maxKeys keys per window; the rest share one overflow count', () => {
    const { logger, lines } = capture({ sampler: { perKey: 1, maxKeys: 10, windowMs: 60_000 } })
    for (let i = 0; i < 1_000; i++) logger.refusal({ code: 'FORBIDDEN_ORIGIN', address: `10.0.${i >> 8}.${i & 255}` }, 'refused')
    expect(lines).toHaveLength(10)
    logger.close()
    expect(lines.at(-1)).toMatchObject({ code: 'MANY', suppressed: 990 })
  })

  it('hands entries that name a space to its listeners, filtered like the line', () => {
    const { logger } = capture()
    const seen: [string, LogEntry][] = []
    const stop = logger.onSpaceEntry((space, entry) => seen.push([space, entry]))
    logger.info({ address: '1.2.3.4' }, 'no space')
    logger.refusal({ code: 'ROOM_LIMIT', space: 'k7q2mx', event: 'room:join' }, 'a socket may sit in at most 8 rooms')
    stop()
    logger.warn({ space: 'k7q2mx' }, 'after unsubscribe')
    expect(seen).toEqual([
      ['k7q2mx', { level: 'warn', msg: 'a socket may sit in at most 8 rooms', code: 'ROOM_LIMIT', space: 'k7q2mx', event: 'room:join' }],
    ])
  })

  it('writes nothing below its level', () => {
    const { logger, lines } = capture({ level: 'warn' })
    logger.info({}, 'quiet')
    logger.error({ err: new TypeError('boom') }, 'loud')
    expect(lines).toEqual([expect.objectContaining({ level: 'error', err: 'TypeError: boom' })])
  })
})

describe('formatPretty', () => {
  it('turns a JSON line into one readable line', () => {
    const line = '{"level":"warn","time":"2026-11-30T07:12:01.000Z","instance":"i1","code":"RATE_LIMITED","msg":"refused"}\n'
    expect(formatPretty(line)).toBe('[i1] 07:12:01 WARN  refused  code=RATE_LIMITED\n')
    expect(formatPretty('not json\n')).toBe('not json\n')
  })
})
