/**
 * Lesson 5's contract scenarios (`tests/contract/resilience-scenarios.ts`) on two real instances
 * joined through Redis, through the site's real `ResilienceClient` (socket.io-client in Node).
 * The widget's tests run the same list on the in-memory fake.
 */
import { afterEach, describe, it } from 'vitest'
import { createResilienceKit, resilienceScenarios, type ResilienceKit } from '../../tests/contract/resilience-scenarios.ts'
import { randomSpace, useCluster } from './harness.ts'
import { asInstance, lab } from './resilience-harness.ts'

const { all } = useCluster(2)

describe('contract: the resilience lab on real instances through Redis', () => {
  let kit: ResilienceKit | null = null
  afterEach(() => kit?.close())
  for (const scenario of resilienceScenarios) {
    it(scenario.name, { timeout: scenario.timeoutMs ?? 15_000 }, async () => {
      kit = createResilienceKit({ connector: lab, instances: all().map(asInstance), newSpace: randomSpace })
      await scenario.run(kit)
    })
  }
})
