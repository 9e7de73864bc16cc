/**
 * The contract's class scenarios (the console's `ClassesApi`): the in-memory fake
 * (`createFakeClassesApi`) and the real instructor routes must answer alike. Written against
 * `ClassesApi` only.
 */
import { expect } from 'vitest'
import { SPACE_CODE_PATTERN } from '@realtime-workbook/sandbox-server/protocol'
import { CLASS_CODE_PATTERN } from '@realtime-workbook/sandbox-server/protocol/classes'
import type { ClassesApi } from '../../site/src/widgets/instructor/classes-api.ts'

export interface ClassWorld {
  /** The instructor's api. */
  api: ClassesApi
  /** The same, with the projector's key (null for the fake: it has no keys). */
  projector: ClassesApi | null
  maxClasses: number
}

/** The code an api call was refused with. */
const refusal = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'accepted',
    (error: { code?: unknown }) => error.code,
  )

export const classScenarios: { name: string; run(world: ClassWorld): Promise<void> }[] = [
  {
    name: 'classes: a new class has a join code, a space of its own, no members, and is listed',
    async run({ api, maxClasses }) {
      const made = await api.create()
      expect(made.code).toMatch(CLASS_CODE_PATTERN)
      expect(made.space).toMatch(SPACE_CODE_PATTERN)
      expect(made).toMatchObject({ locked: false, memberCount: 0, members: [], announcement: null })
      const list = await api.list()
      expect(list.maxClasses).toBe(maxClasses)
      expect(list.classes.map((c) => c.code)).toContain(made.code)
      expect(await api.get(made.code)).toEqual(made)
      await api.close(made.code)
    },
  },
  {
    name: 'classes: lock, announce (bounded) and close; a closed or unknown code is CLASS_NOT_FOUND',
    async run({ api }) {
      const { code } = await api.create()
      expect((await api.lock(code, true)).locked).toBe(true)
      expect((await api.lock(code, false)).locked).toBe(false)
      expect((await api.announce(code, 'Open lesson 3')).announcement?.text).toBe('Open lesson 3')
      expect(await refusal(api.announce(code, 'x'.repeat(281)))).toBe('INVALID_PAYLOAD')
      expect(await refusal(api.announce(code, '   '))).toBe('INVALID_PAYLOAD')
      expect((await api.reset(code)).code).toBe(code)
      await api.close(code)
      expect(await refusal(api.get(code))).toBe('CLASS_NOT_FOUND')
      expect(await refusal(api.lock(code, true))).toBe('CLASS_NOT_FOUND')
      expect(await refusal(api.get('nope'))).toBe('INVALID_PAYLOAD')
    },
  },
  {
    name: 'classes: the projector key reads and never acts',
    async run({ api, projector }) {
      if (!projector) return
      const { code } = await api.create()
      expect((await projector.get(code)).code).toBe(code)
      expect(await refusal(projector.lock(code, true))).toBe('INSTRUCTOR_UNAUTHORIZED')
      expect(await refusal(projector.create())).toBe('INSTRUCTOR_UNAUTHORIZED')
      await api.close(code)
    },
  },
]
