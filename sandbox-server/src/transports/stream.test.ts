import { afterEach, describe, expect, it, vi } from 'vitest'
import { SpaceStream, StreamRegistry } from './stream.ts'

afterEach(() => {
  vi.useRealTimers()
})

describe('SpaceStream', () => {
  it('produces numbered events at the rate, kept for cursors', () => {
    vi.useFakeTimers()
    const stream = new SpaceStream(3)
    stream.configure(10, 5)
    vi.advanceTimersByTime(250)
    expect(stream.since(0).events.map((e) => e.id)).toEqual([1, 2])
    expect(stream.since(0).events[0]?.data).toBe('realt')
    vi.advanceTimersByTime(300)
    // capacity 3: event 1 and 2 are gone; a cursor of 0 learns it missed some
    expect(stream.since(0)).toMatchObject({ gap: true })
    expect(stream.since(0).events.map((e) => e.id)).toEqual([3, 4, 5])
    expect(stream.since(4).events.map((e) => e.id)).toEqual([5])
    expect(stream.since(99).events).toEqual([])
    stream.stop()
  })

  it('holds a long poll until an event, a timeout or an abort', async () => {
    vi.useFakeTimers()
    const stream = new SpaceStream(10)
    const waiting = stream.after(0, 5_000, new AbortController().signal)
    stream.configure(2, 0)
    await vi.advanceTimersByTimeAsync(500)
    expect((await waiting).events.map((e) => e.id)).toEqual([1])
    stream.configure(0, 0)
    const idle = stream.after(1, 5_000, new AbortController().signal)
    await vi.advanceTimersByTimeAsync(5_000)
    expect(await idle).toEqual({ events: [], gap: false })
    const controller = new AbortController()
    const aborted = stream.after(1, 5_000, controller.signal)
    controller.abort()
    expect(await aborted).toEqual({ events: [], gap: false })
    expect(stream.listeners).toBe(0)
  })
})

describe('StreamRegistry', () => {
  it('caps the number of streams and sweeps idle ones, telling who kept state beside them', () => {
    const evicted: string[] = []
    const streams = new StreamRegistry({ capacity: 10, idleMs: 1_000, maxStreams: 2, onEvict: (space) => evicted.push(space) })
    expect(streams.get('aaaaaa')).not.toBeNull()
    expect(streams.get('bbbbbb')).not.toBeNull()
    expect(streams.get('cccccc')).toBeNull()
    streams.sweep(Date.now() + 2_000)
    expect(streams.size).toBe(0)
    expect(evicted.sort()).toEqual(['aaaaaa', 'bbbbbb'])
    expect(streams.get('cccccc')).not.toBeNull()
    streams.close()
  })
})
