/**
 * The log lines of the learner's space, as the instances' observers stream them (`log` trace
 * events: already filtered by the server, never a token nor a message body), kept briefly so each
 * attack can show the lines written while it ran.
 */
import type { LogTrace, TraceEvent } from '@realtime-workbook/sandbox-server/protocol'

const KEEP = 200

/**
 * One line as the lab shows it: level, instance, message, then code and event when present.
 *
 * @example
 * formatLogLine({ kind: 'log', at: 0, instance: 'i1', level: 'warn', msg: 'handshake refused', code: 'TOKEN_MISSING' })
 * // => 'warn i1 handshake refused code=TOKEN_MISSING'
 */
export function formatLogLine(line: LogTrace): string {
  const extras = [line.code && `code=${line.code}`, line.event && `event=${line.event}`, line.namespace && `namespace=${line.namespace}`]
  return [line.level, line.instance, line.msg, ...extras].filter(Boolean).join(' ')
}

/**
 * The recent log lines, stamped with the browser's arrival time.
 *
 * @example
 * const logs = createLogBuffer()
 * session hooks: { trace: (ev) => logs.add(ev) }; later: logs.since(startedAt)
 */
export function createLogBuffer(now: () => number = Date.now) {
  const lines: { at: number; line: LogTrace }[] = []
  return {
    /** Keeps `log` trace events, ignores the others. */
    add(event: TraceEvent) {
      if (event.kind !== 'log') return
      lines.push({ at: now(), line: event })
      if (lines.length > KEEP) lines.splice(0, lines.length - KEEP)
    },
    /** Forgets every line (the space changed: they were about the previous one). */
    clear: () => void lines.splice(0),
    /** Lines that arrived at `since` or later. */
    since: (since: number): LogTrace[] => lines.filter((l) => l.at >= since).map((l) => l.line),
  }
}
export type LogBuffer = ReturnType<typeof createLogBuffer>
