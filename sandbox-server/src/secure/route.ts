/**
 * The token route of lesson 4: `POST /s/<space>/token` (or `POST /token` with `space` in the
 * body) hands out a short-lived JWT for a display name and a role, or one of the lab's
 * deliberately bad tokens. Like every state-changing route: site origins only, JSON only,
 * body-limited (the app's `limitBodies`), and rate-limited per client address across the cluster
 * (this traffic is not authenticated yet).
 *
 * @module
 */
import { Hono, type Context } from 'hono'
import type { TrustedProxies } from '../app/client-address.ts'
import { answerErrors, clientAddress, readJsonBody, siteRequestsOnly } from '../app/guard.ts'
import { parseOrThrow } from '../errors/index.ts'
import { tokenRequestSchema } from '../protocol/schemas.ts'
import type { TokenAnswer } from '../protocol/index.ts'
import type { SharedLimiter } from '../rate-limit/shared.ts'
import { tokenClaimsOf } from './rules.ts'
import { issueToken } from './tokens.ts'

export interface TokenRouteOptions {
  allowedOrigins: ReadonlySet<string>
  key: Uint8Array
  /** Longest (and default) lifetime, seconds. */
  lifetimeSeconds: number
  /** Token requests per client address. */
  perAddress: SharedLimiter
  /** Whose `X-Forwarded-For` names the client the budget is counted for. */
  proxies: TrustedProxies
  /** Where an unexpected error of the route is reported (the instance's logger, at level error). */
  logError: (line: string, error: unknown) => void
}

/**
 * Adds the token routes to `app`.
 *
 * @example
 * attachTokenRoute(app, { allowedOrigins, key, lifetimeSeconds: 300, perAddress, proxies, logError })
 * // POST /s/k7q2mx/token {"name":"Ada","role":"learner"} -> { ok: true, token, user, expiresAt, ... }
 */
export function attachTokenRoute(app: Hono, options: TokenRouteOptions): void {
  const routes = new Hono()
  routes.onError(answerErrors(options.logError))
  // On these paths only: mounted at `/`, a `use('*')` would guard every route of the app.
  const siteOnly = siteRequestsOnly(options.allowedOrigins)
  const issue = async (c: Context, pathSpace: string | undefined): Promise<Response> => {
    await options.perAddress.consume(`addr:${clientAddress(c, options.proxies)}`)
    const request = parseOrThrow(tokenRequestSchema, await readJsonBody(c), '', 'body')
    const { claims, kind } = tokenClaimsOf(request, pathSpace, options.lifetimeSeconds)
    const issued = await issueToken(options.key, claims, kind)
    const answer: TokenAnswer = { ok: true, kind, space: claims.space, ...issued }
    c.header('Cache-Control', 'no-store')
    return c.json(answer)
  }
  routes.post('/s/:space/token', siteOnly, (c) => issue(c, c.req.param('space')))
  routes.post('/token', siteOnly, (c) => issue(c, undefined))
  app.route('/', routes)
}
