/**
 * Lesson 4's `/secure` namespace of every space: the defences a production Socket.IO server
 * needs, for real.
 *
 * - Authentication at the handshake: a signed token in `auth.token` (never the URL), verified
 *   with HS256 pinned; each way it can be wrong has its own `connect_error` code, and a refused
 *   socket joins nothing.
 * - Authorization per action: moderator-only rooms and events answer `FORBIDDEN` to a learner's
 *   token, and each refusal is logged (one line, never the token).
 * - Expiry while connected (`secure:expired`, then disconnect) and "log out everywhere"
 *   (`disconnectSockets()` on the user's room, through the Redis adapter: every instance).
 * - A rate limit per USER held in Redis, so a user's sockets on every instance share one budget.
 *
 * @module
 */
import type { Namespace, Server, Socket } from 'socket.io'
import { z } from 'zod'
import { parseOrThrow, SandboxError } from '../errors/index.ts'
import type { SandboxLogger } from '../log/index.ts'
import type { SandboxMetrics } from '../metrics/index.ts'
import { emptyPayloadSchema, roomPayloadSchema, secureAuthSchema, secureTextSchema } from '../protocol/schemas.ts'
import {
  SECURE_NAMESPACE,
  SECURE_NAMESPACE_PATTERN,
  parseSpaceNamespace,
  type FanoutState,
  type SecureMessageEvent,
  type SecureServerEvents,
  type SecureUser,
} from '../protocol/index.ts'
import type { SharedLimiter } from '../rate-limit/shared.ts'
import { admitWhenSubscribed, type SubscriptionWait } from '../redis/subscriptions.ts'
import type { SpaceRegistry } from '../spaces/index.ts'
import { authorizeEvent, authorizeRoom, userRoom } from './rules.ts'
import { tokenError, verifyToken } from './tokens.ts'

export { attachTokenRoute, type TokenRouteOptions } from './route.ts'
export { issueToken, tokenError, tokenKey, verifyToken, TOKEN_ALGORITHM } from './tokens.ts'
export { authorizeEvent, authorizeRoom, userRoom } from './rules.ts'

export interface SecureSocketData {
  space: string
  namespace: typeof SECURE_NAMESPACE
  /** The user's display name: what `fetchSockets()` and traces call `label`. */
  label: string
  instance: string
  user: SecureUser
  expiresAt: number
}

type SecureSocket = Socket<Record<string, never>, SecureServerEvents, Record<string, never>, SecureSocketData>
type SecureNsp = Namespace<Record<string, never>, SecureServerEvents, Record<string, never>, SecureSocketData>

export interface SecureOptions {
  instanceId: string
  key: Uint8Array
  fanout: () => FanoutState
  spaces: SpaceRegistry
  /** One budget per user, cluster-wide. */
  perUser: SharedLimiter
  userEventsPerSecond: number
  maxPacketBytes: number
  maxRoomsPerSocket: number
  /** Refusals go to the instance's structured log (sampled, streamed to the space's observers). */
  logger: Pick<SandboxLogger, 'refusal'>
  /** Refused events are counted like the playground's. */
  metrics: Pick<SandboxMetrics, 'refusedEvent'>
  /** A socket is admitted after it (the namespace's Redis subscription in place). */
  subscribed?: SubscriptionWait
}

/** What one refusal line says: never the token, never the message text. */
export interface Refusal {
  space: string
  event: string
  code: string
  userId: string | null
  /** The client's address (`socket.handshake.address`): the sampler's key, with the code. */
  address?: string
}

/**
 * The one place `/secure` writes a refused event to the instance's log: a `warn` with the space,
 * event, code and client address (never the token, the user id or the message text), which also
 * reaches the space's observers. Every code is logged, a flood's `RATE_LIMITED` included: the
 * logger samples by code and address (the first 5 per window, then a count), so a flood costs
 * the log a few lines, and one client's flood does not silence another's. Refused handshakes are
 * logged where every `connect_error` is (errors/connect-errors.ts), not here.
 *
 * @example
 * logRefusal(logger, { space: 'k7q2mx', event: 'room:join', code: 'FORBIDDEN', userId: 'a1b2…', address: '127.0.0.1' })
 */
export function logRefusal(logger: Pick<SandboxLogger, 'refusal'>, refusal: Refusal): void {
  const { space, event, code, address } = refusal
  logger.refusal({ space, namespace: SECURE_NAMESPACE, event, code, ...(address !== undefined && { address }) }, 'secure refused an event')
}

/**
 * Sets up `/s/<space>/secure` on `io`.
 *
 * @example
 * attachSecure(io, { instanceId: 'i1', key, fanout, spaces, perUser, userEventsPerSecond: 20, maxPacketBytes: 16384, maxRoomsPerSocket: 8, log })
 */
export function attachSecure(io: Server, options: SecureOptions): void {
  const secure = io.of(SECURE_NAMESPACE_PATTERN) as unknown as {
    use: (fn: (socket: SecureSocket, next: (err?: Error) => void) => void) => void
    on: (event: 'connection', fn: (socket: SecureSocket) => void) => void
  }
  // The classic adapter subscribes when a space's namespace is made: first wait for it.
  if (options.subscribed) secure.use(admitWhenSubscribed(options.subscribed))
  secure.use(
    (socket, next) =>
      void admit(socket, options).then(
        () => next(),
        (error: unknown) => next(SandboxError.from(error).toConnectError()),
      ),
  )
  secure.on('connection', (socket) => onConnection(socket, options))
}

/** Verifies the handshake token and takes the socket's slots; throws the refusal. */
async function admit(socket: SecureSocket, options: SecureOptions): Promise<void> {
  const where = parseSpaceNamespace(socket.nsp.name)
  if (!where) throw new SandboxError('INVALID_HANDSHAKE', 'not a secure namespace')
  try {
    // The auth object's shape, once, here: exactly { token: string } (the token itself is checked next).
    const auth = secureAuthSchema.safeParse(socket.handshake.auth)
    if (!auth.success) throw tokenError('TOKEN_MISSING')
    const { user, expiresAt } = await verifyToken(options.key, auth.data.token, where.space)
    options.spaces.admit(where.space, socket)
    socket.data = { space: where.space, namespace: SECURE_NAMESPACE, label: user.name, instance: options.instanceId, user, expiresAt }
  } catch (error) {
    throw SandboxError.from(error)
  }
}

let sequence = 0
const boot = Math.random().toString(36).slice(2, 6)

function onConnection(socket: SecureSocket, options: SecureOptions): void {
  const { space, user, expiresAt } = socket.data
  const nsp = socket.nsp as SecureNsp
  void socket.join(userRoom(user.id))
  socket.emit('hello', {
    instance: options.instanceId,
    socketId: socket.id,
    namespace: SECURE_NAMESPACE,
    space,
    fanout: options.fanout(),
    user,
    expiresAt,
    maxPacketBytes: options.maxPacketBytes,
    userEventsPerSecond: options.userEventsPerSecond,
  })
  const expiry = setTimeout(
    () => {
      socket.emit('secure:expired', tokenError('TOKEN_EXPIRED').toBody())
      socket.disconnect(true)
    },
    Math.max(0, expiresAt - Date.now()),
  )
  socket.on('disconnect', () => clearTimeout(expiry))

  const on = registrar(socket, options)
  const say =
    (kind: SecureMessageEvent['kind']) =>
    ({ text }: { text: string }) => {
      const traceId = `${options.instanceId}.${boot}.s${(sequence++).toString(36)}`
      nsp.emit('message', { traceId, kind, from: user, text })
      return { ok: true as const, traceId }
    }
  on('room:join', roomPayloadSchema, ({ room }) => {
    authorizeRoom(user, room)
    if (!socket.rooms.has(room) && learnerRooms(socket).length >= options.maxRoomsPerSocket) {
      throw new SandboxError('ROOM_LIMIT', `a socket may sit in at most ${options.maxRoomsPerSocket} rooms`)
    }
    void socket.join(room)
    return { ok: true as const, rooms: learnerRooms(socket) }
  })
  on('room:leave', roomPayloadSchema, ({ room }) => {
    void socket.leave(room)
    return { ok: true as const, rooms: learnerRooms(socket) }
  })
  on('secure:send', secureTextSchema, say('message'))
  on('secure:announce', secureTextSchema, say('announce'))
  on('secure:logout-all', emptyPayloadSchema, () => {
    // After this ack: the socket asking is one of those disconnected.
    setImmediate(() => nsp.in(userRoom(user.id)).disconnectSockets(true))
    return { ok: true as const }
  })
}

/** Rooms a learner sees: not the socket's id room, not the user room. */
function learnerRooms(socket: SecureSocket): string[] {
  return [...socket.rooms].filter((room) => room !== socket.id && room !== userRoom(socket.data.user.id)).sort()
}

type Handler<S extends z.ZodTypeAny> = (payload: z.output<S>) => unknown

/**
 * Registers the socket's events: each one is rate-limited (the user's shared budget), then
 * authorized (role), then validated, and always answered; unknown events answer `UNKNOWN_EVENT`.
 */
function registrar(socket: SecureSocket, options: SecureOptions) {
  const { space, user } = socket.data
  const known = new Set<string>()
  const dispatch = async (event: string, run: () => unknown, args: unknown[]): Promise<void> => {
    const ack = typeof args.at(-1) === 'function' ? (args.pop() as (answer: unknown) => void) : undefined
    let answer: unknown
    try {
      await options.perUser.consume(userRoom(user.id))
      answer = await run()
    } catch (thrown) {
      const error = SandboxError.from(thrown)
      options.metrics.refusedEvent(socket.nsp.name, error.code)
      logRefusal(options.logger, { space, event, code: error.code, userId: user.id, address: socket.handshake.address })
      answer = error.toAck()
      if (!ack) socket.emit('sandbox:error', error.toBody())
    }
    ack?.(answer)
  }
  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && known.has(event)) return
    const name = String(event).slice(0, 40)
    void dispatch(
      name,
      () => {
        throw new SandboxError('UNKNOWN_EVENT', `unknown event "${name}": use ${[...known].join(', ')}`)
      },
      args,
    )
  })
  return <S extends z.ZodTypeAny>(event: string, schema: S, handle: Handler<S>): void => {
    known.add(event)
    socket.on(
      event as never,
      ((...args: unknown[]) =>
        void dispatch(
          event,
          () => {
            authorizeEvent(user, event)
            return handle(parseOrThrow(schema, args[0] ?? {}, `${event}: `))
          },
          args,
        )) as never,
    )
  }
}
