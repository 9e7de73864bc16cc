/**
 * The resilience lab's pure rules (lesson 5), without sockets or timers of their own: the bounded,
 * expiring map every per-space table of the lab uses, the idempotent "flaky handler" (drop rate,
 * slow handler, dedupe by message id), a cooldown per key and the position stream's path. The
 * server runs them, and so does the site's in-memory fake, so the two cannot drift apart.
 *
 * @module
 */
import type { FlakyCounters, FlakySettings } from '../protocol/index.ts'

/** A clock in ms (injected, so tests and the fake can move time). */
export type Clock = () => number

/**
 * A Map bounded in size and in time: entries expire `ttlMs` after their last `set`/`touch`, and
 * when full the oldest entry is evicted first. Insertion order is expiry order (an updated entry
 * moves to the end), so purging and evicting only ever look at the front: O(1) amortized.
 *
 * @example
 * const ids = new ExpiringMap<string, number>({ maxSize: 1000, ttlMs: 60_000 })
 * ids.set('m-1', 1)
 * ids.get('m-1') // => 1 (undefined after 60 s, or once 1,000 newer ids pushed it out)
 */
export class ExpiringMap<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>()
  readonly #maxSize: number
  readonly #ttlMs: number
  readonly #now: Clock

  constructor(options: { maxSize: number; ttlMs: number; now?: Clock }) {
    this.#maxSize = Math.max(1, Math.floor(options.maxSize))
    this.#ttlMs = options.ttlMs
    this.#now = options.now ?? Date.now
  }

  /** Live entries (expired ones are purged first). */
  get size(): number {
    this.#purge()
    return this.#entries.size
  }

  /** The value, or `undefined` when absent or expired. Does not extend its life (see `touch`). */
  get(key: K): V | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt > this.#now()) return entry.value
    this.#entries.delete(key)
    return undefined
  }

  /** Sets (or replaces) a value, good for `ttlMs` from now; evicts the oldest entries beyond `maxSize`. */
  set(key: K, value: V): void {
    this.#entries.delete(key)
    this.#purge()
    while (this.#entries.size >= this.#maxSize) this.#dropOldest()
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs })
  }

  /** The value of `key`, created with `make()` when absent; either way good for `ttlMs` from now. */
  touch(key: K, make: () => V): V {
    const value = this.get(key) ?? make()
    this.set(key, value)
    return value
  }

  delete(key: K): void {
    this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }

  /** Live values, oldest first. */
  values(): V[] {
    this.#purge()
    return [...this.#entries.values()].map((entry) => entry.value)
  }

  #purge(): void {
    const now = this.#now()
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) return
      this.#entries.delete(key)
    }
  }

  #dropOldest(): void {
    const oldest = this.#entries.keys().next()
    if (!oldest.done) this.#entries.delete(oldest.value)
  }
}

/**
 * At most one go per key every `cooldownMs` (storm cut per space, wire measurement per space).
 * Bounded: keys are forgotten when their cooldown is over, and at most `maxKeys` are held.
 *
 * @example
 * const cooldown = new Cooldown({ cooldownMs: 3000, maxKeys: 1000 })
 * cooldown.take('k7q2mx') // => 0 (go)
 * cooldown.take('k7q2mx') // => 3000 (wait this long, ms)
 */
export class Cooldown {
  readonly #last: ExpiringMap<string, number>
  readonly #cooldownMs: number
  readonly #now: Clock

  constructor(options: { cooldownMs: number; maxKeys: number; now?: Clock }) {
    this.#cooldownMs = options.cooldownMs
    this.#now = options.now ?? Date.now
    this.#last = new ExpiringMap({ maxSize: options.maxKeys, ttlMs: options.cooldownMs, now: this.#now })
  }

  /** 0 when `key` may go now (and starts its cooldown), else the ms left to wait. */
  take(key: string): number {
    const now = this.#now()
    const last = this.#last.get(key)
    if (last !== undefined) return Math.max(1, Math.ceil(last + this.#cooldownMs - now))
    this.#last.set(key, now)
    return 0
  }
}

/** Settings of a fresh flaky handler: it loses nothing, answers at once and does not dedupe. */
export const DEFAULT_FLAKY_SETTINGS: FlakySettings = { dropRate: 0, delayMs: 0, dedupe: false }

/** How a flaky handler waits and draws (injected: the server uses timers, the fake may use its own). */
export interface FlakyEnvironment {
  /** Resolves after `ms`. */
  sleep(ms: number): Promise<void>
  /** A number in [0, 1). */
  random(): number
  now?: Clock
}

/** The dedupe store's bounds: ids per space and how long one is remembered. */
export interface DedupeLimits {
  maxIds: number
  ttlMs: number
}

/** What the handler remembers of one message id. */
interface IdRecord {
  /** Times the handler's effect ran (or started) for this id. */
  runs: number
  /** Settles when the latest run's effect is done. */
  done: Promise<void>
}

/** What `FlakyHandler.work()` decided: dropped (never acked), or the ack's fields. */
export type FlakyOutcome = 'dropped' | { duplicate: boolean; runs: number }

/**
 * One space's flaky handler on one instance: drops a request with probability `dropRate` before
 * the handler (the client's ack times out for real), runs the handler's effect after `delayMs`
 * (a slow handler: the client may retry a message that is already being handled), and, with
 * `dedupe`, runs the effect once per message id: a repeat waits for the first run and is answered
 * `duplicate: true` without running again (the stored answer of an idempotent API).
 * Ids are kept in an `ExpiringMap` (at most `maxIds`, each for `ttlMs`), also without dedupe: that
 * is how duplicates are counted.
 *
 * @example
 * const handler = new FlakyHandler({ maxIds: 1000, ttlMs: 60_000 }, { sleep, random: Math.random })
 * handler.configure({ dropRate: 0.2, delayMs: 1500, dedupe: true })
 * await handler.work('m-1') // => 'dropped' or { duplicate: false, runs: 1 }
 */
export class FlakyHandler {
  #settings: FlakySettings = DEFAULT_FLAKY_SETTINGS
  #counters = { received: 0, dropped: 0, handled: 0, duplicateEffects: 0, uniqueIds: 0 }
  readonly #ids: ExpiringMap<string, IdRecord>
  readonly #env: FlakyEnvironment

  constructor(limits: DedupeLimits, env: FlakyEnvironment) {
    this.#env = env
    this.#ids = new ExpiringMap({ maxSize: limits.maxIds, ttlMs: limits.ttlMs, now: env.now })
  }

  get settings(): FlakySettings {
    return this.#settings
  }

  /** Settings already validated (`flakySettingsSchema`); they apply to requests received from now. */
  configure(settings: FlakySettings): FlakySettings {
    this.#settings = { ...settings }
    return this.#settings
  }

  /** Forgets counters and ids (settings stay). */
  reset(): void {
    this.#counters = { received: 0, dropped: 0, handled: 0, duplicateEffects: 0, uniqueIds: 0 }
    this.#ids.clear()
  }

  /** The counters since the last reset, and how many ids the store holds now. */
  report(): FlakyCounters {
    return { ...this.#counters, dedupeSize: this.#ids.size }
  }

  /** Handles one `flaky:work` request (already validated and rate-limited). */
  async work(messageId: string): Promise<FlakyOutcome> {
    const { dropRate, delayMs, dedupe } = this.#settings
    this.#counters.received += 1
    if (this.#env.random() < dropRate) {
      this.#counters.dropped += 1
      return 'dropped'
    }
    const known = this.#ids.get(messageId)
    if (dedupe && known) {
      await known.done
      return { duplicate: true, runs: known.runs }
    }
    const record: IdRecord = { runs: (known?.runs ?? 0) + 1, done: Promise.resolve() }
    let finish = (): void => {}
    record.done = new Promise((resolve) => (finish = resolve))
    this.#ids.set(messageId, record)
    await this.#env.sleep(delayMs)
    this.#effect(record.runs)
    finish()
    return { duplicate: false, runs: record.runs }
  }

  /** The handler's side effect: here, counting it (a real handler would charge a card, insert a row...). */
  #effect(runs: number): void {
    this.#counters.handled += 1
    if (runs === 1) this.#counters.uniqueIds += 1
    else this.#counters.duplicateEffects += 1
  }
}

/**
 * Where update `seq` of a position stream of `count` updates puts the dot: once around a circle
 * in the unit square, so a learner sees at a glance which updates arrived.
 *
 * @example
 * positionAt(0, 4) // => { x: 0.9, y: 0.5 }
 */
export function positionAt(seq: number, count: number): { x: number; y: number } {
  const angle = (2 * Math.PI * seq) / Math.max(1, count)
  const round = (n: number): number => Math.round(n * 1000) / 1000
  return { x: round(0.5 + 0.4 * Math.cos(angle)), y: round(0.5 + 0.4 * Math.sin(angle)) }
}
