/**
 * The monitoring figures: each instance's `GET /s/<space>/stats` summed into one view of the
 * learner's space and of the cluster, and the "metric that moved" of an attack (before -> after).
 */
import type { SandboxInstance } from '../../sandbox/connector.ts'
import type { SecureConnector } from '../../sandbox/secure-client.ts'
import type { SpaceStats, TrafficFigures } from '@realtime-workbook/sandbox-server/protocol'

/** One row of the panel: the space's or the cluster's figures (null: not measured). */
export interface Figures {
  connections: number | null
  eventsIn: number | null
  eventsOut: number | null
  ackP50: number | null
  ackP99: number | null
  rejected: number | null
  rateLimited: number | null
  oversized: number | null
}
export interface Snapshot {
  space: Figures
  cluster: Figures
  /** Instances that answered, of how many. */
  answered: number
  of: number
}
export type FigureName = keyof Figures

/** Labels, in the panel's order. */
export const FIGURES: [FigureName, string, string][] = [
  ['connections', 'Connections', ''],
  ['eventsIn', 'Events/s in', '/s'],
  ['eventsOut', 'Events/s out', '/s'],
  ['ackP50', 'Ack p50', ' ms'],
  ['ackP99', 'Ack p99', ' ms'],
  ['rejected', 'Rejected handshakes', ''],
  ['rateLimited', 'Rate-limited events', ''],
  ['oversized', 'Oversized packets', ''],
]

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
/** Percentiles of different instances do not add up: the panel shows the worst instance's. */
const worst = (xs: (number | null)[]) => {
  const known = xs.filter((x): x is number => x !== null)
  return known.length ? Math.max(...known) : null
}

/** One scope's figures summed over the instances' answers. */
function figures(rows: TrafficFigures[]): Figures {
  return {
    connections: sum(rows.map((r) => r.connections)),
    eventsIn: sum(rows.map((r) => r.eventsInPerSecond)),
    eventsOut: sum(rows.map((r) => r.eventsOutPerSecond)),
    ackP50: worst(rows.map((r) => r.ackP50Ms)),
    ackP99: worst(rows.map((r) => r.ackP99Ms)),
    rejected: sum(rows.map((r) => r.rejectedHandshakes)),
    rateLimited: sum(rows.map((r) => r.rateLimited)),
    oversized: sum(rows.map((r) => r.oversizedPackets)),
  }
}

/**
 * Sums the instances' answers: the space's figures, and each instance's own (every space on it)
 * for the cluster. Both come from the same answers, so the two columns are of the same moment.
 *
 * @example
 * combine([stats1, stats2]).space.rejected // => stats1.rejectedHandshakes + stats2.rejectedHandshakes
 */
export function combine(stats: SpaceStats[]): Omit<Snapshot, 'answered' | 'of'> {
  return { space: figures(stats), cluster: figures(stats.map((s) => s.instanceTotals)) }
}

/**
 * Reads every instance (in parallel; one that does not answer is left out).
 *
 * @example
 * const snap = await readSnapshot(connector, dir.instances, 'k7q2mx')
 * snap.space.rejected // rejected handshakes of the space, all instances
 */
export async function readSnapshot(connector: SecureConnector, instances: SandboxInstance[], space: string): Promise<Snapshot> {
  const answers = await Promise.allSettled(instances.map((instance) => connector.spaceStats({ instance, space })))
  const stats = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []))
  return { ...combine(stats), answered: stats.length, of: instances.length }
}

/**
 * Shows a figure: `—` when not measured.
 *
 * @example
 * show(1.25, ' ms') // => '1.3 ms'
 */
export function show(value: number | null, unit = ''): string {
  if (value === null) return '—'
  return `${Number.isInteger(value) ? value : value.toFixed(1)}${unit}`
}

/**
 * The figures an attack moved, as "name (scope): before -> after".
 *
 * @example
 * moved(before, after) // => ['Rejected handshakes (your space): 0 -> 1', 'Rejected handshakes (cluster): 3 -> 4']
 */
export function moved(before: Snapshot, after: Snapshot): string[] {
  const lines: string[] = []
  for (const [scope, name] of [
    ['space', 'your space'],
    ['cluster', 'cluster'],
  ] as const) {
    for (const [key, label, unit] of FIGURES) {
      const a = before[scope][key]
      const b = after[scope][key]
      if (a !== b) lines.push(`${label} (${name}): ${show(a, unit)} -> ${show(b, unit)}`)
    }
  }
  return lines
}
