import { describe, expect, it } from 'vitest'
import { createMetrics, namespaceKind } from './index.ts'
import { parseExposition } from './exposition.ts'

describe('namespaceKind', () => {
  it('labels a namespace by its kind, never by its space', () => {
    expect(namespaceKind('/s/k7q2mx/chat')).toBe('chat')
    expect(namespaceKind('/s/k7q2mx/with-redis')).toBe('with-redis')
    expect(namespaceKind('/s/k7q2mx/secure')).toBe('secure')
    expect(namespaceKind('/observe')).toBe('observe')
    expect(namespaceKind('/')).toBe('main')
    expect(namespaceKind('/anything/else/../x')).toBe('other')
  })
})

describe('parseExposition', () => {
  it('reads samples with labels, escapes and special values', () => {
    const { samples, types } = parseExposition(
      '# HELP a_total An a\n# TYPE a_total counter\na_total{x="q\\"uote",y="b\\\\"} 3\n# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 0.5\nh_count 2\n# TYPE g gauge\ng NaN\n',
    )
    expect(types.get('h')).toBe('histogram')
    expect(samples[0]).toEqual({ name: 'a_total', labels: { x: 'q"uote', y: 'b\\' }, value: 3 })
    expect(samples).toHaveLength(5)
  })

  it.each([
    ['a sample before its TYPE', 'x 1\n'],
    ['bad labels', '# TYPE x gauge\nx{a=1} 1\n'],
    ['a bad value', '# TYPE x gauge\nx one\n'],
    ['a duplicate series', '# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2\n'],
    ['an unknown type', '# TYPE x thing\n'],
  ])('refuses %s', (_, text) => {
    expect(() => parseExposition(text)).toThrow(/line \d/)
  })
})

describe('createMetrics', () => {
  it('counts refused events and rate limiting by namespace kind and code', async () => {
    const metrics = createMetrics({ enabled: true })
    metrics.refusedEvent('/s/abcdef/chat', 'RATE_LIMITED')
    metrics.refusedEvent('/s/abcdef/chat', 'NOT_A_CODE')
    metrics.rejectedHandshake('engine', 'FORBIDDEN_ORIGIN')
    const { samples } = parseExposition((await metrics.scrape()).text)
    const find = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
    expect(find('socketio_rate_limited_events_total', { namespace: 'chat' })).toBe(1)
    expect(find('socketio_refused_events_total', { namespace: 'chat', code: 'OTHER' })).toBe(1)
    expect(find('socketio_rejected_handshakes_total', { stage: 'engine', code: 'FORBIDDEN_ORIGIN' })).toBe(1)
    expect(samples.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true)
    expect(JSON.stringify(samples)).not.toContain('abcdef')
  })

  it('counts publishes through the client it wraps', async () => {
    const metrics = createMetrics({ enabled: true })
    const calls: unknown[][] = []
    const client = { publish: (...args: never[]) => calls.push(args), spublish: (...args: never[]) => calls.push(args) }
    metrics.countPublishes(client)
    client.spublish()
    client.spublish()
    client.publish()
    const { samples } = parseExposition((await metrics.scrape()).text)
    expect(
      samples
        .filter((s) => s.name === 'socketio_adapter_publishes_total')
        .map((s) => [s.labels.command, s.value])
        .sort(),
    ).toEqual([
      ['publish', 1],
      ['spublish', 2],
    ])
    expect(calls).toHaveLength(3)
  })

  it('is all no-ops when off', async () => {
    const metrics = createMetrics({ enabled: false })
    metrics.refusedEvent('/s/abcdef/chat', 'RATE_LIMITED')
    expect(metrics.registry).toBeNull()
    expect((await metrics.scrape()).text).toBe('')
  })
})
