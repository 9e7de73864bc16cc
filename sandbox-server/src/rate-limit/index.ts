/**
 * A token bucket per socket: a learner clicking fast is fine, a loop flooding the server is not.
 *
 * @module
 */

/** The default clock, one function for every bucket (not a bound copy per bucket). */
const monotonicNow = (): number => performance.now()

/**
 * Allows `burst` events at once and `perSecond` sustained.
 *
 * @example
 * const bucket = new TokenBucket(20, 40)
 * if (!bucket.take()) reply('RATE_LIMITED')
 */
export class TokenBucket {
  #tokens: number
  #updatedAt: number
  readonly #perSecond: number
  readonly #burst: number
  readonly #now: () => number

  constructor(perSecond: number, burst: number, now: () => number = monotonicNow) {
    this.#perSecond = perSecond
    this.#burst = burst
    this.#tokens = burst
    this.#now = now
    this.#updatedAt = now()
  }

  /** Takes one token; `false` when the bucket is empty. */
  take(): boolean {
    const now = this.#now()
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updatedAt) / 1000) * this.#perSecond)
    this.#updatedAt = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}
