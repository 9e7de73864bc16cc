/**
 * Classes in Redis, cluster-wide, under the deployment's key prefix. Every change that must not
 * race (create under the cap, a name reserved by one member only, lock, close) is ONE Lua script,
 * so two instances can never both accept the same name or open one class too many.
 *
 * Keys (`P` = `<keyPrefix>:class`), each with the class's TTL, renewed on every change:
 * - `P:open`: sorted set of open join codes (score: created at), the cap's count;
 * - `P:<code>`: hash `space`, `locked` (`0`/`1`), `createdAt`, `announcement` (JSON or absent);
 * - `P:<code>:names`: hash name key (`memberNameKey`) -> member id: who holds each name;
 * - `P:<code>:members`: hash member id -> `<name key>\t<display name>`.
 *
 * @module
 */
import type { Redis } from 'ioredis'
import { SandboxError } from '../errors/index.ts'
import { memberNameKey, type Announcement, type ClassSummary } from '../protocol/classes.ts'

/** A class as stored, with its members (id -> display name). */
export interface StoredClass extends ClassSummary {
  members: Map<string, string>
}

/** Drops codes whose class expired, then opens one if the cap allows. */
const CREATE = `
local open = KEYS[1]
for _, code in ipairs(redis.call('ZRANGE', open, 0, -1)) do
  if redis.call('EXISTS', ARGV[5] .. code) == 0 then redis.call('ZREM', open, code) end
end
if redis.call('ZCARD', open) >= tonumber(ARGV[4]) then return 'CLASS_LIMIT' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'CODE_TAKEN' end
redis.call('HSET', KEYS[2], 'space', ARGV[1], 'locked', '0', 'createdAt', ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('ZADD', open, ARGV[2], ARGV[6])
redis.call('EXPIRE', open, ARGV[3])
return 'OK'`

/** Reserves a name for a member, atomically: the refusal code, or OK. */
const JOIN = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'CLASS_NOT_FOUND' end
local known = redis.call('HGET', KEYS[3], ARGV[2])
local oldKey = known and string.match(known, '^([^\\t]*)\\t') or nil
if oldKey ~= ARGV[1] then
  if redis.call('HGET', KEYS[1], 'locked') == '1' then return 'CLASS_LOCKED' end
  local holder = redis.call('HGET', KEYS[2], ARGV[1])
  if holder and holder ~= ARGV[2] then return 'NAME_TAKEN' end
  if not known and redis.call('HLEN', KEYS[3]) >= tonumber(ARGV[4]) then return 'CLASS_FULL' end
  if oldKey then redis.call('HDEL', KEYS[2], oldKey) end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[1] .. '\\t' .. ARGV[3])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
return 'OK'`

/** Forgets a member and frees their name: 1, or 0 when the member was not in the class. */
const LEAVE = `
local known = redis.call('HGET', KEYS[3], ARGV[1])
if not known then return 0 end
local key = string.match(known, '^([^\t]*)\t')
if key and redis.call('HGET', KEYS[2], key) == ARGV[1] then redis.call('HDEL', KEYS[2], key) end
redis.call('HDEL', KEYS[3], ARGV[1])
return 1`

/** Sets one field of an existing class and renews its keys' TTL; 0 when the class is gone. */
const UPDATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
return 1`

export interface ClassStoreOptions {
  redis: Redis
  keyPrefix: string
  maxClasses: number
  maxMembers: number
  ttlSeconds: number
}

/** Parses a stored announcement (written by this module only; anything else reads as none). */
function announcementOf(raw: string | undefined): Announcement | null {
  if (!raw) return null
  try {
    const value: unknown = JSON.parse(raw)
    if (typeof value !== 'object' || value === null || !('text' in value) || !('at' in value)) return null
    return typeof value.text === 'string' && typeof value.at === 'number' ? { text: value.text, at: value.at } : null
  } catch {
    return null
  }
}

/** Runs a Redis call; a failure of Redis itself (down, not ready) becomes `REDIS_UNAVAILABLE` (503). */
async function redisCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof SandboxError) throw error
    throw new SandboxError('REDIS_UNAVAILABLE', 'Redis does not answer: classes are unavailable until it is back')
  }
}

/**
 * The classes of one deployment, in Redis.
 *
 * @example
 * const store = new ClassStore({ redis: link.pub, keyPrefix: 'rtwb', maxClasses: 20, maxMembers: 60, ttlSeconds: 43_200 })
 * await store.create('K7Q2MX', 'ab12cd') // throws CLASS_LIMIT when 20 are open
 * await store.join('K7Q2MX', 'Ada', memberId) // throws NAME_TAKEN, CLASS_LOCKED, CLASS_FULL, CLASS_NOT_FOUND
 */
export class ClassStore {
  readonly #o: ClassStoreOptions
  readonly #prefix: string

  constructor(options: ClassStoreOptions) {
    this.#o = options
    this.#prefix = `${options.keyPrefix}:class:`
  }

  #keys(code: string): [string, string, string] {
    const base = `${this.#prefix}${code}`
    return [base, `${base}:names`, `${base}:members`]
  }

  /** Opens a class; `false` when the code is already used (pick another), throws `CLASS_LIMIT`. */
  async create(code: string, space: string, now = Date.now()): Promise<boolean> {
    const { redis, ttlSeconds, maxClasses } = this.#o
    const args = [space, String(now), String(ttlSeconds), String(maxClasses), this.#prefix, code]
    const result = await redisCall(() => redis.eval(CREATE, 2, `${this.#prefix}open`, this.#keys(code)[0], ...args))
    if (result === 'CLASS_LIMIT') throw new SandboxError('CLASS_LIMIT', `${maxClasses} classes are open already: close one first`)
    return result === 'OK'
  }

  /** Reserves `name` for `member` in the class (a known member keeps theirs); throws the refusal. */
  async join(code: string, name: string, member: string): Promise<void> {
    const { redis, maxMembers, ttlSeconds } = this.#o
    const result = await redisCall(() =>
      redis.eval(JOIN, 3, ...this.#keys(code), memberNameKey(name), member, name, String(maxMembers), String(ttlSeconds)),
    )
    if (result === 'OK') return
    const messages: Record<string, string> = {
      CLASS_NOT_FOUND: 'no open class has this code',
      CLASS_LOCKED: 'the class is locked: the instructor lets no new names in',
      NAME_TAKEN: 'someone in the class already uses this name',
      CLASS_FULL: `the class holds ${maxMembers} members already`,
    }
    const known = typeof result === 'string' && result in messages
    throw known
      ? new SandboxError(result as 'CLASS_NOT_FOUND' | 'CLASS_LOCKED' | 'NAME_TAKEN' | 'CLASS_FULL', messages[result] ?? '')
      : new SandboxError('INTERNAL', 'the class store answered something unexpected')
  }

  /** Forgets `member` and frees their name (they left the class). */
  async leave(code: string, member: string): Promise<void> {
    await redisCall(() => this.#o.redis.eval(LEAVE, 3, ...this.#keys(code), member))
  }

  /** The class, or `null` when it is not open. */
  async get(code: string): Promise<StoredClass | null> {
    const [base, , membersKey] = this.#keys(code)
    const [fields, members] = await redisCall(() => Promise.all([this.#o.redis.hgetall(base), this.#o.redis.hgetall(membersKey)]))
    if (!fields.space) return null
    const names = new Map<string, string>()
    for (const [id, value] of Object.entries(members)) names.set(id, value.slice(value.indexOf('\t') + 1))
    return {
      code,
      space: fields.space,
      locked: fields.locked === '1',
      createdAt: Number(fields.createdAt ?? 0),
      memberCount: names.size,
      announcement: announcementOf(fields.announcement),
      members: names,
    }
  }

  /** Every open class (at most `maxClasses`), oldest first. */
  async list(): Promise<StoredClass[]> {
    const codes = await redisCall(() => this.#o.redis.zrange(`${this.#prefix}open`, '0', String(this.#o.maxClasses - 1)))
    const found = await Promise.all(codes.map((code) => this.get(code)))
    return found.filter((one): one is StoredClass => one !== null)
  }

  /** Sets one field; throws `CLASS_NOT_FOUND` when the class is not open. */
  async #update(code: string, field: 'locked' | 'announcement', value: string): Promise<void> {
    const done = await redisCall(() => this.#o.redis.eval(UPDATE, 3, ...this.#keys(code), field, value, String(this.#o.ttlSeconds)))
    if (done !== 1) throw new SandboxError('CLASS_NOT_FOUND', 'no open class has this code')
  }

  /** Locks (no new names) or unlocks the class. */
  lock(code: string, locked: boolean): Promise<void> {
    return this.#update(code, 'locked', locked ? '1' : '0')
  }

  /** Keeps `announcement` as the class's latest (a page opened later shows it). */
  announce(code: string, announcement: Announcement): Promise<void> {
    return this.#update(code, 'announcement', JSON.stringify(announcement))
  }

  /** Deletes the class's keys; `false` when it was not open. */
  async close(code: string): Promise<boolean> {
    return redisCall(async () => {
      const deleted = await this.#o.redis.del(...this.#keys(code))
      await this.#o.redis.zrem(`${this.#prefix}open`, code)
      return deleted > 0
    })
  }
}
