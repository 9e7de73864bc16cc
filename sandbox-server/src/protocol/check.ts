/**
 * Tiny structural checks for what the browser receives (acks, events, HTTP answers), without zod:
 * a lesson page has a 36 KB gzip JS budget, and zod alone is bigger than the sandbox client layer.
 *
 * A `Check<T>` is a type guard: `check(value)` narrows `value` to `T`, so call sites need no cast.
 * Checks compose (`objectOf`, `arrayOf`, `oneOf`, ...) and the TypeScript type of a composed check
 * is derived from its parts; declaring it as `Check<ProtocolType>` makes the compiler prove that
 * everything the check accepts is a `ProtocolType` (a missing or mistyped field fails to compile).
 * Extra fields are accepted and kept, so a newer server does not break an older page.
 *
 * @module
 */

/** Receives where the first problem was found: `.rooms[0]`, or `''` for the value itself. */
export type Why = (path: string) => void

/** A type guard for data from the network; `why` hears where the first problem is. */
export type Check<T> = (value: unknown, why?: Why) => value is T

/** The type a check accepts. */
export type Checked<C> = C extends (value: unknown, why?: Why) => value is infer T ? T : never

type Shape = Record<string, Check<unknown>>
type ShapeOf<S extends Shape> = { [K in keyof S]: Checked<S[K]> }

/** A check from a plain test (the one place where a test's `true` is taken as proof of `T`). */
function leaf<T>(test: (value: unknown) => boolean): Check<T> {
  return (value, why): value is T => test(value) || (why?.(''), false)
}

/** Prefixes the path a part reports with its place in the whole. */
const inside = (why: Why | undefined, step: string): Why | undefined => why && ((path) => why(step + path))

/** A string. */
export const isString: Check<string> = leaf((value) => typeof value === 'string')
/** A finite number. */
export const isNumber: Check<number> = leaf((value) => Number.isFinite(value))
/** A boolean. */
export const isBoolean: Check<boolean> = leaf((value) => typeof value === 'boolean')
/** `[name, value]`, e.g. an HTTP header. */
export const isStringPair: Check<[string, string]> = leaf(
  (value) => Array.isArray(value) && value.length === 2 && value.every((x) => typeof x === 'string'),
)

/**
 * One of a fixed list of values.
 *
 * @example
 * oneOf(['redis', 'local-only'])('redis') // => true
 */
export function oneOf<const L extends readonly (string | number | boolean | null)[]>(values: L): Check<L[number]> {
  return leaf((value) => values.some((v) => v === value))
}

/** `check`, or `null`. */
export function orNull<T>(check: Check<T>): Check<T | null> {
  return (value, why): value is T | null => value === null || check(value, why)
}

/** `check`, or absent (`undefined`): for optional fields. */
export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (value, why): value is T | undefined => value === undefined || check(value, why)
}

/**
 * An array whose every item passes `item`.
 *
 * @example
 * arrayOf(isString)(['paris', 'lyon']) // => true
 */
export function arrayOf<T>(item: Check<T>): Check<T[]> {
  return (value, why): value is T[] => (Array.isArray(value) ? value.every((x, i) => item(x, inside(why, `[${i}]`))) : (why?.(''), false))
}

/**
 * An object whose listed fields pass their checks (other fields are allowed and kept).
 *
 * @example
 * objectOf({ ok: oneOf([true]), rooms: arrayOf(isString) })({ ok: true, rooms: [] }) // => true
 */
export function objectOf<S extends Shape>(shape: S): Check<ShapeOf<S>> {
  return (value, why): value is ShapeOf<S> => {
    if (typeof value !== 'object' || value === null) return (why?.(''), false)
    // Any object can be read as a bag of unknown fields: its fields are checked next.
    const fields = value as Record<string, unknown>
    return Object.keys(shape).every((key) => shape[key]?.(fields[key], inside(why, `.${key}`)))
  }
}

/**
 * Passes when one of `checks` passes (a failure is reported for the whole, not per branch).
 *
 * @example
 * anyOf(isString, isNumber)(4) // => true
 */
export function anyOf<C extends Check<unknown>[]>(...checks: C): Check<Checked<C[number]>> {
  return leaf((value) => checks.some((check) => check(value)))
}

/**
 * Where `value` fails `check`, as one sentence naming `what` was checked.
 *
 * @example
 * explain(objectOf({ rooms: arrayOf(isString) }), { rooms: [1] }, 'room:join answer')
 * // => 'room:join answer.rooms[0]: unexpected value'
 */
export function explain(check: Check<unknown>, value: unknown, what: string): string {
  let where = ''
  check(value, (path) => (where = path))
  return `${what}${where}: unexpected value`
}
