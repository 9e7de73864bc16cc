/**
 * An in-memory `ClassesApi` for the console's tests, with the instructor routes' rules: join codes
 * from the protocol's alphabet, the cap on open classes (`CLASS_LIMIT`), `CLASS_NOT_FOUND`, the
 * announcement's bounds (`INVALID_PAYLOAD`), lock, close. `tests/contract` runs the same class
 * scenarios on it and on real instances. `addMember` stands in for a learner joining on `/class`.
 */
import {
  ANNOUNCEMENT_MAX_LENGTH,
  ANNOUNCEMENT_RULE,
  CLASS_CODE_PATTERN,
  CLASS_CODE_RULE,
  composeClassCode,
  type ClassDetail,
  type ClassMember,
} from '@realtime-workbook/sandbox-server/protocol/classes'
import { ClassesApiError, type ClassesApi } from './classes-api.ts'

export interface FakeClassesApi extends ClassesApi {
  /** A member as if they had joined on `/class` (no name rules here: the namespace has them). */
  addMember(code: string, member: ClassMember): void
}

const pick = (alphabet: string, length: number): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(length)), (byte) => alphabet[byte % alphabet.length]).join('')

/**
 * The fake.
 *
 * @example
 * const api = createFakeClassesApi({ maxClasses: 20 })
 * const { code } = await api.create()
 */
export function createFakeClassesApi(limits: { maxClasses: number }): FakeClassesApi {
  const classes = new Map<string, ClassDetail>()
  const get = async (code: string): Promise<ClassDetail> => {
    if (!CLASS_CODE_PATTERN.test(code)) throw new ClassesApiError('INVALID_PAYLOAD', `code: ${CLASS_CODE_RULE}`)
    const found = classes.get(code)
    if (!found) throw new ClassesApiError('CLASS_NOT_FOUND', 'no open class has this code')
    return structuredClone(found)
  }
  const change = async (code: string, patch: Partial<ClassDetail>): Promise<ClassDetail> => {
    const next = { ...(await get(code)), ...patch }
    classes.set(code, next)
    return structuredClone(next)
  }
  return {
    async create() {
      if (classes.size >= limits.maxClasses)
        throw new ClassesApiError('CLASS_LIMIT', `${limits.maxClasses} classes are open already: close one first`)
      let code = composeClassCode(pick)
      while (classes.has(code)) code = composeClassCode(pick)
      const made: ClassDetail = {
        code,
        space: pick('abcdefghijklmnopqrstuvwxyz0123456789', 6),
        locked: false,
        createdAt: Date.now(),
        memberCount: 0,
        announcement: null,
        members: [],
      }
      classes.set(code, made)
      return structuredClone(made)
    },
    list: async () => ({
      classes: [...classes.values()].map(({ members: _members, ...summary }) => summary),
      maxClasses: limits.maxClasses,
    }),
    get,
    lock: (code, locked) => change(code, { locked }),
    reset: (code) => get(code),
    announce(code, text) {
      const trimmed = text.trim()
      if (!trimmed || trimmed.length > ANNOUNCEMENT_MAX_LENGTH)
        return Promise.reject(new ClassesApiError('INVALID_PAYLOAD', `body.text: ${ANNOUNCEMENT_RULE}`))
      return change(code, { announcement: { text: trimmed, at: Date.now() } })
    },
    async close(code) {
      const closed = await get(code)
      classes.delete(code)
      return { ...closed, memberCount: 0, members: [] }
    },
    addMember(code, member) {
      const found = classes.get(code)
      if (!found) return
      found.members = [...found.members, member].sort((a, b) => a.name.localeCompare(b.name, 'en'))
      found.memberCount = found.members.length
    },
  }
}
