/**
 * What the widgets that show the cluster's fan-out (room playground, cluster fan-out) plug into
 * the session: their observers (one per up instance, tracing the space) and the Redis banner.
 * Kept out of sandbox/session.ts so pages without them (transport race) do not load them.
 */
import type { ResolvedDirectory, SandboxInstance, SandboxObserver, SessionConnector } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import type { HealthBody, TraceEvent } from '@realtime-workbook/sandbox-server/protocol'
import type { ObserverSet } from '../../sandbox/session.ts'

export type RedisTrouble = 'local-only' | 'down'

/** Why cross-instance fan-out is off, if it is: started without Redis, or Redis down now. */
export function redisTrouble(dir: ResolvedDirectory | null, bodies: (HealthBody | null)[]): RedisTrouble | null {
  if (dir?.fanout === 'local-only' || bodies.some((b) => b && b.fanout !== 'redis')) return 'local-only'
  return bodies.some((b) => b?.redis === 'down') ? 'down' : null
}

/** The Redis banner: why messages stay on one instance, and what to do. */
export function redisBannerText(trouble: RedisTrouble): (Node | string)[] {
  const lead = 'Redis is not connected: messages only reach clients on the same instance as the sender. '
  if (trouble === 'down') return [lead, 'The instances reconnect by themselves once Redis is back.']
  return [
    lead,
    'Start Redis (',
    h('code', { text: 'redis-server' }),
    ') or set ',
    h('code', { text: 'REDIS_URL' }),
    ', then restart ',
    h('code', { text: 'npm start' }),
    '.',
  ]
}

/**
 * The Redis banner's text for these health answers, or null when cross-instance fan-out works.
 *
 * @example
 * createSession({ ...options, redisBanner })
 */
export function redisBanner(dir: ResolvedDirectory | null, bodies: (HealthBody | null)[]): (Node | string)[] | null {
  const trouble = redisTrouble(dir, bodies)
  return trouble && redisBannerText(trouble)
}

/**
 * One observer per up instance of a space; `onHello` runs when one says hello.
 *
 * @example
 * createSession({ ...options, observe: createObserverSet, hooks: { trace: (ev) => log.add(ev) } })
 */
export function createObserverSet(onHello: () => void): ObserverSet {
  let open = new Map<string, SandboxObserver>()
  let hellos = new Set<string>()
  return {
    traced: () => [...hellos].sort(),
    list: () => [...open.values()],
    /** Opens the missing ones; resolves when all said hello (or failed), or after `waitMs`. */
    open(
      connector: SessionConnector,
      instances: SandboxInstance[],
      space: string,
      onTrace: (ev: TraceEvent) => void,
      waitMs: number,
    ): Promise<void> {
      const waits = instances
        .filter((inst) => !open.has(inst.id))
        .map((inst) => {
          const obs = connector.observe({ instance: inst, space })
          open.set(inst.id, obs)
          obs.on('trace', onTrace)
          return new Promise<void>((resolve) => {
            obs.on('hello', () => {
              hellos.add(inst.id)
              onHello()
              resolve()
            })
            obs.on('connect_error', () => resolve())
          })
        })
      return Promise.race([Promise.all(waits).then(() => undefined), new Promise<void>((r) => setTimeout(r, waitMs))])
    },
    close() {
      for (const o of open.values()) o.close()
      open = new Map()
      hellos = new Set()
    },
  }
}
