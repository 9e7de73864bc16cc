/**
 * The HTTP side of an instance (everything outside `/socket.io/`, which Socket.IO owns).
 *
 * @module
 */
import { Hono, type MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'
import { SandboxError } from '../errors/index.ts'
import { SPACE_CODE_PATTERN, SPACE_CODE_RULE, type HealthBody, type SpaceStats } from '../protocol/index.ts'
import { TrustedProxies } from './client-address.ts'
import { answerErrors, clientAddress, limitBodies, siteRequestsOnly } from './guard.ts'

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
  /**
   * Where refused requests are written ({@link LOGGED_REFUSALS}; the instance's logger samples
   * them). Default: not written.
   */
  logRefusal?: (fields: HttpRefusal, msg: string) => void
  /** Whose `X-Forwarded-For` names the client in those lines. Default: `TrustedProxies.none` (the TCP peer). */
  proxies?: TrustedProxies
}

/** One refused request, as {@link AppOptions.logRefusal} receives it. */
export interface HttpRefusal {
  code: string
  address: string
  method: string
  path: string
  origin?: string
  /** The learner space of a `/s/<space>/…` or `/t/<space>/…` path: the line then reaches that space's lab. */
  space?: string
}

/**
 * The refusals worth a log line: what a page on another origin or a flood causes. The instructor
 * routes write their own key refusals; a malformed body is the caller's bug, answered and not logged.
 */
const LOGGED_REFUSALS: ReadonlySet<string> = new Set(['FORBIDDEN_ORIGIN', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED'])

/** The space a path names (`/s/k7q2mx/token`, `/t/k7q2mx/stream`), when it is a space code. */
function spaceOfPath(path: string): string | undefined {
  const space = /^\/[st]\/([^/]+)\//.exec(path)?.[1]
  return space !== undefined && SPACE_CODE_PATTERN.test(space) ? space : undefined
}

/** Hono middleware: writes a line for each refused request of {@link LOGGED_REFUSALS}, after it was answered. */
function logRefusals(log: NonNullable<AppOptions['logRefusal']>, proxies: TrustedProxies): MiddlewareHandler {
  return async (c, next) => {
    await next()
    // Thrown refusals are in `c.error`; the body limit answers its 413 itself.
    const code = c.error instanceof SandboxError ? c.error.code : c.res.status === 413 ? 'PAYLOAD_TOO_LARGE' : null
    if (code === null || !LOGGED_REFUSALS.has(code)) return
    const { method, path } = c.req
    const origin = c.req.header('Origin')
    const fields = { code, address: clientAddress(c, proxies), method, path, space: spaceOfPath(path) }
    log(origin === undefined ? fields : { ...fields, origin }, `refused an HTTP ${method}`)
  }
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
  if (options.logRefusal) app.use('*', logRefusals(options.logRefusal, options.proxies ?? TrustedProxies.none))
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
