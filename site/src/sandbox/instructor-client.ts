/**
 * The instructor pages' one door to keyed requests: the key, read ONCE from the link `npm start`
 * printed (`/instructor/#key=<secret>`, `/instructor/projector/#view=<projector key>`), kept in
 * `sessionStorage` (this tab only, gone when it closes) and removed from the address bar, so it is
 * not left in the history, a screenshot or a shared link; then every request carries it as
 * `Authorization: Bearer <key>` (a header: no other origin can make the browser send it), and every
 * answer is checked with the protocol's checks (a malformed one becomes a local `BAD_ANSWER`).
 * The console, the projector and the class panel all use this module.
 *
 * @module
 */
import { explain, isErrorAnswer, isWhoamiAnswer, type Check, type WhoamiAnswer } from '@realtime-workbook/sandbox-server/protocol'
import { localErrorAck, type LocalErrorAck } from './connector.ts'

/** The fragment's parameter: `key` (the instructor's console) or `view` (the projector). */
export type KeyKind = 'key' | 'view'

/** A key as the launcher prints them: the secret (32-512 base64url characters) or the 43-character projector key. */
const KEY_PATTERN = /^[A-Za-z0-9_-]{32,512}$/

const storageName = (kind: KeyKind): string => `rtwb-instructor-${kind}`

/** What {@link takeKey} touches: the page's location, history and session storage (tests pass stand-ins). */
export interface KeyEnvironment {
  location: { hash: string; pathname: string; search: string }
  history: { replaceState(data: unknown, unused: string, url?: string): void }
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
}

const browserEnvironment = (): KeyEnvironment => ({ location, history, storage: sessionStorage })

/**
 * The key of this tab: from the fragment (`#key=` or `#view=`, then stored and removed from the
 * address bar), else from `sessionStorage`; `null` when there is none, or it is not key-shaped.
 *
 * @example
 * // at /instructor/#key=abc...xyz
 * takeKey('key') // => 'abc...xyz', and the address bar now shows /instructor/
 */
export function takeKey(kind: KeyKind, env: KeyEnvironment = browserEnvironment()): string | null {
  const fragment = new URLSearchParams(env.location.hash.replace(/^#/, ''))
  const fromLink = fragment.get(kind)
  if (fromLink !== null) {
    env.history.replaceState(null, '', env.location.pathname + env.location.search)
    if (KEY_PATTERN.test(fromLink)) env.storage.setItem(storageName(kind), fromLink)
    else env.storage.removeItem(storageName(kind))
  }
  const stored = env.storage.getItem(storageName(kind))
  return stored !== null && KEY_PATTERN.test(stored) ? stored : null
}

/**
 * Forgets this tab's key (after the instances refused it).
 *
 * @example
 * forgetKey('key')
 */
export function forgetKey(kind: KeyKind, storage: KeyEnvironment['storage'] = sessionStorage): void {
  storage.removeItem(storageName(kind))
}

/** The answer of a keyed request: the checked body, or an error (the server's, or a local one). */
export type Keyed<T> = T | LocalErrorAck

export interface InstructorClient {
  /** GET `url` with the key; the answer checked with `check`. */
  get<T>(url: string, check: Check<T>): Promise<Keyed<T>>
  /** POST `body` as JSON with the key; the answer checked with `check`. */
  post<T>(url: string, body: unknown, check: Check<T>): Promise<Keyed<T>>
  /** The key's role, asked of the instance at `base` (`INSTRUCTOR_UNAUTHORIZED` when refused). */
  whoami(base: string): Promise<Keyed<WhoamiAnswer>>
}

/**
 * Keyed requests with answer checks; never throws (network failures are `CONNECT_FAILED`,
 * timeouts `TIMEOUT`).
 *
 * @example
 * const client = createInstructorClient(key)
 * const figures = await client.get(`${instance.base}/instructor/cluster`, isInstanceFigures)
 * if (isErrorAck(figures)) show(figures.error.message)
 */
export function createInstructorClient(key: string, doFetch: typeof fetch = (i, o) => fetch(i, o), timeoutMs = 5_000): InstructorClient {
  async function request<T>(url: string, check: Check<T>, init: RequestInit): Promise<Keyed<T>> {
    let response: Response
    try {
      response = await doFetch(url, {
        ...init,
        headers: { ...init.headers, Authorization: `Bearer ${key}` },
        cache: 'no-store',
        credentials: 'omit',
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError'
      return timedOut
        ? localErrorAck('TIMEOUT', `no answer within ${timeoutMs / 1000} s`)
        : localErrorAck('CONNECT_FAILED', `${url}: no answer`)
    }
    const body: unknown = await response.json().catch(() => undefined)
    if (response.ok && check(body)) return body
    if (!response.ok && isErrorAnswer(body)) return body
    return localErrorAck('BAD_ANSWER', response.ok ? explain(check, body, url) : `${url}: HTTP ${response.status}`)
  }
  return {
    get: (url, check) => request(url, check, { method: 'GET' }),
    post: (url, body, check) =>
      request(url, check, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    whoami: (base) => request(`${base}/instructor/whoami`, isWhoamiAnswer, { method: 'GET' }),
  }
}
