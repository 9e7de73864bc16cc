/**
 * The official Socket.IO Admin UI (`@socket.io/admin-ui`) on an instance's main Socket.IO server,
 * in the instructor's namespace {@link ADMIN_UI_NAMESPACE}:
 * - login `instructor` + the instructor secret (bcrypt-hashed at start), or a configured bcrypt
 *   hash; no secret and no hash: the namespace does not exist (Socket.IO answers "Invalid namespace");
 * - a guard in front of the package's own check: the handshake's `auth` must have the UI's shape
 *   (the package hands anything to bcrypt, and a non-string password made it reject unhandled),
 *   logins per client address are rate-limited (bcrypt is costly by design), and a refusal is a
 *   typed `connect_error` (`INSTRUCTOR_UNAUTHORIZED`, message `invalid credentials`, which the UI
 *   shows as such), logged by the instance's connect-error hook without the password;
 * - the guard also opens the session of a password login, and sends its id AFTER the connection:
 *   the package sends it from its middleware, before the UI listens for it, so the UI never kept
 *   it and a page reload asked for the password again;
 * - read-only unless configured (an action is then ignored by the package and logged here);
 * - `serverId` = the instance id, so the UI lists i1, i2, i3; the namespace uses the classic Redis
 *   adapter (server/index.ts), so one UI connection receives every instance's `server_stats`;
 * - sessions in Redis under the deployment's prefix (./store.ts), so a login holds on every instance;
 * - the package's per-packet counter replaced by a cheaper one (./event-buffer.ts).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { instrument } from '@socket.io/admin-ui'
import bcrypt from 'bcryptjs'
import type { Redis } from 'ioredis'
import type { Server, Socket } from 'socket.io'
import { z } from 'zod'
import type { InstanceConfig } from '../config/index.ts'
import { SandboxError } from '../errors/index.ts'
import type { SandboxLogger } from '../log/index.ts'
import { ADMIN_UI_NAMESPACE, ADMIN_UI_USERNAME } from '../protocol/index.ts'
import { SharedLimiter } from '../rate-limit/shared.ts'
import { AdminSessions, type AdminSessionStore } from './store.ts'
import { LeanEventBuffer } from './event-buffer.ts'

export { AdminSessions, MemorySessionStore, RedisSessionStore, ADMIN_SESSION_SECONDS, MAX_MEMORY_SESSIONS } from './store.ts'
export type { AdminSessionStore } from './store.ts'

/** bcrypt cost of the hash made from the instructor secret at start (~50-100 ms per check in bcryptjs). */
export const ADMIN_UI_BCRYPT_COST = 10

/** The message of every refused login: the UI translates exactly this one. */
export const ADMIN_UI_REFUSAL = 'invalid credentials'

/** What the UI sends in `auth`: a session id it was given (16 hex digits), or the login form. */
const adminAuthSchema = z.union([
  z.object({ sessionId: z.string().regex(/^[0-9a-f]{16}$/) }).strict(),
  z.object({ username: z.string().max(64), password: z.string().min(1).max(512) }).strict(),
])

/** The options of the Admin UI that come from the instance configuration. */
export type AdminUiConfig = Pick<
  InstanceConfig,
  'instanceId' | 'keyPrefix' | 'instructorToken' | 'adminUiPasswordHash' | 'adminUiReadonly' | 'adminUiMode' | 'adminUiLoginsPerSecond'
>

export interface AdminUiOptions {
  config: AdminUiConfig
  /** The instance's Redis command client (the publisher), or `null` without Redis. */
  redis: Redis | null
  logger: SandboxLogger
}

export interface AdminUi {
  /** Whether the namespace exists (a secret or a hash is configured). */
  readonly enabled: boolean
  /** Admin UI sockets connected to this instance now (they count as observers). */
  sockets(): number
  /** Stops the package's stats timer (it has no stop of its own). */
  close(): void
}

/**
 * The bcrypt hash the login is checked against: the configured one, else one made from the
 * instructor secret now; `null` when there is neither (the Admin UI stays off).
 *
 * @example
 * await adminUiPasswordHash({ adminUiPasswordHash: null, instructorToken: null }) // => null
 */
export async function adminUiPasswordHash(config: Pick<AdminUiConfig, 'adminUiPasswordHash' | 'instructorToken'>): Promise<string | null> {
  if (config.adminUiPasswordHash !== null) return config.adminUiPasswordHash
  return config.instructorToken === null ? null : bcrypt.hash(config.instructorToken, ADMIN_UI_BCRYPT_COST)
}

/**
 * How a handshake's `auth` may enter: with a known session id (`session`), with `instructor` and
 * the password (`password`), or not at all (`null`). Never throws on a malformed `auth`.
 *
 * @example
 * await adminLogin({ username: 'instructor', password: secret }, hash, store) // => 'password'
 * await adminLogin({ username: 'instructor', password: 42 }, hash, store) // => null
 */
export async function adminLogin(auth: unknown, hash: string, store: AdminSessionStore): Promise<'session' | 'password' | null> {
  const parsed = adminAuthSchema.safeParse(auth)
  if (!parsed.success) return null
  if ('sessionId' in parsed.data) return (await store.doesSessionExist(parsed.data.sessionId)) ? 'session' : null
  if (parsed.data.username !== ADMIN_UI_USERNAME) return null
  return (await bcrypt.compare(parsed.data.password, hash)) ? 'password' : null
}

/**
 * Socket.IO middleware: rate limit per address, then the login check (refusals are typed). A
 * password login gets a new session, whose id replaces the credentials in `auth`: the package's
 * own check then finds it (no second bcrypt), and `issued` keeps it to send after the connection.
 */
function loginGuard(hash: string, store: AdminSessionStore, limiter: SharedLimiter, issued: WeakMap<Socket, string>) {
  const refused = new SandboxError('INSTRUCTOR_UNAUTHORIZED', ADMIN_UI_REFUSAL)
  return (socket: Socket, next: (error?: Error) => void): void => {
    limiter
      .consume(`addr:${socket.handshake.address}`)
      .then(() => adminLogin(socket.handshake.auth, hash, store))
      .then(
        (login) => {
          if (login === null) return next(refused.toConnectError())
          if (login === 'password') {
            const sessionId = randomBytes(8).toString('hex')
            store.saveSession(sessionId)
            socket.handshake.auth = { sessionId }
            issued.set(socket, sessionId)
          }
          next()
        },
        (error: unknown) => next(SandboxError.from(error).toConnectError()),
      )
  }
}

/** In read-only mode the package registers no action handler: log each attempted action. */
function logRefusedActions(socket: Socket, logger: SandboxLogger): void {
  socket.onAny((event: unknown) => {
    logger.refusal(
      { code: 'FORBIDDEN', address: socket.handshake.address, namespace: ADMIN_UI_NAMESPACE, event: String(event) },
      'refused an Admin UI action: the Admin UI is read-only (ADMIN_UI_READONLY=0 allows actions)',
    )
  })
}

/**
 * Calls `instrument()` and keeps the stats timer it starts (`setInterval` every 2 s, never
 * cleared by the package), so closing the instance stops it.
 */
function instrumentKeepingTimers(io: Server, options: Parameters<typeof instrument>[1]): NodeJS.Timeout[] {
  const timers: NodeJS.Timeout[] = []
  const original = globalThis.setInterval
  const keep = (...args: Parameters<typeof setInterval>): NodeJS.Timeout => {
    const timer = original(...args)
    timers.push(timer)
    return timer
  }
  globalThis.setInterval = keep as typeof setInterval
  try {
    instrument(io, options)
  } finally {
    globalThis.setInterval = original
  }
  return timers
}

/**
 * Instruments `io` with the Admin UI, or does nothing when there is no password to check.
 *
 * @example
 * const adminUi = await attachAdminUi(io, { config, redis: link.pub, logger })
 * adminUi.enabled // => true with an instructor secret
 * // The UI logs in at http://localhost:4001 + namespace /admin-ui, user instructor.
 */
export async function attachAdminUi(io: Server, options: AdminUiOptions): Promise<AdminUi> {
  const { config, redis, logger } = options
  const hash = await adminUiPasswordHash(config)
  if (hash === null) return { enabled: false, sockets: () => 0, close: () => undefined }
  const onStoreError = (error: Error): void => logger.warn({ reason: error.message }, 'Admin UI: the session store in Redis failed')
  const store = new AdminSessions(redis, config.keyPrefix, onStoreError)
  const limiter = new SharedLimiter({
    redis,
    keyPrefix: `${config.keyPrefix}:rl:admin-ui`,
    perSecond: config.adminUiLoginsPerSecond,
    what: 'Admin UI logins',
  })
  const namespace = io.of(ADMIN_UI_NAMESPACE)
  // Runs before the package's own middleware (registered by instrument() below).
  const issued = new WeakMap<Socket, string>()
  namespace.use(loginGuard(hash, store, limiter, issued))
  namespace.on('connection', (socket) => {
    const sessionId = issued.get(socket)
    if (sessionId !== undefined) socket.emit('session', sessionId)
    if (config.adminUiReadonly) logRefusedActions(socket, logger)
  })
  const timers = instrumentKeepingTimers(io, {
    namespaceName: ADMIN_UI_NAMESPACE,
    auth: { type: 'basic', username: ADMIN_UI_USERNAME, password: hash },
    readonly: config.adminUiReadonly,
    mode: config.adminUiMode,
    serverId: config.instanceId,
    store,
  })
  // The package reads `io._eventBuffer` at each count: the cheaper buffer takes over from now on.
  Object.assign(io, { _eventBuffer: new LeanEventBuffer() })
  return {
    enabled: true,
    sockets: () => namespace.sockets.size,
    close: () => timers.forEach((timer) => clearInterval(timer)),
  }
}
