import { expect, it } from 'vitest'
import { TokenBucket } from './index.ts'

it('allows a burst, then refills at the sustained rate', () => {
  let now = 0
  const bucket = new TokenBucket(10, 3, () => now)
  expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false])
  now += 100 // 10/s -> one token back after 100 ms
  expect(bucket.take()).toBe(true)
  expect(bucket.take()).toBe(false)
  now += 10_000
  expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false])
})
