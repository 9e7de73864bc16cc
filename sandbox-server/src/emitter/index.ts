/**
 * The emitter service: a process that is **not** a Socket.IO server, yet reaches the learners'
 * clients through Redis with @socket.io/redis-emitter (lesson 3). It has one HTTP route:
 * `POST /emit { space, text, room? }` -> `{ ok, traceId, line }` (`EmitPayload` -> `EmitAnswer` in the protocol), for the site's pages only (Origin,
 * `Content-Type: application/json`, a few KB; see app/guard.ts), and 503 `REDIS_UNAVAILABLE`
 * when Redis is unreachable: the emitter publishes nothing else, so it cannot claim `ok` then.
 *
 * @module
 */
import { Emitter } from '@socket.io/redis-emitter'
import type { Redis } from 'ioredis'
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { answerErrors, limitBodies, siteRequestsOnly } from '../app/guard.ts'
import { parseOrThrow, SandboxError } from '../errors/index.ts'
import { emitterLine, spaceNamespace, type EmitAnswer, type MessageEvent } from '../protocol/index.ts'
import { emitPayloadSchema } from '../protocol/schemas.ts'

export interface EmitterAppOptions {
  /**
   * The publisher: one that never rejects (see `forgivingPublisher`). If it does not queue while
   * offline (`enableOfflineQueue: false`, as in main.ts), `/emit` answers 503 while it is not ready.
   */
  redis: Redis
  keyPrefix: string
  allowedOrigins: readonly string[]
  /** Largest request body, in bytes. Default 4096. */
  maxBodyBytes?: number
}

/**
 * Builds the emitter's HTTP app over a Redis client.
 *
 * @example
 * const app = createEmitterApp({ redis, keyPrefix: 'rtwb', allowedOrigins: ['http://localhost:4321'] })
 */
export function createEmitterApp(options: EmitterAppOptions): Hono {
  const emitter = new Emitter(options.redis, { key: options.keyPrefix })
  let sequence = 0
  const app = new Hono()
  app.use('*', cors({ origin: [...options.allowedOrigins], allowMethods: ['GET', 'POST'], allowHeaders: ['Content-Type'] }))
  app.use('*', limitBodies(options.maxBodyBytes ?? 4_096))
  app.onError(answerErrors((line, error) => console.error(`[emitter] ${line}`, error)))
  app.get('/healthz', (c) =>
    c.json({ status: options.redis.status === 'ready' ? 'ok' : 'degraded', role: 'emitter', redis: options.redis.status }),
  )
  app.post('/emit', siteRequestsOnly(new Set(options.allowedOrigins)), async (c) => {
    const raw = await c.req.json().catch(() => {
      throw new SandboxError('INVALID_PAYLOAD', 'the body must be JSON')
    })
    const { space, text, room } = parseOrThrow(emitPayloadSchema, raw, '', 'body')
    // A publisher that does not queue while Redis is away (the emitter's) drops the message
    // without a word (it never rejects): ask before claiming `ok`.
    if (options.redis.status !== 'ready' && !options.redis.options.enableOfflineQueue)
      throw new SandboxError('REDIS_UNAVAILABLE', `Redis is ${options.redis.status}: nothing was published, try again when it is back`)
    const msg: MessageEvent = {
      traceId: `emitter.${(sequence++).toString(36)}`,
      call: 'emitter.emit',
      from: 'emitter',
      text,
      rooms: room ? [room] : [],
    }
    const target = emitter.of(spaceNamespace(space, '/with-redis'))
    ;(room ? target.to(room) : target).emit('message', msg)
    const answer: EmitAnswer = { ok: true, traceId: msg.traceId, line: emitterLine(room) }
    return c.json(answer)
  })
  return app
}
