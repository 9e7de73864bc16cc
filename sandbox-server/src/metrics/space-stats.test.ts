import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_SPACES, SpaceStatsBook } from './space-stats.ts'

afterEach(() => {
  vi.useRealTimers()
})

describe('SpaceStatsBook', () => {
  it('averages events over the last whole seconds and reads ack percentiles', () => {
    vi.useFakeTimers({ now: 1_000_000 })
    const book = new SpaceStatsBook('i1')
    const space = book.space('k7q2mx')
    for (let i = 0; i < 30; i++) space?.received.add(book.second)
    space?.sent.add(book.second, 50) // one broadcast to 50 sockets
    for (let ms = 1; ms <= 100; ms++) space?.ack(ms)
    book.traffic.sent.add(book.second, 80)
    book.traffic.ack(7)
    // The current second is not complete: it counts from the next one.
    expect(book.read('k7q2mx').eventsInPerSecond).toBe(0)
    vi.advanceTimersByTime(1_000)
    expect(book.read('k7q2mx')).toMatchObject({ eventsInPerSecond: 3, eventsOutPerSecond: 5, ackP50Ms: 50, ackP99Ms: 99 })
    expect(book.read('k7q2mx').instanceTotals).toEqual({
      connections: 0,
      eventsInPerSecond: 0,
      eventsOutPerSecond: 8,
      ackP50Ms: 7,
      ackP99Ms: 7,
      rejectedHandshakes: 0,
      rateLimited: 0,
      oversizedPackets: 0,
    })
    vi.advanceTimersByTime(11_000)
    expect(book.read('k7q2mx').eventsInPerSecond).toBe(0)
  })

  it('holds at most MAX_SPACES spaces, forgetting idle ones first and never a live one', () => {
    const book = new SpaceStatsBook('i1')
    const live = book.space('live00')
    if (live) live.sockets = 1
    for (let i = 0; i < MAX_SPACES * 2; i++) book.space(`s${i.toString(36).padStart(5, '0')}`)
    expect(book.space('live00')).toBe(live)
    for (let i = 0; i < MAX_SPACES; i++) {
      const counters = book.space(`l${i.toString(36).padStart(5, '0')}`)
      if (counters) counters.sockets = 1
    }
    expect(book.space('newone')).toBeNull()
  })
})
