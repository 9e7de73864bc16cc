import { describe, expect, it } from 'vitest'
import { redisRetryStrategy, retriesCovering } from './index.ts'

describe('retriesCovering', () => {
  const timings = { redisRetryStepMs: 100, redisRetryMaxDelayMs: 2_000 }

  it('counts the reconnect attempts whose delays cover the wait (the default 300 ms: 2, as before)', () => {
    expect(retriesCovering(300, timings)).toBe(2)
    expect(retriesCovering(301, timings)).toBe(3)
    expect(retriesCovering(0, timings)).toBe(0)
  })

  it('follows redisRetryStrategy past its cap: 10 s is 14 attempts (100 + 200 + ... + 1400 ms)', () => {
    const attempts = retriesCovering(10_000, timings)
    const delay = redisRetryStrategy({ redisConnectTimeoutMs: 0, ...timings })
    const total = (n: number) => Array.from({ length: n }, (_, k) => delay(k + 1)).reduce((a, b) => a + b, 0)
    expect(attempts).toBe(14)
    expect(total(attempts)).toBeGreaterThanOrEqual(10_000)
    expect(total(attempts - 1)).toBeLessThan(10_000)
    expect(retriesCovering(600_000, timings)).toBe(310)
  })
})
