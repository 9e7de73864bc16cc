/**
 * The path of one message in a lane, animated from the trace: the call on the sender's instance,
 * the Redis publish and its copies to the other instances, then the deliveries to clients, each
 * stage `stageMs` after the one before. Counts per instance show who wrote the last message.
 */
import type { TraceEvent } from '@realtime-workbook/sandbox-server/protocol'
import type { Topology } from './topology.ts'

type LaneEvent = Extract<TraceEvent, { kind: 'redis' | 'call' | 'delivery' }>

export interface Flow {
  /** Animates one trace event of this lane's namespace. */
  show(ev: LaneEvent): void
  /** Draws the delivered counts again after the topology re-rendered. */
  redrawCounts(): void
}

/**
 * @example
 * const flow = createFlow(topology, () => ['i1', 'i2', 'i3'], 350)
 * observer.on('trace', (ev) => ev.kind === 'call' && flow.show(ev))
 */
export function createFlow(topo: Topology, instances: () => string[], stageMs: number): Flow {
  let current = ''
  const seen = new Set<string>()
  let counts = new Map<string, number>()
  let t0 = 0
  let callInstance = ''
  const later = (stage: number) => Math.max(0, t0 + stage * stageMs - Date.now())

  /** Makes `traceId` the lane's current message (resets the counts); false for an older one. */
  function track(traceId: string): boolean {
    if (current === traceId) return true
    if (seen.has(traceId)) return false
    seen.add(traceId)
    current = traceId
    t0 = Date.now()
    callInstance = ''
    counts = new Map(instances().map((id) => [id, 0]))
    for (const id of instances()) topo.setCount(id, 0)
    return true
  }
  function redis(ev: Extract<LaneEvent, { kind: 'redis' }>) {
    if (ev.type !== 'broadcast' || !ev.traceId || !track(ev.traceId)) return
    if (ev.publishedBy === ev.instance) return topo.pulse(`i:${ev.instance}`, 'r', later(1))
    if (ev.publishedBy === 'emitter' && !callInstance) {
      callInstance = 'emitter'
      topo.pulse('e', 'r', later(1))
    }
    topo.pulse('r', `i:${ev.instance}`, later(2))
  }
  return {
    show(ev) {
      if (ev.kind === 'redis') return redis(ev)
      if (!track(ev.traceId)) return
      if (ev.kind === 'call') {
        callInstance = ev.instance
        return topo.pulse(`c:${ev.label}`, `i:${ev.instance}`, 0)
      }
      const n = (counts.get(ev.instance) ?? 0) + ev.recipients.length
      counts.set(ev.instance, n)
      topo.setCount(ev.instance, n)
      for (const r of ev.recipients) topo.pulse(`i:${ev.instance}`, `c:${r.label}`, later(ev.instance === callInstance ? 1 : 3))
    },
    redrawCounts() {
      for (const [id, n] of counts) topo.setCount(id, n)
    },
  }
}
