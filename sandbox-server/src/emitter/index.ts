/**
 * The emitter service: a process that is **not** a Socket.IO server, yet reaches the learners'
 * clients through Redis with @socket.io/redis-emitter (lesson 3). It has one HTTP route:
 * `POST /emit { space, text, room? }` -> `{ ok, traceId, line }` (`EmitPayload` -> `EmitAnswer` in the protocol).
 *
 * @module
 */
import { Emitter } from '@socket.io/redis-emitter'
import type { Redis } from 'ioredis'
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { parseOrThrow, SandboxError } from '../errors/index.ts'
import { emitterLine, spaceNamespace, type EmitAnswer, type MessageEvent } from '../protocol/index.ts'
import { emitPayloadSchema } from '../protocol/schemas.ts'

/**
 * Builds the emitter's HTTP app over a Redis client (give it a publisher that never rejects).
 *
 * @example
 * const app = createEmitterApp({ redis, keyPrefix: 'rtwb', allowedOrigins: ['http://localhost:4321'] })
 */
export function createEmitterApp(options: { redis: Redis; keyPrefix: string; allowedOrigins: readonly string[] }): Hono {
  const emitter = new Emitter(options.redis, { key: options.keyPrefix })
  let sequence = 0
  const app = new Hono()
  app.use('*', cors({ origin: [...options.allowedOrigins], allowMethods: ['GET', 'POST'], allowHeaders: ['Content-Type'] }))
  app.get('/healthz', (c) => c.json({ status: 'ok', role: 'emitter', redis: options.redis.status }))
  app.post('/emit', async (c) => {
    try {
      const raw = await c.req.json().catch(() => {
        throw new SandboxError('INVALID_PAYLOAD', 'the body must be JSON')
      })
      const { space, text, room } = parseOrThrow(emitPayloadSchema, raw, '', 'body')
      const msg: MessageEvent = { traceId: `emitter.${(sequence++).toString(36)}`, call: 'emitter.emit', from: 'emitter', text, rooms: room ? [room] : [] }
      const target = emitter.of(spaceNamespace(space, '/with-redis'))
      ;(room ? target.to(room) : target).emit('message', msg)
      const answer: EmitAnswer = { ok: true, traceId: msg.traceId, line: emitterLine(room) }
      return c.json(answer)
    } catch (error) {
      const sandboxError = SandboxError.from(error)
      return c.json(sandboxError.toAck(), sandboxError.code === 'INTERNAL' ? 500 : 400)
    }
  })
  return app
}
