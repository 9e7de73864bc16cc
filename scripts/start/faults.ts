/**
 * The instructor's fault controls, on the launcher's site server (the launcher owns the
 * processes): `GET /instructor/api/faults` (what may be acted on) and `POST /instructor/api/faults`
 * (kill or drain an instance, stop or restart the launcher's own `redis-server`). Same rules as
 * the instances' instructor routes: the site's origin only, `Authorization: Bearer <secret>`
 * checked in constant time (the projector key is refused), JSON bodies of at most 1 KB, typed
 * JSON errors. Every action is logged with who asked (address and role), never the key.
 *
 * @module
 */
import { Hono, type Context } from 'hono'
import {
  answerErrors,
  clientAddress,
  limitBodies,
  readJsonBody,
  SandboxError,
  siteRequestsOnly,
  TrustedProxies,
} from '@realtime-workbook/sandbox-server/http'
import { InstructorAccess, requireInstructor, type InstructorRefusal } from '@realtime-workbook/sandbox-server/instructor'
import { RefusalSampler } from '@realtime-workbook/sandbox-server/log'
import { redactUrl } from '@realtime-workbook/sandbox-server/config'
import type { FaultAction, FaultAnswer, FaultsStatus } from '@realtime-workbook/sandbox-server/protocol'
import { faultActionSchema } from '@realtime-workbook/sandbox-server/schemas'
import type { InstanceProcess } from './cluster.ts'
import { startRedisServer, stopOwnedRedis, type RedisSource } from './redis.ts'

/** What the controls need of a supervised instance ({@link InstanceProcess}). */
export type FaultTarget = Pick<InstanceProcess, 'id' | 'port' | 'state' | 'restarts' | 'kill' | 'drain'>

/** Largest body `POST /instructor/api/faults` reads. */
export const MAX_FAULT_BODY_BYTES = 1_024

export interface FaultOptions {
  /** The deployment's instructor secret, read when a request comes (`null`: every request refused). */
  secret: () => string | null
  /** The site's page origins (the instances' allowlist). */
  allowedOrigins: () => ReadonlySet<string>
  instances: () => readonly FaultTarget[]
  redis: RedisSource
  log: (line: string) => void
}

/** What the Redis controls may do with this start's Redis. */
function redisStatus(redis: RedisSource): FaultsStatus['redis'] {
  if (redis.kind === 'started') {
    const running = redis.child.exitCode === null && redis.child.signalCode === null
    return { controllable: true, state: running ? 'running' : 'stopped', reason: null }
  }
  if (redis.kind === 'existing')
    return {
      controllable: false,
      state: 'external',
      reason: `npm start did not start the Redis at ${redactUrl(redis.url)}, so it will not stop it (set REDIS_URL to a free local port to let it start its own)`,
    }
  return { controllable: false, state: 'none', reason: `the cluster runs without Redis (${redis.reason})` }
}

/**
 * The fault controls' current status.
 *
 * @example
 * faultsStatus(options) // => { instances: [{ id: 'i1', port: 4001, state: 'running', restarts: 0 }, ...], redis: { ... } }
 */
export function faultsStatus(options: Pick<FaultOptions, 'instances' | 'redis'>): FaultsStatus {
  return {
    instances: options.instances().map((i) => ({ id: i.id, port: i.port, state: i.state, restarts: i.restarts })),
    redis: redisStatus(options.redis),
  }
}

const unavailable = (message: string): SandboxError => new SandboxError('FAULT_UNAVAILABLE', message)

/** Runs one action; resolves with what to tell the instructor, or throws `FAULT_UNAVAILABLE`. */
async function act(options: FaultOptions, action: FaultAction): Promise<string> {
  if (action.action === 'kill' || action.action === 'drain') {
    const instance = options.instances().find((i) => i.id === action.instance)
    if (!instance) throw new SandboxError('INVALID_PAYLOAD', `no instance ${action.instance} in this cluster`)
    const done = action.action === 'kill' ? await instance.kill() : await instance.drain()
    if (!done) throw unavailable(`${instance.id} is not running now (${instance.state}); try again once it is back`)
    return `${instance.id} ${action.action === 'kill' ? 'was killed' : 'drained and exited'}; the launcher restarts it`
  }
  const { redis } = options
  const status = redisStatus(redis)
  if (redis.kind !== 'started' || !status.controllable) throw unavailable(status.reason ?? 'Redis cannot be controlled')
  if (action.action === 'redis-stop') {
    if (status.state !== 'running') throw unavailable('Redis is already stopped')
    await stopOwnedRedis(redis)
    return 'Redis stopped: each instance now only reaches its own clients'
  }
  if (status.state === 'running') throw unavailable('Redis is already running')
  const child = await startRedisServer(redis.url)
  if (!child) throw new SandboxError('INTERNAL', 'redis-server did not start again')
  redis.child = child
  return 'Redis restarted: the instances reconnect by themselves'
}

/** Who acted, for the log line: never the key. */
// The launcher serves a laptop's browser directly, never behind a proxy: the TCP peer it is.
const actor = (c: Context): string => `instructor at ${clientAddress(c, TrustedProxies.none)}`

/**
 * The fault routes as a Hono app, to mount on the site server before its static files.
 *
 * @example
 * app.route('/', createFaultRoutes({ secret, allowedOrigins: () => origins, instances: () => list, redis, log }))
 */
export function createFaultRoutes(options: FaultOptions): Hono {
  let access = new InstructorAccess(null)
  /** The secret exists once the instances' configurations are built, after the site listens. */
  const currentAccess = (): InstructorAccess => {
    const secret = access.enabled ? null : options.secret()
    if (secret) access = new InstructorAccess(secret)
    return access
  }
  const app = new Hono()
  // Sampled like an instance's refusals: a script guessing keys must not flood the terminal.
  const sampler = new RefusalSampler({}, (key, suppressed) =>
    options.log(`[launcher] refused ${suppressed} more fault control requests from ${key.address ?? '?'} in the last window`),
  )
  const report = (refusal: InstructorRefusal): void => {
    if (!sampler.admit({ code: 'INSTRUCTOR_UNAUTHORIZED', address: refusal.address })) return
    options.log(
      `[launcher] refused a fault control request from ${refusal.address} (${refusal.method} ${refusal.path}): ${refusal.presented ? 'wrong key' : 'no key'}`,
    )
  }
  let busy = false
  app.use('/instructor/api/*', (c, next) => siteRequestsOnly(options.allowedOrigins())(c, next))
  app.use('/instructor/api/*', limitBodies(MAX_FAULT_BODY_BYTES))
  app.use('/instructor/api/*', (c, next) => {
    return requireInstructor(currentAccess(), 'instructor', report, TrustedProxies.none)(c, next)
  })
  app.get('/instructor/api/faults', (c) => {
    c.header('Cache-Control', 'no-store')
    return c.json(faultsStatus(options))
  })
  app.post('/instructor/api/faults', async (c) => {
    const parsed = faultActionSchema.safeParse(await readJsonBody(c))
    if (!parsed.success) throw new SandboxError('INVALID_PAYLOAD', parsed.error.issues.map((i) => i.message).join('; '))
    if (busy) throw unavailable('another fault action is under way')
    busy = true
    const what =
      parsed.data.action === 'kill' || parsed.data.action === 'drain' ? `${parsed.data.action} ${parsed.data.instance}` : parsed.data.action
    options.log(`[launcher] fault control: ${what}, asked by the ${actor(c)}`)
    try {
      const message = await act(options, parsed.data)
      options.log(`[launcher] fault control: ${message}`)
      const answer: FaultAnswer = { ok: true, message, status: faultsStatus(options) }
      return c.json(answer)
    } finally {
      busy = false
    }
  })
  app.onError(answerErrors((line, error) => options.log(`[launcher] ${line} ${String(error)}`)))
  return app
}
