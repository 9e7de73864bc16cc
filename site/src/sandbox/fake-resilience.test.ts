/**
 * Lesson 5's contract (`tests/contract/resilience-scenarios.ts`) on the in-memory fake the lab's
 * tests use; `sandbox-server/test/resilience-contract.test.ts` runs the same list on real
 * instances through Redis. Plus what only the fake needs proving: its backoff is socket.io-client's.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createResilienceKit, resilienceScenarios, type ResilienceKit } from '../../../tests/contract/resilience-scenarios.ts'
import type { SandboxInstance } from './connector.ts'
import { backoffDelay, createFakeResilience } from './fake-resilience.ts'

const instances: SandboxInstance[] = [1, 2].map((n) => ({ id: `i${n}`, port: 4000 + n, base: `http://localhost:${4000 + n}` }))
let spaces = 0
const connector = createFakeResilience()

describe('contract: the resilience lab on the in-memory fake', () => {
  let kit: ResilienceKit | null = null
  afterEach(() => kit?.close())
  for (const scenario of resilienceScenarios) {
    it(scenario.name, { timeout: scenario.timeoutMs ?? 15_000 }, async () => {
      kit = createResilienceKit({ connector, instances, newSpace: () => `r${(++spaces).toString(36).padStart(5, '0')}` })
      await scenario.run(kit)
    })
  }
})

describe('the fake backoff', () => {
  it("follows socket.io-client's: doubling from reconnectionDelay, +/- randomizationFactor, capped", () => {
    const o = { min: 1000, max: 5000, jitter: 0 }
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, o, Math.random))).toEqual([1000, 2000, 4000, 5000])
    // rand 0.25: floor(2.5) = 2 is even, so the deviation (0.25 * 0.5 * 1000) is subtracted.
    expect(backoffDelay(0, { ...o, jitter: 0.5 }, () => 0.25)).toBe(875)
    expect(backoffDelay(0, { ...o, jitter: 0.5 }, () => 0.35)).toBe(1175)
  })
})
