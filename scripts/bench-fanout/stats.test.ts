import { expect, it } from 'vitest'
import { cpuSeconds, median, percentile, rssBytes } from './stats.ts'

it('computes nearest-rank percentiles and medians', () => {
  const samples = Float64Array.from({ length: 100 }, (_, i) => 100 - i) // 100..1
  expect(percentile(samples, 50)).toBe(50)
  expect(percentile(samples, 99)).toBe(99)
  expect(percentile(samples, 100)).toBe(100)
  expect(percentile([], 50)).toBeNaN()
  expect(median([3, 1, 2])).toBe(2)
})

it('reads this process from /proc', () => {
  expect(cpuSeconds(process.pid)).toBeGreaterThan(0)
  expect(rssBytes(process.pid)).toBeGreaterThan(10_000_000)
  expect(cpuSeconds(0x7fffffff)).toBe(0)
})
