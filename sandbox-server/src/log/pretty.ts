/**
 * A tiny pretty-printer for the instance's JSON log lines, used when a person reads them (a
 * terminal, or `npm start`'s launcher on a terminal): `[i1] 07:12:01 WARN  message  code=... address=...`.
 * No dependency: pino-pretty would pull a dozen packages for this.
 *
 * @module
 */

const HIDDEN = new Set(['level', 'time', 'instance', 'msg', 'pid', 'hostname'])

/**
 * One JSON line as one readable line (a line that is not JSON is returned as it is).
 *
 * @example
 * formatPretty('{"level":"warn","time":"2026-11-30T07:12:01.000Z","instance":"i1","code":"RATE_LIMITED","msg":"refused"}\n')
 * // => '[i1] 07:12:01 WARN  refused  code=RATE_LIMITED\n'
 */
export function formatPretty(line: string): string {
  let entry: unknown
  try {
    entry = JSON.parse(line)
  } catch {
    return line
  }
  if (typeof entry !== 'object' || entry === null) return line
  const fields = Object.entries(entry)
  const get = (name: string): string => String(fields.find(([key]) => key === name)?.[1] ?? '')
  const time = get('time').slice(11, 19)
  const extra = fields
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ')
  return `[${get('instance')}] ${time} ${get('level').toUpperCase().padEnd(5)} ${get('msg')}${extra ? `  ${extra}` : ''}\n`
}
