/** Pure helpers of the race: latency percentiles, id continuity, per-run stats deltas, sparkline. */
import type { TransportCounters } from '../../sandbox/transports.ts'

/** Nearest-rank percentile (`q` in 0..1) of `values`; `null` when there are none. */
export function percentile(values: readonly number[], q: number): number | null {
  if (!values.length) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? null
}

/**
 * What one transport received: ids must follow each other from the start position with no gap
 * and no repeat. Latencies keep the last `keep` samples.
 */
export class Tally {
  received = 0
  duplicates = 0
  readonly missing = new Set<number>()
  readonly latencies: number[] = []
  last: number

  constructor(
    readonly from: number,
    readonly keep = 500,
  ) {
    this.last = from
  }

  add(id: number, latencyMs: number): 'ok' | 'duplicate' | 'gap' {
    this.latencies.push(latencyMs)
    if (this.latencies.length > this.keep) this.latencies.shift()
    if (id <= this.last) {
      if (this.missing.delete(id)) return (this.received++, 'ok') // late, but not lost
      this.duplicates++
      return 'duplicate'
    }
    const gap = id > this.last + 1
    for (let m = this.last + 1; m < id && this.missing.size < 100_000; m++) this.missing.add(m)
    this.last = id
    this.received++
    return gap ? 'gap' : 'ok'
  }

  p(q: number): number | null {
    return percentile(this.latencies, q)
  }
}

/** Counters of this run: `now - base`, except open connections (a current value). */
export function delta(now: TransportCounters, base: TransportCounters | undefined): TransportCounters {
  if (!base) return now
  const d = { ...now }
  for (const k of ['httpRequests', 'bytesIn', 'bytesOut', 'eventsDelivered', 'messagesReceived'] as const) d[k] = now[k] - base[k]
  return d
}

/** Bytes on the wire per delivered event, or `null` before the first event. */
export const bytesPerEvent = (c: TransportCounters): number | null =>
  c.eventsDelivered > 0 ? Math.round((c.bytesIn + c.bytesOut) / c.eventsDelivered) : null

const SVG = 'http://www.w3.org/2000/svg'

/** An inline SVG sparkline: `update(values)` redraws it scaled to the largest value. */
export function sparkline(label: string, width = 160, height = 32) {
  const svg = document.createElementNS(SVG, 'svg')
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`)
  svg.setAttribute('class', 'tr-spark')
  svg.setAttribute('role', 'img')
  svg.setAttribute('aria-label', label)
  const line = document.createElementNS(SVG, 'polyline')
  svg.append(line)
  return {
    el: svg,
    update(values: readonly number[]) {
      const max = Math.max(5, ...values)
      const step = values.length > 1 ? width / (values.length - 1) : 0
      line.setAttribute(
        'points',
        values.map((v, n) => `${(n * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`).join(' '),
      )
    },
  }
}
