/**
 * Finds the Redis the cluster will use: the one at REDIS_URL if it answers; otherwise a
 * `redis-server` started as a child (no persistence) when the URL is on this machine and the
 * binary is on PATH; otherwise none, and the cluster runs without cross-instance fan-out.
 *
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { Redis } from 'ioredis'
import { redactUrl } from '@realtime-workbook/sandbox-server/config'

/** The Redis of a start. `started`: the launcher's own `redis-server`; `child` is the running one (the fault controls replace it when they restart Redis). */
export type RedisSource =
  { kind: 'existing'; url: string } | { kind: 'started'; url: string; child: ChildProcess } | { kind: 'none'; url: string; reason: string }

/** Resolves `true` when a Redis at `url` answers PING within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  })
  client.on('error', () => undefined)
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

function onPath(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

/**
 * Finds or starts Redis.
 *
 * @example
 * const redis = await ensureRedis('redis://127.0.0.1:6379', console.log, true)
 * if (redis.kind === 'none') console.warn(redis.reason)
 */
export async function ensureRedis(url: string, log: (line: string) => void, mayStart = true): Promise<RedisSource> {
  if (await redisAnswers(url)) return { kind: 'existing', url }
  if (!mayStart) return { kind: 'none', url, reason: `nothing answers at ${redactUrl(url)} (and SANDBOX_START_REDIS=0)` }
  const parsed = new URL(url)
  if (!LOOPBACK.has(parsed.hostname)) {
    return { kind: 'none', url, reason: `nothing answers at ${redactUrl(url)} (not on this machine, so npm start will not start one)` }
  }
  if (!onPath('redis-server')) {
    return { kind: 'none', url, reason: `nothing answers at ${redactUrl(url)} and no redis-server is installed` }
  }
  const port = parsed.port || '6379'
  log(`redis: nothing answers at ${redactUrl(url)}; starting redis-server on port ${port} (no persistence)`)
  const child = await startRedisServer(url)
  return child ? { kind: 'started', url, child } : { kind: 'none', url, reason: `redis-server did not start on port ${port}` }
}

/**
 * Starts a `redis-server` for a loopback `url` (its port, no persistence) and resolves with the
 * child once it answers PING, or `null` if it did not within 5 s (it is then killed).
 *
 * @example
 * const child = await startRedisServer('redis://127.0.0.1:6390')
 */
export async function startRedisServer(url: string): Promise<ChildProcess | null> {
  const port = new URL(url).port || '6379'
  const child = spawn('redis-server', ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  const deadline = Date.now() + 5_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break
    if (await redisAnswers(url, 300)) return child
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  child.kill('SIGKILL')
  return null
}

/**
 * Stops a Redis the launcher started (SIGTERM) and resolves once it exited; a no-op for any other.
 *
 * @example
 * await stopOwnedRedis(workbook.redis)
 */
export function stopOwnedRedis(redis: RedisSource): Promise<void> {
  return new Promise((done) => {
    if (redis.kind !== 'started' || redis.child.exitCode !== null || redis.child.signalCode !== null) return done()
    redis.child.once('exit', () => done())
    redis.child.kill('SIGTERM')
  })
}

/** What to tell a person who has no Redis. */
export const REDIS_HELP =
  'Without Redis each instance only reaches its own clients. To get Redis: `sudo apt-get install redis-server` ' +
  '(Debian/Ubuntu), `brew install redis` (macOS), or point REDIS_URL at one; then restart `npm start`.'
