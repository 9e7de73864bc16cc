/**
 * The console's class actions over the instructor routes (`/instructor/classes…` on any instance),
 * behind an interface so the panel can be driven by anything that implements it. The real one
 * sends the key as `Authorization: Bearer` (never in a URL) and checks every answer with the
 * protocol's checks.
 */
import {
  isClassDetail,
  isClassList,
  isErrorAnswer,
  type Check,
  type ClassDetail,
  type ClassList,
} from '@realtime-workbook/sandbox-server/protocol'

/** What the classes panel and the projector need. */
export interface ClassesApi {
  create(): Promise<ClassDetail>
  list(): Promise<ClassList>
  get(code: string): Promise<ClassDetail>
  lock(code: string, locked: boolean): Promise<ClassDetail>
  reset(code: string): Promise<ClassDetail>
  close(code: string): Promise<ClassDetail>
  announce(code: string, text: string): Promise<ClassDetail>
}

/** A refused or failed call: the server's code (`INSTRUCTOR_UNAUTHORIZED`, `CLASS_LIMIT`…) or `BAD_ANSWER` / `CONNECT_FAILED`. */
export class ClassesApiError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.code = code
  }
}

export interface ClassesApiOptions {
  /** An instance's base URL, e.g. `http://localhost:4001` (any instance: classes live in Redis). */
  base: () => Promise<string> | string
  /** The instructor's secret, or the projector's key (then only `list` and `get` succeed). */
  key: string
  fetch?: typeof fetch
}

/**
 * The real `ClassesApi`, a keyed fetch.
 *
 * @example
 * const api = createClassesApi({ base: () => 'http://localhost:4001', key })
 * const { code } = await api.create()
 */
export function createClassesApi(options: ClassesApiOptions): ClassesApi {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init))
  async function call<T>(method: 'GET' | 'POST', path: string, check: Check<T>, body?: object): Promise<T> {
    let response: Response
    try {
      response = await doFetch(`${await options.base()}/instructor/classes${path}`, {
        method,
        headers: { Authorization: `Bearer ${options.key}`, ...(body && { 'Content-Type': 'application/json' }) },
        ...(body && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(5000),
      })
    } catch (error) {
      throw new ClassesApiError('CONNECT_FAILED', `the sandbox did not answer (${String(error)})`)
    }
    const json: unknown = await response.json().catch(() => null)
    if (isErrorAnswer(json)) throw new ClassesApiError(json.error.code, json.error.message)
    if (!response.ok || !check(json)) throw new ClassesApiError('BAD_ANSWER', `unexpected answer (HTTP ${response.status})`)
    return json
  }
  const at = (code: string): string => `/${encodeURIComponent(code)}`
  return {
    create: () => call('POST', '', isClassDetail, {}),
    list: () => call('GET', '', isClassList),
    get: (code) => call('GET', at(code), isClassDetail),
    lock: (code, locked) => call('POST', `${at(code)}/lock`, isClassDetail, { locked }),
    reset: (code) => call('POST', `${at(code)}/reset`, isClassDetail, {}),
    close: (code) => call('POST', `${at(code)}/close`, isClassDetail, {}),
    announce: (code, text) => call('POST', `${at(code)}/announce`, isClassDetail, { text }),
  }
}
