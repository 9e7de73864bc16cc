/**
 * Test support: a seeded pseudo-random generator (mulberry32), so what a test draws (drops,
 * jitter, think times) repeats run after run.
 *
 * @example
 * const random = seeded(42)
 * random() // => the same number in [0, 1) on every run
 */
export function seeded(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
