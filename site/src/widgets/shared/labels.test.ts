import { describe, expect, it } from 'vitest'
import type { TraceEvent } from '@realtime-workbook/sandbox-server/protocol'
import { createSpaceState } from '../../sandbox/space.ts'
import { createLabelPicker, guestTag } from './labels.ts'

const seen = (kind: 'connect' | 'disconnect', socketId: string, label: string): TraceEvent =>
  kind === 'connect'
    ? { kind, at: 1, instance: 'i1', namespace: '/chat', socketId, label }
    : { kind, at: 1, instance: 'i1', namespace: '/chat', socketId, label, reason: 'transport close' }

describe('createLabelPicker', () => {
  it('skips letters another browser\u2019s live sockets use, frees them on disconnect, keeps its own', () => {
    const labels = createLabelPicker()
    expect(labels.pick([])).toBe('A')
    labels.note(seen('connect', 'theirs-a', 'A'))
    labels.note(seen('connect', 'mine-b', 'B'))
    // B is this widget's own socket: not "taken by someone else".
    expect(labels.pick([{ label: 'B', socketId: 'mine-b' }])).toBe('C')
    expect(labels.pick([{ label: 'B', socketId: 'mine-b' }], 'A')).toBe('C') // a taken preferred label falls back to a free letter
    labels.note(seen('disconnect', 'theirs-a', 'A'))
    expect(labels.pick([{ label: 'B', socketId: 'mine-b' }], 'A')).toBe('A')
    labels.release('mine-b')
    expect(labels.pick([])).toBe('A')
    labels.note(seen('connect', 'theirs-a2', 'A'))
    labels.clear()
    expect(labels.pick([])).toBe('A')
  })

  it('tags labels with this browser’s own code in a classmate’s space, so they never meet the host’s', () => {
    const space = createSpaceState('k7q2mx')
    const labels = createLabelPicker(() => guestTag(space))
    expect(labels.pick([])).toBe('A')
    space.set('host42')
    expect(guestTag(space)).toBe('-k7q')
    expect(labels.pick([])).toBe('A-k7q')
    expect(labels.pick([{ label: 'A-k7q', socketId: 's1' }], 'A-zzz')).toBe('B-k7q') // a kept label keeps its letter only
    expect(labels.pick([], 'C')).toBe('C-k7q')
  })
})
