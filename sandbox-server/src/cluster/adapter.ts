/**
 * The classic Redis adapter for the cluster fan-out namespaces (lesson 3), plus what the lesson
 * needs around it:
 * - a per-space **outage simulation**: while a space is "down", its namespaces neither publish
 *   nor accept Redis messages, exactly what a real outage does to them (local delivery goes on,
 *   cross-instance delivery stops, nothing is replayed), without touching the shared Redis;
 * - a publisher that never leaves a rejected promise behind: the classic adapter does not await
 *   its `publish()` calls, and a rejection there would crash the process during a real outage.
 *
 * @module
 */
import type { Redis } from 'ioredis'
import { RedisAdapter } from '@socket.io/redis-adapter'
import type { Namespace } from 'socket.io'
import { parseSpaceNamespace } from '../protocol/index.ts'

/** Spaces whose Redis link is simulated down, on this instance. */
export class OutageSimulation {
  readonly #down = new Set<string>()

  set(space: string, down: boolean): void {
    if (down) this.#down.add(space)
    else this.#down.delete(space)
  }

  isDown(space: string): boolean {
    return this.#down.has(space)
  }
}

/**
 * Wraps a publisher so `publish` resolves to 0 instead of rejecting while Redis is unreachable.
 * Every other property is the client's own.
 */
export function forgivingPublisher(pub: Redis, onDrop: (error: Error) => void = () => undefined): Redis {
  return new Proxy(pub, {
    get(target, property, receiver) {
      if (property === 'publish') {
        return (...args: Parameters<Redis['publish']>) =>
          (target.publish(...args) as Promise<number>).catch((error: Error) => {
            onDrop(error)
            return 0
          })
      }
      const value = Reflect.get(target, property, receiver) as unknown
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
}

type Opts = { rooms: Set<string>; except?: Set<string>; flags?: { local?: boolean } }

/**
 * The adapter's methods this module overrides. They are private in its typings but are how it
 * works: the constructor binds `this.onmessage` / `this.onrequest` as the Redis listeners, so a
 * subclass's versions are the ones Redis messages reach.
 */
interface RedisAdapterInternals {
  broadcast(packet: unknown, opts: Opts): void
  fetchSockets(opts: Opts): Promise<unknown[]>
  serverSideEmit(packet: unknown[]): void
  onmessage(pattern: string, channel: string, message: Buffer): void
  onrequest(channel: string, message: Buffer): Promise<void>
}
const RedisAdapterBase = RedisAdapter as unknown as new (
  nsp: Namespace,
  pub: Redis,
  sub: Redis,
  options: { key: string; requestsTimeout: number },
) => RedisAdapterInternals

/** RedisAdapter that honours the outage simulation of its space. */
class ClusterLessonAdapter extends RedisAdapterBase {
  readonly #isDown: () => boolean

  constructor(nsp: Namespace, pub: Redis, sub: Redis, options: { key: string; requestsTimeout: number }, isDown: () => boolean) {
    super(nsp, pub, sub, options)
    this.#isDown = isDown
  }

  override broadcast(packet: unknown, opts: Opts): void {
    // "Redis is down": the publish cannot happen; local sockets still get the packet.
    super.broadcast(packet, this.#isDown() ? { ...opts, flags: { ...opts.flags, local: true } } : opts)
  }

  // Requests to the other instances cannot be published either: fail at once, as a publish to
  // an unreachable Redis does.
  override async fetchSockets(opts: Opts): Promise<unknown[]> {
    if (this.#isDown() && !opts.flags?.local) throw new Error('Redis is down (simulated): the request cannot be published')
    return super.fetchSockets(opts)
  }

  override serverSideEmit(packet: unknown[]): void {
    if (this.#isDown()) {
      const ack = packet.at(-1)
      if (typeof ack === 'function') ack(new Error('Redis is down (simulated): the request cannot be published'), [])
      return
    }
    super.serverSideEmit(packet)
  }

  override onmessage(pattern: string, channel: string, message: Buffer): void {
    if (this.#isDown()) return
    super.onmessage(pattern, channel, message)
  }

  override async onrequest(channel: string, message: Buffer): Promise<void> {
    if (this.#isDown()) return
    return super.onrequest(channel, message)
  }
}

/**
 * A factory for the classic adapter of one namespace.
 *
 * @example
 * const create = clusterAdapterFactory(pub, sub, { key: 'rtwb', requestsTimeout: 2_000 }, outages)
 * const adapter = create(io.of('/s/k7q2mx/with-redis'))
 */
export function clusterAdapterFactory(
  pub: Redis,
  sub: Redis,
  options: { key: string; requestsTimeout: number },
  outages: OutageSimulation,
): (nsp: Namespace) => RedisAdapter {
  const publisher = forgivingPublisher(pub)
  return (nsp) => {
    const space = parseSpaceNamespace(nsp.name)?.space ?? ''
    return new ClusterLessonAdapter(nsp, publisher, sub, options, () => outages.isDown(space)) as unknown as RedisAdapter
  }
}
