/**
 * The instructor's HTTP routes on an instance, all under `/instructor/`, all behind
 * {@link requireInstructor} (the deployment's secret, or the projector's read-only key) and the
 * site-origin rule. Every refusal is logged (sampled, with the client's address, never the presented key).
 *
 * @module
 */
import type { Hono, MiddlewareHandler } from 'hono'
import type { TrustedProxies } from '../app/client-address.ts'
import type { SandboxLogger } from '../log/index.ts'
import { siteRequestsOnly } from '../app/index.ts'
import { InstructorAccess, requireInstructor, type InstructorRefusal, type InstructorRole } from './auth.ts'

export { InstructorAccess, projectorKey, requireInstructor, INSTRUCTOR_UNAUTHORIZED_MESSAGE } from './auth.ts'
export type { InstructorRefusal, InstructorRole } from './auth.ts'

export interface InstructorRoutesOptions {
  access: InstructorAccess
  allowedOrigins: ReadonlySet<string>
  /** Whose `X-Forwarded-For` names the client in refusal logs. */
  proxies: TrustedProxies
  logger: SandboxLogger
}

/** What every instructor route file receives: the app and a guard per role. */
export interface InstructorRouter {
  app: Hono
  /** Middleware: the site's origin, then a key of at least `role`. */
  guard(role: InstructorRole): MiddlewareHandler
}

/**
 * Adds the instructor routes to an instance's app, and returns the guard so later features
 * (classes, fault controls) add theirs behind the same checks.
 *
 * @example
 * const router = attachInstructor(app, { access: new InstructorAccess(secret), allowedOrigins, proxies, logger })
 * // GET /instructor/whoami with "Authorization: Bearer <secret>" => 200 { role: 'instructor' }
 */
export function attachInstructor(app: Hono, options: InstructorRoutesOptions): InstructorRouter {
  const { access, logger, proxies } = options
  const siteOnly = siteRequestsOnly(options.allowedOrigins)
  const report = (refusal: InstructorRefusal): void => {
    logger.refusal(
      { code: 'INSTRUCTOR_UNAUTHORIZED', address: refusal.address, method: refusal.method, path: refusal.path },
      `refused an instructor request (needs the ${refusal.needed} key): ${refusal.presented ? 'wrong key' : 'no key'}`,
    )
  }
  const both =
    (keyCheck: MiddlewareHandler): MiddlewareHandler =>
    (c, next) =>
      siteOnly(c, () => keyCheck(c, next).then(() => undefined))
  const guards = {
    instructor: both(requireInstructor(access, 'instructor', report, proxies)),
    projector: both(requireInstructor(access, 'projector', report, proxies)),
  }
  const router: InstructorRouter = { app, guard: (role) => guards[role] }
  app.get('/instructor/whoami', router.guard('projector'), (c) => {
    c.header('Cache-Control', 'no-store')
    return c.json({ role: access.roleOf(c.req.header('Authorization')) })
  })
  return router
}
