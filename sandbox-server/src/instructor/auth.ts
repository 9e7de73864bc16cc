/**
 * Who may act as the instructor: one secret per deployment (config `instructorToken`, handed by the
 * launcher to every instance), sent as `Authorization: Bearer <secret>` and compared in constant
 * time. A second, weaker key is derived from it for the classroom projector: it may READ what the
 * console shows (the cluster, a class), never act, and it does not reveal the secret.
 *
 * Why a header and not a cookie: a page on another origin can make the browser send a cookie, never
 * a header it does not know; so no CSRF is possible on instructor routes. The console keeps the
 * secret in `sessionStorage`, read once from the URL's fragment (which never reaches a request line
 * or a log).
 *
 * @module
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { TrustedProxies } from '../app/client-address.ts'
import { clientAddress } from '../app/guard.ts'
import { SandboxError } from '../errors/index.ts'

import type { InstructorRole } from '../protocol/index.ts'

export type { InstructorRole }

/** The projector key of a secret: HMAC-SHA256(secret, this label), base64url. */
const PROJECTOR_LABEL = 'realtime-workbook projector view v1'

/**
 * The read-only key the launcher prints in the projector link.
 *
 * @example
 * projectorKey('x'.repeat(32)) // => 43 characters of base64url, never the secret itself
 */
export function projectorKey(secret: string): string {
  return createHmac('sha256', secret).update(PROJECTOR_LABEL).digest('base64url')
}

/** SHA-256 of a key: equal-length buffers for `timingSafeEqual`, whatever the length presented. */
const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

/** The message of every refusal (it never says which part was wrong). */
export const INSTRUCTOR_UNAUTHORIZED_MESSAGE = 'this needs the instructor key: open the instructor link that npm start printed'

/**
 * Checks presented keys against one deployment's secret.
 *
 * @example
 * const access = new InstructorAccess(config.instructorToken)
 * access.roleOf(`Bearer ${secret}`) // => 'instructor'
 * access.roleOf('Bearer nope') // => null
 */
export class InstructorAccess {
  readonly #instructor: Buffer | null
  readonly #projector: Buffer | null

  /** `secret` null: instructor features are off and every key is refused. */
  constructor(secret: string | null) {
    this.#instructor = secret === null ? null : digest(secret)
    this.#projector = secret === null ? null : digest(projectorKey(secret))
  }

  /** Whether instructor features are on (a secret is configured). */
  get enabled(): boolean {
    return this.#instructor !== null
  }

  /** The role of a raw key (the secret, or the projector key), or `null`. */
  roleOfKey(key: string): InstructorRole | null {
    if (!this.#instructor || !this.#projector || key.length === 0 || key.length > 512) return null
    const presented = digest(key)
    // Both comparisons always run: the time taken says nothing about which key was close.
    const instructor = timingSafeEqual(presented, this.#instructor)
    const projector = timingSafeEqual(presented, this.#projector)
    return instructor ? 'instructor' : projector ? 'projector' : null
  }

  /** The role of an `Authorization` header value (`Bearer <key>`), or `null`. */
  roleOf(authorization: string | undefined): InstructorRole | null {
    const match = /^Bearer ([A-Za-z0-9_-]{1,512})$/.exec(authorization ?? '')
    return match?.[1] ? this.roleOfKey(match[1]) : null
  }
}

/** What a refused instructor request reports (never the header's value). */
export interface InstructorRefusal {
  /** The client's address (the TCP peer, or the client a trusted proxy forwards). */
  address: string
  method: string
  path: string
  /** The role that was needed. */
  needed: InstructorRole
  /** Whether a key was presented at all (wrong key vs. no key). */
  presented: boolean
}

/**
 * Hono middleware: lets a request through only with a key of at least `needed` (the instructor's
 * key satisfies `projector` too); else 401 `INSTRUCTOR_UNAUTHORIZED`, reported to `onRefused` with
 * the client's address (`proxies`: whose `X-Forwarded-For` is believed).
 *
 * @example
 * app.post('/instructor/classes', requireInstructor(access, 'instructor', report, TrustedProxies.none), createClass)
 */
export function requireInstructor(
  access: InstructorAccess,
  needed: InstructorRole,
  onRefused: (refusal: InstructorRefusal) => void,
  proxies: TrustedProxies,
): MiddlewareHandler {
  return async (c, next) => {
    const authorization = c.req.header('Authorization')
    const role = access.roleOf(authorization)
    if (role === 'instructor' || (role === 'projector' && needed === 'projector')) return next()
    onRefused({
      address: clientAddress(c, proxies),
      method: c.req.method,
      path: c.req.path.slice(0, 128),
      needed,
      presented: authorization !== undefined,
    })
    throw new SandboxError('INSTRUCTOR_UNAUTHORIZED', INSTRUCTOR_UNAUTHORIZED_MESSAGE)
  }
}
