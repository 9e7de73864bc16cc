// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { bytesPerEvent, delta, percentile, sparkline, Tally } from './metrics.ts'

const counters = (o: Partial<Record<string, number>> = {}) => ({
  httpRequests: 0,
  bytesIn: 0,
  bytesOut: 0,
  openConnections: 0,
  eventsDelivered: 0,
  messagesReceived: 0,
  ...o,
})

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, n) => 100 - n) // 100..1, unsorted input
    expect(percentile(values, 0.5)).toBe(50)
    expect(percentile(values, 0.95)).toBe(95)
    expect(percentile([7], 0.95)).toBe(7)
    expect(percentile([3, 1, 2], 0.5)).toBe(2)
    expect(percentile([], 0.5)).toBeNull()
  })
})

describe('Tally (continuity)', () => {
  it('counts a clean run from the start position', () => {
    const t = new Tally(10)
    for (let id = 11; id <= 20; id++) expect(t.add(id, id)).toBe('ok')
    expect([t.received, t.missing.size, t.duplicates]).toEqual([10, 0, 0])
    expect(t.p(0.5)).toBe(15)
  })

  it('detects gaps and duplicates, and forgives a late arrival', () => {
    const t = new Tally(0)
    t.add(1, 1)
    expect(t.add(4, 1)).toBe('gap')
    expect([...t.missing]).toEqual([2, 3])
    expect(t.add(4, 1)).toBe('duplicate')
    expect(t.add(1, 1)).toBe('duplicate')
    expect(t.add(3, 1)).toBe('ok') // late, not lost
    expect([t.received, t.missing.size, t.duplicates]).toEqual([3, 1, 2])
  })

  it('keeps the last samples only', () => {
    const t = new Tally(0, 500)
    for (let id = 1; id <= 600; id++) t.add(id, id)
    expect(t.latencies.length).toBe(500)
    expect(t.latencies[0]).toBe(101)
  })
})

describe('server stats', () => {
  it('subtracts the baseline, except open connections, and divides bytes by events', () => {
    const d = delta(
      counters({ httpRequests: 12, bytesIn: 5000, bytesOut: 3000, eventsDelivered: 20, openConnections: 1 }),
      counters({ httpRequests: 2, bytesIn: 1000, bytesOut: 1000, eventsDelivered: 10, openConnections: 3 }),
    )
    expect(d).toMatchObject({ httpRequests: 10, bytesIn: 4000, bytesOut: 2000, eventsDelivered: 10, openConnections: 1 })
    expect(bytesPerEvent(d)).toBe(600)
    expect(bytesPerEvent(counters())).toBeNull()
  })
})

describe('sparkline', () => {
  it('draws one point per value with createElementNS', () => {
    const s = sparkline('latency', 100, 20)
    s.update([0, 10, 5])
    expect(s.el.namespaceURI).toBe('http://www.w3.org/2000/svg')
    expect(s.el.querySelector('polyline')?.getAttribute('points')).toBe('0.0,19.0 50.0,1.0 100.0,10.0')
  })
})
