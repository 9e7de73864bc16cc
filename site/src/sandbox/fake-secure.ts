/**
 * Lesson 4's `/secure` namespace and token route in the in-memory fake cluster, run on the
 * server's own rules (`@realtime-workbook/sandbox-server/rules`): the same JWTs (jose, HS256, one
 * key for the whole fake cluster), the same verification and refusal codes, the same role checks,
 * and one rate-limit budget per user shared by every fake instance (the server keeps it in
 * Redis; the fake cluster is one process). Test-only, like `fake-connector.ts`.
 *
 * Not faked: the per-address budget of the token route and the room cap of `/secure` sockets.
 */
import {
  authorizeEvent,
  authorizeRoom,
  emptyPayloadSchema,
  issueToken,
  parseOrThrow,
  resolveInstanceConfig,
  roomPayloadSchema,
  SandboxError,
  secureTextSchema,
  SharedLimiter,
  tokenClaimsOf,
  tokenError,
  tokenKey,
  tokenRequestSchema,
  userRoom,
  verifyToken,
} from '@realtime-workbook/sandbox-server/rules'
import type { FanoutState, SecureMessageEvent, SecureUser, SpaceStats, TokenAnswer } from '@realtime-workbook/sandbox-server/protocol'
import { createEmitter, type ConnectFailure, type LocalErrorAck } from './connector.ts'
import type { SecureClient, SecureConnector, SecureEventMap, SecureRequestMap } from './secure-client.ts'

const SERVER = resolveInstanceConfig()

/** What the fake cluster lends its `/secure` namespace. */
export interface FakeSecureContext {
  later: (fn: () => void) => void
  uid: (prefix: string) => string
  fanout: () => FanoutState
  /** Why a connection to the instance fails before any rule (down, offline, forced), or `null`. */
  unreachable: (instance: string) => ConnectFailure | null
  /** Takes the socket's slot in its space on its instance (the server's registry), or refuses it. */
  admit: (who: { instance: string; space: string; departures: (() => void)[] }) => ConnectFailure | null
}

interface Member {
  instance: string
  space: string
  user: SecureUser
  rooms: Set<string>
  emit: ReturnType<typeof createEmitter<SecureEventMap>>['emit']
  drop: (reason: string) => void
}

/**
 * The token route and `/secure` of a fake cluster.
 *
 * @example
 * const secure = createFakeSecure({ later, uid, fanout, unreachable, admit })
 * const answer = await secure.requestToken({ instance, space, request: { name: 'Ada', role: 'learner' } })
 */
export function createFakeSecure(context: FakeSecureContext): SecureConnector {
  const key = tokenKey(null)
  const perUser = new SharedLimiter({ redis: null, keyPrefix: 'fake:rl:user', perSecond: SERVER.userEventsPerSecond, what: 'events' })
  const members = new Set<Member>()
  const tallies = new Map<string, Tally>()
  let sequence = 0
  return {
    async requestToken({ instance, space, request }): Promise<TokenAnswer | LocalErrorAck> {
      const failure = context.unreachable(instance.id)
      if (failure) return { error: failure }
      try {
        const { claims, kind } = tokenClaimsOf(parseOrThrow(tokenRequestSchema, request, '', 'body'), space, SERVER.tokenLifetimeSeconds)
        return { ok: true, kind, space: claims.space, ...(await issueToken(key, claims, kind)) }
      } catch (error) {
        return SandboxError.from(error).toAck()
      }
    },
    connectSecure: ({ instance, space, token }) =>
      connect(
        { context, key, perUser, members, tallies, nextId: () => `${instance.id}.fake.s${(sequence++).toString(36)}` },
        instance.id,
        space,
        token,
        instance,
      ),
    spaceStats: async ({ instance, space }) => {
      const failure = context.unreachable(instance.id)
      if (failure) throw new Error(failure.message)
      return fakeStats(members, tallies, instance.id, space)
    },
  }
}

/** Refusals the fake counts per `instance/space`, for `spaceStats` (the server's metrics). */
interface Tally {
  rejectedHandshakes: number
  rateLimited: number
}

function tallyOf(tallies: Map<string, Tally>, instance: string, space: string): Tally {
  const key = `${instance}/${space}`
  const tally = tallies.get(key) ?? { rejectedHandshakes: 0, rateLimited: 0 }
  tallies.set(key, tally)
  return tally
}

/** The `/secure` part of the server's `GET /s/<space>/stats` (no rates nor ack times in the fake). */
function fakeStats(members: Set<Member>, tallies: Map<string, Tally>, instance: string, space: string): SpaceStats {
  const mine = [...tallies].filter(([key]) => key.startsWith(`${instance}/`)).map(([, tally]) => tally)
  const { rejectedHandshakes, rateLimited } = tallyOf(tallies, instance, space)
  return {
    instance,
    space,
    windowSeconds: 5,
    connections: [...members].filter((m) => m.instance === instance && m.space === space).length,
    eventsInPerSecond: 0,
    eventsOutPerSecond: 0,
    ackP50Ms: null,
    ackP99Ms: null,
    rejectedHandshakes,
    rateLimited,
    // No raw Engine.IO traffic reaches the fake: nothing is ever oversized here.
    oversizedPackets: 0,
    instanceTotals: {
      connections: [...members].filter((m) => m.instance === instance).length,
      eventsInPerSecond: 0,
      eventsOutPerSecond: 0,
      ackP50Ms: null,
      ackP99Ms: null,
      rejectedHandshakes: mine.reduce((sum, t) => sum + t.rejectedHandshakes, 0),
      rateLimited: mine.reduce((sum, t) => sum + t.rateLimited, 0),
      oversizedPackets: 0,
    },
  }
}

interface Shared {
  context: FakeSecureContext
  key: Uint8Array
  perUser: SharedLimiter
  members: Set<Member>
  tallies: Map<string, Tally>
  nextId: () => string
}

function connect(shared: Shared, instanceId: string, space: string, token: string, instance: SecureClient['instance']): SecureClient {
  const { context, members } = shared
  const emitter = createEmitter<SecureEventMap>()
  const departures: (() => void)[] = []
  let member: Member | null = null
  let closed = false
  let expiry: ReturnType<typeof setTimeout> | undefined
  const drop = (reason: string): void => {
    if (!member) return
    members.delete(member)
    member = null
    clearTimeout(expiry)
    for (const departed of departures.splice(0)) departed()
    emitter.emit('disconnect', { reason })
  }
  context.later(() => {
    if (closed) return
    void admitToken(shared, instanceId, space, token, departures).then((admitted) => {
      if (closed) return
      if ('code' in admitted) {
        tallyOf(shared.tallies, instanceId, space).rejectedHandshakes++
        return emitter.emit('connect_error', admitted)
      }
      const { user, expiresAt } = admitted
      member = { instance: instanceId, space, user, rooms: new Set(), emit: emitter.emit, drop }
      members.add(member)
      const socketId = context.uid('s')
      emitter.emit('hello', {
        instance: instanceId,
        socketId,
        namespace: '/secure',
        space,
        fanout: context.fanout(),
        user,
        expiresAt,
        maxPacketBytes: SERVER.maxPacketBytes,
        userEventsPerSecond: SERVER.userEventsPerSecond,
      })
      expiry = setTimeout(
        () => {
          emitter.emit('secure:expired', tokenError('TOKEN_EXPIRED').toBody())
          drop('io server disconnect')
        },
        Math.max(0, expiresAt - Date.now()),
      )
    })
  })
  return {
    instance,
    on: emitter.on,
    request<K extends keyof SecureRequestMap>(event: K, payload: SecureRequestMap[K][0]) {
      return new Promise<SecureRequestMap[K][1] | LocalErrorAck>((resolve) => {
        context.later(() => {
          if (!member) return resolve({ error: { code: 'DISCONNECTED', message: 'this secure client is not connected' } })
          void handle(shared, member, event, payload).then((answer) => resolve(answer as SecureRequestMap[K][1]))
        })
      })
    },
    close() {
      closed = true
      drop('io client disconnect')
      emitter.clear()
    },
  }
}

/** The handshake: reachability, then the token, then the space's slot. */
async function admitToken(
  shared: Shared,
  instance: string,
  space: string,
  token: string,
  departures: (() => void)[],
): Promise<ConnectFailure | { user: SecureUser; expiresAt: number }> {
  const failure = shared.context.unreachable(instance)
  if (failure) return failure
  try {
    const verified = await verifyToken(shared.key, token, space)
    return shared.context.admit({ instance, space, departures }) ?? verified
  } catch (error) {
    return SandboxError.from(error).toBody()
  }
}

/** One request, in the server's order: the user's budget, the role, the payload, the action. */
async function handle(shared: Shared, member: Member, event: string, payload: unknown): Promise<unknown> {
  const { user, space } = member
  try {
    await shared.perUser.consume(userRoom(user.id))
    authorizeEvent(user, event)
    switch (event) {
      case 'room:join':
      case 'room:leave': {
        const { room } = parseOrThrow(roomPayloadSchema, payload, `${event}: `)
        if (event === 'room:join') authorizeRoom(user, room)
        if (event === 'room:join') member.rooms.add(room)
        else member.rooms.delete(room)
        return { ok: true, rooms: [...member.rooms].sort() }
      }
      case 'secure:send':
      case 'secure:announce': {
        const { text } = parseOrThrow(secureTextSchema, payload, `${event}: `)
        const message: SecureMessageEvent = {
          traceId: shared.nextId(),
          kind: event === 'secure:send' ? 'message' : 'announce',
          from: user,
          text,
        }
        for (const other of shared.members) if (other.space === space) shared.context.later(() => other.emit('message', message))
        return { ok: true, traceId: message.traceId }
      }
      case 'secure:logout-all': {
        parseOrThrow(emptyPayloadSchema, payload ?? {}, `${event}: `)
        const mine = [...shared.members].filter((other) => other.space === space && other.user.id === user.id)
        shared.context.later(() => mine.forEach((other) => other.drop('io server disconnect')))
        return { ok: true }
      }
      default:
        throw new SandboxError('UNKNOWN_EVENT', `unknown event "${event.slice(0, 40)}"`)
    }
  } catch (error) {
    const refusal = SandboxError.from(error)
    if (refusal.code === 'RATE_LIMITED') tallyOf(shared.tallies, member.instance, space).rateLimited++
    return refusal.toAck()
  }
}
