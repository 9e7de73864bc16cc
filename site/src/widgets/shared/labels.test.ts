import { describe, expect, it } from 'vitest'
import type { TraceEvent } from '@realtime-workbook/sandbox-server/protocol'
import { createLabelPicker } from './labels.ts'

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
})
