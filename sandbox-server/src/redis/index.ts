/**
 * The two Redis connections of an instance (the adapter needs one to publish and one to
 * subscribe), with what keeps an instance alive when Redis is not:
 * - an `error` listener on each client (without one, ioredis errors crash the process);
 * - the publisher does not queue commands while offline: a publish during an outage fails at
 *   once and the adapter drops it (Redis pub/sub is at-most-once anyway), instead of piling up
 *   memory and replaying stale broadcasts later;
 * - the subscriber queues its (re)subscriptions until Redis is back, and resubscribes itself.
 *
 * With `clusterNodes` (a Redis Cluster, `REDIS_CLUSTER_NODES`) the sharded adapter's two
 * connections are ioredis `Cluster` clients instead: SPUBLISH goes to the node owning the
 * channel's slot, and the subscriber keeps one connection per master (`shardedSubscribers`),
 * re-subscribing a node's channels when that node comes back. The rest stays on `url`.
 *
 * @module
 */
import { Cluster, Redis } from 'ioredis'
import type { InstanceConfig, RedisNode } from '../config/index.ts'
import { SubscriptionTracker } from './subscriptions.ts'

export type RedisState = 'connecting' | 'ready' | 'down'

export interface RedisLink {
  readonly pub: Redis
  readonly sub: Redis
  /**
   * The sharded adapter's own subscriber (SSUBSCRIBE). Never shared with `sub`: ioredis 6 leaves
   * subscriber mode when the last SHARDED channel is unsubscribed (a playground namespace emptied
   * on this instance) and then drops the plain pub/sub messages still subscribed on the same
   * connection (the classic adapters of `/with-redis`, `/secure`, `/class` would go deaf).
   */
  readonly shardSub: Redis | Cluster
  /** The sharded adapter's publisher (SPUBLISH): `pub` itself, or a `Cluster` client on a Redis Cluster. */
  readonly shardPub: Redis | Cluster
  /** The subscriptions in flight on `sub` and `shardSub` (admission waits for them: ./subscriptions.ts). */
  readonly subscriptions: SubscriptionTracker
  /**
   * Waits at most `waitMs` for the subscriptions in flight; `null` when none is, when `waitMs` is
   * 0, or while the link is not ready (the subscriber queues until Redis is back: nobody should wait).
   */
  subscribed(waitMs: number): Promise<boolean> | null
  /** `ready` when every connection is usable. */
  state(): RedisState
  /** Called with the new state each time it changes. */
  onStateChange(listener: (state: RedisState) => void): void
  /** Resolves once both connections are ready (or rejects after `timeoutMs`). */
  ready(timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export interface RedisLinkOptions {
  url: string
  /** Seed nodes of the Redis Cluster that carries the sharded adapter; `null`/absent: `url` carries it. */
  clusterNodes?: readonly RedisNode[] | null
  /** Shown in `CLIENT LIST`, e.g. `rtwb-i1`. */
  name: string
  /** Where state changes are reported. Default: `console.warn`. */
  log?: (line: string) => void
  /** Connect timeout and reconnect delays (the instance configuration has them). */
  timings: RedisTimings
}

/** The configuration of every Redis connection an instance or the emitter opens. */
export type RedisTimings = Pick<InstanceConfig, 'redisConnectTimeoutMs' | 'redisRetryStepMs' | 'redisRetryMaxDelayMs'>

/**
 * ioredis `retryStrategy`: reconnect quickly at first, then every `redisRetryMaxDelayMs` at
 * most; never gives up on Redis.
 *
 * @example
 * new Redis(url, { retryStrategy: redisRetryStrategy(config) })
 */
export function redisRetryStrategy(timings: RedisTimings): (attempt: number) => number {
  return (attempt) => Math.min(timings.redisRetryStepMs * attempt, timings.redisRetryMaxDelayMs)
}

/** What every connection of a link shares: reconnect forever, bounded connection attempts. */
function commonOptions(timings: RedisTimings): { retryStrategy: (attempt: number) => number; connectTimeout: number; lazyConnect: false } {
  return { retryStrategy: redisRetryStrategy(timings), connectTimeout: timings.redisConnectTimeoutMs, lazyConnect: false }
}

/**
 * The sharded adapter's publisher and subscriber on a Redis Cluster.
 * - `shardedSubscribers: true` is required: without it ioredis sends every SSUBSCRIBE to one
 *   node and a channel owned by another node never delivers (ioredis#1759);
 * - `clusterNodeRetryStrategy`: a node that restarts with its slots is reconnected (ioredis's
 *   default waits for a MOVED that never comes when nothing moved);
 * - the publisher, like `pub`, has no cluster-wide offline queue; a SPUBLISH to a node that is
 *   down is still retried by ioredis (its node connections always queue; 16 redirections, 100 ms
 *   apart, with slot refreshes: 1-4 s measured), then dropped (docs/deploy-redis-cluster.md).
 */
function clusterClients(nodes: readonly RedisNode[], name: string, timings: RedisTimings): { shardPub: Cluster; shardSub: Cluster } {
  const { retryStrategy, connectTimeout } = commonOptions(timings)
  const cluster = (suffix: string, publisher: boolean): Cluster =>
    new Cluster(
      nodes.map((node) => ({ ...node })),
      {
        clusterRetryStrategy: retryStrategy,
        clusterNodeRetryStrategy: retryStrategy,
        enableOfflineQueue: !publisher,
        shardedSubscribers: !publisher,
        redisOptions: { connectionName: `${name}-${suffix}`, connectTimeout, maxRetriesPerRequest: publisher ? 0 : null },
      },
    )
  return { shardPub: cluster('cpub', true), shardSub: cluster('cssub', false) }
}

/**
 * ioredis `maxRetriesPerRequest` for commands that may wait `waitMs` for Redis: ioredis rejects
 * its offline queue after that many failed reconnect attempts, so this counts the attempts of
 * {@link redisRetryStrategy} whose delays add up to at least `waitMs`.
 *
 * @example
 * retriesCovering(300, { redisRetryStepMs: 100, redisRetryMaxDelayMs: 2_000 }) // => 2 (100 + 200 ms)
 */
export function retriesCovering(waitMs: number, timings: Pick<RedisTimings, 'redisRetryStepMs' | 'redisRetryMaxDelayMs'>): number {
  const delay = redisRetryStrategy({ redisConnectTimeoutMs: 0, ...timings })
  let attempts = 0
  // Bounded: every delay is at least redisRetryStepMs (>= 10 ms) and waitMs at most 600 s.
  for (let waited = 0; waited < waitMs && attempts < 100_000; waited += delay(attempts)) attempts += 1
  return attempts
}

/**
 * Opens the publisher and subscriber connections (and, with `clusterNodes`, the sharded
 * adapter's two Cluster clients).
 *
 * @example
 * const link = createRedisLink({ url: 'redis://127.0.0.1:6379', name: 'rtwb-i1', timings: defaultInstanceConfig })
 * link.onStateChange((state) => console.log('redis', state))
 */
export function createRedisLink(options: RedisLinkOptions): RedisLink {
  const log = options.log ?? ((line: string) => console.warn(line))
  const common = commonOptions(options.timings)
  const pub = new Redis(options.url, {
    ...common,
    connectionName: `${options.name}-pub`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  })
  const subscriber = (suffix: string): Redis =>
    new Redis(options.url, {
      ...common,
      connectionName: `${options.name}-${suffix}`,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      autoResubscribe: true,
    })
  const sub = subscriber('sub')
  const { shardPub, shardSub } = options.clusterNodes?.length
    ? clusterClients(options.clusterNodes, options.name, options.timings)
    : { shardPub: pub, shardSub: subscriber('ssub') }
  const clients = [...new Set([pub, sub, shardPub, shardSub])]
  const where = options.clusterNodes?.length ? `${options.url} and the Redis Cluster` : options.url
  const state = watchState(clients, log)
  const subscriptions = new SubscriptionTracker()
  for (const client of new Set([sub, shardSub])) subscriptions.watch(client)

  return {
    pub,
    sub,
    shardSub,
    shardPub,
    subscriptions,
    subscribed: (waitMs) => (waitMs > 0 && state.current() === 'ready' ? subscriptions.settled(waitMs) : null),
    state: state.current,
    onStateChange: state.listen,
    ready: (timeoutMs = 5_000) => state.ready(timeoutMs, where),
    close: async () => {
      state.clear()
      await Promise.allSettled(clients.map((client) => client.quit()))
      for (const client of clients) client.disconnect()
    },
  }
}

/** The link's state over its clients: `ready` when every one is, logged once per change. */
function watchState(
  clients: readonly (Redis | Cluster)[],
  log: (line: string) => void,
): {
  current(): RedisState
  listen(listener: (state: RedisState) => void): void
  ready(timeoutMs: number, where: string): Promise<void>
  clear(): void
} {
  const listeners = new Set<(state: RedisState) => void>()
  let current: RedisState = 'connecting'
  let lastError = ''
  const update = (): void => {
    const next: RedisState = clients.every((client) => client.status === 'ready')
      ? 'ready'
      : current === 'connecting' && !lastError
        ? 'connecting'
        : 'down'
    if (next === current) return
    current = next
    log(`redis ${next}${next === 'down' && lastError ? ` (${lastError})` : ''}`)
    for (const listener of listeners) listener(next)
  }
  for (const client of clients) {
    client.on('error', (error: Error) => {
      // Logged once per outage through `update`, not once per reconnect attempt.
      lastError = error.message || (error as { code?: string }).code || 'error'
      update()
    })
    for (const event of ['ready', 'close', 'end', 'reconnecting']) client.on(event, update)
  }
  return {
    current: () => current,
    listen: (listener) => void listeners.add(listener),
    ready: (timeoutMs, where) =>
      new Promise<void>((resolve, reject) => {
        if (current === 'ready') return resolve()
        const timer = setTimeout(() => {
          listeners.delete(onChange)
          reject(new Error(`Redis at ${where} not ready after ${timeoutMs} ms (${lastError || current})`))
        }, timeoutMs)
        const onChange = (state: RedisState): void => {
          if (state !== 'ready') return
          clearTimeout(timer)
          listeners.delete(onChange)
          resolve()
        }
        listeners.add(onChange)
      }),
    clear: () => listeners.clear(),
  }
}
