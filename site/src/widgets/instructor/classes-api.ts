/**
 * The console's class actions over the instructor routes (`/instructor/classes…` on any instance),
 * behind an interface so the panel can be driven by anything that implements it. The real one
 * makes its requests through the instructor pages' keyed client (`sandbox/instructor-client.ts`:
 * the key as `Authorization: Bearer`, never in a URL; every answer checked with the protocol's
 * checks) and turns an error answer into a thrown {@link ClassesApiError}.
 */
import { type Check } from '@realtime-workbook/sandbox-server/protocol'
import { isClassDetail, isClassList, type ClassDetail, type ClassList } from '@realtime-workbook/sandbox-server/protocol/classes'
import { isErrorAck } from '../../sandbox/connector.ts'
import { createInstructorClient } from '../../sandbox/instructor-client.ts'

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

/** A refused or failed call: the server's code (`INSTRUCTOR_UNAUTHORIZED`, `CLASS_LIMIT`…) or `BAD_ANSWER` / `CONNECT_FAILED` / `TIMEOUT`. */
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
 * The real `ClassesApi`.
 *
 * @example
 * const api = createClassesApi({ base: () => 'http://localhost:4001', key })
 * const { code } = await api.create()
 */
export function createClassesApi(options: ClassesApiOptions): ClassesApi {
  const client = createInstructorClient(options.key, options.fetch)
  async function call<T>(path: string, check: Check<T>, body?: object): Promise<T> {
    const url = `${await options.base()}/instructor/classes${path}`
    const answer = body === undefined ? await client.get(url, check) : await client.post(url, body, check)
    if (isErrorAck(answer)) throw new ClassesApiError(answer.error.code, answer.error.message)
    return answer
  }
  const at = (code: string): string => `/${encodeURIComponent(code)}`
  return {
    create: () => call('', isClassDetail, {}),
    list: () => call('', isClassList),
    get: (code) => call(at(code), isClassDetail),
    lock: (code, locked) => call(`${at(code)}/lock`, isClassDetail, { locked }),
    reset: (code) => call(`${at(code)}/reset`, isClassDetail, {}),
    close: (code) => call(`${at(code)}/close`, isClassDetail, {}),
    announce: (code, text) => call(`${at(code)}/announce`, isClassDetail, { text }),
  }
}
