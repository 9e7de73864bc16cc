import { describe, expect, it } from 'vitest'
import { Cooldown, ExpiringMap, FlakyHandler, positionAt } from './rules.ts'

/** A clock the test moves by hand. */
function manualClock() {
  let now = 1_000
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

/** A sleep that resolves on the next turn (time is the manual clock's). */
const sleep = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('ExpiringMap', () => {
  it('stays within its size, evicting the oldest first', () => {
    const map = new ExpiringMap<string, number>({ maxSize: 1000, ttlMs: 60_000 })
    for (let i = 0; i < 10_000; i++) map.set(`m-${i}`, i)
    expect(map.size).toBe(1000)
    expect(map.get('m-8999')).toBeUndefined()
    expect(map.get('m-9000')).toBe(9000)
    expect(map.get('m-9999')).toBe(9999)
  })

  it('forgets entries after their ttl, and touch() extends one', () => {
    const clock = manualClock()
    const map = new ExpiringMap<string, number>({ maxSize: 10, ttlMs: 100, now: clock.now })
    map.set('a', 1)
    map.set('b', 2)
    clock.advance(60)
    map.touch('a', () => 0)
    clock.advance(60)
    expect(map.get('a')).toBe(1)
    expect(map.get('b')).toBeUndefined()
    expect(map.size).toBe(1)
    clock.advance(100)
    expect(map.size).toBe(0)
  })
})

describe('Cooldown', () => {
  it('lets a key go once per cooldown and says how long to wait', () => {
    const clock = manualClock()
    const cooldown = new Cooldown({ cooldownMs: 3000, maxKeys: 10, now: clock.now })
    expect(cooldown.take('a')).toBe(0)
    expect(cooldown.take('b')).toBe(0)
    clock.advance(1000)
    expect(cooldown.take('a')).toBe(2000)
    clock.advance(2000)
    expect(cooldown.take('a')).toBe(0)
  })
})

describe('FlakyHandler', () => {
  const limits = { maxIds: 1000, ttlMs: 60_000 }

  it('runs every try without dedupe (duplicates) and once per id with it', async () => {
    for (const dedupe of [false, true]) {
      const handler = new FlakyHandler(limits, { sleep, random: () => 0.99 })
      handler.configure({ dropRate: 0, delayMs: 10, dedupe })
      const answers = await Promise.all(['a', 'a', 'b', 'a'].map((id) => handler.work(id)))
      const report = handler.report()
      expect(report.uniqueIds).toBe(2)
      expect(report.handled).toBe(dedupe ? 2 : 4)
      expect(report.duplicateEffects).toBe(dedupe ? 0 : 2)
      expect(answers.filter((a) => a !== 'dropped' && a.duplicate)).toHaveLength(dedupe ? 2 : 0)
    }
  })

  it('drops before the handler with the drop rate', async () => {
    const draws = [0.1, 0.9, 0.1, 0.9]
    const handler = new FlakyHandler(limits, { sleep, random: () => draws.shift() ?? 0.9 })
    handler.configure({ dropRate: 0.5, delayMs: 0, dedupe: true })
    const answers = await Promise.all(['a', 'a', 'b', 'b'].map((id) => handler.work(id)))
    expect(answers).toEqual(['dropped', { duplicate: false, runs: 1 }, 'dropped', { duplicate: false, runs: 1 }])
    expect(handler.report()).toMatchObject({ received: 4, dropped: 2, handled: 2, uniqueIds: 2, duplicateEffects: 0 })
  })

  it('keeps its memory bounded: 10,000 ids leave at most maxIds, and they expire', async () => {
    const clock = manualClock()
    const handler = new FlakyHandler(limits, { sleep, random: () => 0.5, now: clock.now })
    handler.configure({ dropRate: 0, delayMs: 0, dedupe: true })
    for (let i = 0; i < 10_000; i++) await handler.work(`id-${i}`)
    expect(handler.report()).toMatchObject({ uniqueIds: 10_000, dedupeSize: 1000 })
    clock.advance(60_001)
    expect(handler.report().dedupeSize).toBe(0)
    handler.reset()
    expect(handler.report()).toMatchObject({ received: 0, handled: 0, dedupeSize: 0 })
  })
})

describe('positionAt', () => {
  it('stays in the unit square', () => {
    for (let seq = 0; seq <= 100; seq++) {
      const { x, y } = positionAt(seq, 100)
      expect(x).toBeGreaterThanOrEqual(0)
      expect(x).toBeLessThanOrEqual(1)
      expect(y).toBeGreaterThanOrEqual(0)
      expect(y).toBeLessThanOrEqual(1)
    }
  })
})
