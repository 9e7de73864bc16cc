/**
 * The two Redis connections of an instance (the adapter needs one to publish and one to
 * subscribe), with what keeps an instance alive when Redis is not:
 * - an `error` listener on each client (without one, ioredis errors crash the process);
 * - the publisher does not queue commands while offline: a publish during an outage fails at
 *   once and the adapter drops it (Redis pub/sub is at-most-once anyway), instead of piling up
 *   memory and replaying stale broadcasts later;
 * - the subscriber queues its (re)subscriptions until Redis is back, and resubscribes itself.
 *
 * @module
 */
import { Redis } from 'ioredis'
import type { InstanceConfig } from '../config/index.ts'

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
  readonly shardSub: Redis
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
 * Opens the publisher and subscriber connections.
 *
 * @example
 * const link = createRedisLink({ url: 'redis://127.0.0.1:6379', name: 'rtwb-i1', timings: defaultInstanceConfig })
 * link.onStateChange((state) => console.log('redis', state))
 */
export function createRedisLink(options: RedisLinkOptions): RedisLink {
  const log = options.log ?? ((line: string) => console.warn(line))
  const common = {
    retryStrategy: redisRetryStrategy(options.timings),
    connectTimeout: options.timings.redisConnectTimeoutMs,
    lazyConnect: false,
  }
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
  const shardSub = subscriber('ssub')

  const listeners = new Set<(state: RedisState) => void>()
  let current: RedisState = 'connecting'
  let lastError = ''
  const update = (): void => {
    const next: RedisState =
      pub.status === 'ready' && sub.status === 'ready' && shardSub.status === 'ready'
        ? 'ready'
        : current === 'connecting' && !lastError
          ? 'connecting'
          : 'down'
    if (next === current) return
    current = next
    log(`redis ${next}${next === 'down' && lastError ? ` (${lastError})` : ''}`)
    for (const listener of listeners) listener(next)
  }
  for (const client of [pub, sub, shardSub]) {
    client.on('error', (error: Error) => {
      // Logged once per outage through `update`, not once per reconnect attempt.
      lastError = error.message || (error as { code?: string }).code || 'error'
      update()
    })
    for (const event of ['ready', 'close', 'end', 'reconnecting']) client.on(event, update)
  }

  return {
    pub,
    sub,
    shardSub,
    state: () => current,
    onStateChange: (listener) => void listeners.add(listener),
    ready: (timeoutMs = 5_000) =>
      new Promise<void>((resolve, reject) => {
        if (current === 'ready') return resolve()
        const timer = setTimeout(() => {
          listeners.delete(onChange)
          reject(new Error(`Redis at ${options.url} not ready after ${timeoutMs} ms (${lastError || current})`))
        }, timeoutMs)
        const onChange = (state: RedisState): void => {
          if (state !== 'ready') return
          clearTimeout(timer)
          listeners.delete(onChange)
          resolve()
        }
        listeners.add(onChange)
      }),
    close: async () => {
      listeners.clear()
      await Promise.allSettled([pub.quit(), sub.quit(), shardSub.quit()])
      for (const client of [pub, sub, shardSub]) client.disconnect()
    },
  }
}
