/**
 * Where the Admin UI's login sessions live. A socket that logged in with the password gets a
 * session id; the UI reconnects with that id alone. In Redis (under the deployment's key prefix),
 * a login made on i1 holds on i2 and i3 and across restarts; and always in a bounded Map of the
 * instance, so a login still works on its instance while Redis is down ({@link AdminSessions}).
 *
 * Not the package's own `RedisStore`: it calls `exists` with a callback and `multi().exec()`
 * without a catch, so a Redis outage during a login became an unhandled rejection (a crashed
 * instance). These stores never reject: an unreachable Redis means "no such session", and the UI
 * falls back to its login form.
 *
 * @module
 */
import type { Redis } from 'ioredis'

/** What `instrument()`'s `store` option calls (the package's abstract `Store`). */
export interface AdminSessionStore {
  doesSessionExist(sessionId: string): Promise<boolean>
  saveSession(sessionId: string): void
}

/** How long a login holds, seconds: a class day. */
export const ADMIN_SESSION_SECONDS = 8 * 3600

/** Sessions one instance keeps in memory without Redis (the oldest is forgotten first). */
export const MAX_MEMORY_SESSIONS = 256

/**
 * Sessions in Redis: one key per session, `<keyPrefix>:admin-ui:session:<id>`, expiring.
 *
 * @example
 * const store = new RedisSessionStore(link.pub, 'rtwb-host-4321')
 * store.saveSession('0123456789abcdef')
 * await store.doesSessionExist('0123456789abcdef') // => true (on any instance of the deployment)
 */
export class RedisSessionStore implements AdminSessionStore {
  readonly #redis: Redis
  readonly #prefix: string
  readonly #onError: (error: Error) => void

  constructor(redis: Redis, keyPrefix: string, onError: (error: Error) => void = () => undefined) {
    this.#redis = redis
    this.#prefix = `${keyPrefix}:admin-ui:session:`
    this.#onError = onError
  }

  async doesSessionExist(sessionId: string): Promise<boolean> {
    try {
      return (await this.#redis.exists(this.#prefix + sessionId)) === 1
    } catch (error) {
      this.#onError(error as Error)
      return false
    }
  }

  saveSession(sessionId: string): void {
    this.#redis.set(this.#prefix + sessionId, '1', 'EX', ADMIN_SESSION_SECONDS).catch(this.#onError)
  }
}

/**
 * Sessions in this instance's memory, at most {@link MAX_MEMORY_SESSIONS}, each expiring.
 *
 * @example
 * const store = new MemorySessionStore()
 * store.saveSession('0123456789abcdef')
 * await store.doesSessionExist('0123456789abcdef') // => true (on this instance only)
 */
export class MemorySessionStore implements AdminSessionStore {
  /** Session id -> expiry (ms since epoch), oldest first (a Map keeps insertion order). */
  readonly #sessions = new Map<string, number>()
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  doesSessionExist(sessionId: string): Promise<boolean> {
    const expiry = this.#sessions.get(sessionId)
    if (expiry !== undefined && expiry <= this.#now()) this.#sessions.delete(sessionId)
    return Promise.resolve(expiry !== undefined && expiry > this.#now())
  }

  saveSession(sessionId: string): void {
    this.#sessions.delete(sessionId)
    this.#sessions.set(sessionId, this.#now() + ADMIN_SESSION_SECONDS * 1000)
    for (const oldest of this.#sessions.keys()) {
      if (this.#sessions.size <= MAX_MEMORY_SESSIONS) break
      this.#sessions.delete(oldest)
    }
  }

  /** Sessions held now (expired ones included until looked up). */
  get size(): number {
    return this.#sessions.size
  }
}

/**
 * The instance's sessions: in memory, and in Redis when there is one. A session is known if
 * either knows it.
 *
 * @example
 * const sessions = new AdminSessions(link.pub, 'rtwb-host-4321')
 * sessions.saveSession('0123456789abcdef')
 */
export class AdminSessions implements AdminSessionStore {
  readonly #memory = new MemorySessionStore()
  readonly #redis: RedisSessionStore | null

  constructor(redis: Redis | null, keyPrefix: string, onError?: (error: Error) => void) {
    this.#redis = redis ? new RedisSessionStore(redis, keyPrefix, onError) : null
  }

  async doesSessionExist(sessionId: string): Promise<boolean> {
    return (await this.#memory.doesSessionExist(sessionId)) || ((await this.#redis?.doesSessionExist(sessionId)) ?? false)
  }

  saveSession(sessionId: string): void {
    this.#memory.saveSession(sessionId)
    this.#redis?.saveSession(sessionId)
  }
}
