/**
 * A rate limit that holds across instances: one budget per key (a user id, a client address) kept
 * in Redis by `rate-limiter-flexible`, so three sockets of one user on three instances share ONE
 * budget, where a per-socket token bucket would give each socket its own. While Redis is not
 * ready, an in-memory insurance limiter takes over (per instance: the limit is then per instance,
 * which is the best an instance can do alone).
 *
 * @module
 */
import type { Redis } from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import { SandboxError } from '../errors/index.ts'
import type { SandboxErrorBody } from '../protocol/index.ts'

/** `RATE_LIMITED` with how long to wait, in the message and in `retryAfterMs`. */
export class RateLimitedError extends SandboxError {
  readonly retryAfterMs: number

  constructor(retryAfterMs: number, what: string) {
    super('RATE_LIMITED', `too many ${what}: try again in ${retryAfterMs} ms`)
    this.retryAfterMs = retryAfterMs
  }

  override toBody(): SandboxErrorBody {
    return { ...super.toBody(), retryAfterMs: this.retryAfterMs }
  }
}

export interface SharedLimiterOptions {
  /** The instance's Redis client (commands, not the subscriber); `null` without Redis. */
  redis: Redis | null
  /** Prefix of the limiter's Redis keys: derive it from the deployment key prefix. */
  keyPrefix: string
  /** Events allowed per key per second. */
  perSecond: number
  /** What is counted, for the refusal message (`events`, `token requests`). */
  what: string
}

/**
 * One cluster-wide budget per key.
 *
 * @example
 * const limiter = new SharedLimiter({ redis: link.pub, keyPrefix: 'rtwb:rl:user', perSecond: 20, what: 'events' })
 * await limiter.consume(`user:${user.id}`) // throws RateLimitedError once the second's budget is spent
 */
export class SharedLimiter {
  readonly #limiter: RateLimiterAbstract
  readonly #what: string

  constructor(options: SharedLimiterOptions) {
    const budget = { points: options.perSecond, duration: 1 }
    const memory = new RateLimiterMemory({ ...budget, keyPrefix: options.keyPrefix })
    this.#what = options.what
    this.#limiter = options.redis
      ? new RateLimiterRedis({
          ...budget,
          storeClient: options.redis,
          keyPrefix: options.keyPrefix,
          // The instance's publisher does not queue commands while offline: fail over at once.
          rejectIfRedisNotReady: true,
          insuranceLimiter: memory,
        })
      : memory
  }

  /** Spends one point of `key`'s budget, or throws `RATE_LIMITED` with the wait in ms. */
  async consume(key: string): Promise<void> {
    try {
      await this.#limiter.consume(key)
    } catch (refused) {
      if (refused instanceof RateLimiterRes) throw new RateLimitedError(Math.max(1, Math.ceil(refused.msBeforeNext)), this.#what)
      throw refused
    }
  }
}
