// @vitest-environment happy-dom
/** The lab's pure parts: how ids get their fate, the storm's histogram, percentiles, the controls' clamping. */
import { describe, expect, it } from 'vitest'
import { percentile } from './acks.ts'
import { numberControl } from './controls.ts'
import { histogram } from './on-demand-storm.ts'
import { sideFigures, type SideLog } from './recovery.ts'
import { bars, idStrip } from './view.ts'
import { volatileFigures, type VolatileLog } from './on-demand-volatile.ts'

describe('recovery figures', () => {
  const log = (received: [number, number][]): SideLog => ({
    side: 'streams',
    // seq n acked at t = n * 100
    sent: new Map(Array.from({ length: 10 }, (_, i) => [i + 1, (i + 1) * 100])),
    received: new Map(received),
    cutAt: 350,
    restoreAt: 750,
    recovered: true,
    ids: ['a', 'a'],
    maxDisconnectionDuration: 10_000,
  })

  it('counts as missed what was not received before the cut and was sent before the restore', () => {
    const f = sideFigures(
      log([
        [1, 110],
        [2, 210],
        [3, 310],
        [4, 800],
        [5, 800],
        [6, 800],
        [7, 800],
        [8, 810],
        [9, 910],
        [10, 1010],
      ]),
    )
    expect(f.missed).toEqual([4, 5, 6, 7])
    expect(f.replayed).toEqual([4, 5, 6, 7])
    expect(f.lost).toEqual([])
    expect(f.cells.map((c) => c.fate)).toEqual([
      'live',
      'live',
      'live',
      'replayed',
      'replayed',
      'replayed',
      'replayed',
      'live',
      'live',
      'live',
    ])
  })

  it('counts a missed id never received as lost (pub/sub)', () => {
    const f = sideFigures(
      log([
        [1, 110],
        [2, 210],
        [3, 310],
        [8, 810],
        [9, 910],
        [10, 1010],
      ]),
    )
    expect(f.missed).toEqual([4, 5, 6, 7])
    expect(f.replayed).toEqual([])
    expect(f.lost).toEqual([4, 5, 6, 7])
  })
})

describe('volatile figures', () => {
  it('splits positions into before the pause, the burst on resume, fresh, never', () => {
    const received = new Map<number, number>([
      [1, 100],
      [2, 200],
      // sent before the cut, handled just after it by a busy page: before the pause, not the burst
      [3, 260],
      [4, 600],
      [5, 610],
      [6, 620],
      [7, 705],
    ])
    // seq n sent at n * 100; paused from 250 to 590
    const sent = new Map(Array.from({ length: 8 }, (_, i) => [i + 1, (i + 1) * 100]))
    const log: VolatileLog = { volatile: false, received, sent, pauseAt: 250, resumeAt: 590 }
    const f = volatileFigures(log)
    expect(f.before).toEqual([1, 2, 3])
    expect(f.burst).toEqual([4, 5])
    expect(f.fresh).toEqual([6, 7])
    expect(f.never).toEqual([8])
  })
})

describe('helpers', () => {
  it('buckets reconnection attempts per 100 ms and drops what is outside the window', () => {
    const counts = histogram([5, 120, 130, 2999, 3000, -1])
    expect(counts).toHaveLength(30)
    expect(counts.slice(0, 2)).toEqual([1, 2])
    expect(counts[29]).toBe(1)
  })

  it('takes percentiles by rank', () => {
    expect(percentile([], 50)).toBe(0)
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3)
    expect(percentile([5, 1, 3, 2, 4], 95)).toBe(5)
  })

  it('clamps a typed number to the range and falls back to the default', () => {
    const c = numberControl({ label: 'Cut for', min: 1, max: 30, value: 3, testid: 'x' })
    const input = c.el.querySelector('input')
    if (!input) throw new Error('no input')
    input.value = '9999'
    expect(c.value()).toBe(30)
    input.value = ''
    expect(c.value()).toBe(3)
    input.value = '0'
    expect(c.value()).toBe(1)
    expect(c.el.querySelector('label')?.getAttribute('for')).toBe(input.id)
  })

  it('renders ids and bars as text and numbers, never markup', () => {
    const strip = idStrip('ids', [{ id: 1, fate: 'lost' }], 's')
    expect(strip.querySelector('li')?.getAttribute('aria-label')).toBe('1 lost')
    const b = bars('<b>x</b>', [1, 2], 2, 'b')
    expect(b.querySelector('b')).toBeNull()
    expect(b.querySelector('[role="img"]')?.getAttribute('aria-label')).toBe('<b>x</b>: 1, 2')
    expect([...b.querySelectorAll<HTMLElement>('.rl-bar')].map((e) => e.style.height)).toEqual(['50%', '100%'])
  })
})
