/**
 * The HTTP side of an instance (everything outside `/socket.io/`, which Socket.IO owns).
 *
 * @module
 */
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { SandboxError } from '../errors/index.ts'
import { SPACE_CODE_PATTERN, SPACE_CODE_RULE, type HealthBody, type SpaceStats } from '../protocol/index.ts'
import { answerErrors, limitBodies, siteRequestsOnly } from './guard.ts'

export { answerErrors, clientAddress, FORBIDDEN_ORIGIN_MESSAGE, limitBodies, originAllowed, siteRequestsOnly } from './guard.ts'
export {
  clientAddressOf,
  TrustedProxies,
  FORWARDED_FOR_MAX_CHARS,
  FORWARDED_FOR_MAX_HOPS,
  type ForwardedRequest,
} from './client-address.ts'

export interface AppOptions {
  allowedOrigins: readonly string[]
  /** Largest request body accepted on any route, in bytes. Default 4096. */
  maxBodyBytes?: number
  /** Current health, computed on each request. */
  health: () => Omit<HealthBody, 'status'>
  /** The Prometheus exposition (`GET /metrics`), or absent when metrics are off (then 404). */
  metrics?: () => Promise<{ contentType: string; text: string }>
  /** One space's figures for the lab's monitoring panel (`GET /s/<space>/stats`); absent with metrics off. */
  spaceStats?: (space: string) => SpaceStats
  /** Where an unexpected error of a route is reported. Default: `console.error`. */
  logError?: (line: string, error: unknown) => void
}

/**
 * Builds the Hono app of one instance.
 *
 * @example
 * const app = createApp({ allowedOrigins: ['http://localhost:4321'], health })
 * const response = await app.request('/healthz') // 200 { status: 'ok', instance: 'i1', ... }
 * // status is 'degraded' while Redis is configured but not ready
 */
export function createApp(options: AppOptions): Hono {
  const app = new Hono()
  app.use(
    '*',
    cors({
      origin: [...options.allowedOrigins],
      allowMethods: ['GET', 'POST'],
      // Last-Event-ID: EventSource sends it when it reconnects to resume a stream. Authorization:
      // the instructor console's key (src/instructor).
      allowHeaders: ['Content-Type', 'Last-Event-ID', 'Authorization'],
      maxAge: 600,
    }),
  )
  // After CORS, so the site can read a 413's JSON body.
  app.use('*', limitBodies(options.maxBodyBytes ?? 4_096))
  const siteOnly = siteRequestsOnly(new Set(options.allowedOrigins))
  app.get('/healthz', (c) => {
    c.header('Cache-Control', 'no-store')
    const health = options.health()
    // Redis configured but not ready: the instance runs, yet reaches only its own clients.
    const status = health.redis === 'ready' || health.redis === 'disabled' ? 'ok' : 'degraded'
    const body: HealthBody = { status, ...health }
    return c.json(body)
  })
  if (options.metrics) {
    const scrape = options.metrics
    // Aggregates only (no space code, no socket id: see src/metrics), so no loopback rule; a
    // page on a foreign origin is still refused, like on every other route.
    app.get('/metrics', siteOnly, async (c) => {
      const { contentType, text } = await scrape()
      return c.body(text, 200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' })
    })
  }
  if (options.spaceStats) {
    const read = options.spaceStats
    app.get('/s/:space/stats', siteOnly, (c) => {
      const space = c.req.param('space')
      if (!SPACE_CODE_PATTERN.test(space)) throw new SandboxError('INVALID_PAYLOAD', SPACE_CODE_RULE)
      c.header('Cache-Control', 'no-store')
      return c.json(read(space))
    })
  }
  app.get('/', (c) => c.text('realtime-workbook sandbox instance. Socket.IO lives under /socket.io/, health at /healthz.\n'))
  app.onError(answerErrors(options.logError ?? ((line, error) => console.error(line, error))))
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } }, 404))
  return app
}
