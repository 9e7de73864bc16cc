/**
 * The HTTP side of an instance (everything outside `/socket.io/`, which Socket.IO owns).
 *
 * @module
 */
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import type { HealthBody } from '../protocol/index.ts'

export interface AppOptions {
  allowedOrigins: readonly string[]
  /** Current health, computed on each request. */
  health: () => Omit<HealthBody, 'status'>
}

/**
 * Builds the Hono app of one instance.
 *
 * @example
 * const app = createApp({ allowedOrigins: ['http://localhost:4321'], health })
 * const response = await app.request('/healthz') // 200 { status: 'ok', instance: 'i1', ... }
 */
export function createApp(options: AppOptions): Hono {
  const app = new Hono()
  app.use(
    '*',
    cors({
      origin: [...options.allowedOrigins],
      allowMethods: ['GET', 'POST'],
      // Last-Event-ID: EventSource sends it when it reconnects to resume a stream.
      allowHeaders: ['Content-Type', 'Last-Event-ID'],
      maxAge: 600,
    }),
  )
  app.get('/healthz', (c) => {
    c.header('Cache-Control', 'no-store')
    const body: HealthBody = { status: 'ok', ...options.health() }
    return c.json(body)
  })
  app.get('/', (c) =>
    c.text('realtime-workbook sandbox instance. Socket.IO lives under /socket.io/, health at /healthz.\n'),
  )
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } }, 404))
  return app
}
