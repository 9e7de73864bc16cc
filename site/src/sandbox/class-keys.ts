/**
 * The names a class member's pages share: the localStorage key of the membership and the window
 * events between the class client, the space bars and the widgets' space state. No imports: every
 * page's class bootstrap and every widget chunk carry this module; the full membership and its
 * checks (class-membership.ts) load with the class client and the join form only.
 */

export const CLASS_STORAGE_KEY = 'rtwb:class:v1'

/** Window events. `space`: detail = the space to move to ('' = your own); `reset`: reopen everything in the current space. */
export const CLASS_EVENTS = {
  space: 'rtwb:class-space',
  reset: 'rtwb:class-reset',
  /** Space bar -> class client: detail `{ code, name }` (a join asked for). */
  join: 'rtwb:class-join',
  /** Space bar -> class client: leave the class. */
  leave: 'rtwb:class-leave',
  /** Class client -> space bar: detail `ClassStatus`. */
  status: 'rtwb:class-status',
} as const

/**
 * The class space this browser's widgets belong in, as stored (unchecked: the caller tests it
 * against the space-code rule), or `null` when in no class.
 *
 * @example
 * storedClassSpace() // => 'q0x9ka' while in a class
 */
export function storedClassSpace(): string | null {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(CLASS_STORAGE_KEY) ?? 'null')
    return typeof value === 'object' && value !== null && 'space' in value && typeof value.space === 'string' ? value.space : null
  } catch {
    return null
  }
}
