/**
 * `GET /instructor/cluster` (projector key and up): this instance's live figures for the console's
 * cluster table. Learner sockets and observer sockets are counted apart, by namespace: every
 * `/s/<space>/...` namespace of the instance's Socket.IO servers (lesson 5's resilience server
 * included) and `/class` (one socket per page of a class member) is a learner's; every other one
 * (the widgets' `/observe`, the Admin UI's) an observer's. Event rates come from the metrics' space-stats book (null with
 * metrics off); the event-loop delay from one `monitorEventLoopDelay` per instance, which works
 * with metrics off too.
 *
 * @module
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import type { Server } from 'socket.io'
import type { InstanceTraffic } from '../metrics/index.ts'
import { splitSpaceNamespace } from '../metrics/index.ts'
import { CLASS_NAMESPACE } from '../protocol/classes.ts'
import type { InstanceFigures } from '../protocol/index.ts'
import type { InstructorRouter } from './index.ts'

/** The shortest window the loop delay is measured over: reads closer together get the last window's figures. */
export const LOOP_WINDOW_MS = 1_000
/** The loop delay monitor's sampling period, ms (coarse on purpose: an idle instance wakes 50 times a second, no more); subtracted from what it records. */
const LOOP_RESOLUTION_MS = 20

/**
 * Whether a namespace's sockets are learners' (a space's namespaces and `/class`) rather than
 * observers'.
 *
 * @example
 * isLearnerNamespace('/s/abc123/chat') // => true
 * isLearnerNamespace('/observe') // => false
 */
export const isLearnerNamespace = (name: string): boolean => name === CLASS_NAMESPACE || splitSpaceNamespace(name) !== null

/**
 * Sockets per kind over Socket.IO servers: learners ({@link isLearnerNamespace}) and observers (the rest).
 * Visits each namespace once (their number is bounded by the space registry), not each socket.
 *
 * @example
 * countSockets([io, resilience.io]) // => { learners: 4, observers: 3 }
 */
export function countSockets(servers: readonly Server[]): { learners: number; observers: number } {
  let learners = 0
  let observers = 0
  for (const io of servers) {
    for (const [name, nsp] of io._nsps) {
      if (isLearnerNamespace(name)) learners += nsp.sockets.size
      else observers += nsp.sockets.size
    }
  }
  return { learners, observers }
}

/** p50 and p99 of the event-loop delay, ms. */
export interface LoopLag {
  p50Ms: number
  p99Ms: number
}

/**
 * The event-loop delay of this process over read windows: each read (at most one per
 * {@link LOOP_WINDOW_MS}) reports the delay since the previous one, then starts a new window.
 *
 * @example
 * const lag = createLoopLag()
 * lag.read() // => { p50Ms: 0.1, p99Ms: 1.3 } (delay beyond the 20 ms sampling period)
 * lag.close()
 */
export function createLoopLag(now: () => number = Date.now): { read(): LoopLag; close(): void } {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })
  histogram.enable()
  let windowStart = now()
  let last: LoopLag = { p50Ms: 0, p99Ms: 0 }
  // The histogram records the time between two samples: the sampling period itself is not lag.
  const ms = (ns: number): number => (Number.isFinite(ns) ? Math.max(0, Math.round((ns / 1e6 - LOOP_RESOLUTION_MS) * 100) / 100) : 0)
  return {
    read() {
      if (now() - windowStart < LOOP_WINDOW_MS) return last
      if (histogram.count > 0) last = { p50Ms: ms(histogram.percentile(50)), p99Ms: ms(histogram.percentile(99)) }
      histogram.reset()
      windowStart = now()
      return last
    },
    close: () => histogram.disable(),
  }
}

/** What the route reads from the instance, on each request. */
export interface ClusterFiguresSource {
  instanceId: string
  startedAt: number
  state(): InstanceFigures['state']
  redis(): InstanceFigures['redis']
  /** The instance's Socket.IO servers (the main one, lesson 5's). */
  servers(): readonly Server[]
  /** Learner events per second, or `null` with metrics off. */
  traffic(): InstanceTraffic | null
}

/**
 * Adds `GET /instructor/cluster` behind the projector guard; `close()` stops the loop monitor.
 *
 * @example
 * const route = attachClusterRoute(router, { instanceId: 'i1', startedAt: Date.now(), state, redis, servers, traffic })
 * // GET /instructor/cluster with the projector key => 200 { instance: 'i1', learnerSockets: 0, ... }
 * route.close()
 */
export function attachClusterRoute(router: InstructorRouter, source: ClusterFiguresSource): { close(): void } {
  const lag = createLoopLag()
  const figures = (): InstanceFigures => {
    const { learners, observers } = countSockets(source.servers())
    const traffic = source.traffic()
    const { rss, heapUsed } = process.memoryUsage()
    const loop = lag.read()
    return {
      instance: source.instanceId,
      state: source.state(),
      redis: source.redis(),
      learnerSockets: learners,
      observerSockets: observers,
      eventsInPerSecond: traffic?.eventsInPerSecond ?? null,
      eventsOutPerSecond: traffic?.eventsOutPerSecond ?? null,
      windowSeconds: traffic?.windowSeconds ?? 0,
      rssBytes: rss,
      heapUsedBytes: heapUsed,
      loopLagP50Ms: loop.p50Ms,
      loopLagP99Ms: loop.p99Ms,
      uptimeSeconds: Math.round((Date.now() - source.startedAt) / 1000),
    }
  }
  router.app.get('/instructor/cluster', router.guard('projector'), (c) => {
    c.header('Cache-Control', 'no-store')
    return c.json(figures())
  })
  return { close: lag.close }
}
