/**
 * The contract scenarios against the in-memory fake (`createFakeConnector()`), the stand-in the
 * widget unit tests use. `real.test.ts` runs the same list against real instances.
 */
import { afterEach, describe, it } from 'vitest'
import { resolveInstanceConfig } from '@realtime-workbook/sandbox-server/rules'
import { createFakeConnector } from '../../site/src/sandbox/fake-connector.ts'
import { createFakeClassesApi } from '../../site/src/widgets/instructor/fake-classes.ts'
import { classScenarios } from './classes-scenarios.ts'
import { createKit, type Kit, type World } from './kit.ts'
import { scenarios } from './scenarios.ts'

const defaults = resolveInstanceConfig()
let spaces = 0
const fake = createFakeConnector()
const world: World = {
  connector: fake,
  secure: fake,
  fetch: fake.fetch,
  limits: defaults,
  newSpace: () => `f${(++spaces).toString(36).padStart(5, '0')}`,
}

describe('contract: the in-memory fake', () => {
  let kit: Kit | null = null
  afterEach(() => kit?.close())
  for (const scenario of scenarios) {
    it(scenario.name, { timeout: scenario.timeoutMs ?? 10_000 }, async () => {
      kit = await createKit(world)
      await scenario.run(kit)
    })
  }
})

describe("contract: the in-memory fake of the console's classes", () => {
  const api = createFakeClassesApi({ maxClasses: defaults.maxClasses })
  for (const scenario of classScenarios) it(scenario.name, () => scenario.run({ api, projector: null, maxClasses: defaults.maxClasses }))
})
