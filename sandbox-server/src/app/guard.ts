/**
 * The HTTP rules every sandbox process applies at its edge, in one place: which requests count as
 * coming from the site (the Origin rule, shared with Engine.IO and the raw WebSocket), which
 * bodies a state-changing route accepts (JSON only, a few KB at most).
 *
 * Why JSON only: a page on any site may POST `text/plain`, form or multipart bodies to us without
 * a CORS preflight; `application/json` needs one, which our CORS answer refuses to foreign origins.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { Context, ErrorHandler, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { SandboxError } from '../errors/index.ts'
import { clientAddressOf, type TrustedProxies } from './client-address.ts'

/**
 * Whether a request comes from one of the site's pages (or from no page at all).
 *
 * - With an `Origin` header: only the allowed origins. (`null`, sent by sandboxed frames and
 *   `file:` pages, is never allowed.)
 * - Without one: a non-browser client (a script, a test), as the handshake always allowed,
 *   unless the browser marked the request `Sec-Fetch-Site: cross-site` - which it does for the
 *   no-Origin requests a foreign page can still make, such as `<img src>` or `<script src>`.
 *
 * @example
 * originAllowed(new Set(['http://localhost:4321']), 'http://evil.example', undefined) // => false
 * originAllowed(new Set(['http://localhost:4321']), undefined, undefined) // => true (a script)
 */
export function originAllowed(allowed: ReadonlySet<string>, origin: string | undefined, fetchSite: string | undefined): boolean {
  if (origin !== undefined) return allowed.has(origin)
  return fetchSite !== 'cross-site'
}

/** The message of every FORBIDDEN_ORIGIN refusal. */
export const FORBIDDEN_ORIGIN_MESSAGE = 'this page is not one of the site origins allowed to use the sandbox'

/**
 * Hono middleware: refuses requests from other origins (403 `FORBIDDEN_ORIGIN`) and, for
 * anything but GET/HEAD/OPTIONS, bodies that are not `application/json` (415
 * `UNSUPPORTED_MEDIA_TYPE`). Errors are thrown, so the app's `onError` answers them.
 *
 * @example
 * routes.use('*', siteRequestsOnly(new Set(['http://localhost:4321'])))
 */
export function siteRequestsOnly(allowed: ReadonlySet<string>): MiddlewareHandler {
  return async (c, next) => {
    if (!originAllowed(allowed, c.req.header('Origin'), c.req.header('Sec-Fetch-Site'))) {
      throw new SandboxError('FORBIDDEN_ORIGIN', FORBIDDEN_ORIGIN_MESSAGE)
    }
    const method = c.req.method
    if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') {
      const mediaType = (c.req.header('Content-Type') ?? '').split(';', 1)[0]?.trim().toLowerCase()
      if (mediaType !== 'application/json') {
        throw new SandboxError('UNSUPPORTED_MEDIA_TYPE', `send the body as Content-Type: application/json (got ${mediaType || 'none'})`)
      }
    }
    await next()
  }
}

/**
 * Hono middleware: bodies over `maxBytes` are answered with a JSON 413 `PAYLOAD_TOO_LARGE`
 * before they are buffered (by Content-Length, or while a chunked body streams in).
 *
 * @example
 * app.use('*', limitBodies(4096))
 */
export function limitBodies(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      const error = new SandboxError('PAYLOAD_TOO_LARGE', `the body is larger than ${maxBytes} bytes`)
      // Close the connection: whatever is left of the body is not worth reading.
      c.header('Connection', 'close')
      return c.json(error.toAck(), error.httpStatus)
    },
  })
}

/**
 * An `onError` handler for a Hono app: any error becomes `{ error: { code, message } }` with the
 * code's HTTP status; unexpected ones are logged and answered `INTERNAL`.
 *
 * @example
 * app.onError(answerErrors((line, error) => console.error(line, error)))
 */
export function answerErrors(log: (line: string, error: unknown) => void): ErrorHandler {
  return (error, c) => {
    const sandboxError = SandboxError.from(error)
    if (sandboxError.code === 'INTERNAL') log(`${c.req.method} ${c.req.path} failed:`, error)
    return c.json(sandboxError.toAck(), sandboxError.httpStatus)
  }
}

/**
 * The JSON body of a request, or `INVALID_PAYLOAD` when it is not JSON (validate it next).
 *
 * @example
 * const payload = parseOrThrow(schema, await readJsonBody(c), '', 'body')
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json()
  } catch {
    throw new SandboxError('INVALID_PAYLOAD', 'the body must be JSON')
  }
}

/**
 * The client address of a request (Hono on Node's adaptor), for per-address budgets and logs: the
 * TCP peer, or behind one of `proxies` the client it forwards (the rule: ./client-address.ts).
 *
 * @example
 * clientAddress(c, TrustedProxies.none) // => '127.0.0.1' ('unknown' outside Node, e.g. `app.request()` in tests)
 */
export function clientAddress(c: Context, proxies: TrustedProxies): string {
  const env: unknown = c.env
  const incoming = typeof env === 'object' && env !== null && 'incoming' in env ? (env as { incoming: IncomingMessage }).incoming : null
  return incoming ? clientAddressOf(incoming, proxies) : 'unknown'
}
